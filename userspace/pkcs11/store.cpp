// SPDX-License-Identifier: MIT
//
// The token's object store: an in-memory index of every object (so a
// search never touches the module), token objects mirrored to the caller's
// persistent slots, and the module keys behind each key object.
#include <algorithm>
#include <cstring>
#include <openssl/rand.h>

#include "p11.hpp"
#include "vendor.hpp"

namespace p11 {

namespace {

constexpr std::string_view kPrefix = "p11.";
constexpr std::string_view kRecord = ".a";

hsm::KeySlot slot_of(const std::string &name, std::string_view what)
{
	return hsm::KeySlot(name + std::string(what));
}

bool is_record(const std::string &slot)
{
	return slot.starts_with(kPrefix) && slot.ends_with(kRecord);
}

} // namespace

std::string Store::new_name() const
{
	std::uint8_t r[8];
	char hex[17];

	RAND_bytes(r, sizeof(r));
	for (int i = 0; i < 8; i++)
		std::snprintf(hex + 2 * i, 3, "%02x", r[i]);
	return std::string(kPrefix) + hex;
}

CK_RV Store::load(const std::string &name)
{
	auto keys = stack_.keys();
	auto id = keys.resolve_slot(slot_of(name, kRecord));
	if (!id)
		return rv_of(id.error());
	Secret rec(kRecordMax);
	auto n = keys.export_key(*id, rec);
	if (!n)
		return rv_of(n.error());
	auto o = std::make_shared<Object>();
	if (!Attrs::parse(std::span(rec.data(), *n), o->attrs))
		return CKR_DEVICE_ERROR;
	o->name = name;
	o->origin = origin_of(o->attrs);
	o->handle = next_++;
	by_name_[name] = o->handle;
	objects_[o->handle] = std::move(o);
	return CKR_OK;
}

CK_RV Store::sync()
{
	auto slots = stack_.keys().list_slots();
	if (!slots)
		return rv_of(slots.error());
	std::set<std::string> present;
	for (const auto &s : *slots) {
		std::string slot(s.slot.name.view());
		if (!s.slot.group && is_record(slot))
			present.insert(slot.substr(0, slot.size() - kRecord.size()));
	}
	std::unique_lock l(lock_);
	for (auto it = by_name_.begin(); it != by_name_.end();) {
		if (present.count(it->first)) {
			++it;
			continue;
		}
		objects_.erase(it->second);
		it = by_name_.erase(it);
	}
	for (const auto &name : present)
		if (!by_name_.count(name))
			load(name);	// a record another process is still writing
	return CKR_OK;
}

CK_RV Store::add(const std::shared_ptr<Object> &o)
{
	if (o->token()) {
		o->name = new_name();
		CK_RV rv = save(*o);
		if (rv != CKR_OK)
			return rv;
		for (const auto &[alg, ref] : o->keys) {
			auto r = stack_.keys().persist_key(slot_of(o->name, "." + alg), ref.id);
			if (!r) {
				destroy_slots(o->name);
				return rv_of(r.error());
			}
		}
	}
	std::unique_lock l(lock_);
	o->handle = next_++;
	if (o->token())
		by_name_[o->name] = o->handle;
	objects_[o->handle] = o;
	return CKR_OK;
}

CK_RV Store::save(Object &o)
{
	if (!o.token())
		return CKR_OK;
	Bytes rec = o.attrs.serialize();
	if (rec.size() > kRecordMax)
		return CKR_DEVICE_MEMORY;
	auto keys = stack_.keys();
	(void)keys.delete_slot(slot_of(o.name, kRecord));
	hsm::ImportKeyParams p;
	p.set_algorithm("secret")
		.set_permissions(hsm::KeyOperationPermission::kExport)
		.set_exportable()
		.set_key_length(std::uint32_t(rec.size()));
	p.set_material(rec);
	auto r = keys.import_key(slot_of(o.name, kRecord), p);
	return r ? CKR_OK : rv_of(r.error());
}

std::shared_ptr<Object> Store::get(CK_OBJECT_HANDLE h) const
{
	std::shared_lock l(lock_);
	auto it = objects_.find(h);
	return it == objects_.end() ? nullptr : it->second;
}

void Store::destroy_slots(const std::string &name)
{
	auto keys = stack_.keys();
	auto slots = keys.list_slots();
	if (!slots)
		return;
	for (const auto &s : *slots) {
		std::string slot(s.slot.name.view());
		if (!s.slot.group && slot.starts_with(name + "."))
			(void)keys.delete_slot(hsm::KeySlot(slot));
	}
}

CK_RV Store::destroy(CK_OBJECT_HANDLE h)
{
	std::shared_ptr<Object> o;
	{
		std::unique_lock l(lock_);
		auto it = objects_.find(h);
		if (it == objects_.end())
			return CKR_OBJECT_HANDLE_INVALID;
		o = it->second;
		objects_.erase(it);
		if (o->token())
			by_name_.erase(o->name);
	}
	if (o->token()) {
		// The record first: without it no process loads the object again.
		(void)stack_.keys().delete_slot(slot_of(o->name, kRecord));
		destroy_slots(o->name);
	}
	return CKR_OK;
}

void Store::drop_session(CK_SESSION_HANDLE s)
{
	std::unique_lock l(lock_);
	std::erase_if(objects_, [s](const auto &kv) { return kv.second->session == s; });
}

std::vector<CK_OBJECT_HANDLE> Store::find(const Attrs &tmpl) const
{
	std::vector<CK_OBJECT_HANDLE> out;
	std::shared_lock l(lock_);
	for (const auto &[h, o] : objects_)
		if (o->attrs.matches(tmpl))
			out.push_back(h);
	std::sort(out.begin(), out.end());
	return out;
}

CK_RV Store::keep_key(Object &o, const std::string &alg, hsm::CryptoResourceGuard g)
{
	if (o.token()) {
		auto r = stack_.keys().persist_key(slot_of(o.name, "." + alg), g.id());
		if (!r)
			return rv_of(r.error());
	}
	KeyRef ref{g.id(), std::make_shared<hsm::CryptoResourceGuard>(std::move(g))};
	o.keys[alg] = std::move(ref);
	return CKR_OK;
}

// A new module key of `o` for `alg`: generated afresh for a key whose
// material never left the module (no caller can tell the keys apart, and
// each algorithm gets a key of its own), or a copy of the material the
// object's other key may export.
CK_RV Store::make_key(Object &o, const std::string &alg, hsm::CryptoResourceGuard &out)
{
	auto keys = stack_.keys();
	auto perms = module_perms(o.attrs, alg);
	bool exportable = o.attrs.flag(CKA_EXTRACTABLE);
	CK_ULONG len = 0;
	o.attrs.ulong(CKA_VALUE_LEN, len);

	if (o.origin == Origin::kFresh) {
		hsm::GenerateKeyParams p;
		p.set_algorithm(hsm::AlgorithmId(alg)).set_permissions(perms).set_exportable(exportable);
		if (alg.starts_with("hmac-") || alg == "secret")
			p.set_key_length(std::uint32_t(len));
		auto g = keys.generate_key(p);
		if (!g)
			return rv_of(g.error());
		out = std::move(*g);
		return CKR_OK;
	}
	std::string from = primary_alg(o.attrs);
	if (o.origin != Origin::kCopied || from.empty() || from == alg)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	hsm::CryptoResourceId src;
	CK_RV rv = find_key(o, from, src);
	if (rv != CKR_OK)
		return rv;
	Secret material(kRecordMax);
	auto n = keys.export_key(src, material);
	if (!n)
		return rv_of(n.error());
	hsm::ImportKeyParams p;
	p.set_algorithm(hsm::AlgorithmId(alg)).set_permissions(perms).set_exportable(exportable);
	p.set_key_length(std::uint32_t(*n));
	p.set_material(std::span(material.data(), *n));
	auto g = keys.import_key(p);
	if (!g)
		return rv_of(g.error());
	out = std::move(*g);
	return CKR_OK;
}

// The key `o` already has for `alg` (held, or in its slot).
CK_RV Store::find_key(Object &o, const std::string &alg, hsm::CryptoResourceId &out)
{
	auto it = o.keys.find(alg);
	if (it != o.keys.end()) {
		out = it->second.id;
		return CKR_OK;
	}
	if (o.token()) {
		// Made by this or another process since the record was read.
		auto id = stack_.keys().resolve_slot(slot_of(o.name, "." + alg));
		if (id) {
			o.keys[alg] = KeyRef{*id, nullptr};
			out = *id;
			return CKR_OK;
		}
	}
	return CKR_KEY_HANDLE_INVALID;
}

CK_RV Store::key_for(Object &o, const std::string &alg, hsm::CryptoResourceId &out)
{
	std::lock_guard l(o.lock);
	if (find_key(o, alg, out) == CKR_OK)
		return CKR_OK;
	hsm::CryptoResourceGuard g;
	CK_RV rv = make_key(o, alg, g);
	if (rv != CKR_OK)
		return rv;
	out = g.id();
	return keep_key(o, alg, std::move(g));
}

} // namespace p11
