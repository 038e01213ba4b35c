// SPDX-License-Identifier: GPL-2.0 OR MIT
// The Wycheproof vectors (wycheproof.hpp) through the ABI: each call one
// SQE on a connection of the test's own, and the completion record of a
// call that asked for one and ran must agree with its CQE.
#include "hsm_conn.hpp"
#include "wycheproof.hpp"

namespace {

using hsmtest::Conn;
using wycheproof::Answer;
using wycheproof::Bytes;
using wycheproof::Failure;

// Region layout for one call.
constexpr uint32_t kKdf = 3584, kIv = 4096, kAad = 8192, kIn = 65536, kTag = 131072,
		   kOut = 262144, kResp2 = 1024;

class Raw {
public:
	static constexpr const char *kName = "wycheproof";

	// A key of the connection, released when it goes.
	class Key {
	public:
		Key(Conn &c, __u64 id) : c_(&c), id_(id) {}
		Key(Key &&o) noexcept : c_(o.c_), id_(std::exchange(o.id_, 0)) {}
		Key &operator=(Key &&) = delete;
		~Key()
		{
			if (id_)
				c_->release(id_);
		}
		__u64 id() const { return id_; }

	private:
		Conn *c_;
		__u64 id_;
	};

	Answer<Key> import(const char *alg, __u64 perms, const Bytes &material, bool exportable = false,
			   __u32 key_len = 0)
	{
		hsmtest::Result k = c_.key(alg, perms, &material, exportable ? HSM_KEY_F_EXPORTABLE : 0, key_len);
		if (k.res)
			return fail(k.res);
		return Key(c_, k.resp.value);
	}

	// A worker key's public half alone (HSM_OP_F_PUBLIC): VERIFY only.
	Answer<Key> import_public(const char *alg, const Bytes &material)
	{
		hsm_op op{};
		op.flags = HSM_OP_F_PUBLIC;
		op.resp_off = Conn::kResp;
		op.params = params(alg, HSM_PERM_VERIFY, 0, 0);
		op.in = c_.put(Conn::kKey, material);
		return created(c_.run(HSM_IOC_KEY_IMPORT, op));
	}

	Answer<Key> derive(const Key &base, const char *kdf, const Bytes &salt, const Bytes &info,
			   __u32 size)
	{
		hsm_op op = new_key_op(base, HSM_PERM_EXPORT, size);
		op.in = c_.put(kKdf, {reinterpret_cast<const uint8_t *>(kdf), strlen(kdf)});
		op.iv = c_.put(kIv, salt);
		op.aad = c_.put(kAad, info);
		return created(c_.run(HSM_IOC_KEY_DERIVE, op));
	}

	Answer<Key> agree(const Key &priv, const Bytes &peer)
	{
		hsm_op op = new_key_op(priv, HSM_PERM_EXPORT | HSM_PERM_DERIVE, 0);
		op.in = c_.put(kIn, peer);
		return created(c_.run(HSM_IOC_KEY_AGREE, op));
	}

	Answer<Bytes> export_key(const Key &k, __u32 max)
	{
		return output(HSM_IOC_KEY_EXPORT, op_on(k, {}, {.off = kOut, .len = max}));
	}

	Answer<Bytes> open(const Key &k, const Bytes &iv, const Bytes &aad, const Bytes &ct,
			   const Bytes &tag)
	{
		hsm_op op = op_on(k, c_.put(kIn, ct), {.off = kOut, .len = static_cast<__u32>(ct.size())});
		op.resp_off = kResp2;
		op.iv = c_.put(kIv, iv);
		op.aad = c_.put(kAad, aad);
		op.tag = c_.put(kTag, tag);
		return output(HSM_IOC_OPEN, op);
	}

	Answer<std::pair<Bytes, Bytes>> seal(const Key &k, const Bytes &iv, const Bytes &aad,
					     const Bytes &msg, __u32 tag_len)
	{
		hsm_op op = op_on(k, c_.put(kIn, msg), {.off = kOut, .len = static_cast<__u32>(msg.size())});
		op.iv = c_.put(kIv, iv);
		op.aad = c_.put(kAad, aad);
		op.tag = {kTag, tag_len};
		auto ct = output(HSM_IOC_SEAL, op);
		if (!ct)
			return std::unexpected(ct.error());
		return std::pair(std::move(*ct), c_.get(op.tag));
	}

