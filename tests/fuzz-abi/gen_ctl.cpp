// SPDX-License-Identifier: GPL-2.0 OR MIT
// Valid control commands (their own structs, user pointers into the
// thread's buffer), slots, sealing and the platform's guest requests.
#include <algorithm>
#include <cstring>

#include "gen_impl.hpp"

namespace fz::gen {

namespace {

constexpr uint32_t kPage = 4096;

template <typename T> Input control(unsigned cmd, const T &arg, unsigned local, long want)
{
	Input in;
	in.cmd = cmd;
	in.set(arg);
	in.local = local;
	in.gen = spec_of(cmd)->idx;
	in.expect.mode = Expect::Valid;
	in.expect.value = want;
	in.expect.tolerate = {ENOMEM};
	return in;
}

// The thread's buffer, as GET_INFO and GET_STATS must leave it: the
// module's bytes, then zeros up to the size asked for.
std::string zero_filled(const Answer &a, uint32_t size, long n)
{
	const uint8_t *p = reinterpret_cast<const uint8_t *>(static_cast<uintptr_t>(a.op.handle));
	for (uint32_t i = static_cast<uint32_t>(n); i < size; i++)
		if (p[i])
			return "byte " + std::to_string(i) + " of " + std::to_string(size) +
			       " is not zero-filled";
	return "";
}

uint32_t info_size(Rng &rng, uint32_t full)
{
	switch (rng.below(4)) {
	case 0: return full;
	case 1: return HSM_INFO_SIZE_VER0;
	case 2: return HSM_INFO_SIZE_MAX;
	}
	return static_cast<uint32_t>(rng.range(HSM_INFO_SIZE_VER0, HSM_INFO_SIZE_MAX));
}

Slot &slot_of(Gen &c)
{
	return c.pool().slots[c.rng().below(c.pool().slots.size())];
}

Builder slot_call(unsigned cmd, const Slot &s)
{
	hsm_slot_params p{};
	strncpy(p.name, s.name.c_str(), sizeof(p.name) - 1);
	Builder b(cmd, false);
	b.resp().params_of(p);
	return b;
}

// Slots are named per thread, but a mutated command, or another command of
// the same batch, may store or delete one under the same name: a slot
// command may succeed or find the slot there or not.
const ErrSet kSlotState = {ENOENT, EEXIST, ENOSPC, EDQUOT};

std::function<void(Worker &, const Answer &)> learn_stored(std::string name, bool stored, long when)
{
	return [name, stored, when](Worker &w, const Answer &a) {
		for (Slot &s : w.pool.slots)
			if (s.name == name && (a.res == when || a.res == -EEXIST || a.res == -ENOENT))
				s.stored = a.res == when ? stored : a.res == -EEXIST;
	};
}

}  // namespace

Input control_get_info(Gen &c)
{
	hsm_get_info g{};
	const uint32_t size = info_size(c.rng(), sizeof(hsm_info));
	g.info_size = size;
	const long n = std::min<long>(size, c.w.sh.info.size);
	Input in = control(HSM_IOC_GET_INFO, g, kLocalPtr, n);
	in.verify = [size, n](const Answer &a) -> std::string {
		hsm_info i;
		memcpy(&i, reinterpret_cast<const void *>(static_cast<uintptr_t>(a.op.handle)),
		       std::min<size_t>(sizeof(i), size));
		if (i.abi_version != HSM_ABI_VERSION || i.size < HSM_INFO_SIZE_VER0)
			return "GET_INFO's prefix is wrong (abi " + std::to_string(i.abi_version) + ")";
		return zero_filled(a, size, n);
	};
	return in;
}

Input control_shm_setup(Gen &c)
{
	hsm_shm_setup s{};
	Rng &rng = c.rng();
	const uint64_t max = c.w.sh.info.max_region_size;

	switch (rng.below(4)) {
	case 0:
		s.size = 0;
		break;
	case 1:
		s.size = kPage + 1 + rng.below(kPage - 1);
		break;
	case 2:
		s.size = max + kPage * (1 + rng.below(4));
		break;
	default:
		/* Well-formed: the connection has its region already. */
		s.size = kPage * (1 + rng.below(max / kPage));
		return control(HSM_IOC_SHM_SETUP, s, 0, -EEXIST);
	}
	Input in = control(HSM_IOC_SHM_SETUP, s, 0, 0);
	in.expect.mode = Expect::Exact;
	in.expect.err = s.size > max ? E2BIG : EINVAL;
	return in;
}

Input control_get_stats(Gen &c)
{
	hsm_get_stats g{};
	const uint32_t size = info_size(c.rng(), sizeof(hsm_stats));
	g.stats_size = std::max<uint32_t>(size, HSM_STATS_SIZE_VER0);
	g.flags = c.rng().one_in(2) ? HSM_STATS_F_CONNECTION : 0;
	const long n = std::min<long>(g.stats_size, sizeof(hsm_stats));
	Input in = control(HSM_IOC_GET_STATS, g, kLocalPtr, n);
	const uint32_t want_size = g.stats_size;
	in.verify = [want_size, n](const Answer &a) { return zero_filled(a, want_size, n); };
	return in;
}

Input control_conn_config(Gen &c)
{
	static const uint32_t timeouts[] = {0, 30000, 60000, HSM_TIMEOUT_NONE};
	hsm_conn_config cc{};
	cc.timeout_ms = c.rng().pick(timeouts);
	return control(HSM_IOC_CONN_CONFIG, cc, 0, 0);
}

Input control_get_algs(Gen &c)
{
	hsm_get_algs g{};
	/* The buffer holds 78 entries. */
	g.count = static_cast<uint32_t>(c.rng().below(Executor::kBuf / sizeof(hsm_alg_info) + 1));
	return control(HSM_IOC_GET_ALGS, g, kLocalPtr, c.w.sh.algs);
}

Input control_selftest(Gen &)
{
	return control(HSM_IOC_SELFTEST, hsm_selftest{}, 0, kAnyOk);
}

Input slot_store(Gen &c)
{
	Slot &s = slot_of(c);
	const Key *k = c.pool().any_key(c.rng());
	if (!k)
		return make_key(c, static_cast<KeyClass>(c.rng().below(K_NCLASS)));
	Builder b = slot_call(HSM_IOC_SLOT_STORE, s);
	b.handle(k->id);
	return b.ok(kAnyOk, kGone | kSlotState).learn(learn_stored(s.name, true, 0)).done();
}

Input slot_open(Gen &c)
{
	Slot &s = slot_of(c);
	Builder b = slot_call(HSM_IOC_SLOT_OPEN, s);
	return b.ok(kAnyOk, kSlotState)
		.learn([name = s.name](Worker &w, const Answer &a) {
			if (a.res == 0 && a.rec_written && a.rec.value)
				w.pool.orphans.push_back(a.rec.value);
			for (Slot &x : w.pool.slots)
				if (x.name == name)
					x.stored = a.res == 0 || (x.stored && a.res != -ENOENT);
		})
		.done();
}

Input slot_delete(Gen &c)
{
	Slot &s = slot_of(c);
	Builder b = slot_call(HSM_IOC_SLOT_DELETE, s);
	return b.ok(kAnyOk, kSlotState).learn(learn_stored(s.name, false, 0)).done();
}

Input slot_list(Gen &c)
{
	Builder b(HSM_IOC_SLOT_LIST, false);
	return b.resp().out(static_cast<uint32_t>(c.rng().below(9) * sizeof(hsm_slot_info))).ok().done();
}

Input slot_seal(Gen &c)
{
	Slot &s = slot_of(c);
	Builder b = slot_call(HSM_IOC_SLOT_SEAL, s);
	b.out(4096);
	/* EIO: a mutated SNP_SIM_SETUP may have made the PSP's answers fail;
	 * EOVERFLOW: the slot may hold a secret of up to 16320 bytes. */
	return b.ok(kAnyOk, kSlotState | ErrSet{EIO, EOVERFLOW})
		.learn([name = s.name](Worker &w, const Answer &a) {
			if (a.res <= 0 || a.racy)
				return;
			View blob = ref_bytes(a, R_OUT, static_cast<uint32_t>(a.res));
			for (Slot &x : w.pool.slots)
				if (x.name == name)
					x.blob.assign(blob.begin(), blob.end());
		})
		.done();
}

Input slot_unseal(Gen &c)
{
	Slot &s = slot_of(c);
	if (s.blob.empty())
		return s.stored ? slot_seal(c) : slot_store(c);
	Builder b = slot_call(HSM_IOC_SLOT_UNSEAL, s);
	b.in(s.blob);
	/* EBADMSG, EIO: a mutated SNP_SIM_SETUP may have changed the VM. */
	return b.ok(kAnyOk, kSlotState | ErrSet{EBADMSG, EIO})
		.learn(learn_stored(s.name, true, 0))
		.done();
}

namespace {

Bytes bound_report_data(View data)
{
	static const char label[] = "hsm snp user report v1";
	Bytes m(label, label + sizeof(label));	/* with its NUL */
	m.insert(m.end(), 4, 0);		/* le32(uid 0) */
	m.insert(m.end(), data.begin(), data.end());
	return ref::digest("sha-512", m);
}

Input report(Gen &c, bool ext)
{
	Rng &rng = c.rng();
	hsm_snp_report_params p{};
	rng.fill(p.report_data, sizeof(p.report_data));
	p.vmpl = static_cast<uint32_t>(rng.below(4));
	p.flags = rng.one_in(2) ? HSM_SNP_REPORT_F_RAW : 0;
	Builder b(ext ? HSM_IOC_SNP_EXT_REPORT : HSM_IOC_SNP_REPORT, ext && c.big_ok);
	b.resp().params_of(p);
	if (!ext && rng.one_in(8))
		return b.out(HSM_SNP_REPORT_SIZE - 1).ok(-EOVERFLOW, {EIO}).done();
	b.out(HSM_SNP_REPORT_SIZE + static_cast<uint32_t>(rng.below(2) * 64));
	if (ext)
		b.out_tag(std::min<uint32_t>(HSM_SNP_CERTS_MAX, b.geom().tag_max));
	const Bytes want = p.flags ? Bytes(p.report_data, p.report_data + 64)
				   : bound_report_data(View(p.report_data, 64));
	const uint32_t vmpl = p.vmpl;
	/* EIO: a mutated SNP_SIM_SETUP may have made the PSP's answers fail. */
	return b.ok(ext ? kAnyOk : HSM_SNP_REPORT_SIZE, ErrSet{EIO, EOVERFLOW})
		.verify([want, vmpl](const Answer &a) -> std::string {
			View rep = ref_bytes(a, R_OUT, HSM_SNP_REPORT_SIZE);
			if (!std::equal(want.begin(), want.end(), rep.begin() + 0x50))
				return "the report's REPORT_DATA is not the one asked for";
			if (rep[0x30] != vmpl)
				return "the report states VMPL " + std::to_string(rep[0x30]);
			return "";
		})
		.done();
}

}  // namespace

Input snp_report(Gen &c)
{
	return report(c, false);
}

Input snp_ext_report(Gen &c)
{
	return report(c, true);
}

Input snp_derive_key(Gen &c)
{
	Rng &rng = c.rng();
	hsm_snp_key_params p{};
	p.root_key_select = static_cast<uint32_t>(rng.below(2));
	p.vmpl = static_cast<uint32_t>(rng.below(4));
	p.guest_field_select = rng.below(HSM_SNP_GFS_ALL + 1) & ~(HSM_SNP_GFS_GUEST_SVN | HSM_SNP_GFS_TCB_VERSION);
	const bool raw = rng.one_in(3), exportable = rng.one_in(3);
	const bool aead = rng.one_in(2);
	p.flags = (raw ? HSM_SNP_KEY_F_RAW : 0) | (exportable ? HSM_SNP_KEY_F_ALLOW_EXPORT : 0);
	strcpy(p.key.alg, aead ? "aes-256-gcm" : "secret");
	p.key.perms = (aead ? HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT : HSM_PERM_DERIVE) |
		      (exportable ? HSM_PERM_EXPORT : 0);
	p.key.flags = exportable ? HSM_KEY_F_EXPORTABLE : 0;
	p.key.key_len = rng.one_in(2) ? 32 : 0;
	Builder b(HSM_IOC_SNP_DERIVE_KEY, false);
	b.resp().params_of(p);
	if (!raw)
		b.in(random_bytes(rng, rng.below(HSM_SNP_LABEL_MAX + 1)));
	const int spec = aead ? spec_index("aes-256-gcm", K_AEAD) : spec_index("secret", K_SECRET);
	/* EPERM: the sealing root's own request is refused raw. */
	return b.ok(0, ErrSet{EIO, ENOSPC, EDQUOT} | (raw ? ErrSet{EPERM} : ErrSet{}))
		.learn(learn_key(spec, exportable, 32, {}))
		.done();
}

Input snp_sim_setup(Gen &c)
{
	hsm_snp_sim_params p = c.w.sh.sim;
	p.flags = c.rng().one_in(2) ? HSM_SNP_SIM_F_RELAUNCH : 0;
	return Builder(HSM_IOC_SNP_SIM_SETUP, false).resp().params_of(p).ok(0).done();
}

}  // namespace fz::gen
