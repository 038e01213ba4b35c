// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// libhsm, the product: one CryptoStack per process, buffers from its
// allocator (zero-copy), a Batch per run (one io_uring_enter for the whole
// batch), or the synchronous one-shot calls (a batch of one).  Signatures
// go through the module to its worker, hsmd, which must be attached.
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <hsm/hsm.hpp>

#include "bench.hpp"

namespace bench {
namespace {

[[noreturn]] void fail(const std::string &what, const hsm::Error &e)
{
	throw std::runtime_error("libhsm " + what + ": " + e.message);
}

template <typename T> T must(hsm::Result<T> r, const char *what)
{
	if (!r)
		fail(what, r.error());
	if constexpr (!std::is_void_v<T>)
		return std::move(*r);
}

// The process's stack, opened once with a region for the largest cells.
const hsm::CryptoStack &stack()
{
	static std::once_flag once;
	static std::optional<hsm::CryptoStack> s;
	std::call_once(once, [] {
		hsm::CryptoStackConfig cfg;
		cfg.region_size = 48u << 20;
		s = must(hsm::CryptoStack::create(cfg), "CryptoStack::create");
	});
	return *s;
}

// The key pair libhsm signs an algorithm with: generated in the module
// once per process and shared by the threads' runners, since key
// generation is not what is measured (RSA-2048's takes seconds under TCG).
hsm::CryptoResourceId signing_key(Algo a)
{
	static std::mutex lock;
	static std::map<Algo, hsm::CryptoResourceGuard> keys;
	std::lock_guard<std::mutex> g(lock);
	auto it = keys.find(a);
	if (it == keys.end()) {
		hsm::GenerateKeyParams p;
		p.set_algorithm(algo_name(a)).set_permissions(hsm::KeyOperationPermission::kSign);
		if (a == Algo::RsaPss)
			p.set_key_length(Inputs::kRsaBytes);
		it = keys.emplace(a, must(stack().keys().generate_key(p),
					  "generate_key (is hsmd attached?)")).first;
	}
	return it->second.id();
}

class LibhsmRunner final : public Runner {
public:
	explicit LibhsmRunner(bool batched) : batched_(batched) {}

	bool setup(const Case &c) override
	{
		c_ = c;
		if (!batched_ && c.batch != 1) {
			why_ = "one operation at a time";
			return false;
		}
		const hsm::CryptoStack &s = stack();
		hsm::MemoryAllocator mem = s.allocator();
		Bytes in = Inputs::payload(c.size), iv = Inputs::iv();
		const std::size_t out_len = Inputs::out_len(c.algo, c.size);
		iv_ = must(mem.allocate(12), "allocate");
		std::memcpy(iv_.data(), iv.data(), iv.size());
		for (unsigned i = 0; i < c.batch; i++) {
			ins_.push_back(must(mem.allocate(c.size), "allocate"));
			std::memcpy(ins_.back().data(), in.data(), in.size());
			outs_.push_back(must(mem.allocate(out_len), "allocate"));
		}
		if (is_signature(c.algo)) {
			key_ = signing_key(c.algo);
		} else if (c.algo != Algo::Sha) {
			Bytes k = Inputs::key(c.algo);
			hsm::ImportKeyParams p;
			p.set_algorithm(algo_name(c.algo))
				.set_permissions(c.algo == Algo::Gcm ? hsm::KeyOperationPermission::kEncrypt
								    : hsm::KeyOperationPermission::kSign)
				.set_material(k);
			imported_.emplace(must(s.keys().import_key(p), "import_key"));
			key_ = *imported_;
		}
		if (batched_)
			batch_.emplace(s, c.batch);
		return true;
	}

	void run() override
	{
		if (!batched_) {
			auto r = one(stack(), 0);
			if (!r)
				fail("call", r.error());
			out0_len_ = *r;
			return;
		}
		hsm::Batch &b = *batch_;
		for (unsigned i = 0; i < c_.batch; i++)
			must(queue(b, i), "queue");
		if (must(b.wait_all(), "wait_all"))
			for (unsigned i = 0; i < c_.batch; i++)
				if (auto r = b.get(i); !r)
					fail("batch operation", r.error());
		// A signature's length varies (ECDSA's DER): the first one's.
		if (is_signature(c_.algo))
			out0_len_ = must(b.get(0), "batch operation");
		must(b.clear(), "clear");
	}

	Bytes output() override
	{
		const std::size_t n = is_signature(c_.algo) ? out0_len_ : Inputs::out_len(c_.algo, c_.size);
		return Bytes(outs_[0].data(), outs_[0].data() + n);
	}

	Bytes public_key() override
	{
		if (!is_signature(c_.algo))
			return {};
		Bytes spki(HSM_WORKER_KEY_MAX);
		spki.resize(must(stack().keys().get_public_key(key_, spki), "get_public_key"));
		return spki;
	}

	std::string why() const override { return why_; }

private:
	hsm::BufferRef out_ref(unsigned i) const
	{
		return outs_[i].slice(0, c_.algo == Algo::Gcm ? c_.size : Inputs::out_len(c_.algo, c_.size));
	}
	hsm::BufferRef tag_ref(unsigned i) const { return outs_[i].slice(c_.size, 16); }

	hsm::Result<std::size_t> one(const hsm::CryptoStack &s, unsigned i) const
	{
		switch (c_.algo) {
		case Algo::Gcm:
			return s.seal(key_, iv_, {}, ins_[i], out_ref(i), tag_ref(i));
		case Algo::Hmac:
			return s.mac(key_, ins_[i], out_ref(i));
		case Algo::Sha:
			return s.digest("sha-256", ins_[i], out_ref(i));
		case Algo::EcdsaP256:
		case Algo::Ed25519:
		case Algo::RsaPss:
			return s.sign(key_, ins_[i], out_ref(i));
		}
		return hsm::fail(hsm::Status::kInvalidArgument, EINVAL, "algorithm");
	}

	hsm::Result<hsm::Batch::OpId> queue(hsm::Batch &b, unsigned i) const
	{
		switch (c_.algo) {
		case Algo::Gcm:
			return b.seal(key_, iv_, {}, ins_[i], out_ref(i), tag_ref(i));
		case Algo::Hmac:
			return b.mac(key_, ins_[i], out_ref(i));
		case Algo::Sha:
			return b.digest("sha-256", ins_[i], out_ref(i));
		case Algo::EcdsaP256:
		case Algo::Ed25519:
		case Algo::RsaPss:
			return b.sign(key_, ins_[i], out_ref(i));
		}
		return hsm::fail(hsm::Status::kInvalidArgument, EINVAL, "algorithm");
	}

	bool batched_;
	Case c_{};
	hsm::Buffer iv_;
	std::vector<hsm::Buffer> ins_, outs_;
	std::size_t out0_len_ = 0;			// signatures: outs_[0]'s
	hsm::CryptoResourceId key_;			// imported_'s or signing_key()'s
	std::optional<hsm::CryptoResourceGuard> imported_;
	std::optional<hsm::Batch> batch_;
	std::string why_ = "not offered";
};

}  // namespace

void add_libhsm(std::vector<Competitor> &out)
{
	out.push_back({"libhsm-batch", "libhsm: a Batch per run, one io_uring_enter, zero-copy buffers",
		       true, [] { return std::make_unique<LibhsmRunner>(true); }});
	out.push_back({"libhsm-sync", "libhsm: synchronous one-shot calls (a batch of one)", false,
		       [] { return std::make_unique<LibhsmRunner>(false); }});
}

}  // namespace bench
