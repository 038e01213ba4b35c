// SPDX-License-Identifier: MIT
//
// Buffers, guards, key management, contexts and one-shot operations: each
// call fills one OpRecord (on the caller's stack: no allocation per
// operation) and runs it as a batch of one.
#include <cerrno>
#include <cstring>
#include <string.h>
#include <sys/fsuid.h>

#include "conn.hpp"
#include "hsm/stack.hpp"

namespace hsm {

using detail::Connection;
using detail::OpRecord;

namespace {

Error op_error(const OpRecord &rec, const char *what)
{
	int err = -rec.res;
	const char *name = strerrorname_np(err);
	std::string m = std::string(what) + ": " + to_string(Status(rec.status)) + " (" +
			(name ? name : std::to_string(err)) + ")";
	if (err == ECHILD)
		m += ": an object inherited across fork(); call CryptoStack::Create() in the child";
	return Error{Status(rec.status), err, std::move(m)};
}

// A length the module returned for an output of `asked` bytes: never more
// (a module bug must not become an overflow here).
Result<std::uint32_t> checked_len(const OpRecord &rec, std::size_t asked, const char *what)
{
	if (std::uint64_t(rec.res) > asked)
		return fail(Status::Internal, EPROTO,
			    std::string(what) + ": the module returned " + std::to_string(rec.res) +
				    " bytes for a " + std::to_string(asked) + "-byte output");
	return std::uint32_t(rec.res);
}

// Fill the data refs of an hsm_op.
void refs(hsm_op &op, BufferRef in, BufferRef out, BufferRef iv, BufferRef aad, BufferRef tag)
{
	op.in = {in.off, in.len};
	op.out = {out.off, out.len};
	op.iv = {iv.off, iv.len};
	op.aad = {aad.off, aad.len};
	op.tag = {tag.off, tag.len};
}

Result<std::monostate> check_alg(const AlgorithmId &a, const char *what)
{
	if (a.truncated())
		return fail(Status::InvalidArgument, EINVAL,
			    std::string(what) + ": algorithm name longer than 63 characters");
	if (a.empty())
		return fail(Status::InvalidArgument, EINVAL, std::string(what) + ": no algorithm set");
	return std::monostate{};
}

template <typename P>
hsm_key_params key_params(const KeyParamsBase<P> &p)
{
	hsm_key_params k{};
	std::memcpy(k.alg, p.algorithm.c_str(), p.algorithm.size());
	k.perms = std::uint64_t(p.permissions);
	k.flags = p.exportable ? HSM_KEY_F_EXPORTABLE : 0;
	k.key_len = p.key_length;
	return k;
}

hsm_slot_params slot_params(const KeySlot &s)
{
	hsm_slot_params p{};
	std::memcpy(p.name, s.name.c_str(), s.name.size());
	p.flags = s.group ? HSM_SLOT_F_GROUP : 0;
	return p;
}

Result<std::monostate> check_slot(const KeySlot &s, const char *what)
{
	if (s.name.truncated() || s.name.empty())
		return fail(Status::InvalidArgument, EINVAL,
			    std::string(what) + ": slot names are 1..63 characters");
	return std::monostate{};
}

template <typename T>
void set_params(OpRecord &rec, const T &p)
{
	static_assert(sizeof(T) <= detail::kInlineParams);
	std::memcpy(rec.params, &p, sizeof(T));
	rec.params_len = sizeof(T);
}

// Scratch space in the region for a key-management call's byte inputs,
// wiped and freed when it goes.
class Scratch {
public:
	explicit Scratch(Connection &c) : c_(c) {}
	~Scratch()
	{
		if (cap_)
			c_.free(off_);
	}
	Result<std::monostate> reserve(std::size_t n)
	{
		if (n == 0)
			return std::monostate{};
		auto r = c_.alloc(n, 64, &cap_);
		if (!r)
			return std::unexpected(r.error());
		off_ = *r;
		return std::monostate{};
	}
	// Append bytes; returns their ref.
	hsm_ref put(std::span<const std::uint8_t> b)
	{
		hsm_ref r{off_ + used_, static_cast<__u32>(b.size())};
		if (!b.empty())
			std::memcpy(c_.at(r.off), b.data(), b.size());
		used_ += static_cast<std::uint32_t>((b.size() + 7) & ~std::size_t(7));
		return r;
	}
	hsm_ref take(std::size_t n)
	{
		hsm_ref r{off_ + used_, static_cast<__u32>(n)};
		used_ += static_cast<std::uint32_t>((n + 7) & ~std::size_t(7));
		return r;
	}

private:
	Connection &c_;
	std::uint32_t off_ = 0, used_ = 0;
	std::size_t cap_ = 0;
};

std::size_t padded(std::initializer_list<std::size_t> l)
{
	std::size_t n = 0;
	for (auto x : l)
		n += (x + 7) & ~std::size_t(7);
	return n;
}

std::span<const std::uint8_t> bytes(std::string_view s)
{
	return {reinterpret_cast<const std::uint8_t *>(s.data()), s.size()};
}

} // namespace

// ---- memory ------------------------------------------------------------------

Buffer::Buffer(Buffer &&o) noexcept
	: conn_(std::move(o.conn_)), ptr_(o.ptr_), off_(o.off_), len_(o.len_), cap_(o.cap_)
{
	o.ptr_ = nullptr;
	o.len_ = o.cap_ = 0;
}

Buffer &Buffer::operator=(Buffer &&o) noexcept
{
	if (this != &o) {
		Reset();
		conn_ = std::move(o.conn_);
		ptr_ = o.ptr_;
		off_ = o.off_;
		len_ = o.len_;
		cap_ = o.cap_;
		o.ptr_ = nullptr;
		o.len_ = o.cap_ = 0;
	}
	return *this;
}

Buffer::~Buffer() { Reset(); }

void Buffer::Reset() noexcept
{
	if (conn_ && cap_)
		conn_->free(off_);
	conn_.reset();
	ptr_ = nullptr;
	len_ = cap_ = 0;
}

BufferRef Buffer::Slice(std::size_t offset, std::size_t len) const noexcept
{
	offset = std::min(offset, len_);
	len = std::min(len, len_ - offset);
	return {static_cast<std::uint32_t>(off_ + offset), static_cast<std::uint32_t>(len)};
}

Result<MemoryAllocator> MemoryAllocator::Create()
{
	auto c = Connection::get(CryptoStackConfig{}.region_size);
	if (!c)
		return std::unexpected(c.error());
	return MemoryAllocator(*c);
}

Result<Buffer> MemoryAllocator::Allocate(std::size_t size, std::size_t align) const
{
	Buffer b;
	auto r = conn_->alloc(size, align, &b.cap_);
	if (!r)
		return std::unexpected(r.error());
	b.conn_ = conn_;
	b.off_ = *r;
	b.ptr_ = conn_->at(*r);
	b.len_ = size;
	// Zeroed as promised even if something wrote the block after it was
	// freed (an operation the application left running on it).
	std::memset(b.ptr_, 0, b.cap_);
	return b;
}

std::size_t MemoryAllocator::Available() const noexcept { return conn_->available(); }
std::size_t MemoryAllocator::LargestFree() const noexcept { return conn_->largest_free(); }

// ---- guards ------------------------------------------------------------------

namespace {

Result<std::monostate> release(Connection &c, unsigned int cmd, std::uint64_t id, const char *what)
{
	OpRecord rec;
	rec.cmd = cmd;
	rec.op.handle = id;
	rec.op.timeout_ms = HSM_TIMEOUT_NONE;
	c.run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	return std::monostate{};
}

} // namespace

CryptoResourceGuard::CryptoResourceGuard(CryptoResourceGuard &&o) noexcept
	: conn_(std::move(o.conn_)), id_(o.id_)
{
	o.id_ = {};
}

CryptoResourceGuard &CryptoResourceGuard::operator=(CryptoResourceGuard &&o) noexcept
{
	if (this != &o) {
		try {
			(void)Release();
		} catch (...) {
		}
		conn_ = std::move(o.conn_);
		id_ = o.id_;
		o.id_ = {};
	}
	return *this;
}

CryptoResourceGuard::~CryptoResourceGuard()
{
	// Errors are swallowed, bad_alloc from building one included: a
	// destructor must not terminate the program.
	try {
		(void)Release();
	} catch (...) {
	}
}

Result<std::monostate> CryptoResourceGuard::Release()
{
	if (!id_.valid() || !conn_)
		return fail(Status::InvalidState, EBADFD, "Release: the guard is not active");
	std::uint64_t id = id_.value;
	id_ = {};
	auto r = release(*conn_, HSM_IOC_KEY_RELEASE, id, "KEY_RELEASE");
	conn_.reset();
	return r;
}

// ---- key management ------------------------------------------------------------

namespace {

Result<CryptoResourceId> run_create(Connection &c, OpRecord &rec, const char *what)
{
	rec.op.timeout_ms = 0;
	c.run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	return CryptoResourceId{rec.value};
}

} // namespace

Result<std::monostate> KeyManager::to_slot(const KeySlot &target, Result<CryptoResourceId> id) const
{
	if (!id)
		return std::unexpected(id.error());
	CryptoResourceGuard g(conn_, *id);
	auto r = PersistKey(target, g);
	if (!r)
		return r;
	return g.Release();
}

Result<CryptoResourceGuard> KeyManager::GenerateKey(const GenerateKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "GenerateKey"); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_GENERATE;
	set_params(rec, key_params(p));
	auto id = run_create(*conn_, rec, "KEY_GENERATE");
	if (!id)
		return std::unexpected(id.error());
	return CryptoResourceGuard(conn_, *id);
}

