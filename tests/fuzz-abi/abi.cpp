// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "abi.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

namespace fz {

namespace {

constexpr unsigned P = rbit(R_PARAMS), I = rbit(R_IN), O = rbit(R_OUT),
		   V = rbit(R_IV), A = rbit(R_AAD), T = rbit(R_TAG);

struct Usage {
	unsigned refs, outs;
	uint32_t flags;
	bool handle;
};

// The refs, outputs, flags and handle of each data-plane command, as the
// header's prose states them ("params = ..., in = ..., out = ...").
Usage usage(unsigned cmd)
{
	switch (cmd) {
	case HSM_IOC_KEY_GENERATE: return {P, 0, 0, false};
	case HSM_IOC_KEY_IMPORT: return {P | I, 0, HSM_OP_F_PUBLIC, false};
	case HSM_IOC_KEY_EXPORT: return {O, O, 0, true};
	case HSM_IOC_KEY_RELEASE: return {0, 0, 0, true};
	case HSM_IOC_KEY_DERIVE: return {P | I | V | A, 0, 0, true};
	case HSM_IOC_KEY_PUBLIC: return {O, O, HSM_OP_F_RAW, true};
	case HSM_IOC_KEY_AGREE: return {P | I, 0, 0, true};
	case HSM_IOC_KEY_WRAP: return {P | V | A | O | T, O | T, 0, true};
	case HSM_IOC_KEY_UNWRAP: return {P | I | V | A | T, 0, 0, true};
	case HSM_IOC_KEY_LIST: return {O, O, HSM_OP_F_ALL_CONNECTIONS, false};
	case HSM_IOC_KEY_INFO: return {O, O, 0, true};
	case HSM_IOC_KEY_ATTEST: return {P | O | T, O | T, 0, true};
	case HSM_IOC_CTX_CREATE: return {P, 0, 0, true};
	case HSM_IOC_CTX_INIT: return {V | A, 0, 0, true};
	case HSM_IOC_CTX_UPDATE: return {I | O, O, 0, true};
	case HSM_IOC_CTX_FINAL: return {O | T, O | T, 0, true};
	case HSM_IOC_CTX_RESET: return {0, 0, 0, true};
	case HSM_IOC_CTX_RELEASE: return {0, 0, 0, true};
	case HSM_IOC_DIGEST: return {P | I | O, O, 0, false};
	case HSM_IOC_MAC: return {I | O, O, HSM_OP_F_TRUNCATE, true};
	case HSM_IOC_MAC_VERIFY: return {I | T, 0, 0, true};
	case HSM_IOC_SEAL: return {I | O | V | A | T, O | T, 0, true};
	case HSM_IOC_OPEN: return {I | O | V | A | T, O, 0, true};
	case HSM_IOC_ENCRYPT: return {I | O | V | A, O, 0, true};
	case HSM_IOC_DECRYPT: return {I | O | V | A, O, 0, true};
	case HSM_IOC_RANDOM: return {O, O, 0, false};
	case HSM_IOC_SIGN: return {I | O, O, HSM_OP_F_RAW | HSM_OP_F_PREHASHED | HSM_OP_F_PKCS1, true};
	case HSM_IOC_VERIFY: return {I | T, 0, HSM_OP_F_RAW | HSM_OP_F_PREHASHED | HSM_OP_F_PKCS1, true};
	case HSM_IOC_BENCH: return {P | I | O | V | A | T, O | T, 0, true};
	case HSM_IOC_VECTOR: return {I, 0, 0, false};
	case HSM_IOC_SLOT_STORE: return {P, 0, 0, true};
	case HSM_IOC_SLOT_OPEN: return {P, 0, 0, false};
	case HSM_IOC_SLOT_DELETE: return {P, 0, 0, false};
	case HSM_IOC_SLOT_LIST: return {O, O, 0, false};
	case HSM_IOC_SLOT_SEAL: return {P | O, O, 0, false};
	case HSM_IOC_SLOT_UNSEAL: return {P | I, 0, 0, false};
	case HSM_IOC_SNP_REPORT: return {P | O, O, 0, false};
	case HSM_IOC_SNP_EXT_REPORT: return {P | O | T, O | T, 0, false};
	case HSM_IOC_SNP_DERIVE_KEY: return {P | I, 0, 0, false};
	case HSM_IOC_SNP_SIM_SETUP: return {P | I, 0, 0, false};
	case HSM_IOC_TDX_REPORT: return {P | O, O, 0, false};
	case HSM_IOC_TDX_QUOTE: return {P | O, O, 0, false};
	case HSM_IOC_TDX_EXTEND_RTMR: return {P, 0, 0, false};
	case HSM_IOC_TDX_SIM_SETUP: return {P | I, 0, 0, false};
	}
	return {0, 0, 0, false};
}

std::vector<CmdSpec> build()
{
	std::vector<CmdSpec> v;
#define FZ_ROW(name, nr, arg, cls) \
	{ \
		Usage u = usage(HSM_IOC_##name); \
		v.push_back({#name, HSM_IOC_##name, HSM_CMD_IDX_##name, (cls), \
			     sizeof(struct arg), u.refs, u.outs, u.flags, u.handle}); \
	}
	HSM_COMMANDS(FZ_ROW)
#undef FZ_ROW
	return v;
}

const std::vector<CmdSpec> &table()
{
	static const std::vector<CmdSpec> t = build();
	return t;
}

struct ErrName {
	int err;
	const char *name;
};

// HSM_STATUSES' errnos, and the ones hsm_status_of() maps besides.
constexpr ErrName kDocumented[] = {
	{EINVAL, "EINVAL"}, {ENOTTY, "ENOTTY"}, {ENOENT, "ENOENT"},
	{EPERM, "EPERM"}, {EBADFD, "EBADFD"}, {ETIMEDOUT, "ETIMEDOUT"},
	{ENOSPC, "ENOSPC"}, {EOPNOTSUPP, "EOPNOTSUPP"}, {EBADMSG, "EBADMSG"},
	{EOVERFLOW, "EOVERFLOW"}, {ENOMEM, "ENOMEM"}, {ECANCELED, "ECANCELED"},
	{EIO, "EIO"}, {EBUSY, "EBUSY"}, {EEXIST, "EEXIST"}, {E2BIG, "E2BIG"},
	{ENFILE, "ENFILE"}, {EDQUOT, "EDQUOT"}, {EFAULT, "EFAULT"},
	{EINTR, "EINTR"}, {EHOSTDOWN, "EHOSTDOWN"}, {ECONNABORTED, "ECONNABORTED"},
	{ENOTCONN, "ENOTCONN"},
};

}  // namespace

std::span<const CmdSpec> commands()
{
	return table();
}

const CmdSpec *spec_of(unsigned cmd)
{
	int i = hsm_cmd_index(cmd);
	return i < 0 ? nullptr : &table()[i];
}

const CmdSpec &spec_at(unsigned idx)
{
	return table()[idx];
}

int lookup_error(unsigned cmd, bool test_hooks)
{
	if (_IOC_TYPE(cmd) != HSM_IOC_MAGIC)
		return -ENOTTY;
	for (const CmdSpec &s : table()) {
		if (_IOC_NR(s.cmd) != _IOC_NR(cmd))
			continue;
		if ((s.cls & HSM_CMD_TEST) && !test_hooks)
			return -ENOTTY;
		return s.cmd == cmd ? 0 : -EINVAL;
	}
	return -ENOTTY;
}

bool errno_documented(int err)
{
	for (const ErrName &e : kDocumented)
		if (e.err == err)
			return true;
	return false;
}

const char *errno_name(int err)
{
	for (const ErrName &e : kDocumented)
		if (e.err == err)
			return e.name;
	return strerrorname_np(err) ? strerrorname_np(err) : "E?";
}

}  // namespace fz
