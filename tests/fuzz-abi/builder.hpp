// SPDX-License-Identifier: GPL-2.0 OR MIT
// Makes one valid data-plane command in lane coordinates: its refs, the
// payloads to put in the lane, and what a correct answer is.
#pragma once

#include <cerrno>

#include "input.hpp"
#include "refcrypto.hpp"
#include "region.hpp"

namespace fz {

// Errors any valid data-plane command may meet through no fault of its
// own: the connection's in-flight limit, memory.
extern const ErrSet kBusy;
// ... and its key or context released meanwhile (by a mutated command).
extern const ErrSet kGone;

class Builder {
public:
	Builder(unsigned cmd, bool big);

	Builder &handle(uint64_t h);
	Builder &flags(uint32_t f);
	Builder &timeout(uint32_t ms);
	Builder &resp();
	Builder &params(View b);
	template <typename T> Builder &params_of(const T &t)
	{
		return params({reinterpret_cast<const uint8_t *>(&t), sizeof(t)});
	}
	Builder &in(View b);
	Builder &iv(View b);
	Builder &aad(View b);
	Builder &tag(View b);
	Builder &out(uint32_t len);
	Builder &out_tag(uint32_t len);
	Builder &in_place();
	// A valid command: its answer is `value` (any success for kAnyOk; an
	// error where that is the right answer), else kBusy or `tolerate`.
	Builder &ok(long value = kAnyOk, ErrSet tolerate = {});
	Builder &exact(int err);
	Builder &learn(std::function<void(Worker &, const Answer &)> f);
	// Check the output ref r on success against want (a prefix of it).
	Builder &want(RefIdx r, Bytes want);
	Builder &verify(std::function<std::string(const Answer &)> f);
	Builder &role(Role r);
	// The command; in the big lane if its payloads do not fit a small one.
	Input done();

	const Geometry &geom() const { return g_; }

private:
	Builder &blob(RefIdx r, uint32_t off, View b);

	Input in_;
	hsm_op op_{};
	const Geometry &g_;
};

// The bytes of ref r of an answered command, from the region.
View ref_bytes(const Answer &a, RefIdx r, uint32_t len);

}  // namespace fz