Result<std::monostate> KeyManager::GenerateKey(const KeySlot &target, const GenerateKeyParams &p) const
{
	if (auto ok = check_slot(target, "GenerateKey"); !ok)
		return ok;
	auto g = GenerateKey(p);
	if (!g)
		return std::unexpected(g.error());
	auto r = PersistKey(target, *g);
	if (!r)
		return r;
	return g->Release();
}

Result<CryptoResourceGuard> KeyManager::ImportKey(const ImportKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "ImportKey"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(p.material.size()); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_IMPORT;
	set_params(rec, key_params(p));
	rec.op.in = s.put(p.material);
	auto id = run_create(*conn_, rec, "KEY_IMPORT");
	if (!id)
		return std::unexpected(id.error());
	return CryptoResourceGuard(conn_, *id);
}

Result<std::monostate> KeyManager::ImportKey(const KeySlot &target, const ImportKeyParams &p) const
{
	if (auto ok = check_slot(target, "ImportKey"); !ok)
		return ok;
	auto g = ImportKey(p);
	if (!g)
		return std::unexpected(g.error());
	auto r = PersistKey(target, *g);
	if (!r)
		return r;
	return g->Release();
}

Result<CryptoResourceGuard> KeyManager::DeriveKey(const DeriveKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "DeriveKey"); !ok)
		return std::unexpected(ok.error());
	if (auto ok = check_alg(p.kdf.kdf, "DeriveKey (KDF)"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(padded({p.kdf.kdf.size(), p.kdf.salt.size(), p.kdf.info.size()})); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_DERIVE;
	rec.op.handle = p.base_key.value;
	set_params(rec, key_params(p));
	rec.op.in = s.put(bytes(p.kdf.kdf.view()));
	if (!p.kdf.salt.empty())
		rec.op.iv = s.put(p.kdf.salt);
	if (!p.kdf.info.empty())
		rec.op.aad = s.put(p.kdf.info);
	auto id = run_create(*conn_, rec, "KEY_DERIVE");
	if (!id)
		return std::unexpected(id.error());
	return CryptoResourceGuard(conn_, *id);
}

Result<std::monostate> KeyManager::DeriveKey(const KeySlot &target, const DeriveKeyParams &p) const
{
	if (auto ok = check_slot(target, "DeriveKey"); !ok)
		return ok;
	auto g = DeriveKey(p);
	if (!g)
		return std::unexpected(g.error());
	auto r = PersistKey(target, *g);
	if (!r)
		return r;
	return g->Release();
}

Result<CryptoResourceGuard> KeyManager::AgreeKey(const AgreeKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "AgreeKey"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(p.peer_public_key.size()); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_AGREE;
	rec.op.handle = p.private_key.value;
	set_params(rec, key_params(p));
	rec.op.in = s.put(p.peer_public_key);
	auto id = run_create(*conn_, rec, "KEY_AGREE");
	if (!id)
		return std::unexpected(id.error());
	return CryptoResourceGuard(conn_, *id);
}

Result<std::monostate> KeyManager::AgreeKey(const KeySlot &target, const AgreeKeyParams &p) const
{
	if (auto ok = check_slot(target, "AgreeKey"); !ok)
		return ok;
	auto g = AgreeKey(p);
	if (!g)
		return std::unexpected(g.error());
	auto r = PersistKey(target, *g);
	if (!r)
		return r;
	return g->Release();
}

Result<CryptoResourceGuard> KeyManager::UnwrapKey(const UnwrapKeyParams &p) const
{
	if (auto ok = check_alg(p.algorithm, "UnwrapKey"); !ok)
		return std::unexpected(ok.error());
	Scratch s(*conn_);
	if (auto ok = s.reserve(padded({p.wrapped.size(), p.iv.size(), p.aad.size(), p.tag.size()})); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_UNWRAP;
	rec.op.handle = p.wrapping_key.value;
	set_params(rec, key_params(p));
	rec.op.in = s.put(p.wrapped);
	if (!p.iv.empty())
		rec.op.iv = s.put(p.iv);
	if (!p.aad.empty())
		rec.op.aad = s.put(p.aad);
	if (!p.tag.empty())
		rec.op.tag = s.put(p.tag);
	auto id = run_create(*conn_, rec, "KEY_UNWRAP");
	if (!id)
		return std::unexpected(id.error());
	return CryptoResourceGuard(conn_, *id);
}

Result<std::monostate> KeyManager::UnwrapKey(const KeySlot &target, const UnwrapKeyParams &p) const
{
	if (auto ok = check_slot(target, "UnwrapKey"); !ok)
		return ok;
	auto g = UnwrapKey(p);
	if (!g)
		return std::unexpected(g.error());
	auto r = PersistKey(target, *g);
	if (!r)
		return r;
	return g->Release();
}

Result<WrappedKey> KeyManager::WrapKey(const WrapKeyParams &p) const
{
	// Room for the largest key a module holds ("secret": 16320 bytes) plus
	// AES-KW's 8 bytes.
	constexpr std::size_t kMaxWrapped = 16320 + 8;
	if (p.tag_length > 16)
		return fail(Status::InvalidArgument, EINVAL, "WrapKey: tag longer than 16 bytes");
	Scratch s(*conn_);
	if (auto ok = s.reserve(padded({p.iv.size(), p.aad.size(), kMaxWrapped, 16})); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_WRAP;
	rec.op.handle = p.wrapping_key.value;
	hsm_wrap_params wp{};
	wp.key = p.key.value;
	set_params(rec, wp);
	if (!p.iv.empty())
		rec.op.iv = s.put(p.iv);
	if (!p.aad.empty())
		rec.op.aad = s.put(p.aad);
	rec.op.out = s.take(kMaxWrapped);
	hsm_ref tag = s.take(16);
	// AES-KW takes no tag (nor iv): leave the ref empty when none asked.
	if (!p.iv.empty() || !p.aad.empty())
		rec.op.tag = {tag.off, p.tag_length};
	conn_->run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, "KEY_WRAP"));
	auto n = checked_len(rec, kMaxWrapped, "KEY_WRAP");
	if (!n)
		return std::unexpected(n.error());
	WrappedKey w;
	const std::uint8_t *o = conn_->at(rec.op.out.off);
	w.data.assign(o, o + *n);
	if (rec.op.tag.len) {
		const std::uint8_t *t = conn_->at(rec.op.tag.off);
		w.tag.assign(t, t + rec.op.tag.len);
	}
	return w;
}

Result<std::size_t> KeyManager::ExportKey(const CryptoResourceId &key, std::span<std::uint8_t> out) const
{
	Scratch s(*conn_);
	if (out.empty())
		return fail(Status::BufferTooSmall, EOVERFLOW, "ExportKey: empty output");
	if (auto ok = s.reserve(out.size()); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_EXPORT;
	rec.op.handle = key.value;
	rec.op.out = s.take(out.size());
	conn_->run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, "KEY_EXPORT"));
	auto n = checked_len(rec, out.size(), "KEY_EXPORT");
	if (!n)
		return std::unexpected(n.error());
	std::memcpy(out.data(), conn_->at(rec.op.out.off), *n);
	return std::size_t(*n);
}

