// SPDX-License-Identifier: MIT
//
// The operation calls: *Init, the single-part call, *Update and *Final for
// digests, signatures, verification, encryption and decryption, and
// C_GenerateRandom.  PKCS#11's rules are kept here once: a NULL output
// asks for the length, a short buffer is CKR_BUFFER_TOO_SMALL and keeps the
// operation, anything else ends it.
#include "ops.hpp"

using namespace p11;

namespace {

CK_RV begin(CK_SESSION_HANDLE h, OpKind k, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!m)
		return CKR_ARGUMENTS_BAD;
	std::shared_ptr<Object> o;
	if (k != OpKind::kDigest) {
		o = state()->store.get(key);
		if (!o)
			return CKR_KEY_HANDLE_INVALID;
	}
	std::lock_guard l(ss->lock);
	auto &slot = ss->ops[std::size_t(k)];
	if (slot)
		return CKR_OPERATION_ACTIVE;
	Operation op;
	if ((rv = prepare(k, *m, o, op)) != CKR_OK)
		return rv;
	slot = std::move(op);
	return CKR_OK;
}

// The session's operation of kind `k`, with the session locked by `l`.
CK_RV active(CK_SESSION_HANDLE h, OpKind k, std::shared_ptr<Session> &ss,
	     std::unique_lock<std::mutex> &l, Operation *&op)
{
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	l = std::unique_lock(ss->lock);
	auto &slot = ss->ops[std::size_t(k)];
	if (!slot)
		return CKR_OPERATION_NOT_INITIALIZED;
	op = &*slot;
	return CKR_OK;
}

// The last step of an operation producing output from `in`.
CK_RV finish(Session &ss, OpKind k, Operation &op, std::span<const std::uint8_t> in,
	     CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	auto end = [&](CK_RV rv) {
		ss.ops[std::size_t(k)].reset();
		return rv;
	};
	if (!out_len)
		return end(CKR_ARGUMENTS_BAD);
	std::size_t most = result_size(k, op, in.size());
	if (!out) {
		*out_len = most;
		return CKR_OK;
	}
	// Decryption's exact length is known only after the work.
	if (*out_len < most && k != OpKind::kDecrypt) {
		*out_len = most;
		return CKR_BUFFER_TOO_SMALL;
	}
	Secret res;
	CK_RV rv = work(*state(), k, op, in, {}, res);
	if (rv != CKR_OK)
		return end(rv);
	if (*out_len < res.size()) {
		*out_len = res.size();
		return CKR_BUFFER_TOO_SMALL;
	}
	std::copy(res.begin(), res.end(), out);
	*out_len = res.size();
	return end(CKR_OK);
}

CK_RV single(CK_SESSION_HANDLE h, OpKind k, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,
	     CK_ULONG_PTR out_len)
{
	std::shared_ptr<Session> ss;
	std::unique_lock<std::mutex> l;
	Operation *op;
	CK_RV rv = active(h, k, ss, l, op);
	if (rv != CKR_OK)
		return rv;
	if ((!in && in_len) || op->updated) {
		ss->ops[std::size_t(k)].reset();
		return op->updated ? CKR_OPERATION_ACTIVE : CKR_ARGUMENTS_BAD;
	}
	return finish(*ss, k, *op, {in, in_len}, out, out_len);
}

CK_RV update(CK_SESSION_HANDLE h, OpKind k, CK_BYTE_PTR in, CK_ULONG in_len)
{
	std::shared_ptr<Session> ss;
	std::unique_lock<std::mutex> l;
	Operation *op;
	CK_RV rv = active(h, k, ss, l, op);
	if (rv != CKR_OK)
		return rv;
	// EdDSA reads its message twice: it cannot be given in parts.
	if ((!in && in_len) || op->mech == CKM_EDDSA ||
	    op->data.size() + in_len > max_message(*state())) {
		rv = !in && in_len ? CKR_ARGUMENTS_BAD : op->mech == CKM_EDDSA ? CKR_FUNCTION_NOT_SUPPORTED
										: CKR_DATA_LEN_RANGE;
		ss->ops[std::size_t(k)].reset();
		return rv;
	}
	op->data.insert(op->data.end(), in, in + in_len);
	op->updated = true;
	return CKR_OK;
}