	Answer<Bytes> mac(const Key &k, const Bytes &msg, __u32 len)
	{
		hsm_op op = op_on(k, c_.put(kIn, msg), {.off = kOut, .len = len});
		op.flags = HSM_OP_F_TRUNCATE;
		return output(HSM_IOC_MAC, op);
	}

	Answer<void> mac_verify(const Key &k, const Bytes &msg, const Bytes &tag)
	{
		hsm_op op = op_on(k, c_.put(kIn, msg), {});
		op.resp_off = kResp2;
		op.tag = c_.put(kTag, tag);
		return checked(HSM_IOC_MAC_VERIFY, op);
	}

	Answer<Bytes> sign(const Key &k, const Bytes &msg, __u32 max)
	{
		return output(HSM_IOC_SIGN, op_on(k, c_.put(kIn, msg), {.off = kOut, .len = max}));
	}

	Answer<void> verify(const Key &k, const Bytes &msg, const Bytes &sig, bool raw = false)
	{
		hsm_op op = op_on(k, c_.put(kIn, msg), {});
		op.flags = raw ? HSM_OP_F_RAW : 0;
		op.resp_off = kResp2;
		op.tag = c_.put(kTag, sig);
		return checked(HSM_IOC_VERIFY, op);
	}

	// RSA-OAEP: the label in aad, no iv.
	Answer<Bytes> oaep_decrypt(const Key &k, const Bytes &label, const Bytes &ct, __u32 max)
	{
		hsm_op op = op_on(k, c_.put(kIn, ct), {.off = kOut, .len = max});
		op.resp_off = kResp2;
		op.aad = c_.put(kAad, label);
		return output(HSM_IOC_DECRYPT, op);
	}

private:
	static std::unexpected<Failure> fail(long res)
	{
		return std::unexpected(Failure{res, std::to_string(res)});
	}

	static hsm_op op_on(const Key &k, hsm_ref in, hsm_ref out)
	{
		hsm_op op{};
		op.handle = k.id();
		op.resp_off = HSM_RESP_NONE;
		op.in = in;
		op.out = out;
		return op;
	}

	// A new key's parameters, in the region.
	hsm_ref params(const char *alg, __u64 perms, __u32 flags, __u32 key_len)
	{
		hsm_key_params p{};
		memcpy(p.alg, alg, std::min(strlen(alg), sizeof(p.alg) - 1));
		p.perms = perms;
		p.flags = flags;
		p.key_len = key_len;
		return c_.put_struct(Conn::kParams, p);
	}

	// KEY_DERIVE or KEY_AGREE from `base`: an exportable "secret".
	hsm_op new_key_op(const Key &base, __u64 perms, __u32 key_len)
	{
		hsm_op op = op_on(base, {}, {});
		op.resp_off = Conn::kResp;
		op.params = params("secret", perms, HSM_KEY_F_EXPORTABLE, key_len);
		return op;
	}

	Answer<Key> created(const hsmtest::Result &r)
	{
		if (r.res)
			return fail(r.res);
		return Key(c_, r.resp.value);
	}

	// Runs op.  Where it asked for its completion record and ran (it
	// succeeded, or the tag did not verify), the record must say what the
	// CQE says, its status included.
	Answer<void> checked(unsigned int cmd, const hsm_op &op, long *res = nullptr)
	{
		hsmtest::Result r = c_.run(cmd, op);
		if (res)
			*res = r.res;
		const bool ran = r.res >= 0 || r.res == -EBADMSG;
		if (op.resp_off != HSM_RESP_NONE && ran &&
		    (r.resp.result != r.res || r.resp.status != hsm_status_of(r.res)))
			return std::unexpected(Failure{-EPROTO, std::to_string(r.res) + ", record " +
								       std::to_string(r.resp.result)});
		if (r.res < 0)
			return fail(r.res);
		return {};
	}

	// Runs op; the bytes it wrote to op.out.
	Answer<Bytes> output(unsigned int cmd, hsm_op op)
	{
		long res = 0;
		if (auto r = checked(cmd, op, &res); !r)
			return std::unexpected(r.error());
		op.out.len = static_cast<__u32>(res);
		return c_.get(op.out);
	}

	Conn c_;
};

} // namespace

WYCHEPROOF_TESTS(wycheproof, Raw)
