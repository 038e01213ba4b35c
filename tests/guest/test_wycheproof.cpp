// SPDX-License-Identifier: GPL-2.0 OR MIT
// Wycheproof vectors through the ABI: every valid vector gives the expected
// output, every invalid one is rejected.  Vectors whose parameters the
// module does not offer (e.g. GCM nonces other than 96 bits) are counted
// as skipped, and such a vector must be refused, never answered wrongly.
#include <criterion/criterion.h>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "hsm_conn.hpp"

using namespace hsmtest;
using json = nlohmann::json;

namespace {

const char *data_dir()
{
	const char *d = getenv("HSM_TESTDATA");
	return d ? d : "/data";
}

json load(const std::string &name)
{
	std::ifstream f(std::string(data_dir()) + "/wycheproof/" + name);
	cr_assert(f.good(), "cannot open %s/wycheproof/%s", data_dir(), name.c_str());
	return json::parse(f);
}

struct Tally {
	explicit Tally(std::string f) : file(std::move(f)) {}

	std::string file;
	int passed = 0, failed = 0;
	std::map<std::string, int> skipped;

	void fail(int tc, const std::string &why)
	{
		failed++;
		cr_log_error("%s tcId %d: %s", file.c_str(), tc, why.c_str());
	}
	~Tally()
	{
		int s = 0;
		std::string why;
		for (auto &[k, n] : skipped) {
			s += n;
			why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + k;
		}
		std::printf("wycheproof %s: %d vectors: %d passed, %d failed, %d skipped%s%s%s\n",
			    file.c_str(), passed + failed + s, passed, failed, s,
			    s ? " (" : "", why.c_str(), s ? ")" : "");
		std::fflush(stdout);
		cr_expect_eq(failed, 0, "%s: %d vectors failed", file.c_str(), failed);
		cr_expect_gt(passed, 0, "%s: no vector ran", file.c_str());
	}
};

// Region layout for one vector.
constexpr uint32_t kIv = 4096, kAad = 8192, kIn = 65536, kOut = 262144,
		   kTag = 131072, kResp2 = 1024;

void run_aead(const std::string &file, const char *(*alg_for)(int key_bits))
{
	json doc = load(file);
	Tally t(file);
	Conn c;

	for (auto &g : doc["testGroups"]) {
		int key_bits = g["keySize"], iv_bits = g["ivSize"], tag_bits = g["tagSize"];
		const char *alg = alg_for(key_bits);
		for (auto &v : g["tests"]) {
			int tc = v["tcId"];
			bool valid = v["result"] != "invalid";
			Bytes key = unhex(v["key"].get<std::string>());
			Bytes iv = unhex(v["iv"].get<std::string>()), aad = unhex(v["aad"].get<std::string>());
			Bytes msg = unhex(v["msg"].get<std::string>()), ct = unhex(v["ct"].get<std::string>());
			Bytes tag = unhex(v["tag"].get<std::string>());

			Result k = c.key(alg, HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, &key);
			if (k.res) {
				t.fail(tc, "key import: " + std::to_string(k.res));
				continue;
			}
			__u64 id = k.resp.value;

			hsm_op op{};
			op.handle = id;
			op.resp_off = kResp2;
			op.iv = c.put(kIv, iv);
			op.aad = c.put(kAad, aad);
			op.in = c.put(kIn, ct);
			op.tag = c.put(kTag, tag);
			op.out = {kOut, static_cast<__u32>(ct.size())};
			Result open = c.run(HSM_IOC_OPEN, op);

			if (iv_bits != 96) {
				// Not offered: must be refused, whatever the vector says.
				if (open.res != -EINVAL)
					t.fail(tc, "nonce of " + std::to_string(iv_bits) + " bits not refused");
				else
					t.skipped["with " + std::to_string(iv_bits) + "-bit nonces"]++;
				c.release(id);
				continue;
			}
			if (!valid) {
				if (open.res >= 0)
					t.fail(tc, "invalid vector opened");
				else
					t.passed++;
				c.release(id);
				continue;
			}
			bool ok = open.res == (long)ct.size() && c.get(op.out) == msg &&
				  open.resp.result == open.res && open.resp.status == HSM_STATUS_OK;

			// Seal the plaintext and compare with the expected ciphertext and tag.
			hsm_op seal{};
			seal.handle = id;
			seal.resp_off = HSM_RESP_NONE;
			seal.iv = op.iv;
			seal.aad = op.aad;
			seal.in = c.put(kIn, msg);
			seal.out = {kOut, static_cast<__u32>(msg.size())};
			seal.tag = {kTag, static_cast<__u32>(tag_bits / 8)};
			Result s = c.run(HSM_IOC_SEAL, seal);
			ok = ok && s.res == (long)msg.size() && c.get(seal.out) == ct &&
			     c.get(seal.tag) == tag;
			if (ok)
				t.passed++;
			else
				t.fail(tc, "open " + std::to_string(open.res) + ", seal " +
					       std::to_string(s.res));
			c.release(id);
		}
	}
}

const char *gcm_alg(int bits)
{
	return bits == 128 ? "aes-128-gcm" : bits == 192 ? "aes-192-gcm" : "aes-256-gcm";
}

const char *chacha_alg(int)
{
	return "chacha20-poly1305";
}

// MACs: the key size decides whether the module accepts the key at all.
void run_mac(const std::string &file, std::string (*alg_for)(int key_bits))
{
	json doc = load(file);
	Tally t(file);
	Conn c;

	for (auto &g : doc["testGroups"]) {
		int key_bits = g["keySize"], tag_bits = g["tagSize"];
		std::string alg = alg_for(key_bits);
		for (auto &v : g["tests"]) {
			int tc = v["tcId"];
			bool valid = v["result"] != "invalid";
			Bytes key = unhex(v["key"].get<std::string>());
			Bytes msg = unhex(v["msg"].get<std::string>());
			Bytes tag = unhex(v["tag"].get<std::string>());

			Result k = c.key(alg, HSM_PERM_SIGN | HSM_PERM_VERIFY, &key, 0,
					 alg.rfind("hmac", 0) == 0 ? key.size() : 0);
			if (k.res) {
				if (alg.empty() || key_bits / 8 < 16) {
					// Key sizes the module refuses: must be refused.
					if (k.res == -EINVAL || k.res == -EOPNOTSUPP)
						valid ? t.skipped["with refused key sizes"]++ : t.passed++;
					else
						t.fail(tc, "odd key refusal " + std::to_string(k.res));
				} else {
					t.fail(tc, "key import: " + std::to_string(k.res));
				}
				continue;
			}
			__u64 id = k.resp.value;

			hsm_op mac{};
			mac.handle = id;
			mac.resp_off = HSM_RESP_NONE;
			mac.flags = HSM_OP_F_TRUNCATE;
			mac.in = c.put(kIn, msg);
			mac.out = {kOut, static_cast<__u32>(tag_bits / 8)};
			Result m = c.run(HSM_IOC_MAC, mac);

			hsm_op ver{};
			ver.handle = id;
			ver.resp_off = kResp2;
			ver.in = mac.in;
			ver.tag = c.put(kTag, tag);
			Result vr = c.run(HSM_IOC_MAC_VERIFY, ver);

			bool ok;
			if (valid)
				ok = m.res == tag_bits / 8 && c.get(mac.out) == tag && vr.res == 0;
			else
				ok = vr.res == -EBADMSG && vr.resp.status == HSM_STATUS_AUTH_FAILED &&
				     !(m.res == tag_bits / 8 && c.get(mac.out) == tag);
			if (ok)
				t.passed++;
			else
				t.fail(tc, "mac " + std::to_string(m.res) + ", verify " +
					       std::to_string(vr.res));
			c.release(id);
		}
	}
}

std::string hmac256(int) { return "hmac-sha-256"; }
std::string hmac384(int) { return "hmac-sha-384"; }
std::string hmac512(int) { return "hmac-sha-512"; }

std::string cmac(int bits)
{
	switch (bits) {
	case 128: return "aes-128-cmac";
	case 192: return "aes-192-cmac";
	case 256: return "aes-256-cmac";
	}
	return "";
}

}  // namespace

