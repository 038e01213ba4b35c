// SPDX-License-Identifier: MIT
//
// Resource guards and key management: each call fills one OpRecord, with
// its byte inputs in scratch space of the region, and runs it.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string.h>
#include <sys/fsuid.h>

#include "hsm/attest.hpp"
#include "hsm/keys.hpp"

#include "op.hpp"

namespace hsm {

using namespace detail;

namespace {

template <typename P>
hsm_key_params key_params(const KeyParamsBase<P> &p)
{
	hsm_key_params k{};
	std::memcpy(k.alg, p.algorithm.c_str(), p.algorithm.size());
	k.perms = std::uint64_t(p.permissions);
	k.flags = p.exportable ? HSM_KEY_F_EXPORTABLE : 0;
	k.key_len = p.key_length;
	return k;
}

hsm_slot_params slot_params(const KeySlot &s)
{
	hsm_slot_params p{};
	std::memcpy(p.name, s.name.c_str(), s.name.size());
	p.flags = s.group ? HSM_SLOT_F_GROUP : 0;
	return p;
}

Result<void> check_slot(const KeySlot &s, const char *what)
{
	if (s.name.truncated() || s.name.empty())
		return fail(Status::kInvalidArgument, EINVAL,
			    std::string(what) + ": slot names are 1..63 characters");
	return {};
}

// Scratch space in the region for a key-management call's byte inputs,
// wiped and freed when it goes.
class Scratch {
public:
	explicit Scratch(Connection &c) : c_(c) {}
	~Scratch()
	{
		if (cap_)
			c_.free(off_);
	}
	Result<void> reserve(std::size_t n)
	{
		if (n == 0)
			return {};
		auto r = c_.alloc(n, 64, &cap_);
		if (!r)
			return std::unexpected(r.error());
		off_ = *r;
		return {};
	}
	// Appends bytes; returns their ref, empty for none (an input the
	// call does not take).
	BufferRef put(std::span<const std::uint8_t> b)
	{
		if (b.empty())
			return {};
		BufferRef r = take(b.size());
		std::memcpy(c_.at(r.off), b.data(), b.size());
		return r;
	}
	// Room for an output of n bytes.
	BufferRef take(std::size_t n)
	{
		BufferRef r{off_ + used_, static_cast<std::uint32_t>(n)};
		used_ += static_cast<std::uint32_t>((n + 7) & ~std::size_t(7));
		return r;
	}

private:
	Connection &c_;
	std::uint32_t off_ = 0, used_ = 0;
	std::size_t cap_ = 0;
};

std::size_t padded(std::initializer_list<std::size_t> l)
{
	std::size_t n = 0;
	for (auto x : l)
		n += (x + 7) & ~std::size_t(7);
	return n;
}

std::span<const std::uint8_t> bytes(std::string_view s)
{
	return {reinterpret_cast<const std::uint8_t *>(s.data()), s.size()};
}

// A key-producing call's slot overload: check the name, make the key,
// store it in the slot and drop the ephemeral copy.
template <typename Make>
Result<void> to_slot(const KeyManager &km, const KeySlot &target, const char *what, Make make)
{
	if (auto ok = check_slot(target, what); !ok)
		return ok;
	auto g = make();
	if (!g)
		return std::unexpected(g.error());
	if (auto r = km.persist_key(target, *g); !r)
		return r;
	return g->release();
}

// A call that writes a key's bytes (KEY_EXPORT, KEY_PUBLIC) to `out`,
// through scratch space; returns their length.
Result<std::size_t> read_out(Connection &c, unsigned int cmd, const CryptoResourceId &key,
			     std::span<std::uint8_t> out, const char *what, std::uint32_t flags = 0)
{
	if (out.empty())
		return fail(Status::kBufferTooSmall, EOVERFLOW, std::string(what) + ": empty output");
	Scratch s(c);
	if (auto ok = s.reserve(out.size()); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	if (auto ok = run(c, rec, {.cmd = cmd, .handle = key.value, .refs = {.out = s.take(out.size())}, .flags = flags});
	    !ok)
		return std::unexpected(ok.error());
	auto n = checked_len(rec, out.size());
	if (!n)
		return std::unexpected(n.error());
	std::memcpy(out.data(), c.at(rec.op.out.off), *n);
	return *n;
}

} // namespace

CryptoResourceGuard::CryptoResourceGuard(CryptoResourceGuard &&o) noexcept
	: conn_(std::move(o.conn_)), id_(o.id_)
{
	o.id_ = {};
}

CryptoResourceGuard &CryptoResourceGuard::operator=(CryptoResourceGuard &&o) noexcept
{
	if (this != &o) {
		release_quietly(*this);
		conn_ = std::move(o.conn_);
		id_ = o.id_;
		o.id_ = {};
	}
	return *this;
}

CryptoResourceGuard::~CryptoResourceGuard()
{
	release_quietly(*this);
}

Result<void> CryptoResourceGuard::release()
{
	return detail::release(conn_, id_.value, HSM_IOC_KEY_RELEASE, "the guard");
}

Result<CryptoResourceGuard> KeyManager::guard(const Op &op) const
{
	auto id = run_create(*conn_, op);
	if (!id)
		return std::unexpected(id.error());
	return CryptoResourceGuard(conn_, *id);
}

Result<CryptoResourceGuard> KeyManager::generate_key(const GenerateKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "generate_key"); !ok)
		return std::unexpected(ok.error());
	const hsm_key_params kp = key_params(p);
	return guard({.cmd = HSM_IOC_KEY_GENERATE, .inline_params = param_bytes(kp)});
}