Result<std::size_t> KeyManager::GetPublicKey(const CryptoResourceId &key, std::span<std::uint8_t> out) const
{
	Scratch s(*conn_);
	if (out.empty())
		return fail(Status::BufferTooSmall, EOVERFLOW, "GetPublicKey: empty output");
	if (auto ok = s.reserve(out.size()); !ok)
		return std::unexpected(ok.error());
	OpRecord rec;
	rec.cmd = HSM_IOC_KEY_PUBLIC;
	rec.op.handle = key.value;
	rec.op.out = s.take(out.size());
	conn_->run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, "KEY_PUBLIC"));
	auto n = checked_len(rec, out.size(), "KEY_PUBLIC");
	if (!n)
		return std::unexpected(n.error());
	std::memcpy(out.data(), conn_->at(rec.op.out.off), *n);
	return std::size_t(*n);
}

Result<std::monostate> KeyManager::PersistKey(const KeySlot &target, const CryptoResourceId &key) const
{
	if (auto ok = check_slot(target, "PersistKey"); !ok)
		return ok;
	OpRecord rec;
	rec.cmd = HSM_IOC_SLOT_STORE;
	rec.op.handle = key.value;
	set_params(rec, slot_params(target));
	conn_->run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, "SLOT_STORE"));
	return std::monostate{};
}

