// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "device.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <hsm/raw.h>

#include "abi.hpp"

namespace fz {

int Device::open(size_t size)
{
	hsm_raw_conn c;
	int r = hsm_raw_connect(&c, nullptr, size);

	if (r)
		return r;
	fd_ = c.fd;
	base_ = static_cast<uint8_t *>(c.base);
	size_ = c.size;
	return 0;
}

void Device::close()
{
	if (base_)
		munmap(base_, size_);
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
	base_ = nullptr;
	size_ = 0;
}

int Device::remap()
{
	void *p = nullptr;

	munmap(base_, size_);
	base_ = nullptr;
	int r = hsm_raw_map(fd_, size_, &p);
	if (r)
		return r;
	base_ = static_cast<uint8_t *>(p);
	return 0;
}

bool get_info(int fd, hsm_info &info)
{
	return hsm_raw_get_info(fd, &info) == static_cast<long>(sizeof(info));
}

bool get_stats(int fd, bool connection, hsm_stats &st)
{
	hsm_get_stats req{};

	memset(&st, 0, sizeof(st));
	req.stats_ptr = reinterpret_cast<uintptr_t>(&st);
	req.stats_size = sizeof(st);
	req.flags = connection ? HSM_STATS_F_CONNECTION : 0;
	return hsm_raw_ioctl(fd, HSM_IOC_GET_STATS, &req) == static_cast<long>(sizeof(st));
}

void Tally::reset()
{
	for (auto &r : req_)
		r = 0;
	for (auto &e : err_)
		e = 0;
	req_exact_ = true;
	err_exact_ = true;
}

void Tally::add(unsigned cmd, long res, bool ran)
{
	const CmdSpec *s = spec_of(cmd);

	if (ran && s)
		req_[s->idx]++;
	if (res < 0) {
		unsigned st = hsm_status_of(res);
		err_[st < HSM_STATS_STATUSES ? st : unsigned{HSM_STATUS_INTERNAL}]++;
	}
}

void Tally::add_unknown(unsigned cmd)
{
	if (const CmdSpec *s = spec_of(cmd))
		req_[s->idx]++;
	err_exact_ = false;
}

void Tally::merge(const uint64_t *req, const uint64_t *err)
{
	for (unsigned i = 0; i < HSM_STATS_CMDS; i++)
		req_[i] += req[i];
	for (unsigned i = 0; i < HSM_STATS_STATUSES; i++)
		err_[i] += err[i];
}

void Tally::snapshot(uint64_t *req, uint64_t *err) const
{
	for (unsigned i = 0; i < HSM_STATS_CMDS; i++)
		req[i] = req_[i];
	for (unsigned i = 0; i < HSM_STATS_STATUSES; i++)
		err[i] = err_[i];
}

std::string Tally::compare(const hsm_stats &s) const
{
	char buf[160];

	for (unsigned i = 0; i < HSM_STATS_CMDS; i++) {
		uint64_t want = req_[i];
		if (s.requests[i] == want || (!req_exact_ && s.requests[i] > want))
			continue;
		snprintf(buf, sizeof(buf), "requests[%s] is %llu, %s %llu were answered",
			 i < commands().size() ? spec_at(i).name : "?",
			 (unsigned long long)s.requests[i], req_exact_ ? "but" : "below the",
			 (unsigned long long)want);
		return buf;
	}
	for (unsigned i = 0; i < HSM_STATS_STATUSES; i++) {
		uint64_t want = err_[i];
		if (s.errors[i] == want || (!err_exact_ && s.errors[i] > want))
			continue;
		snprintf(buf, sizeof(buf), "errors[%s] is %llu, %s %llu failed so",
			 hsm_status_name(i) ? hsm_status_name(i) : "?",
			 (unsigned long long)s.errors[i], err_exact_ ? "but" : "below the",
			 (unsigned long long)want);
		return buf;
	}
	if (s.inflight)
		return "inflight is " + std::to_string(s.inflight) + " with nothing running";
	return "";
}

std::vector<SlotName> list_slots(int fd, uint8_t *base, size_t off)
{
	const uint32_t room = static_cast<uint32_t>(off / sizeof(hsm_slot_info));
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.out = {0, room * static_cast<uint32_t>(sizeof(hsm_slot_info))};
	const long n = hsm_raw_ioctl(fd, HSM_IOC_SLOT_LIST, &op);
	std::vector<SlotName> v;
	const auto *s = reinterpret_cast<const hsm_slot_info *>(base);
	for (long i = 0; i < std::min<long>(n, room); i++)
		v.push_back({std::string(s[i].name, strnlen(s[i].name, sizeof(s[i].name))), s[i].slot_flags});
	return v;
}

long delete_slot(int fd, uint8_t *base, size_t off, const SlotName &s)
{
	hsm_slot_params p{};
	strncpy(p.name, s.name.c_str(), sizeof(p.name) - 1);
	p.flags = s.flags;
	memcpy(base + off, &p, sizeof(p));
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = {static_cast<uint32_t>(off), sizeof(p)};
	return hsm_raw_ioctl(fd, HSM_IOC_SLOT_DELETE, &op);
}

}  // namespace fz
