// SPDX-License-Identifier: MIT
#include "sessions.hpp"

#include <openssl/rand.h>

namespace ks {

using Clock = std::chrono::steady_clock;

void SessionTable::sweep_locked(Clock::time_point now)
{
	std::erase_if(pending_, [now](const auto &e) { return e.second.expires <= now; });
	std::erase_if(sessions_, [now, this](const auto &e) {
		std::unique_lock l(e.second->mu, std::try_to_lock);
		return l.owns_lock() && (e.second->closed || e.second->last_use + idle_ttl_ <= now);
	});
}

std::optional<SessionId> SessionTable::add_pending(Pending p)
{
	SessionId id;
	if (RAND_bytes(id.data(), int(id.size())) != 1)
		return std::nullopt;
	auto now = Clock::now();
	std::lock_guard l(mu_);
	sweep_locked(now);
	if (pending_.size() + sessions_.size() >= max_)
		return std::nullopt;
	p.expires = now + login_ttl_;
	pending_.emplace(id, std::move(p));
	return id;
}

std::optional<Pending> SessionTable::take_pending(const SessionId &id)
{
	std::lock_guard l(mu_);
	auto it = pending_.find(id);
	if (it == pending_.end())
		return std::nullopt;
	Pending p = std::move(it->second);
	pending_.erase(it);
	if (p.expires <= Clock::now())
		return std::nullopt;
	return p;
}

std::shared_ptr<Session> SessionTable::add_session(const SessionId &id, std::string user,
						   std::span<const std::uint8_t> session_key)
{
	auto s = std::make_shared<Session>(std::move(user), session_key, id);
	s->last_use = Clock::now();
	std::lock_guard l(mu_);
	sessions_[id] = s;
	return s;
}

std::shared_ptr<Session> SessionTable::find(const SessionId &id)
{
	std::lock_guard l(mu_);
	auto it = sessions_.find(id);
	if (it == sessions_.end())
		return nullptr;
	// Idle past its time: gone, whether or not a sweep has run since.
	std::unique_lock sl(it->second->mu, std::try_to_lock);
	if (sl.owns_lock() && it->second->last_use + idle_ttl_ <= Clock::now()) {
		sl.unlock();
		sessions_.erase(it);
		return nullptr;
	}
	return it->second;
}

void SessionTable::remove(const SessionId &id)
{
	std::lock_guard l(mu_);
	sessions_.erase(id);
}

std::size_t SessionTable::size()
{
	std::lock_guard l(mu_);
	return pending_.size() + sessions_.size();
}

} // namespace ks