namespace {

// The module resolves a name in the namespace of the calling thread's
// fsuid (and, for group slots, its membership): a daemon that switches
// credentials per request must not get the previous user's key.
std::string reg_key(const KeySlot &s)
{
	// setfsuid/setfsgid with an invalid ID change nothing and return the
	// current one.
	unsigned uid = static_cast<unsigned>(setfsuid(-1));
	unsigned gid = static_cast<unsigned>(setfsgid(-1));
	return std::to_string(uid) + ":" + std::to_string(gid) + (s.group ? ":g:" : ":u:") +
	       std::string(s.name.view());
}

} // namespace

Result<CryptoResourceId> KeyManager::ResolveSlot(const KeySlot &slot) const
{
	return resolve(slot, false);
}

Result<CryptoResourceId> KeyManager::RefreshSlot(const KeySlot &slot) const
{
	return resolve(slot, true);
}

Result<CryptoResourceId> KeyManager::resolve(const KeySlot &slot, bool fresh) const
{
	if (auto ok = check_slot(slot, fresh ? "RefreshSlot" : "ResolveSlot"); !ok)
		return std::unexpected(ok.error());
	// Not even the registry's lock in a fork()ed child: a thread of the
	// parent may have held it.
	if (!conn_->alive())
		return fail(Status::InvalidState, ECHILD,
			    "ResolveSlot: a connection inherited across fork(): call CryptoStack::Create()");
	const std::string key = reg_key(slot);
	std::lock_guard lk(conn_->reg_mu);
	if (!fresh)
		if (auto it = conn_->registry.find(key); it != conn_->registry.end())
			return CryptoResourceId{it->second};
	OpRecord rec;
	rec.cmd = HSM_IOC_SLOT_OPEN;
	set_params(rec, slot_params(slot));
	auto id = run_create(*conn_, rec, "SLOT_OPEN");
	if (!id)
		return id;
	conn_->registry[key] = id->value;
	return id;
}