Result<void> KeyManager::generate_key(const KeySlot &target, const GenerateKeyParams &p) const
{
	return to_slot(*this, target, "generate_key", [&] { return generate_key(p); });
}

Result<CryptoResourceGuard> KeyManager::import_key(const ImportKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "import_key"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(p.material.size()); !ok)
		return std::unexpected(ok.error());
	const hsm_key_params kp = key_params(p);
	return guard({.cmd = HSM_IOC_KEY_IMPORT, .refs = {.in = s.put(p.material)},
		      .inline_params = param_bytes(kp), .flags = p.public_only ? HSM_OP_F_PUBLIC : 0u});
}

Result<void> KeyManager::import_key(const KeySlot &target, const ImportKeyParams &p) const
{
	return to_slot(*this, target, "import_key", [&] { return import_key(p); });
}

Result<CryptoResourceGuard> KeyManager::derive_key(const DeriveKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "derive_key"); !ok)
		return std::unexpected(ok.error());
	if (auto ok = check_alg(p.kdf.kdf, "derive_key (KDF)"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(padded({p.kdf.kdf.size(), p.kdf.salt.size(), p.kdf.info.size()})); !ok)
		return std::unexpected(ok.error());
	const hsm_key_params kp = key_params(p);
	return guard({.cmd = HSM_IOC_KEY_DERIVE,
		      .handle = p.base_key.value,
		      .refs = {.in = s.put(bytes(p.kdf.kdf.view())),
			       .iv = s.put(p.kdf.salt),
			       .aad = s.put(p.kdf.info)},
		      .inline_params = param_bytes(kp)});
}

Result<void> KeyManager::derive_key(const KeySlot &target, const DeriveKeyParams &p) const
{
	return to_slot(*this, target, "derive_key", [&] { return derive_key(p); });
}

Result<CryptoResourceGuard> KeyManager::agree_key(const AgreeKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "agree_key"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(p.peer_public_key.size()); !ok)
		return std::unexpected(ok.error());
	const hsm_key_params kp = key_params(p);
	return guard({.cmd = HSM_IOC_KEY_AGREE,
		      .handle = p.private_key.value,
		      .refs = {.in = s.put(p.peer_public_key)},
		      .inline_params = param_bytes(kp)});
}

Result<void> KeyManager::agree_key(const KeySlot &target, const AgreeKeyParams &p) const
{
	return to_slot(*this, target, "agree_key", [&] { return agree_key(p); });
}

Result<CryptoResourceGuard> KeyManager::unwrap_key(const UnwrapKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "unwrap_key"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(padded({p.wrapped.size(), p.iv.size(), p.aad.size(), p.tag.size()})); !ok)
		return std::unexpected(ok.error());
	const hsm_key_params kp = key_params(p);
	return guard({.cmd = HSM_IOC_KEY_UNWRAP,
		      .handle = p.wrapping_key.value,
		      .refs = {.in = s.put(p.wrapped), .iv = s.put(p.iv), .aad = s.put(p.aad), .tag = s.put(p.tag)},
		      .inline_params = param_bytes(kp)});
}

