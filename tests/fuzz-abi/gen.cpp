// SPDX-License-Identifier: GPL-2.0 OR MIT
// The generators' dispatch, weights and shared helpers.
#include "gen.hpp"

#include <cstring>

#include "gen_impl.hpp"

namespace fz {

namespace gen {

Bytes random_bytes(Rng &rng, size_t n)
{
	Bytes b(n);
	rng.fill(b.data(), n);
	return b;
}

uint32_t payload_len(Gen &c, uint32_t multiple, uint32_t min)
{
	Rng &rng = c.rng();
	const uint32_t max = geometry(c.big_ok).in_max;
	uint64_t n;

	switch (rng.below(10)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		n = rng.below(257);
		break;
	case 6: case 7:
		n = rng.below(4097);
		break;
	case 8:
		n = rng.below(geometry(false).in_max + 1);
		break;
	default:
		n = rng.below(max + 1);
		break;
	}
	n = std::max<uint64_t>(n, min) / multiple * multiple;
	if (n < min)
		n += multiple;
	return static_cast<uint32_t>(n);
}

hsm_key_params key_params(const char *alg, uint64_t perms, uint32_t flags, uint32_t key_len)
{
	hsm_key_params p{};
	strncpy(p.alg, alg, sizeof(p.alg) - 1);
	p.perms = perms;
	p.flags = flags;
	p.key_len = key_len;
	return p;
}

View bytes_of(const std::string &s)
{
	return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

std::function<void(Worker &, const Answer &)> learn_key(int spec, bool exportable, uint32_t len,
							 Bytes material)
{
	return [=](Worker &w, const Answer &a) {
		if (a.res == 0 && a.rec_written && a.rec.value)
			w.pool.add_key({a.rec.value, spec, exportable, len, material});
	};
}

}  // namespace gen

namespace {

struct Entry {
	unsigned cmd;
	gen::Fn fn;
	unsigned weight;
};

const Entry kEntries[] = {
	{HSM_IOC_GET_INFO, gen::control_get_info, 3},
	{HSM_IOC_SHM_SETUP, gen::control_shm_setup, 1},
	{HSM_IOC_GET_STATS, gen::control_get_stats, 2},
	{HSM_IOC_CONN_CONFIG, gen::control_conn_config, 1},
	{HSM_IOC_GET_ALGS, gen::control_get_algs, 2},
	{HSM_IOC_SELFTEST, gen::control_selftest, 0},
	{HSM_IOC_KEY_GENERATE, gen::key_generate, 6},
	{HSM_IOC_KEY_IMPORT, gen::key_import, 6},
	{HSM_IOC_KEY_EXPORT, gen::key_export, 5},
	{HSM_IOC_KEY_RELEASE, gen::key_release, 6},
	{HSM_IOC_KEY_DERIVE, gen::key_derive, 5},
	{HSM_IOC_KEY_PUBLIC, gen::key_public, 3},
	{HSM_IOC_KEY_AGREE, gen::key_agree, 3},
	{HSM_IOC_KEY_WRAP, gen::key_wrap, 4},
	{HSM_IOC_KEY_UNWRAP, gen::key_unwrap, 4},
	{HSM_IOC_KEY_LIST, gen::key_list, 2},
	{HSM_IOC_KEY_INFO, gen::key_info, 3},
	{HSM_IOC_KEY_ATTEST, gen::key_attest, 1},
	{HSM_IOC_CTX_CREATE, gen::ctx_create, 5},
	{HSM_IOC_CTX_INIT, gen::ctx_init, 5},
	{HSM_IOC_CTX_UPDATE, gen::ctx_update, 8},
	{HSM_IOC_CTX_FINAL, gen::ctx_final, 5},
	{HSM_IOC_CTX_RESET, gen::ctx_reset, 3},
	{HSM_IOC_CTX_RELEASE, gen::ctx_release, 3},
	{HSM_IOC_DIGEST, gen::op_digest, 8},
	{HSM_IOC_MAC, gen::op_mac, 6},
	{HSM_IOC_MAC_VERIFY, gen::op_mac_verify, 5},
	{HSM_IOC_SEAL, gen::op_seal, 8},
	{HSM_IOC_OPEN, gen::op_open, 6},
	{HSM_IOC_ENCRYPT, gen::op_encrypt, 5},
	{HSM_IOC_DECRYPT, gen::op_decrypt, 5},
	{HSM_IOC_RANDOM, gen::op_random, 3},
	{HSM_IOC_SIGN, gen::op_sign, 2},
	{HSM_IOC_VERIFY, gen::op_verify, 2},
	{HSM_IOC_BENCH, gen::op_bench, 1},
	{HSM_IOC_SLOT_STORE, gen::slot_store, 2},
	{HSM_IOC_SLOT_OPEN, gen::slot_open, 2},
	{HSM_IOC_SLOT_DELETE, gen::slot_delete, 2},
	{HSM_IOC_SLOT_LIST, gen::slot_list, 1},
	{HSM_IOC_SLOT_SEAL, gen::slot_seal, 1},
	{HSM_IOC_SLOT_UNSEAL, gen::slot_unseal, 1},
	{HSM_IOC_SNP_REPORT, gen::snp_report, 1},
	{HSM_IOC_SNP_EXT_REPORT, gen::snp_ext_report, 1},
	{HSM_IOC_SNP_DERIVE_KEY, gen::snp_derive_key, 1},
	{HSM_IOC_SNP_SIM_SETUP, gen::snp_sim_setup, 1},
	{HSM_IOC_TDX_REPORT, gen::tdx_report, 1},
	{HSM_IOC_TDX_QUOTE, gen::tdx_quote, 1},
	{HSM_IOC_TDX_EXTEND_RTMR, gen::tdx_extend_rtmr, 1},
	{HSM_IOC_TDX_SIM_SETUP, gen::tdx_sim_setup, 1},
};

const Entry *entry_of(unsigned cmd)
{
	for (const Entry &e : kEntries)
		if (e.cmd == cmd)
			return &e;
	return nullptr;
}

unsigned weighted(Worker &w, bool vector_only)
{
	unsigned total = 0;
	for (const Entry &e : kEntries)
		if (!vector_only || (spec_of(e.cmd)->cls & HSM_CMD_VECTOR))
			if (w.sh.hooks || !(spec_of(e.cmd)->cls & HSM_CMD_TEST))
				total += e.weight;
	uint64_t r = w.rng.below(total);
	for (const Entry &e : kEntries) {
		if (vector_only && !(spec_of(e.cmd)->cls & HSM_CMD_VECTOR))
			continue;
		if (!w.sh.hooks && (spec_of(e.cmd)->cls & HSM_CMD_TEST))
			continue;
		if (r < e.weight)
			return spec_of(e.cmd)->idx;
		r -= e.weight;
	}
	return HSM_CMD_IDX_DIGEST;
}

}  // namespace

Input make_valid(Worker &w, unsigned idx, bool big_ok)
{
	gen::Gen c{w, big_ok};
	/* Now and then, a call on a context all threads share instead. */
	if (spec_at(idx).cls & HSM_CMD_CTX && w.rng.one_in(4))
		return gen::ctx_contended(c);
	const Entry *e = entry_of(spec_at(idx).cmd);
	Input in = e ? e->fn(c) : gen::op_digest(c);
	if (!big_ok && in.big)
		in = gen::op_random(c);
	return in;
}

unsigned pick_command(Worker &w)
{
	Rng &rng = w.rng;
	if (rng.one_in(4000))
		return HSM_CMD_IDX_SELFTEST;
	if (w.pool.keys.size() >= kPoolKeys && rng.chance(1, 3))
		return HSM_CMD_IDX_KEY_RELEASE;
	if (w.pool.ctxs.size() >= kPoolCtxs && rng.chance(1, 3))
		return HSM_CMD_IDX_CTX_RELEASE;
	if (w.pool.keys.size() < 3 && rng.chance(1, 3))
		return rng.one_in(2) ? HSM_CMD_IDX_KEY_IMPORT : HSM_CMD_IDX_KEY_GENERATE;
	return weighted(w, false);
}

unsigned pick_vector_command(Worker &w)
{
	return weighted(w, true);
}

}  // namespace fz
