// SPDX-License-Identifier: MIT
//
// hsm-batch-macs: 1,000 HMAC-SHA-256 tags in one batch, then 1,000
// verifications in another.  The messages and tags live in two buffers of
// the shared region; the batch submits with one io_uring_enter (the library
// keeps within the module's in-flight limit and sends the rest as
// completions arrive) and matches every completion to its operation.
#include <cstdio>

#include <hsm/hsm.hpp>

int main()
{
	constexpr std::size_t kOps = 1000, kMsg = 64, kTag = 32;
	auto stack = hsm::CryptoStack::create();
	if (!stack) {
		std::fprintf(stderr, "hsm-batch-macs: %s\n", stack.error().message.c_str());
		return 1;
	}
	auto key = stack->keys().generate_key(hsm::GenerateKeyParams{}
						     .set_algorithm("hmac-sha-256")
						     .set_key_length(32)
						     .set_permissions(hsm::KeyOperationPermission::kSign |
								     hsm::KeyOperationPermission::kVerify));
	hsm::MemoryAllocator mem = stack->allocator();
	auto msgs = mem.allocate(kOps * kMsg);
	auto tags = mem.allocate(kOps * kTag);
	if (!key || !msgs || !tags) {
		std::fprintf(stderr, "hsm-batch-macs: setup failed\n");
		return 1;
	}
	for (std::size_t i = 0; i < msgs->size(); i++)
		msgs->data()[i] = static_cast<std::uint8_t>(i * 31 + i / kMsg);

	hsm::Batch macs(*stack, kOps);
	for (std::size_t i = 0; i < kOps; i++)
		if (!macs.mac(*key, msgs->slice(i * kMsg, kMsg), tags->slice(i * kTag, kTag)))
			return 1;
	auto failed = macs.wait_all();
	if (!failed || *failed) {
		std::fprintf(stderr, "hsm-batch-macs: %zu MACs failed\n", failed ? *failed : kOps);
		return 1;
	}

	// Verify them all, with one tag spoiled on purpose.
	tags->data()[500 * kTag] ^= 1;
	hsm::Batch checks(*stack, kOps);
	for (std::size_t i = 0; i < kOps; i++)
		if (!checks.mac_verify(*key, msgs->slice(i * kMsg, kMsg), tags->slice(i * kTag, kTag)))
			return 1;
	if (!checks.wait_all())
		return 1;
	std::size_t good = 0, bad = 0;
	for (std::size_t i = 0; i < kOps; i++) {
		auto r = checks.get(static_cast<hsm::Batch::OpId>(i));
		if (r)
			good++;
		else if (r.error().status == hsm::Status::kAuthFailed && i == 500)
			bad++;
		else
			std::fprintf(stderr, "hsm-batch-macs: op %zu: %s\n", i, r.error().message.c_str());
	}
	std::printf("%zu MACs, %zu verified, %zu rejected\n", kOps, good, bad);
	return good == kOps - 1 && bad == 1 ? 0 : 1;
}
