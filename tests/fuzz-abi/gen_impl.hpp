// SPDX-License-Identifier: GPL-2.0 OR MIT
// The generators behind make_valid(), one per command, and their helpers.
#pragma once

#include <functional>

#include "builder.hpp"
#include "pool.hpp"
#include "worker.hpp"

namespace fz::gen {

// What every generator gets: the thread, and whether the big lane is free.
struct Gen {
	Worker &w;
	bool big_ok;
	Rng &rng() { return w.rng; }
	Pool &pool() { return w.pool; }
};

Bytes random_bytes(Rng &rng, size_t n);
// A payload length: mostly short, sometimes past HSM_INLINE_MAX (big lane).
uint32_t payload_len(Gen &c, uint32_t multiple = 1, uint32_t min = 0);
// The lane a command of this payload needs.
inline bool needs_big(uint32_t len) { return len > geometry(false).in_max; }
hsm_key_params key_params(const char *alg, uint64_t perms, uint32_t flags, uint32_t key_len);
View bytes_of(const std::string &s);
template <typename T> View bytes_of(const T &t)
{
	return {reinterpret_cast<const uint8_t *>(&t), sizeof(t)};
}

// Learn a new key of spec from the answer's record.
std::function<void(Worker &, const Answer &)> learn_key(int spec, bool exportable, uint32_t len,
							 Bytes material);
// A KEY_IMPORT or KEY_GENERATE of a key of class cls.
Input make_key(Gen &c, KeyClass cls);

using Fn = Input (*)(Gen &);

Input control_get_info(Gen &c);
Input control_shm_setup(Gen &c);
Input control_get_stats(Gen &c);
Input control_conn_config(Gen &c);
Input control_get_algs(Gen &c);
Input control_selftest(Gen &c);

Input key_generate(Gen &c);
Input key_import(Gen &c);
Input key_export(Gen &c);
Input key_release(Gen &c);
Input key_derive(Gen &c);
Input key_public(Gen &c);
Input key_agree(Gen &c);
Input key_wrap(Gen &c);
Input key_unwrap(Gen &c);
Input key_list(Gen &c);
Input key_info(Gen &c);
Input key_attest(Gen &c);

Input ctx_create(Gen &c);
Input ctx_init(Gen &c);
Input ctx_update(Gen &c);
Input ctx_final(Gen &c);
Input ctx_reset(Gen &c);
Input ctx_release(Gen &c);
Input ctx_contended(Gen &c);

Input op_digest(Gen &c);
Input op_mac(Gen &c);
Input op_mac_verify(Gen &c);
Input op_seal(Gen &c);
Input op_open(Gen &c);
Input op_encrypt(Gen &c);
Input op_decrypt(Gen &c);
Input op_random(Gen &c);
Input op_sign(Gen &c);
Input op_verify(Gen &c);
Input op_bench(Gen &c);

Input slot_store(Gen &c);
Input slot_open(Gen &c);
Input slot_delete(Gen &c);
Input slot_list(Gen &c);
Input slot_seal(Gen &c);
Input slot_unseal(Gen &c);

Input snp_report(Gen &c);
Input snp_ext_report(Gen &c);
Input snp_derive_key(Gen &c);
Input snp_sim_setup(Gen &c);

Input tdx_report(Gen &c);
Input tdx_quote(Gen &c);
Input tdx_extend_rtmr(Gen &c);
Input tdx_sim_setup(Gen &c);

}  // namespace fz::gen
