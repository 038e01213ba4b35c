// SPDX-License-Identifier: MIT
//
// hsm-slot-key: generate a key into a persistent slot in one process and
// use it from others.  Slots belong to the user who stored them and live
// until deleted or the module unloads.
//
//   hsm-slot-key create NAME      generate an HMAC-SHA-256 key into slot NAME
//   hsm-slot-key mac NAME TEXT    print the hex HMAC of TEXT under it
//   hsm-slot-key delete NAME
#include <cstdio>
#include <cstring>
#include <string_view>

#include <hsm/hsm.hpp>

namespace {

int die(const hsm::Error &e)
{
	std::fprintf(stderr, "hsm-slot-key: %s\n", e.message.c_str());
	return 1;
}

} // namespace

int main(int argc, char **argv)
{
	std::string_view cmd = argc > 1 ? argv[1] : "";
	if (argc < 3 || (cmd == "mac" ? argc != 4 : argc != 3)) {
		std::fprintf(stderr, "usage: hsm-slot-key create|delete NAME | mac NAME TEXT\n");
		return 2;
	}
	hsm::KeySlot slot(argv[2]);
	if (slot.name.truncated()) {
		std::fprintf(stderr, "hsm-slot-key: slot names have at most 63 characters\n");
		return 2;
	}
	auto stack = hsm::CryptoStack::create();
	if (!stack)
		return die(stack.error());
	hsm::KeyManager km = stack->keys();

	if (cmd == "create") {
		// Generated in an ephemeral guard, then persisted; the guard's
		// destructor releases the ephemeral copy.
		auto key = km.generate_key(hsm::GenerateKeyParams{}
						  .set_algorithm("hmac-sha-256")
						  .set_key_length(32)
						  .set_permissions(hsm::KeyOperationPermission::kSign));
		if (!key)
			return die(key.error());
		auto r = km.persist_key(slot, *key);
		return r ? 0 : die(r.error());
	}
	if (cmd == "delete") {
		auto r = km.delete_slot(slot);
		return r ? 0 : die(r.error());
	}
	if (cmd != "mac")
		return 2;
	auto id = km.resolve_slot(slot);
	if (!id)
		return die(id.error());
	hsm::MemoryAllocator mem = stack->allocator();
	std::size_t n = std::strlen(argv[3]);
	auto msg = mem.allocate(n ? n : 1);
	auto tag = mem.allocate(32);
	if (!msg)
		return die(msg.error());
	if (!tag)
		return die(tag.error());
	std::memcpy(msg->data(), argv[3], n);
	auto r = stack->mac(*id, msg->slice(0, n), *tag);
	if (!r)
		return die(r.error());
	for (std::size_t i = 0; i < *r; i++)
		std::printf("%02x", tag->data()[i]);
	std::printf("\n");
	return 0;
}
