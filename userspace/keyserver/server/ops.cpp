// SPDX-License-Identifier: MIT
//
// A session's operations on its user's secrets.  Each secret is sealed by
// the vault with the user and the secret's id as associated data, so that
// a blob copied to another row (or another user) does not open.  Whatever
// the client encrypted itself stays encrypted: the server seals ciphertext.
#include <sodium.h>

#include "../store/store.hpp"
#include "audit.hpp"
#include "service.hpp"
#include "vault.hpp"

namespace ks {

namespace {

Bytes refused(Store &db, const Vault &v, const std::string &user, const char *op, const std::string &id,
	      Code c, const std::string &msg)
{
	(void)db.audit_append(user, audit_maker(v, user, op, id, code_name(c)));
	return error_body(c, msg);
}

} // namespace

Bytes Service::operate(Session &s, std::span<const std::uint8_t> plain)
{
	Reader r(plain);
	switch (Op(r.u8())) {
	case Op::kStore: return op_store(s, r);
	case Op::kRetrieve: return op_retrieve(s, r);
	case Op::kDelete: return op_delete(s, r);
	case Op::kList: return r.done() ? op_list(s) : error_body(Code::kMalformed, "list: no fields");
	case Op::kAudit: return r.done() ? op_audit(s) : error_body(Code::kMalformed, "audit: no fields");
	case Op::kClose:
		s.closed = true;
		(void)db_.audit_append(s.user, audit_maker(vault_, s.user, "logout", "", "ok"));
		return Writer(Msg::kOk).take();
	default: return error_body(Code::kUnknownMessage, "no such operation");
	}
}

Bytes Service::op_store(Session &s, Reader &r)
{
	std::string id = r.str(kMaxName);
	Bytes blob = r.bytes(kMaxSecret);
	if (!r.done() || !valid_name(id, true))
		return error_body(Code::kMalformed, "store: an id of 1-128 printable characters and at most 64 KiB");
	auto sealed = vault_.seal("secret", s.user, id, blob);
	sodium_memzero(blob.data(), blob.size());
	if (!sealed)
		return error_body(Code::kUnavailable, "the HSM failed");
	auto put = db_.secret_put(s.user, id, *sealed, lim_.max_secrets, audit_maker(vault_, s.user, "store", id, "ok"));
	if (!put)
		return refused(db_, vault_, s.user, "store", id, code_of(put.error()), put.error().message);
	return Writer(Msg::kOk).take();
}

Bytes Service::op_retrieve(Session &s, Reader &r)
{
	std::string id = r.str(kMaxName);
	if (!r.done() || !valid_name(id, true))
		return error_body(Code::kMalformed, "retrieve: an id");
	auto got = db_.secret_get(s.user, id, audit_maker(vault_, s.user, "retrieve", id, "ok"));
	if (!got)
		return refused(db_, vault_, s.user, "retrieve", id, code_of(got.error()), got.error().message);
	auto blob = vault_.open("secret", s.user, id, *got);
	if (!blob)
		return refused(db_, vault_, s.user, "retrieve", id, Code::kAuditBroken,
			       "the stored secret does not open: altered or moved");
	Bytes out = Writer(Msg::kOk).bytes(*blob).take();
	sodium_memzero(blob->data(), blob->size());
	return out;
}

Bytes Service::op_delete(Session &s, Reader &r)
{
	std::string id = r.str(kMaxName);
	if (!r.done() || !valid_name(id, true))
		return error_body(Code::kMalformed, "delete: an id");
	auto d = db_.secret_delete(s.user, id, audit_maker(vault_, s.user, "delete", id, "ok"));
	if (!d)
		return refused(db_, vault_, s.user, "delete", id, code_of(d.error()), d.error().message);
	return Writer(Msg::kOk).take();
}

Bytes Service::op_list(Session &s)
{
	auto ids = db_.secret_list(s.user, audit_maker(vault_, s.user, "list", "", "ok"));
	if (!ids)
		return error_body(code_of(ids.error()), ids.error().message);
	Writer w(Msg::kOk);
	w.u64(ids->size());
	for (const auto &id : *ids)
		w.str(id);
	return w.take();
}

Bytes Service::op_audit(Session &s)
{
	auto chain = db_.audit_read(s.user, audit_maker(vault_, s.user, "audit", "", "ok"));
	if (!chain)
		return error_body(code_of(chain.error()), chain.error().message);
	if (std::uint64_t at = audit_broken_at(vault_, s.user, *chain))
		return error_body(Code::kAuditBroken, "the audit chain is broken at entry " + std::to_string(at));
	Writer w(Msg::kOk);
	w.u64(chain->size());
	for (const auto &e : *chain)
		w.u64(e.seq).u64(std::uint64_t(e.time)).str(e.op).str(e.target).str(e.outcome).bytes(e.mac);
	return w.take();
}

} // namespace ks