Result<std::monostate> KeyManager::DeleteSlot(const KeySlot &slot) const
{
	if (auto ok = check_slot(slot, "DeleteSlot"); !ok)
		return ok;
	OpRecord rec;
	rec.cmd = HSM_IOC_SLOT_DELETE;
	set_params(rec, slot_params(slot));
	conn_->run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, "SLOT_DELETE"));
	// The name may be stored again; it must then resolve to the new key.
	const std::string key = reg_key(slot);
	std::lock_guard lk(conn_->reg_mu);
	conn_->registry.erase(key);
	return std::monostate{};
}

Result<std::vector<SlotInfo>> KeyManager::ListSlots() const
{
	for (std::size_t room = 16;; room *= 4) {
		Scratch s(*conn_);
		if (auto ok = s.reserve(room * sizeof(hsm_slot_info)); !ok)
			return std::unexpected(ok.error());
		OpRecord rec;
		rec.cmd = HSM_IOC_SLOT_LIST;
		rec.op.out = s.take(room * sizeof(hsm_slot_info));
		conn_->run(rec);
		if (rec.res < 0)
			return std::unexpected(op_error(rec, "SLOT_LIST"));
		if (std::size_t(rec.res) > room)
			continue;
		std::vector<SlotInfo> v;
		const auto *si = reinterpret_cast<const hsm_slot_info *>(conn_->at(rec.op.out.off));
		for (int i = 0; i < rec.res; i++) {
			SlotInfo x;
			x.slot = KeySlot(std::string_view(si[i].name, strnlen(si[i].name, sizeof(si[i].name))),
					 si[i].slot_flags & HSM_SLOT_F_GROUP);
			x.algorithm = std::string_view(si[i].alg, strnlen(si[i].alg, sizeof(si[i].alg)));
			x.permissions = KeyOperationPermission(si[i].perms);
			x.exportable = si[i].flags & HSM_KEY_F_EXPORTABLE;
			x.key_length = si[i].key_len;
			v.push_back(x);
		}
		return v;
	}
}

