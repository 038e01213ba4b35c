// SPDX-License-Identifier: MIT
//
// hsm-encrypt-file: encrypt or decrypt a file with AES-256-GCM under a key
// that never leaves the HSM, with zero-copy buffers: the file is read
// straight into a buffer of the shared region, sealed there in place by the
// module, and written out from it.
//
//   hsm-encrypt-file encrypt IN OUT   (creates the key slot on first use)
//   hsm-encrypt-file decrypt IN OUT
//   hsm-encrypt-file forget           (deletes the key slot)
//
// OUT is nonce (12 bytes) || ciphertext || tag (16 bytes).  The key lives in
// the persistent slot "example-file-key" of the calling user: it is
// generated inside the module, without kExport, so no one can read it.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#include <hsm/hsm.hpp>

namespace {

constexpr std::size_t kNonce = 12, kTag = 16;
const hsm::KeySlot kSlot("example-file-key");

int die(const hsm::Error &e)
{
	std::fprintf(stderr, "hsm-encrypt-file: %s\n", e.message.c_str());
	return 1;
}

int die_errno(const char *what)
{
	std::fprintf(stderr, "hsm-encrypt-file: %s: %s\n", what, std::strerror(errno));
	return 1;
}

// The slot's key, generating it on first use.
hsm::Result<hsm::CryptoResourceId> file_key(const hsm::KeyManager &km, bool create)
{
	auto id = km.resolve_slot(kSlot);
	if (id || !create || id.error().status != hsm::Status::kNotFound)
		return id;
	auto made = km.generate_key(kSlot, hsm::GenerateKeyParams{}
						  .set_algorithm("aes-256-gcm")
						  .set_permissions(hsm::KeyOperationPermission::kEncrypt |
								  hsm::KeyOperationPermission::kDecrypt));
	if (!made)
		return std::unexpected(made.error());
	return km.resolve_slot(kSlot);
}

bool read_all(int fd, std::uint8_t *p, std::size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return false;
		p += r;
		n -= std::size_t(r);
	}
	return true;
}

bool write_all(int fd, const std::uint8_t *p, std::size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r <= 0)
			return false;
		p += r;
		n -= std::size_t(r);
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	std::string_view cmd = argc > 1 ? argv[1] : "";
	auto stack = hsm::CryptoStack::create();
	if (!stack)
		return die(stack.error());
	hsm::KeyManager km = stack->keys();
	if (cmd == "forget" && argc == 2) {
		auto r = km.delete_slot(kSlot);
		return r ? 0 : die(r.error());
	}
	bool enc = cmd == "encrypt";
	if ((!enc && cmd != "decrypt") || argc != 4) {
		std::fprintf(stderr, "usage: hsm-encrypt-file encrypt|decrypt IN OUT | forget\n");
		return 2;
	}
	auto key = file_key(km, enc);
	if (!key)
		return die(key.error());

	int in = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return die_errno(argv[2]);
	struct stat st;
	if (fstat(in, &st))
		return die_errno(argv[2]);
	std::size_t size = std::size_t(st.st_size);
	if (!enc && size < kNonce + kTag) {
		std::fprintf(stderr, "hsm-encrypt-file: %s: too short\n", argv[2]);
		return 1;
	}
	std::size_t body = enc ? size : size - kNonce - kTag;

	// One buffer for the whole file: nonce || data || tag.  The module
	// works on it in place.
	hsm::MemoryAllocator mem = stack->allocator();
	auto buf = mem.allocate(kNonce + body + kTag);
	if (!buf)
		return die(buf.error());
	hsm::BufferRef nonce = buf->slice(0, kNonce), data = buf->slice(kNonce, body),
		       tag = buf->slice(kNonce + body, kTag);
	std::uint8_t *p = buf->data();
	if (enc) {
		auto r = stack->random(nonce);	// a fresh nonce from the module's DRBG
		if (!r)
			return die(r.error());
		if (!read_all(in, p + kNonce, body))
			return die_errno(argv[2]);
		auto s = stack->seal(*key, nonce, {}, data, data, tag);
		if (!s)
			return die(s.error());
	} else {
		if (!read_all(in, p, size))
			return die_errno(argv[2]);
		auto o = stack->open(*key, nonce, {}, data, data, tag);
		if (!o)
			return die(o.error());	// AuthFailed: wrong key or a changed file
	}
	close(in);

	int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return die_errno(argv[3]);
	bool ok = enc ? write_all(out, p, kNonce + body + kTag) : write_all(out, p + kNonce, body);
	if (!ok || close(out))
		return die_errno(argv[3]);
	std::printf("%s %zu bytes\n", enc ? "encrypted" : "decrypted", body);
	return 0;
}
