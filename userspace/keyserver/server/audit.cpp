// SPDX-License-Identifier: MIT
#include "audit.hpp"

#include <ctime>

#include "vault.hpp"

namespace ks {

namespace {

void put_str(Bytes &b, std::string_view s)
{
	b.push_back(std::uint8_t(s.size() >> 8));
	b.push_back(std::uint8_t(s.size()));
	b.insert(b.end(), s.begin(), s.end());
}

void put_u64(Bytes &b, std::uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		b.push_back(std::uint8_t(v >> (8 * i)));
}

} // namespace

Bytes audit_message(std::string_view user, const AuditEntry &e, std::span<const std::uint8_t> prev_mac)
{
	Bytes m{'k', 's', '-', 'a', 'u', 'd', 'i', 't', '1'};
	put_str(m, user);
	put_u64(m, e.seq);
	put_u64(m, std::uint64_t(e.time));
	put_str(m, e.op);
	put_str(m, e.target);
	put_str(m, e.outcome);
	m.insert(m.end(), prev_mac.begin(), prev_mac.end());
	return m;
}

AuditMaker audit_maker(const Vault &v, std::string user, std::string op, std::string target,
		       std::string outcome)
{
	return [&v, user = std::move(user), op = std::move(op), target = std::move(target),
		outcome = std::move(outcome)](const AuditTail &tail) {
		AuditEntry e;
		e.seq = tail.seq + 1;
		e.time = std::time(nullptr);
		e.op = op;
		e.target = target;
		e.outcome = outcome;
		auto mac = v.mac(audit_message(user, e, tail.mac));
		if (mac)
			e.mac = std::move(*mac);
		return e;
	};
}

std::uint64_t audit_broken_at(const Vault &v, std::string_view user, const std::vector<AuditEntry> &chain)
{
	Bytes prev;
	std::uint64_t want = 1;
	for (const auto &e : chain) {
		if (e.seq != want || !v.mac_ok(audit_message(user, e, prev), e.mac))
			return want;
		prev = e.mac;
		want++;
	}
	return 0;
}

} // namespace ks