// ---- contexts ------------------------------------------------------------------

StreamingContext::StreamingContext(StreamingContext &&o) noexcept
	: conn_(std::move(o.conn_)), id_(o.id_), timeout_(o.timeout_)
{
	o.id_ = 0;
}

StreamingContext &StreamingContext::operator=(StreamingContext &&o) noexcept
{
	if (this != &o) {
		try {
			(void)Release();
		} catch (...) {
		}
		conn_ = std::move(o.conn_);
		id_ = o.id_;
		timeout_ = o.timeout_;
		o.id_ = 0;
	}
	return *this;
}

StreamingContext::~StreamingContext()
{
	try {
		(void)Release();
	} catch (...) {
	}
}

Result<std::monostate> StreamingContext::Release()
{
	if (!id_ || !conn_)
		return fail(Status::InvalidState, EBADFD, "Release: the context is not active");
	std::uint64_t id = id_;
	id_ = 0;
	auto r = release(*conn_, HSM_IOC_CTX_RELEASE, id, "CTX_RELEASE");
	conn_.reset();
	return r;
}

Result<std::uint32_t> StreamingContext::call(unsigned int cmd, BufferRef in, BufferRef out,
					     BufferRef iv, BufferRef aad, BufferRef tag) const
{
	if (!id_ || !conn_)
		return fail(Status::InvalidState, EBADFD, "the context is not active");
	OpRecord rec;
	rec.cmd = cmd;
	rec.op.handle = id_;
	rec.op.timeout_ms = timeout_.abi();
	refs(rec.op, in, out, iv, aad, tag);
	conn_->run(rec);
	const char *what = cmd == HSM_IOC_CTX_INIT ? "CTX_INIT" :
			   cmd == HSM_IOC_CTX_UPDATE ? "CTX_UPDATE" :
			   cmd == HSM_IOC_CTX_FINAL ? "CTX_FINAL" : "CTX_RESET";
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	return checked_len(rec, detail::result_bound(rec.op), what);
}

namespace {
template <typename T>
Result<std::monostate> none(Result<T> r)
{
	if (!r)
		return std::unexpected(r.error());
	return std::monostate{};
}
template <typename T>
Result<std::size_t> size(Result<T> r)
{
	if (!r)
		return std::unexpected(r.error());
	return std::size_t(*r);
}
} // namespace

Result<std::monostate> StreamingContext::Reset() { return none(call(HSM_IOC_CTX_RESET, {}, {}, {}, {}, {})); }

Result<std::monostate> HashContext::Init() { return none(call(HSM_IOC_CTX_INIT, {}, {}, {}, {}, {})); }
Result<std::monostate> HashContext::Update(BufferRef in) { return none(call(HSM_IOC_CTX_UPDATE, in, {}, {}, {}, {})); }
Result<std::size_t> HashContext::Finalize(BufferRef d) { return size(call(HSM_IOC_CTX_FINAL, {}, d, {}, {}, {})); }

Result<std::monostate> MacContext::Init() { return none(call(HSM_IOC_CTX_INIT, {}, {}, {}, {}, {})); }
Result<std::monostate> MacContext::Update(BufferRef in) { return none(call(HSM_IOC_CTX_UPDATE, in, {}, {}, {}, {})); }
Result<std::size_t> MacContext::Finalize(BufferRef t) { return size(call(HSM_IOC_CTX_FINAL, {}, t, {}, {}, {})); }
Result<std::monostate> MacContext::Verify(BufferRef t) { return none(call(HSM_IOC_CTX_FINAL, {}, {}, {}, {}, t)); }

Result<std::monostate> CipherContext::Init(BufferRef iv) { return none(call(HSM_IOC_CTX_INIT, {}, {}, iv, {}, {})); }
Result<std::size_t> CipherContext::Update(BufferRef in, BufferRef out)
{
	return size(call(HSM_IOC_CTX_UPDATE, in, out, {}, {}, {}));
}
Result<std::monostate> CipherContext::Finalize() { return none(call(HSM_IOC_CTX_FINAL, {}, {}, {}, {}, {})); }

