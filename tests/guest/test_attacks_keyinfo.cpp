// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// KEY_INFO: one key's metadata.  It needs no permission, so what it must
// never do is the attack surface: show material, reach another
// connection's keys, or write outside the range it was given.
#include <criterion/criterion.h>

#include <algorithm>
#include <cstring>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kOut = 4096, kVec = 8192, kResp2 = 1024;

hsm_op info_op(__u64 id, uint32_t out_len = sizeof(hsm_key_info))
{
	hsm_op op{};
	op.handle = id;
	op.resp_off = kResp2;
	op.out = {kOut, out_len};
	return op;
}

hsm_key_info read_info(Conn &c)
{
	hsm_key_info info;
	Bytes b = c.get({kOut, sizeof(info)});

	memcpy(&info, b.data(), sizeof(info));
	return info;
}

}  // namespace

Test(key_info, reports_the_key_and_never_its_material)
{
	Conn c;
	Bytes material = pattern(32, 7);
	__u64 id = must_key(c, "hmac-sha-256", HSM_PERM_SIGN | HSM_PERM_EXPORT, &material,
			    HSM_KEY_F_EXPORTABLE);

	Result r = c.run(HSM_IOC_KEY_INFO, info_op(id));
	cr_assert_eq(r.res, (long)sizeof(hsm_key_info));
	cr_expect_eq(r.resp.status, HSM_STATUS_OK);
	hsm_key_info info = read_info(c);
	cr_expect_str_eq(info.alg, "hmac-sha-256");
	cr_expect_eq(info.id, id);
	cr_expect_neq(info.connection, 0);
	cr_expect_eq(info.perms, HSM_PERM_SIGN | HSM_PERM_EXPORT);
	cr_expect_eq(info.flags, HSM_KEY_F_EXPORTABLE);
	cr_expect_eq(info.key_len, 32);
	cr_expect_eq(info.users, 0, "this call's own reference is not a user");
	Bytes out = c.get({kOut, sizeof(info)});
	cr_expect(std::search(out.begin(), out.end(), material.begin(), material.end()) == out.end(),
		  "no material in the answer");
}

Test(key_info, another_connections_key_is_not_found)
{
	Conn mine, theirs;
	__u64 id = must_key(theirs, "aes-256-gcm", HSM_PERM_ENCRYPT);

	memset(mine.at(kOut), 0xaa, sizeof(hsm_key_info));
	Result r = mine.run(HSM_IOC_KEY_INFO, info_op(id));
	cr_expect_eq(r.res, -ENOENT);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_FOUND);
	cr_expect(mine.get({kOut, sizeof(hsm_key_info)}) == Bytes(sizeof(hsm_key_info), 0xaa),
		  "nothing written");
	cr_expect_eq(mine.run(HSM_IOC_KEY_INFO, info_op(0)).res, -ENOENT);

	__u64 own = must_key(mine, "aes-256-gcm", HSM_PERM_ENCRYPT);
	cr_assert_eq(mine.release(own), 0);
	cr_expect_eq(mine.run(HSM_IOC_KEY_INFO, info_op(own)).res, -ENOENT, "released");
}

Test(key_info, malformed_requests_write_nothing)
{
	Conn c(1 << 16);
	__u64 id = must_key(c, "aes-256-gcm", HSM_PERM_ENCRYPT);

	memset(c.at(kOut), 0xaa, sizeof(hsm_key_info));
	Result r = c.run(HSM_IOC_KEY_INFO, info_op(id, sizeof(hsm_key_info) - 1));
	cr_expect_eq(r.res, -EOVERFLOW);
	cr_expect_eq(r.resp.status, HSM_STATUS_BUFFER_TOO_SMALL);
	cr_expect(c.get({kOut, sizeof(hsm_key_info)}) == Bytes(sizeof(hsm_key_info), 0xaa));

	hsm_op op = info_op(id);
	op.out = {kResp2, sizeof(hsm_key_info)};	// over its own record
	cr_expect_eq(c.run(HSM_IOC_KEY_INFO, op).res, -EINVAL);
	op = info_op(id);
	op.out = {(1 << 16) - 8, sizeof(hsm_key_info)};	// past the region
	cr_expect_eq(c.run(HSM_IOC_KEY_INFO, op).res, -EINVAL);
	op = info_op(id);
	op.in = {kOut, 8};				// a ref it does not take
	cr_expect_eq(c.run(HSM_IOC_KEY_INFO, op).res, -EINVAL);
	op = info_op(id);
	op.flags = HSM_OP_F_ALL_CONNECTIONS;		// KEY_LIST's flag, not its
	cr_expect_eq(c.run(HSM_IOC_KEY_INFO, op).res, -EINVAL);
}

// The table's class says it may ride in a VECTOR: it does, and is counted
// in its own statistics slot.
Test(key_info, runs_in_a_vector_and_is_counted)
{
	Conn c;
	__u64 id = must_key(c, "aes-256-gcm", HSM_PERM_ENCRYPT);
	hsm_get_stats g{};
	hsm_stats before{}, after{};

	cr_assert(hsm_cmd_class(HSM_IOC_KEY_INFO) & HSM_CMD_VECTOR);
	g.flags = HSM_STATS_F_CONNECTION;
	g.stats_ptr = reinterpret_cast<__u64>(&before);
	g.stats_size = sizeof(before);
	cr_assert_eq(ioctl(c.fd(), HSM_IOC_GET_STATS, &g), (int)sizeof(before));

	hsm_vec_entry v[2]{};
	for (auto &e : v) {
		e.cmd = HSM_IOC_KEY_INFO;
		e.op = info_op(id);
	}
	v[1].op.resp_off = kResp2 + 64;
	v[1].op.out.off = kOut + 512;
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.in = c.put(kVec, {reinterpret_cast<uint8_t *>(v), sizeof(v)});
	cr_expect_eq(c.run(HSM_IOC_VECTOR, op).res, 2);
	cr_expect_eq(read_info(c).id, id);

	g.stats_ptr = reinterpret_cast<__u64>(&after);
	cr_assert_eq(ioctl(c.fd(), HSM_IOC_GET_STATS, &g), (int)sizeof(after));
	const int slot = hsm_cmd_index(HSM_IOC_KEY_INFO);
	cr_expect_eq(after.requests[slot] - before.requests[slot], 2);
}