Test(wycheproof, aes_gcm) { run_aead("aes_gcm_test.json", gcm_alg); }
Test(wycheproof, chacha20_poly1305) { run_aead("chacha20_poly1305_test.json", chacha_alg); }
Test(wycheproof, hmac_sha256) { run_mac("hmac_sha256_test.json", hmac256); }
Test(wycheproof, hmac_sha384) { run_mac("hmac_sha384_test.json", hmac384); }
Test(wycheproof, hmac_sha512) { run_mac("hmac_sha512_test.json", hmac512); }
Test(wycheproof, aes_cmac) { run_mac("aes_cmac_test.json", cmac); }

namespace {

// HKDF: import the IKM as a "secret", derive an exportable "secret" of the
// requested size, export it and compare.
void run_hkdf(const std::string &file, const char *kdf)
{
	json doc = load(file);
	Tally t(file);
	Conn c(1 << 20);

	for (auto &g : doc["testGroups"]) {
		for (auto &v : g["tests"]) {
			int tc = v["tcId"];
			bool valid = v["result"] != "invalid";
			Bytes ikm = unhex(v["ikm"].get<std::string>());
			Bytes salt = unhex(v["salt"].get<std::string>());
			Bytes info = unhex(v["info"].get<std::string>());
			Bytes okm = unhex(v["okm"].get<std::string>());
			unsigned size = v["size"];

			Result k = c.key("secret", HSM_PERM_DERIVE, &ikm);
			if (k.res) {
				t.fail(tc, "ikm import: " + std::to_string(k.res));
				continue;
			}
			hsm_key_params p{};
			strcpy(p.alg, "secret");
			p.perms = HSM_PERM_EXPORT;
			p.flags = HSM_KEY_F_EXPORTABLE;
			p.key_len = size;
			std::string name = kdf;
			hsm_op op{};
			op.handle = k.resp.value;
			op.resp_off = Conn::kResp;
			op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
			op.in = c.put(kIv - 512, {reinterpret_cast<const uint8_t *>(name.data()), name.size()});
			op.iv = c.put(kIv, salt);
			op.aad = c.put(kAad, info);
			Result d = c.run(HSM_IOC_KEY_DERIVE, op);
			if (!valid) {
				if (d.res == -EINVAL)
					t.passed++;
				else
					t.fail(tc, "invalid derivation gave " + std::to_string(d.res));
			} else if (d.res) {
				t.fail(tc, "derive: " + std::to_string(d.res));
			} else {
				hsm_op ex{};
				ex.handle = d.resp.value;
				ex.resp_off = HSM_RESP_NONE;
				ex.out = {kOut, size};
				Result e = c.run(HSM_IOC_KEY_EXPORT, ex);
				if (e.res == (long)size && c.get(ex.out) == okm)
					t.passed++;
				else
					t.fail(tc, "export " + std::to_string(e.res) + " or wrong okm");
				c.release(d.resp.value);
			}
			c.release(k.resp.value);
		}
	}
}

}  // namespace

Test(wycheproof, hkdf_sha256) { run_hkdf("hkdf_sha256_test.json", "hkdf-sha-256"); }
Test(wycheproof, hkdf_sha384) { run_hkdf("hkdf_sha384_test.json", "hkdf-sha-384"); }
Test(wycheproof, hkdf_sha512) { run_hkdf("hkdf_sha512_test.json", "hkdf-sha-512"); }