Result<std::monostate> AeadContext::Init(BufferRef nonce, BufferRef aad)
{
	return none(call(HSM_IOC_CTX_INIT, {}, {}, nonce, aad, {}));
}
Result<std::size_t> AeadContext::Update(BufferRef in) { return size(call(HSM_IOC_CTX_UPDATE, in, {}, {}, {}, {})); }
Result<std::size_t> AeadContext::Finalize(BufferRef out)
{
	return size(call(HSM_IOC_CTX_FINAL, {}, out, {}, {}, tag_.Slice(0, tag_len_)));
}
std::span<const std::uint8_t> AeadContext::GetTag() const noexcept { return tag_.span().first(std::min<std::size_t>(tag_len_, tag_.size())); }
Result<std::monostate> AeadContext::SetTag(std::span<const std::uint8_t> t)
{
	if (t.size() > tag_.size() || t.empty())
		return fail(Status::InvalidArgument, EINVAL, "SetTag: tags are 1..16 bytes");
	if (!conn_ || !conn_->alive())
		return fail(Status::InvalidState, ECHILD, "SetTag: a context inherited across fork()");
	std::memcpy(tag_.data(), t.data(), t.size());
	tag_len_ = static_cast<std::uint32_t>(t.size());
	return std::monostate{};
}

Result<std::monostate> SignContext::Init() { return none(call(HSM_IOC_CTX_INIT, {}, {}, {}, {}, {})); }
Result<std::monostate> SignContext::Update(BufferRef in) { return none(call(HSM_IOC_CTX_UPDATE, in, {}, {}, {}, {})); }
Result<std::size_t> SignContext::Finalize(BufferRef s) { return size(call(HSM_IOC_CTX_FINAL, {}, s, {}, {}, {})); }

Result<std::monostate> VerifyContext::Init() { return none(call(HSM_IOC_CTX_INIT, {}, {}, {}, {}, {})); }
Result<std::monostate> VerifyContext::Update(BufferRef in) { return none(call(HSM_IOC_CTX_UPDATE, in, {}, {}, {}, {})); }
Result<std::monostate> VerifyContext::Finalize(BufferRef s) { return none(call(HSM_IOC_CTX_FINAL, {}, {}, {}, {}, s)); }

// ---- the stack ----------------------------------------------------------------

Result<CryptoStack> CryptoStack::Create(const CryptoStackConfig &cfg)
{
	auto c = Connection::get(cfg.region_size);
	if (!c)
		return std::unexpected(c.error());
	return CryptoStack(*c, cfg.timeout);
}

ModuleInfo CryptoStack::Info() const noexcept
{
	const hsm_info &i = conn_->info();
	ModuleInfo m;
	m.abi_version = i.abi_version;
	m.module_version = std::string(i.module_version, strnlen(i.module_version, sizeof(i.module_version)));
	m.platform = i.platform;
	m.max_inflight = i.max_inflight;
	m.default_timeout_ms = i.default_timeout_ms;
	m.region_size = conn_->region_size();
	m.op_slots = conn_->op_slots();
	return m;
}

template <typename C, typename Cfg>
Result<C> CryptoStack::create_ctx(const Cfg &cfg, std::uint32_t ctx_op) const
{
	if (auto ok = check_alg(cfg.algorithm, "Create*Context"); !ok)
		return std::unexpected(ok.error());
	hsm_ctx_params p{};
	std::memcpy(p.alg, cfg.algorithm.c_str(), cfg.algorithm.size());
	p.op = ctx_op;
	OpRecord rec;
	rec.cmd = HSM_IOC_CTX_CREATE;
	rec.op.handle = cfg.key.value;
	set_params(rec, p);
	auto id = run_create(*conn_, rec, "CTX_CREATE");
	if (!id)
		return std::unexpected(id.error());
	C c;
	c.conn_ = conn_;
	c.id_ = id->value;
	c.timeout_ = cfg.timeout ? *cfg.timeout : timeout_;
	return c;
}

Result<HashContext> CryptoStack::CreateHashContext(const HashContextConfig &c) const
{
	return create_ctx<HashContext>(c, HSM_CTX_HASH);
}

Result<MacContext> CryptoStack::CreateMacContext(const MacContextConfig &c) const
{
	return create_ctx<MacContext>(c, c.direction == MacDirection::kGenerate ? HSM_CTX_MAC : HSM_CTX_MAC_VERIFY);
}

Result<CipherContext> CryptoStack::CreateCipherContext(const CipherContextConfig &c) const
{
	return create_ctx<CipherContext>(c, c.direction == CipherDirection::kEncrypt ? HSM_CTX_ENCRYPT : HSM_CTX_DECRYPT);
}

