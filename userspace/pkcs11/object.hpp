// SPDX-License-Identifier: MIT
//
// libhsm-pkcs11's objects.  An object is its PKCS#11 attributes (never
// secret material) and, for a secret or private key, the module keys that
// do its work.  Token objects are persistent slots of the caller: a record
// slot "p11.<id>.a" holds the attributes, and "p11.<id>.<algorithm>" slots
// the keys; session objects live only in this process's connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "hsm/hsm.hpp"

namespace p11 {

using Bytes = std::vector<std::uint8_t>;

/// An allocator that wipes what it frees: for messages and key material.
template <typename T>
struct Wiping : std::allocator<T> {
	template <typename U>
	struct rebind { using other = Wiping<U>; };
	Wiping() noexcept = default;
	template <typename U>
	Wiping(const Wiping<U> &) noexcept {}
	void deallocate(T *p, std::size_t n) noexcept
	{
		explicit_bzero(p, n * sizeof(T));
		std::allocator<T>::deallocate(p, n);
	}
};
using Secret = std::vector<std::uint8_t, Wiping<std::uint8_t>>;

/// A set of attributes, by type.
class Attrs {
public:
	Attrs() = default;
	/// A caller's template.  Errors: CKR_ATTRIBUTE_VALUE_INVALID (a NULL
	/// value with a length), CKR_TEMPLATE_INCONSISTENT (a type twice).
	static CK_RV from(CK_ATTRIBUTE_PTR t, CK_ULONG n, Attrs &out);

	bool has(CK_ATTRIBUTE_TYPE t) const { return m_.count(t) != 0; }
	const Bytes *get(CK_ATTRIBUTE_TYPE t) const;
	/// A CK_BBOOL attribute, or `dflt` when absent.
	bool flag(CK_ATTRIBUTE_TYPE t, bool dflt = false) const;
	/// A CK_ULONG attribute; false when absent or of the wrong size.
	bool ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG &v) const;
	void set(CK_ATTRIBUTE_TYPE t, Bytes v) { m_[t] = std::move(v); }
	void set_flag(CK_ATTRIBUTE_TYPE t, bool v) { m_[t] = Bytes{CK_BYTE(v ? CK_TRUE : CK_FALSE)}; }
	void set_ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v);
	void erase(CK_ATTRIBUTE_TYPE t) { m_.erase(t); }
	/// Whether every attribute of `tmpl` is here with the same value.
	bool matches(const Attrs &tmpl) const;
	const std::map<CK_ATTRIBUTE_TYPE, Bytes> &all() const { return m_; }

	/// The record a token object's slot holds, and back.
	Bytes serialize() const;
	static bool parse(std::span<const std::uint8_t> rec, Attrs &out);

private:
	std::map<CK_ATTRIBUTE_TYPE, Bytes> m_;
};

/// A module key doing one algorithm's work for an object.
struct KeyRef {
	hsm::CryptoResourceId id;
	/// The owner of a session object's key (token keys are slots, resolved).
	std::shared_ptr<hsm::CryptoResourceGuard> guard;
};

/// Where an object's module keys come from.
enum class Origin {
	kNone,		///< no key: public key, certificate, data
	kFresh,		///< generated, never extractable: each algorithm's key is generated anew
	kCopied,	///< material the module may export: each algorithm's key is a copy
	kFixed,		///< every key was made with the object: no new one is made
};

struct Object {
	CK_OBJECT_HANDLE handle = 0;
	CK_SESSION_HANDLE session = 0;	///< the owner of a session object; 0: token
	std::string name;		///< a token object's slot prefix ("p11.<id>")
	Attrs attrs;
	Origin origin = Origin::kNone;
	std::mutex lock;		///< guards keys
	std::map<std::string, KeyRef> keys;	///< by module algorithm

	bool token() const { return session == 0; }
	CK_OBJECT_CLASS cls() const;
	CK_KEY_TYPE key_type() const;
};

/// The token's objects, and the slots behind its token objects.
class Store {
public:
	explicit Store(hsm::CryptoStack s) : stack_(std::move(s)) {}

	/// Reads the token objects' records that are new since the last call
	/// and forgets those deleted elsewhere.
	CK_RV sync();
	/// Adds an object (a handle is assigned); a token object's record is
	/// written first.  Errors: CKR_DEVICE_MEMORY (no slot left).
	CK_RV add(const std::shared_ptr<Object> &o);
	/// Rewrites a token object's record after an attribute change.
	CK_RV save(Object &o);
	std::shared_ptr<Object> get(CK_OBJECT_HANDLE h) const;
	/// Removes an object and, for a token object, its slots.
	CK_RV destroy(CK_OBJECT_HANDLE h);
	/// Drops a closed session's objects.
	void drop_session(CK_SESSION_HANDLE s);
	/// The handles of the objects matching `tmpl`: token objects and the
	/// session objects of every session (PKCS#11: an application sees all
	/// its session objects).
	std::vector<CK_OBJECT_HANDLE> find(const Attrs &tmpl) const;

	/// The module key of `o` for `alg`, made on first use (see Origin).
	CK_RV key_for(Object &o, const std::string &alg, hsm::CryptoResourceId &out);
	/// Keeps a new module key of `o` (stored in a slot for a token object).
	CK_RV keep_key(Object &o, const std::string &alg, hsm::CryptoResourceGuard g);

	const hsm::CryptoStack &stack() const { return stack_; }

private:
	CK_RV load(const std::string &name);
	CK_RV make_key(Object &o, const std::string &alg, hsm::CryptoResourceGuard &out);
	CK_RV find_key(Object &o, const std::string &alg, hsm::CryptoResourceId &out);
	void destroy_slots(const std::string &name);
	std::string new_name() const;

	hsm::CryptoStack stack_;
	mutable std::shared_mutex lock_;
	std::unordered_map<CK_OBJECT_HANDLE, std::shared_ptr<Object>> objects_;
	std::map<std::string, CK_OBJECT_HANDLE> by_name_;	///< token objects
	CK_OBJECT_HANDLE next_ = 1;
};

/// The module algorithm of a key object for a mechanism family:
/// "aes-256-gcm", "hmac-sha-256", "ecdsa-p256-sha256", ...; empty when the
/// key cannot serve it.
std::string module_alg(const Object &o, CK_MECHANISM_TYPE mech);
/// The module permissions a key object's usage attributes grant for `alg`.
hsm::KeyOperationPermission module_perms(const Attrs &a, const std::string &alg);

} // namespace p11
