// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// AF_ALG through libkcapi: what Linux offers today for kernel crypto from
// userspace.  One sendmsg/recvmsg pair per operation, and for AEAD the AIO
// interface, which submits a batch of operations with one io_submit().
#include <cstring>
#include <kcapi.h>
#include <stdexcept>
#include <string>
#include <sys/uio.h>

#include "bench.hpp"

namespace bench {
namespace {

[[noreturn]] void fail(const std::string &what, long err)
{
	throw std::runtime_error("libkcapi " + what + ": " + std::to_string(err));
}

class KcapiRunner final : public Runner {
public:
	explicit KcapiRunner(bool aio) : aio_(aio) {}

	~KcapiRunner() override
	{
		if (aead_)
			kcapi_aead_destroy(aead_);
		if (md_)
			kcapi_md_destroy(md_);
	}

	bool setup(const Case &c) override
	{
		c_ = c;
		if (is_signature(c.algo)) {
			// The kernel's akcipher and sig types are not exposed to AF_ALG.
			why_ = "AF_ALG has no asymmetric signing";
			return false;
		}
		if (aio_ && c.algo != Algo::Gcm) {
			why_ = "libkcapi has no AIO for hashes";
			return false;
		}
		if (aio_ && c.batch * c.size > 65536) {
			// Measured on 6.1: EFAULT from 8 x 16 KiB on; one call of
			// AF_ALG AIO maps at most ALG_MAX_PAGES (16) pages.
			why_ = "AF_ALG AIO takes at most 64 KiB per submission";
			return false;
		}
		if (!aio_ && c.batch != 1) {
			why_ = "one operation at a time";
			return false;
		}
		Bytes key = Inputs::key(c.algo);
		in_ = Inputs::payload(c.size);
		iv_ = Inputs::iv();
		int ret;
		switch (c.algo) {
		case Algo::Gcm:
			ret = kcapi_aead_init(&aead_, "gcm(aes)", aio_ ? KCAPI_INIT_AIO : 0);
			if (ret)
				fail("aead_init", ret);
			if ((ret = kcapi_aead_setkey(aead_, key.data(), key.size())) ||
			    (ret = kcapi_aead_settaglen(aead_, 16)))
				fail("aead setup", ret);
			kcapi_aead_setassoclen(aead_, 0);
			outlen_ = kcapi_aead_outbuflen_enc(aead_, c.size, 0, 16);
			break;
		case Algo::Hmac:
		case Algo::Sha:
			ret = kcapi_md_init(&md_, c.algo == Algo::Hmac ? "hmac(sha256)" : "sha256", 0);
			if (ret)
				fail("md_init", ret);
			if (c.algo == Algo::Hmac && (ret = kcapi_md_setkey(md_, key.data(), key.size())))
				fail("md_setkey", ret);
			outlen_ = 32;
			break;
		default:	// signatures: refused above
			return false;
		}
		out_.assign(outlen_ * c.batch, 0);
		if (aio_) {
			// Every operation of the batch in its own buffers.
			ins_.assign(c.batch, in_);
			iniov_.resize(c.batch);
			outiov_.resize(c.batch);
			for (unsigned i = 0; i < c.batch; i++) {
				iniov_[i] = {ins_[i].data(), ins_[i].size()};
				outiov_[i] = {out_.data() + i * outlen_, outlen_};
			}
		}
		return true;
	}

	void run() override
	{
		ssize_t r;
		if (aio_) {
			r = kcapi_aead_encrypt_aio(aead_, iniov_.data(), outiov_.data(), c_.batch,
						   iv_.data(), access());
			if (r != static_cast<ssize_t>(outlen_ * c_.batch))
				fail("aead_encrypt_aio", r);
			return;
		}
		if (c_.algo == Algo::Gcm)
			r = kcapi_aead_encrypt(aead_, in_.data(), in_.size(), iv_.data(), out_.data(),
					       outlen_, access());
		else
			r = kcapi_md_digest(md_, in_.data(), in_.size(), out_.data(), outlen_);
		if (r != static_cast<ssize_t>(outlen_))
			fail(c_.algo == Algo::Gcm ? "aead_encrypt" : "md_digest", r);
	}

	Bytes output() override { return Bytes(out_.begin(), out_.begin() + outlen_); }
	std::string why() const override { return why_; }

private:
	// vmsplice() moves at most 16 pages per AF_ALG operation; larger
	// messages go through sendmsg() (the guest's socket buffer allows it).
	int access() const
	{
		return c_.size > 65536 ? KCAPI_ACCESS_SENDMSG : KCAPI_ACCESS_HEURISTIC;
	}

	bool aio_;
	Case c_{};
	kcapi_handle *aead_ = nullptr, *md_ = nullptr;
	Bytes in_, iv_, out_;
	std::vector<Bytes> ins_;
	std::vector<iovec> iniov_, outiov_;
	std::size_t outlen_ = 0;
	std::string why_ = "not offered";
};

}  // namespace

void add_kcapi(std::vector<Competitor> &out)
{
	out.push_back({"kcapi", "AF_ALG via libkcapi: one sendmsg+recvmsg per operation", false,
		       [] { return std::make_unique<KcapiRunner>(false); }});
	out.push_back({"kcapi-aio", "AF_ALG via libkcapi AIO: a batch per io_submit() (AEAD only)",
		       true, [] { return std::make_unique<KcapiRunner>(true); }});
}

}  // namespace bench