Result<AeadContext> CryptoStack::CreateAeadContext(const AeadContextConfig &c) const
{
	if (c.tag_length == 0 || c.tag_length > 16)
		return fail(Status::InvalidArgument, EINVAL, "CreateAeadContext: tags are 1..16 bytes");
	auto tag = Allocator().Allocate(16, 64);
	if (!tag)
		return std::unexpected(tag.error());
	auto ctx = create_ctx<AeadContext>(c, c.direction == CipherDirection::kEncrypt ? HSM_CTX_SEAL : HSM_CTX_OPEN);
	if (!ctx)
		return ctx;
	ctx->tag_ = std::move(*tag);
	ctx->tag_len_ = c.tag_length;
	return ctx;
}

Result<SignContext> CryptoStack::CreateSignContext(const SignContextConfig &c) const
{
	return create_ctx<SignContext>(c, HSM_CTX_SIGN);
}

Result<VerifyContext> CryptoStack::CreateVerifyContext(const VerifyContextConfig &c) const
{
	return create_ctx<VerifyContext>(c, HSM_CTX_VERIFY);
}

Result<std::uint32_t> CryptoStack::one(unsigned int cmd, std::uint64_t handle, BufferRef params,
				       BufferRef in, BufferRef out, BufferRef iv, BufferRef aad,
				       BufferRef tag, const char *what, const void *inline_params,
				       std::uint32_t inline_len, std::uint32_t flags) const
{
	OpRecord rec;
	rec.cmd = cmd;
	rec.op.flags = flags;
	rec.op.handle = handle;
	rec.op.timeout_ms = timeout_.abi();
	rec.op.params = {params.off, params.len};
	refs(rec.op, in, out, iv, aad, tag);
	if (inline_len) {
		std::memcpy(rec.params, inline_params, inline_len);
		rec.params_len = inline_len;
	}
	conn_->run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	return checked_len(rec, detail::result_bound(rec.op), what);
}

Result<std::size_t> CryptoStack::Digest(AlgorithmId alg, BufferRef in, BufferRef out) const
{
	if (auto ok = check_alg(alg, "Digest"); !ok)
		return std::unexpected(ok.error());
	return size(one(HSM_IOC_DIGEST, 0, {}, in, out, {}, {}, {}, "DIGEST", alg.c_str(),
			static_cast<std::uint32_t>(alg.size())));
}

Result<std::size_t> CryptoStack::Mac(const CryptoResourceId &k, BufferRef in, BufferRef tag,
				     bool truncate) const
{
	return size(one(HSM_IOC_MAC, k.value, {}, in, tag, {}, {}, {}, "MAC", nullptr, 0,
			truncate ? HSM_OP_F_TRUNCATE : 0));
}

Result<std::monostate> CryptoStack::MacVerify(const CryptoResourceId &k, BufferRef in, BufferRef tag) const
{
	return none(one(HSM_IOC_MAC_VERIFY, k.value, {}, in, {}, {}, {}, tag, "MAC_VERIFY"));
}

Result<std::size_t> CryptoStack::Seal(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				      BufferRef out, BufferRef tag) const
{
	return size(one(HSM_IOC_SEAL, k.value, {}, in, out, nonce, aad, tag, "SEAL"));
}

Result<std::size_t> CryptoStack::Open(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				      BufferRef out, BufferRef tag) const
{
	return size(one(HSM_IOC_OPEN, k.value, {}, in, out, nonce, aad, tag, "OPEN"));
}

Result<std::size_t> CryptoStack::Encrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out) const
{
	return size(one(HSM_IOC_ENCRYPT, k.value, {}, in, out, iv, {}, {}, "ENCRYPT"));
}

Result<std::size_t> CryptoStack::Decrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out) const
{
	return size(one(HSM_IOC_DECRYPT, k.value, {}, in, out, iv, {}, {}, "DECRYPT"));
}

Result<std::size_t> CryptoStack::Sign(const CryptoResourceId &k, BufferRef in, BufferRef sig) const
{
	return size(one(HSM_IOC_SIGN, k.value, {}, in, sig, {}, {}, {}, "SIGN"));
}

Result<std::monostate> CryptoStack::Verify(const CryptoResourceId &k, BufferRef in, BufferRef sig) const
{
	return none(one(HSM_IOC_VERIFY, k.value, {}, in, {}, {}, {}, sig, "VERIFY"));
}

Result<std::size_t> CryptoStack::Random(BufferRef out) const
{
	return size(one(HSM_IOC_RANDOM, 0, {}, {}, out, {}, {}, {}, "RANDOM"));
}

} // namespace hsm