Result<void> KeyManager::unwrap_key(const KeySlot &target, const UnwrapKeyParams &p) const
{
	return to_slot(*this, target, "unwrap_key", [&] { return unwrap_key(p); });
}

Result<WrappedKey> KeyManager::wrap_key(const WrapKeyParams &p) const
{
	// Room for the largest key a module holds ("secret": 16320 bytes) plus
	// AES-KW's 8 bytes.
	constexpr std::size_t kMaxWrapped = 16320 + 8;
	if (p.tag_length > 16)
		return fail(Status::kInvalidArgument, EINVAL, "wrap_key: tag longer than 16 bytes");
	Scratch s(*conn_);
	if (auto ok = s.reserve(padded({p.iv.size(), p.aad.size(), kMaxWrapped, 16})); !ok)
		return std::unexpected(ok.error());
	hsm_wrap_params wp{};
	wp.key = p.key.value;
	Refs r{.out = s.take(kMaxWrapped), .iv = s.put(p.iv), .aad = s.put(p.aad)};
	BufferRef tag = s.take(16);
	// AES-KW takes no tag (nor iv): leave the ref empty when none asked.
	if (!p.iv.empty() || !p.aad.empty())
		r.tag = {tag.off, p.tag_length};
	OpRecord rec;
	auto ok = run(*conn_, rec, {.cmd = HSM_IOC_KEY_WRAP, .handle = p.wrapping_key.value, .refs = r,
				    .inline_params = param_bytes(wp)});
	if (!ok)
		return std::unexpected(ok.error());
	auto n = checked_len(rec, kMaxWrapped);
	if (!n)
		return std::unexpected(n.error());
	WrappedKey w;
	const std::uint8_t *o = conn_->at(rec.op.out.off);
	w.data.assign(o, o + *n);
	if (rec.op.tag.len) {
		const std::uint8_t *t = conn_->at(rec.op.tag.off);
		w.tag.assign(t, t + rec.op.tag.len);
	}
	return w;
}

Result<std::size_t> KeyManager::export_key(const CryptoResourceId &key, std::span<std::uint8_t> out) const
{
	return read_out(*conn_, HSM_IOC_KEY_EXPORT, key, out, "export_key");
}

Result<std::size_t> KeyManager::get_public_key(const CryptoResourceId &key, std::span<std::uint8_t> out) const
{
	return read_out(*conn_, HSM_IOC_KEY_PUBLIC, key, out, "get_public_key");
}

Result<std::size_t> KeyManager::get_raw_public_key(const CryptoResourceId &key, std::span<std::uint8_t> out) const
{
	return read_out(*conn_, HSM_IOC_KEY_PUBLIC, key, out, "get_raw_public_key", HSM_OP_F_RAW);
}