CK_RV final(CK_SESSION_HANDLE h, OpKind k, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	std::shared_ptr<Session> ss;
	std::unique_lock<std::mutex> l;
	Operation *op;
	CK_RV rv = active(h, k, ss, l, op);
	if (rv != CKR_OK)
		return rv;
	return finish(*ss, k, *op, op->data, out, out_len);
}

CK_RV check(CK_SESSION_HANDLE h, std::span<const std::uint8_t> in, CK_BYTE_PTR sig,
	    CK_ULONG sig_len, bool whole)
{
	std::shared_ptr<Session> ss;
	std::unique_lock<std::mutex> l;
	Operation *op;
	CK_RV rv = active(h, OpKind::kVerify, ss, l, op);
	if (rv != CKR_OK)
		return rv;
	Operation mine = std::move(*op);
	ss->ops[std::size_t(OpKind::kVerify)].reset();
	if ((!sig && sig_len) || (whole && mine.updated))
		return mine.updated ? CKR_OPERATION_ACTIVE : CKR_ARGUMENTS_BAD;
	Secret none;
	return work(*state(), OpKind::kVerify, mine, whole ? in : std::span<const std::uint8_t>(mine.data),
		    {sig, sig_len}, none);
}

// Encrypt and decrypt updates gather the message and give nothing back yet.
CK_RV cipher_update(CK_SESSION_HANDLE h, OpKind k, CK_BYTE_PTR in, CK_ULONG in_len, CK_ULONG_PTR out_len)
{
	if (!out_len)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = update(h, k, in, in_len);
	if (rv == CKR_OK)
		*out_len = 0;
	return rv;
}

} // namespace

extern "C" {

CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m) { return begin(h, OpKind::kDigest, m, 0); }
CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return single(h, OpKind::kDigest, in, n, out, out_len);
}
CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n) { return update(h, OpKind::kDigest, in, n); }
CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return final(h, OpKind::kDigest, out, out_len);
}

CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return begin(h, OpKind::kSign, m, k); }
CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return single(h, OpKind::kSign, in, n, out, out_len);
}
CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n) { return update(h, OpKind::kSign, in, n); }
CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return final(h, OpKind::kSign, out, out_len);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return begin(h, OpKind::kVerify, m, k); }
CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	if (!in && n)
		return CKR_ARGUMENTS_BAD;
	return check(h, {in, n}, sig, sig_len, true);
}
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n) { return update(h, OpKind::kVerify, in, n); }
CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	return check(h, {}, sig, sig_len, false);
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return begin(h, OpKind::kEncrypt, m, k); }
CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return single(h, OpKind::kEncrypt, in, n, out, out_len);
}
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR, CK_ULONG_PTR out_len)
{
	return cipher_update(h, OpKind::kEncrypt, in, n, out_len);
}
CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return final(h, OpKind::kEncrypt, out, out_len);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return begin(h, OpKind::kDecrypt, m, k); }
CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return single(h, OpKind::kDecrypt, in, n, out, out_len);
}
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR, CK_ULONG_PTR out_len)
{
	return cipher_update(h, OpKind::kDecrypt, in, n, out_len);
}
CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return final(h, OpKind::kDecrypt, out, out_len);
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG n)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!out && n)
		return CKR_ARGUMENTS_BAD;
	constexpr std::size_t kChunk = 64 * 1024;
	auto buf = state()->stack.allocator().allocate(std::min<std::size_t>(std::max<CK_ULONG>(n, 1), kChunk));
	if (!buf)
		return CKR_DEVICE_MEMORY;
	for (CK_ULONG done = 0; done < n;) {
		std::size_t k = std::min<std::size_t>(n - done, kChunk);
		auto r = state()->stack.random(buf->slice(0, k));
		if (!r)
			return rv_of(r.error());
		std::copy_n(buf->data(), k, out + done);
		done += k;
	}
	return CKR_OK;
}

} // extern "C"