Result<KeyAttestation> KeyManager::attest_key(const CryptoResourceId &key,
					      std::span<const std::uint8_t, HSM_KEY_NONCE_LEN> nonce,
					      std::uint32_t platform, std::uint32_t vmpl) const
{
	hsm_key_attest_params p{};
	std::memcpy(p.nonce, nonce.data(), nonce.size());
	p.platform = platform;
	p.vmpl = vmpl;
	constexpr std::size_t kStatement = HSM_KEY_STATEMENT_MAX;
	constexpr std::size_t kEvidence = std::max<std::size_t>(HSM_SNP_REPORT_SIZE, HSM_TDX_QUOTE_MAX);
	Scratch s(*conn_);
	if (auto ok = s.reserve(padded({kStatement, kEvidence})); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	const Refs refs = {.out = s.take(kStatement), .tag = s.take(kEvidence)};
	if (auto ok = run(*conn_, rec, {.cmd = HSM_IOC_KEY_ATTEST, .handle = key.value, .refs = refs,
					.inline_params = param_bytes(p)});
	    !ok)
		return std::unexpected(ok.error());
	auto n = checked_len(rec, kStatement, "attest_key");
	if (!n)
		return std::unexpected(n.error());
	if (rec.value > kEvidence)
		return fail(Status::kInternal, EIO, "attest_key: evidence longer than its buffer");
	KeyAttestation a;
	const std::uint8_t *st = conn_->at(rec.op.out.off);
	const std::uint8_t *ev = conn_->at(rec.op.tag.off);
	a.statement.assign(st, st + *n);
	a.evidence.assign(ev, ev + rec.value);
	if (a.statement.size() >= sizeof(hsm_key_statement))
		std::memcpy(&a.platform, st + offsetof(hsm_key_statement, platform), sizeof(a.platform));
	return a;
}

Result<void> KeyManager::persist_key(const KeySlot &target, const CryptoResourceId &key) const
{
	if (auto ok = check_slot(target, "persist_key"); !ok)
		return ok;
	const hsm_slot_params sp = slot_params(target);
	OpRecord rec;
	return run(*conn_, rec, {.cmd = HSM_IOC_SLOT_STORE, .handle = key.value, .inline_params = param_bytes(sp)});
}

namespace {

// The module resolves a name in the namespace of the calling thread's
// fsuid (and, for group slots, its membership): a daemon that switches
// credentials per request must not get the previous user's key.
std::string reg_key(const KeySlot &s)
{
	// setfsuid/setfsgid with an invalid ID change nothing and return the
	// current one.
	unsigned uid = static_cast<unsigned>(setfsuid(-1));
	unsigned gid = static_cast<unsigned>(setfsgid(-1));
	return std::to_string(uid) + ":" + std::to_string(gid) + (s.group ? ":g:" : ":u:") +
	       std::string(s.name.view());
}

} // namespace

Result<CryptoResourceId> KeyManager::resolve_slot(const KeySlot &slot) const
{
	return resolve(slot, false);
}

Result<CryptoResourceId> KeyManager::refresh_slot(const KeySlot &slot) const
{
	return resolve(slot, true);
}

Result<CryptoResourceId> KeyManager::resolve(const KeySlot &slot, bool fresh) const
{
	if (auto ok = check_slot(slot, fresh ? "refresh_slot" : "resolve_slot"); !ok)
		return std::unexpected(ok.error());
	// Not even the registry's lock in a fork()ed child: a thread of the
	// parent may have held it.
	if (!conn_->alive())
		return fail(Status::kInvalidState, ECHILD,
			    "resolve_slot: a connection inherited across fork(): call CryptoStack::create()");
	const hsm_slot_params sp = slot_params(slot);
	return conn_->resolve_slot(reg_key(slot), fresh, [&] {
		return run_create(*conn_, {.cmd = HSM_IOC_SLOT_OPEN, .inline_params = param_bytes(sp)});
	});
}

Result<void> KeyManager::delete_slot(const KeySlot &slot) const
{
	if (auto ok = check_slot(slot, "delete_slot"); !ok)
		return ok;
	const hsm_slot_params sp = slot_params(slot);
	OpRecord rec;
	if (auto ok = run(*conn_, rec, {.cmd = HSM_IOC_SLOT_DELETE, .inline_params = param_bytes(sp)}); !ok)
		return ok;
	// The name may be stored again; it must then resolve to the new key.
	conn_->forget_slot(reg_key(slot));
	return {};
}

Result<std::vector<SlotInfo>> KeyManager::list_slots() const
{
	for (std::size_t room = 16;; room *= 4) {
		Scratch s(*conn_);
		if (auto ok = s.reserve(room * sizeof(hsm_slot_info)); !ok)
			return std::unexpected(ok.error());
		OpRecord rec;
		auto ok = run(*conn_, rec, {.cmd = HSM_IOC_SLOT_LIST, .refs = {.out = s.take(room * sizeof(hsm_slot_info))}});
		if (!ok)
			return std::unexpected(ok.error());
		if (std::size_t(rec.res) > room)
			continue;
		std::vector<SlotInfo> v;
		const auto *si = reinterpret_cast<const hsm_slot_info *>(conn_->at(rec.op.out.off));
		for (int i = 0; i < rec.res; i++) {
			SlotInfo x;
			x.slot = KeySlot(std::string_view(si[i].name, strnlen(si[i].name, sizeof(si[i].name))),
					 si[i].slot_flags & HSM_SLOT_F_GROUP);
			x.algorithm = std::string_view(si[i].alg, strnlen(si[i].alg, sizeof(si[i].alg)));
			x.permissions = KeyOperationPermission(si[i].perms);
			x.exportable = si[i].flags & HSM_KEY_F_EXPORTABLE;
			x.key_length = si[i].key_len;
			v.push_back(x);
		}
		return v;
	}
}

} // namespace hsm
