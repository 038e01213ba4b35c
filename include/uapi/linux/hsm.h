/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * hsm: the ABI of /dev/hsm, a kernel-resident virtual HSM.
 *
 * This header is the whole contract between hsm.ko and its users (libhsm,
 * hsmctl, the tests).  It is included by the module and by userspace alike.
 *
 * Connections
 * -----------
 * Every open() of /dev/hsm is one connection.  A connection owns a shared
 * memory region (see HSM_IOC_SHM_SETUP) and, later, its keys, contexts and
 * in-flight requests.  close() of the last reference frees all of it.  The
 * module counts open connections against the `max_connections` module
 * parameter; open() beyond it fails with ENFILE.
 *
 * Per-user shares
 * ---------------
 * The module-wide limits are first come, first served, so each user (the
 * fsuid that opened a connection) also has a share, set by module
 * parameters and reported by GET_INFO; past any share the request fails
 * with EDQUOT (HSM_STATUS_LIMIT_EXCEEDED) and changes nothing, so a caller
 * can tell its own share (EDQUOT) from the module's limit (ENFILE, ENOSPC):
 *
 *   uid_max_connections   open connections (default max_connections / 4)
 *   uid_max_region_total  bytes of shared regions (default max_region_total
 *                         / 4, at least max_region_size)
 *   uid_max_keys          keys in all its connections (default 4 x max_keys)
 *   uid_max_contexts      contexts likewise (default 4 x max_contexts)
 *   uid_max_stream        bytes its AEAD contexts hold between Init and
 *                         Final (default 4 x max_conn_stream)
 *   uid_max_slots         slots it stored (default max_slots / 2); a slot
 *                         counts until deleted, after its connections close
 *
 * Besides, the AEAD contexts of one connection together hold at most
 * max_conn_stream bytes (default 16 x max_stream; ENOSPC beyond, as for
 * one context past max_stream).  Stream bytes count what the contexts
 * have allocated: at most max_stream + 16 bytes each, in steps that double.
 * A connection opened with CAP_SYS_ADMIN is counted but never refused by
 * a share (it is trusted: it could unload the module); the module-wide
 * limits and max_conn_stream bind it all the same.  Everything a user
 * holds is given back when it is released or its connection closes.
 *
 * Commands
 * --------
 * Every command is an _IOW('H', nr, struct ...) number whose argument is a
 * fixed-size struct of at most HSM_CMD_MAX_SIZE bytes.  The same number and
 * struct are accepted two ways, with the same validation and the same result:
 *
 *  - ioctl(fd, HSM_IOC_..., &cmd): the result is the ioctl's return value
 *    (>= 0) or -1 with errno set;
 *  - an IORING_OP_URING_CMD SQE on the fd with sqe->cmd_op = HSM_IOC_... and
 *    the struct copied into sqe->cmd.  The ring must be created with
 *    IORING_SETUP_SQE128 (the command area is 80 bytes); sqe->uring_cmd_flags
 *    must be 0.  The result is cqe->res (>= 0, or a negative errno).
 *
 * The module copies the struct once into kernel memory and validates that
 * copy; it never re-reads it.  Every command answers exactly once.  Errors
 * common to all commands:
 *
 *   ENOTTY      the number is not an hsm command (wrong type, unknown nr)
 *   EINVAL      a known nr with the wrong size or direction; a non-zero
 *               reserved field; unknown bits in flags; uring_cmd on a ring
 *               without IORING_SETUP_SQE128, or with uring_cmd_flags set
 *   EFAULT      a user pointer in the command cannot be read or written
 *   EINTR       the caller is being killed: long work (hashing, key
 *               derivation, a VECTOR's entries) stops between slices
 *               (HSM_STATUS_CANCELED)
 *
 * Command structs never return data by being copied back: outputs are
 * written to user memory named by the command (an address here, a shared
 * region offset for the data-plane commands), so that ioctl and io_uring
 * behave identically.
 *
 * HSM_IOC_GET_INFO (struct hsm_get_info)
 *   Writes struct hsm_info to info_ptr.  info_size is the caller's buffer
 *   size: the kernel writes min(info_size, sizeof(struct hsm_info)) bytes and
 *   zero-fills the rest of the caller's buffer, so old binaries keep working
 *   when the struct grows and new binaries see zeros from old modules.
 *   hsm_info.size tells how many bytes this module knows.
 *   Returns the number of bytes written from the kernel's struct.
 *   flags: must be 0.  Errors: EINVAL if info_size is below
 *   HSM_INFO_SIZE_VER0 or above HSM_INFO_SIZE_MAX.
 *
 * HSM_IOC_SHM_SETUP (struct hsm_shm_setup)
 *   Allocates the connection's shared region of `size` bytes, zeroed.
 *   size must be a non-zero multiple of hsm_info.page_size and at most
 *   hsm_info.max_region_size.  The region is then mapped with
 *   mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off), where off
 *   is HSM_SHM_MMAP_OFFSET plus a page-aligned offset into the region, and
 *   off + len stays within the region.  Returns 0.
 *   flags: must be 0.
 *   Errors: EINVAL (size zero or not page-aligned), E2BIG (size above
 *   max_region_size), EDQUOT (the opener's regions together would pass
 *   uid_max_region_total), ENOSPC (all connections' regions together would
 *   pass max_region_total), EEXIST (the connection already has a region),
 *   ENOMEM.  The region's memory is charged to the memory cgroup of the
 *   caller.
 *   mmap() errors: EBADFD before SHM_SETUP; EINVAL for a private mapping,
 *   an offset or length outside the region; EPERM for PROT_EXEC.
 *   The mapping is not inherited across fork() (the child may map it again
 *   through the inherited fd) and is left out of core dumps.
 *
 *
 * HSM_IOC_GET_ALGS (struct hsm_get_algs)
 *   Writes up to `count` struct hsm_alg_info to algs_ptr: every algorithm
 *   name the module knows, including the ones it cannot serve now (flags
 *   without HSM_ALG_F_SUPPORTED): the worker's algorithms (HSM_ALG_F_WORKER)
 *   while no worker is attached, and AES-KWP, ML-KEM and ML-DSA, which
 *   nothing serves here.  Returns how many the module knows, which may
 *   exceed count (ask again with more room).
 *   flags and reserved: must be 0.
 *
 * HSM_IOC_SELFTEST (struct hsm_selftest)
 *   Runs the module's known-answer tests again (they also run at load, and
 *   the module refuses to load if one fails): one published vector per
 *   algorithm family, through the same paths as requests.  Returns the
 *   number of tests passed, or EIO (the kernel log names the failure).
 *
 * HSM_IOC_CONN_CONFIG (struct hsm_conn_config)
 *   Sets the connection's default deadline for data-plane commands that
 *   carry timeout_ms = 0 (HSM_TIMEOUT_NONE: no deadline).  A new
 *   connection starts with the default_timeout_ms module parameter
 *   (hsm_info.default_timeout_ms).  Returns 0.  flags: must be 0.
 *
 * In-flight limit
 * ---------------
 * A connection may have at most max_inflight data-plane commands running
 * or waiting at once (hsm_info.max_inflight); one more completes at once
 * with EBUSY (HSM_STATUS_BUSY) and does nothing.  Submit again after
 * completions arrive.
 *
 * Deadlines
 * ---------
 * A data-plane command whose deadline passes before it can run (waiting
 * for a context another call is using) completes with ETIMEDOUT
 * (HSM_STATUS_TIMED_OUT) and does nothing; a context it was waiting for
 * moves to FAILED.  A command already running finishes: the crypto layer
 * cannot be interrupted halfway.  The deadline counts from hsm_op.submit_ns
 * when the caller sets it (clock_gettime(CLOCK_MONOTONIC) in ns, as the
 * kernel's ktime_get_ns()), else from when the module receives the
 * command; a submit_ns later than that counts as "received".  Set it for
 * io_uring: commands that run on io-wq (payloads above 4 KiB, key and
 * context creation, context calls that would wait for a context another
 * call holds, and Finals of AEAD and signature contexts) are received only
 * when a worker takes them.  The submitter never sleeps in io_uring_enter()
 * waiting for a context.
 *
 * HSM_IOC_GET_STATS (struct hsm_get_stats)
 *   Writes struct hsm_stats to stats_ptr, with the same size rules as
 *   GET_INFO (HSM_STATS_SIZE_VER0 up to HSM_INFO_SIZE_MAX bytes): counters
 *   of the whole module, or of this connection with HSM_STATS_F_CONNECTION.
 *   Counters are summed without stopping other CPUs, so a snapshot taken
 *   while requests run may be a few requests old.  The module's counters
 *   show every user's activity, so only a connection opened with
 *   CAP_SYS_ADMIN may read them (EPERM otherwise); any connection may
 *   read its own.
 *
 * Data-plane commands (struct hsm_op)
 * -----------------------------------
 * Keys and crypto operations take one struct hsm_op.  Its payloads are
 * struct hsm_ref (offset, length) pairs into the connection's shared region,
 * used in place: the module reads inputs and writes outputs there through
 * scatterlists, without copying them.  Each command lists the refs it uses;
 * every other ref must be {0, 0}.  A ref must lie inside the region, and an
 * output must either not overlap any input or (where a command allows
 * in-place operation) be the very same range as `in`.  A command needs a
 * region (HSM_IOC_SHM_SETUP) unless it uses no ref at all.
 *
 * Completion record: when resp_off is not HSM_RESP_NONE, the module writes
 * a struct hsm_resp there (8-byte aligned, inside the region, overlapping
 * no payload) before the command completes: the result, the HSM status and
 * a value (the ID of a created key).  Commands that create something
 * require it.  A command that fails validation of the struct itself
 * (EINVAL, EBADFD) writes no record: the record's place is not trusted.
 *
 * Algorithms are named by strings of at most HSM_ALG_NAME_LEN bytes
 * (NUL-padded), given in a struct hsm_key_params or, for keyless commands,
 * as the `params` ref: "sha-256", "sha-384", "sha-512", "sha3-256",
 * "sha3-384", "sha3-512", "hmac-sha-256", "hmac-sha-384", "hmac-sha-512",
 * "aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-poly1305",
 * "aes-128-cbc", "aes-256-cbc", "aes-128-ctr", "aes-256-ctr",
 * "aes-128-xts", "aes-256-xts", "aes-128-cmac", "aes-192-cmac",
 * "aes-256-cmac", "aes-128-kw", "aes-192-kw", "aes-256-kw", "x25519",
 * "ecdh-p256", "ecdh-p384", "rsa-pkcs1-sha256", "rsa-pkcs1-sha384",
 * "rsa-pkcs1-sha512", "secret".
 * An unknown name is EOPNOTSUPP (HSM_STATUS_UNSUPPORTED).
 *
 * Keys are named by 64-bit IDs private to the connection: unpredictable,
 * never reused while the connection lives.  An ID that this connection did
 * not create, or has released, is ENOENT (HSM_STATUS_NOT_FOUND).
 *
 * HSM_IOC_KEY_GENERATE: params = struct hsm_key_params; resp required.
 *   Fills a new key of the algorithm's size from the kernel's DRBG
 *   (HMAC keys: hsm_key_params.key_len bytes, 16..128; "secret":
 *   1..16320).  resp.value = ID.
 * HSM_IOC_KEY_IMPORT: params = struct hsm_key_params, in = key bytes;
 *   resp required.  in.len must be a size the algorithm accepts (and equal
 *   key_len when that is not 0).
 * HSM_IOC_KEY_EXPORT: out = key bytes.  Only for keys created with
 *   HSM_KEY_F_EXPORTABLE and HSM_PERM_EXPORT (else EPERM).  Returns the
 *   key length; EOVERFLOW if out is shorter.
 * HSM_IOC_KEY_DERIVE (DERIVE on the base key): handle = base key ID,
 *   params = struct hsm_key_params of the new key (key_len required where
 *   the algorithm's size varies), in = KDF name, iv = salt (HKDF only),
 *   aad = info (HKDF) or the fixed input data (SP800-108), salt and info
 *   each at most HSM_KDF_INPUT_MAX bytes (E2BIG beyond).  resp required;
 *   resp.value = ID.  KDFs: "hkdf-sha-256", "hkdf-sha-384", "hkdf-sha-512"
 *   (output at most 255 hash lengths), "kdf108-ctr-hmac-sha-256",
 *   "kdf108-ctr-hmac-sha-384", "kdf108-ctr-hmac-sha-512" (base key at
 *   least one hash length).  Base keys: "secret" or HMAC keys.
 *   "secret" is a raw secret of 1..16320 bytes whose only uses are DERIVE
 *   and EXPORT.
 * HSM_IOC_KEY_PUBLIC: handle = a key-agreement key, out = its public key
 *   (X25519: 32 bytes; P-256: x || y, 64 bytes; P-384: 96 bytes, both
 *   big-endian).  Needs no permission.  Returns the length; EOVERFLOW if
 *   out is shorter.
 * HSM_IOC_KEY_AGREE (AGREE): handle = private key ("x25519", "ecdh-p256",
 *   "ecdh-p384"; imported as the RFC 7748 scalar or the big-endian d),
 *   in = the peer's public key in KEY_PUBLIC's format, params = struct
 *   hsm_key_params of the new key, whose material is the shared secret
 *   (32 or 48 bytes; usually a "secret" to derive from).  resp required.
 *   EINVAL for a peer point not on the curve or of low order (an all-zero
 *   X25519 result).  The few valid P-256/P-384 inputs the kernel's ECC
 *   library cannot compute (its ladder meets the point at infinity) go to
 *   the worker (HSM_WORKER_AGREE), and so do the few valid private keys
 *   whose public key it cannot make (at KEY_IMPORT, KEY_GENERATE and when a
 *   slot or sealed blob brings one back): EHOSTDOWN when no worker is
 *   attached, as for the worker's algorithms.
 * HSM_IOC_KEY_WRAP (WRAP on the wrapping key): export a key encrypted with
 *   AES-GCM or ChaCha20-Poly1305.  handle = wrapping key, params = struct
 *   hsm_wrap_params, iv = nonce, aad, out = the wrapped material (at least
 *   the key's length), tag.  The wrapped key must have been created with
 *   HSM_KEY_F_EXPORTABLE and HSM_PERM_EXPORT (else EPERM): wrapping is how
 *   an exportable key leaves, never a way around non-exportability.
 *   Returns the wrapped length.
 * HSM_IOC_KEY_UNWRAP (UNWRAP): handle = wrapping key, params = struct
 *   hsm_key_params of the new key, in = wrapped material, iv, aad, tag.
 *   resp required; resp.value = ID.  EBADMSG when the tag does not verify.
 * AES key wrap (RFC 3394) with keys "aes-128-kw", "aes-192-kw",
 *   "aes-256-kw" (permissions WRAP and UNWRAP only): KEY_WRAP takes no iv,
 *   aad or tag; out = the wrapped key, 8 bytes longer than the key, whose
 *   length must be a multiple of 8 and at least 16.  KEY_UNWRAP: in = the
 *   wrapped key; EBADMSG when its integrity check fails.  RFC 5649 (KWP)
 *   is not offered: the 6.1 kernel's kw(aes) has no padding mode.
 * HSM_IOC_KEY_RELEASE: handle = key ID.
 * HSM_IOC_KEY_LIST: out = struct hsm_key_info[]: the metadata (never the
 *   material) of this connection's keys, as many as fit; returns how many
 *   there are.  With HSM_OP_F_ALL_CONNECTIONS, every connection's keys
 *   (a debugging view for CAP_SYS_ADMIN; EPERM otherwise), where another
 *   connection's key IDs read as 0.
 * HSM_IOC_KEY_INFO: handle = a key of this connection; out = one struct
 *   hsm_key_info (EOVERFLOW when shorter): what KEY_LIST shows of it,
 *   never material, with no permission needed.  Returns its size.  What
 *   a PKCS#11 C_GetAttributeValue needs, without listing every key.
 * HSM_IOC_KEY_ATTEST: handle = a worker key pair of this connection (a
 *   public key alone is EINVAL: the module holds nothing it could vouch
 *   for); params = struct hsm_key_attest_params; out = the key's
 *   statement: struct hsm_key_statement, then the key's
 *   SubjectPublicKeyInfo; tag = the platform's evidence, whose report
 *   data is SHA-512 of the whole statement: an SEV-SNP report
 *   (HSM_SNP_REPORT_SIZE bytes) or a TDX quote.  Needs no permission:
 *   the caller chooses only the nonce, inside a statement whose magic no
 *   bound report's data begins with (docs/threat-model.md, "Key
 *   attestation").  Returns the statement's length; resp.value = the
 *   evidence's length.  EOVERFLOW, with nothing written, when out or tag
 *   is too short (the statement is at most HSM_KEY_STATEMENT_MAX bytes;
 *   resp.value is then the evidence's length); EOPNOTSUPP when the
 *   platform asked for does not report; a TDX quote fails as TDX_QUOTE.
 *
 * Persistent slots: named keys shared by the connections of one user
 * (the fsuid of the connection's opener), alive until deleted or the
 * module unloads.
 * Another user's slot is ENOENT, as if it did not exist.  With
 * HSM_SLOT_F_GROUP in hsm_slot_params.flags the name is in the namespace
 * of the slot_group module parameter's group instead, shared by every
 * caller in that group (in_group_p of the caller's fsgid and
 * supplementary groups); EPERM for a caller outside it or when
 * slot_group is not set.  Storage across reboots: SLOT_SEAL and
 * SLOT_UNSEAL (see Platform).
 * HSM_IOC_SLOT_STORE: handle = key ID of this connection, params = struct
 *   hsm_slot_params (name).  The slot keeps the key as it is (algorithm,
 *   permissions, flags).  EEXIST if the name is taken, ENOSPC beyond
 *   max_slots, EDQUOT beyond the caller's uid_max_slots.
 * HSM_IOC_SLOT_OPEN: params = struct hsm_slot_params (name); resp
 *   required; resp.value = a new key ID in this connection for the slot's
 *   key.  Releasing it, or deleting the slot, does not affect the other.
 * HSM_IOC_SLOT_DELETE: params = struct hsm_slot_params (name).  A group
 *   slot may be deleted only by the uid that stored it or by CAP_SYS_ADMIN
 *   (EPERM otherwise), so that no member can swap its own key in under a
 *   name the others use.  Operations already running with the slot's
 *   key keep their reference and finish.
 * HSM_IOC_SLOT_LIST: out = struct hsm_slot_info[]: the caller's slots,
 *   then the group's slots when it is in slot_group or an admin (who may
 *   delete them), as many as fit.
 *   Returns how many the caller has.
 *
 * Platform (guest requests and sealed slots)
 * ------------------------------------------
 * GET_INFO reports the platform (enum hsm_platform), who answers its guest
 * requests (enum hsm_backend) and what it offers (HSM_PLAT_CAP_* bits in
 * platform_caps).  On an SEV-SNP guest the requests go to the AMD PSP
 * through the module's own guest-message layer (AES-256-GCM under a VMPCK,
 * sequence numbers in the secrets page); everywhere else a simulated PSP
 * answers the same messages (backend SIMULATED), so the layer runs in
 * tests exactly as on hardware.  A simulated report is signed by a
 * simulated VCEK and says so: its REPORT_ID starts with "HSM-SIMULATED".
 * After a failed exchange with the PSP (which is EIO) the VMPCK is wiped,
 * as the kernel's sev-guest driver does, and every later request is EIO.
 * Firmware refusals (invalid parameters: a VMPL below the VMPCK's, a guest
 * SVN or TCB above the current one) are EINVAL.
 *
 * Platform rights: a report with caller-chosen REPORT_DATA speaks for the
 * whole VM, and a raw derived key is the same for every user of it, so
 * both are for connections whose opener had CAP_SYS_ADMIN or was in the
 * platform_group module parameter's group (hsm_info.conn_flags has
 * HSM_CONN_F_PLATFORM); EPERM for everyone else.  Every connection may ask
 * for the bound forms, which name the caller:
 *
 *   bound REPORT_DATA = SHA-512("hsm snp user report v1" || 0x00 ||
 *                               le32(uid) || report_data[64])
 *   bound key         = HMAC-SHA-256(PSP key, "hsm snp user key v1" ||
 *                               0x00 || le32(uid) || le32(len) || label ||
 *                               key.alg[64] || le64(key.perms))
 *
 * where uid is the opener's fsuid in the initial user namespace, so that
 * a relying party that knows which user it talks to recomputes the
 * REPORT_DATA from the 64 bytes it was sent, and two users (or two labels,
 * or two uses of one label) never get the same key.  The sealing root's own request (root key VCEK,
 * VMPL = vmpck_id, guest field select = policy and measurement, SVN and
 * TCB 0) is refused raw even with platform rights: only the module holds
 * the key sealed slots are under.
 *
 * HSM_IOC_SNP_REPORT: params = struct hsm_snp_report_params, out = the
 *   attestation report (at least HSM_SNP_REPORT_SIZE bytes; EOVERFLOW if
 *   shorter).  REPORT_DATA is the bound form of report_data, or
 *   report_data itself with HSM_SNP_REPORT_F_RAW (platform rights, else
 *   EPERM).  Returns HSM_SNP_REPORT_SIZE.
 * HSM_IOC_SNP_EXT_REPORT: the same, and tag = the certificate table the
 *   host returns (GHCB format: 24-byte entries {GUID, offset, length},
 *   offsets from the table's start, an all-zero entry last).  Returns the
 *   table's length (0 when the host has none).  resp required: when tag is
 *   too short the command is EOVERFLOW, nothing is written, and resp.value
 *   is the length needed.
 * HSM_IOC_SNP_DERIVE_KEY: params = struct hsm_snp_key_params, in = a
 *   purpose label of 0..HSM_SNP_LABEL_MAX bytes (EINVAL beyond); resp
 *   required; resp.value = the ID of a new key in this connection whose
 *   32 bytes are the bound key for the caller and label (key.alg must take
 *   a 32-byte key; key.key_len 0 or 32).  With HSM_SNP_KEY_F_RAW the key
 *   is the PSP's own (platform rights, else EPERM; no label, else EINVAL;
 *   EPERM for the sealing root's request).  The key is non-exportable
 *   unless key.flags has
 *   HSM_KEY_F_EXPORTABLE *and* flags has HSM_SNP_KEY_F_ALLOW_EXPORT
 *   (HSM_KEY_F_EXPORTABLE alone is EPERM); KEY_EXPORT then needs
 *   HSM_PERM_EXPORT as for any key.
 * HSM_IOC_SNP_SIM_SETUP: simulated backend only (EOPNOTSUPP otherwise),
 *   CAP_SYS_ADMIN (EPERM otherwise).  params = struct hsm_snp_sim_params:
 *   the identity the simulated PSP reports and derives keys for from now
 *   on; in = the certificate table EXT_REPORT returns (GHCB format, at
 *   most HSM_SNP_CERTS_MAX bytes; empty for none).  With
 *   HSM_SNP_SIM_F_VCEK, vcek_priv (P-384 scalar, big-endian) replaces the
 *   simulated VCEK, so that a chain made in userspace matches the reports.
 *   HSM_SNP_SIM_F_CORRUPT_NEXT makes the simulated host alter the next
 *   response, which the message layer must refuse (EIO) and answer by
 *   wiping its VMPCK; HSM_SNP_SIM_F_RELAUNCH provisions new VMPCKs and
 *   sequence numbers, as a new launch of the VM would, and so brings a
 *   wiped message layer back; HSM_SNP_SIM_F_BUSY_NEXT has the host answer
 *   the next request "busy" once, which the layer retries (after 2 s).
 *
 * Sealed slots: a slot's key leaves the module only encrypted under a key
 * derived from the platform's derived key, with the guest field select
 * binding the guest policy and the measurement.
 * HSM_IOC_SLOT_SEAL: params = struct hsm_slot_params (name), out = the
 *   sealed blob (EOVERFLOW if shorter; resp.value = the length needed).
 *   Returns the blob's length.  The blob: "HSMSEAL1", version 2, the
 *   slot's metadata (name, algorithm, permissions, flags, length,
 *   namespace, owner: the uid of a user slot or the slot group's gid), a
 *   nonce, the AES-256-GCM ciphertext of the material and its tag; the
 *   metadata (and the nonce) is the associated data.  Any slot can be sealed,
 *   non-exportable keys included: the material never leaves in the clear,
 *   and the blob opens only in a VM of the same measurement and policy.
 *   The sealing key is HMAC-SHA-256 over a fixed label of the derived key
 *   (root key VCEK, VMPL = vmpck_id, guest field select = policy and
 *   measurement), a request SNP_DERIVE_KEY refuses to every caller.
 * HSM_IOC_SLOT_UNSEAL: params = struct hsm_slot_params (name, and the
 *   namespace to restore into), in = the blob.  Restores the slot (EEXIST
 *   if the name is taken).  The blob is copied once; every field comes
 *   from that copy.  EINVAL for a truncated or oversized blob, an unknown
 *   magic or version, or attributes no key may have; EBADMSG for a blob
 *   sealed under another measurement or policy, altered, or sealed for
 *   another slot name or namespace; EPERM for a blob sealed for another
 *   owner (another uid's slot, or a group slot under another slot_group).
 *
 * Intel TDX: on a TD the module asks the TDX module for a TDREPORT and the
 * host's quoting service for a DCAP quote through the calls the kernel
 * exports (tdx_mcall_get_report0, tdx_hcall_get_quote); they serialize
 * with the kernel's own tdx-guest driver, so both can be loaded.  A module
 * built for testing also carries a simulated TDX module and quoting
 * service (backend SIMULATED) where there is no TD: its TDREPORTs are
 * byte-exact (the hash fields hold, the MAC is the simulator's own) and
 * its quotes (v4, or v5 with a TDX 1.5 body) are signed by a simulated
 * attestation key whose QE report a simulated PCK key signs.  A simulated
 * quote names itself: its QE vendor ID is Intel's but its PCK chain ends
 * in whatever root TDX_SIM_SETUP gave, which no verifier trusts unless
 * that root is passed to it explicitly.  TDX derives no sealing key:
 * on a TD without SEV-SNP, SLOT_SEAL and SLOT_UNSEAL are EOPNOTSUPP.
 * The platform rights and the bound form are those of SEV-SNP:
 *
 *   bound REPORTDATA = SHA-512("hsm tdx user report v1" || 0x00 ||
 *                              le32(uid) || report_data[64])
 *
 * HSM_IOC_TDX_REPORT: params = struct hsm_tdx_report_params, out = the
 *   TDREPORT (at least HSM_TDX_REPORT_SIZE bytes; EOVERFLOW if shorter).
 *   REPORTDATA is the bound form of report_data, or report_data itself
 *   with HSM_TDX_REPORT_F_RAW (platform rights, else EPERM).  Returns
 *   HSM_TDX_REPORT_SIZE.
 * HSM_IOC_TDX_QUOTE: params = struct hsm_tdx_quote_params (REPORTDATA as
 *   for TDX_REPORT), out = the quote; resp required: when out is too
 *   short the command is EOVERFLOW, nothing is written, and resp.value is
 *   the length needed.  Returns the quote's length.  The quoting service
 *   may take seconds; it is given HSM_TDX_QUOTE_TIMEOUT_MS, then the
 *   command is ETIMEDOUT.  A service that answers with an error is EIO,
 *   one that is unreachable EBUSY.
 * HSM_IOC_TDX_EXTEND_RTMR: params = struct hsm_tdx_rtmr_params:
 *   RTMR[index] = SHA-384(RTMR[index] || data).  Platform rights (EPERM
 *   otherwise); EOPNOTSUPP where the kernel exports no extend call
 *   (HSM_PLAT_CAP_RTMR_EXTEND says whether it does).
 * HSM_IOC_TDX_SIM_SETUP: simulated backend only (EOPNOTSUPP otherwise),
 *   CAP_SYS_ADMIN (EPERM otherwise).  params = struct hsm_tdx_sim_params:
 *   the TD, TDX module and quoting enclave the simulator reports from now
 *   on (RTMRs included: earlier extends are forgotten); in = the PCK
 *   certificate chain (PEM, leaf first, at most HSM_TDX_CERTS_MAX bytes;
 *   empty for none) quotes carry.  With HSM_TDX_SIM_F_PCK, pck_priv (P-256
 *   scalar, big-endian) replaces the simulated PCK key, so that a chain
 *   made in userspace matches the quotes' QE reports.
 *   HSM_TDX_SIM_F_QGS_ERROR_NEXT has the quoting service fail the next
 *   quote (EIO); HSM_TDX_SIM_F_CORRUPT_MAC_NEXT has the TDX module give the
 *   next quote a TDREPORT whose MAC does not verify, which the quoting
 *   enclave must refuse (EIO).
 *
 * One-shot operations (handle = key ID unless said otherwise; the key needs
 * the permission named):
 * HSM_IOC_DIGEST: params = algorithm name, in = message, out = digest
 *   (at least the digest size).  Returns the digest size.
 * HSM_IOC_MAC (SIGN): in = message, out = tag (at least the MAC size;
 *   HSM_OP_F_TRUNCATE allows a shorter out: the tag is truncated).
 *   Returns the tag length written.
 * HSM_IOC_MAC_VERIFY (VERIFY): in = message, tag = expected tag (at least
 *   HSM_MAC_MIN_TAG bytes, at most the MAC size).  Returns 0, or EBADMSG
 *   (HSM_STATUS_AUTH_FAILED) on mismatch.
 * HSM_IOC_SEAL (ENCRYPT): AEAD.  iv = nonce, aad (at most HSM_AAD_MAX
 *   bytes), in = plaintext,
 *   out = ciphertext (in.len bytes, may be the same range as in),
 *   tag = tag (4..16 bytes for GCM, 16 for ChaCha20-Poly1305).
 *   Returns in.len.
 * HSM_IOC_OPEN (DECRYPT): AEAD.  iv, aad, in = ciphertext, tag,
 *   out = plaintext.  Returns in.len, or EBADMSG when the tag does not
 *   verify; out is then zeroed before the command completes.
 * HSM_IOC_ENCRYPT / HSM_IOC_DECRYPT (ENCRYPT / DECRYPT): block and stream
 *   ciphers.  iv, in, out (same length, may be the same range).  CBC
 *   lengths must be multiples of 16 (no padding); XTS takes any length of
 *   at least 16, with IEEE 1619 ciphertext stealing for a partial block.
 * HSM_IOC_RANDOM: out = random bytes from the kernel's DRBG; handle = 0.
 * HSM_IOC_VECTOR: many data-plane commands in one: in = an array of
 *   1..HSM_VECTOR_MAX struct hsm_vec_entry, copied once into the module.
 *   Every entry must name a data-plane command other than VECTOR, carry a
 *   completion record (resp_off) and pass the checks of its own command's
 *   struct; otherwise the whole vector is EINVAL and nothing runs.  Then
 *   the entries run in order, each exactly as if submitted alone (its
 *   deadline counts from the vector's receipt or its submit_ns), and each
 *   answers in its own record; one failing does not stop the others.  A
 *   caller killed meanwhile gets EINTR in the records of the entries not
 *   yet run; a vector io_uring cancels (its ring closed, its task gone)
 *   gets ECANCELED there.  Returns the number of entries answered, and writes it to
 *   the vector's own record (resp_off) when it has one.  It saves the
 *   per-command cost of a syscall or SQE for small operations.  io_uring
 *   runs a vector on the submission path when every entry may (no
 *   HSM_CMD_SLEEPS or HSM_CMD_CTX, payloads at most HSM_INLINE_MAX bytes
 *   together); otherwise the whole vector goes to an io-wq worker.
 * HSM_IOC_BENCH: runs DIGEST, MAC or SEAL (hsm_bench_params.cmd) on the
 *   same payloads `iterations` times in the module, without any transport
 *   in between: the bound a transport can approach.  params = struct
 *   hsm_bench_params; handle, in, out, iv, aad and tag as for that
 *   command (DIGEST names its algorithm in hsm_bench_params.alg).
 *   resp required; resp.value = nanoseconds the iterations took.  Returns
 *   the iterations run (1..HSM_BENCH_MAX_ITERATIONS).
 * HSM_IOC_SIGN (SIGN): RSASSA-PKCS1-v1_5 over the message in; out = the
 *   signature (at least the modulus size).  Returns its length.  Keys:
 *   "rsa-pkcs1-sha256", "rsa-pkcs1-sha384", "rsa-pkcs1-sha512", imported
 *   as a DER RSAPrivateKey (2048, 3072 or 4096 bits); KEY_GENERATE of RSA
 *   is EOPNOTSUPP.  EPERM with a key imported as an RSAPublicKey.
 * HSM_IOC_VERIFY (VERIFY): in = message, tag = signature.  Returns 0, or
 *   EBADMSG for any signature that does not verify (including one whose
 *   length is not the modulus size).  Keys may be an RSAPublicKey.
 *   SIGN and VERIFY also take the worker's keys (below).
 *
 * Asymmetric keys and the worker
 * ------------------------------
 * The kernel's crypto API cannot sign with ECDSA, Ed25519 or RSA-PSS, nor
 * generate any of their keys, and its big-number code is not constant-time.
 * Those algorithms are served by a worker: a root daemon (hsmd) attached to
 * the module, computing with OpenSSL.  The module stays the owner of every
 * key: IDs, permissions, lifetimes, slots, sealing and export rules work
 * for these keys as for any other.  For each operation the module hands
 * the worker what it needs (the key's material, the input) in the worker's
 * own region, takes the answer back, and wipes both; applications never
 * see the worker.  Algorithms (GET_ALGS flags them HSM_ALG_F_WORKER):
 *
 *   "ecdsa-p256-sha256", "ecdsa-p384-sha384"   ECDSA, FIPS 186-5
 *   "ed25519"                                  EdDSA, RFC 8032 (pure)
 *   "rsa-pss-sha256", "rsa-pss-sha384", "rsa-pss-sha512"
 *                         RSASSA-PSS, MGF1 with the same hash, salt = hash length
 *   "rsa-oaep-sha256"     RSAES-OAEP, SHA-256 and MGF1-SHA-256 (ENCRYPT, DECRYPT)
 *
 * A key's material is its PKCS#8 PrivateKeyInfo DER followed by its
 * SubjectPublicKeyInfo DER, or the SubjectPublicKeyInfo alone for a
 * public key (VERIFY only).  KEY_EXPORT of an exportable private key
 * returns the PKCS#8 part.
 * KEY_GENERATE: EC and Ed25519 keys have one size (key_len 0); RSA-PSS
 *   key_len is the modulus in bytes: 256, 384 or 512.
 * KEY_IMPORT: in = PKCS#8, SEC1 ECPrivateKey or PKCS#1 RSAPrivateKey DER,
 *   the raw big-endian EC scalar or Ed25519 seed; or, for a public key
 *   (which may only have VERIFY), SubjectPublicKeyInfo or PKCS#1
 *   RSAPublicKey DER, the raw uncompressed EC point or, with
 *   HSM_OP_F_PUBLIC, the raw Ed25519 key (HSM_OP_F_PUBLIC refuses a
 *   private key, EINVAL; other algorithms refuse the flag).  The
 *   worker checks the key (on the curve, private and public parts agree,
 *   RSA moduli of 2048, 3072 or 4096 bits); EINVAL otherwise.  key_len
 *   must be 0.
 * KEY_PUBLIC: out = the SubjectPublicKeyInfo DER, or with HSM_OP_F_RAW
 *   the raw public key (EC: 04 || x || y; Ed25519: 32 bytes; RSA: the
 *   RSAPublicKey DER).  The module answers it without the worker.
 * SIGN: in = the message, out = the signature: ECDSA DER by default,
 *   r || s (each the field's size) with HSM_OP_F_RAW.  With
 *   HSM_OP_F_PREHASHED (ECDSA, RSA-PSS) in is the message's digest,
 *   exactly the hash's length (EINVAL otherwise): PKCS#11's CKM_ECDSA and
 *   CKM_RSA_PKCS_PSS.  Returns the signature's length; EOVERFLOW when out
 *   is shorter than the longest signature the key makes.
 *   HSM_OP_F_PKCS1 ("rsa-pss-*" keys only, EINVAL for any other): the
 *   same key signs RSASSA-PKCS1-v1_5 (RFC 8017 8.2) instead of PSS, as
 *   an X.509 rsaEncryption key does for TLS 1.2 and ssh's rsa-sha2-*.
 *   in is the message, hashed with the key's hash; with
 *   HSM_OP_F_PREHASHED, that hash's digest; with HSM_OP_F_RAW, the
 *   encoded DigestInfo itself, of any hash, at most the modulus's size
 *   less 11 bytes (EINVAL beyond): PKCS#11's CKM_RSA_PKCS.  RAW and
 *   PREHASHED together are EINVAL.  An "rsa-oaep-*" key never signs,
 *   with this flag or without.
 * VERIFY: in = the message (or digest), tag = the signature, with the
 *   same flags.  Returns 0 or EBADMSG.
 * ENCRYPT ("rsa-oaep-sha256"; ENCRYPT): in = the message, at most the
 *   modulus's size less 66 bytes (EINVAL beyond), aad = the label (at most
 *   HSM_WORKER_LABEL_MAX bytes, E2BIG beyond; may be empty), out = the
 *   ciphertext, at least the modulus's size (EOVERFLOW).  No iv.  Returns
 *   the ciphertext's length.
 * DECRYPT (DECRYPT): in = the ciphertext (the modulus's size), aad = the
 *   label, out = the message: at least the longest one the key can carry
 *   (the modulus's size less 66; EOVERFLOW).  Returns its length, or
 *   EBADMSG for any ciphertext that does not decrypt, whatever the reason.
 * Limits: in at most HSM_WORKER_MSG_MAX bytes (E2BIG beyond).
 * No worker attached: EHOSTDOWN (HSM_STATUS_UNAVAILABLE), at once.  The
 *   worker gone (killed, or its process exiting) with the request in its
 *   hands or waiting for it: ECONNABORTED (also UNAVAILABLE), within
 *   HSM_WORKER_WATCH_MS.  A worker that does not answer: the request's
 *   deadline answers ETIMEDOUT; a request without one waits at most
 *   HSM_WORKER_TIMEOUT_MS.  Kernel-served algorithms never wait for it.
 *
 * HSM_IOC_WORKER_ATTACH (struct hsm_worker_attach): CAP_SYS_ADMIN (EPERM
 *   otherwise); the connection needs a region (EBADFD).  Makes this
 *   connection the module's worker, with `slots` request slots
 *   (1..HSM_WORKER_SLOTS_MAX).  EBUSY while another worker is attached.
 *   The process that attached is watched: when it exits, the worker is
 *   detached and its requests answered.  Returns 0.
 * HSM_IOC_WORKER_FETCH (struct hsm_worker_cmd; io_uring only, EOPNOTSUPP
 *   by ioctl): tag = a free slot, buf = where in the worker's region
 *   requests for that slot are written (at least HSM_WORKER_BUF_MIN
 *   bytes).  The command completes when a request arrives: cqe->res is the
 *   request's length, a struct hsm_worker_req followed by its key
 *   material, input and second input.  It completes with ECANCELED when
 *   the worker is detached.  ENOTCONN on a connection that is not the
 *   attached worker; EBUSY for a slot that already has a command in it.
 * HSM_IOC_WORKER_COMMIT (struct hsm_worker_cmd; io_uring only): the
 *   answer to slot tag's request, then a fetch on the same slot and
 *   buffer (the ublk way: one SQE per request).  result >= 0 is the length
 *   of the answer, written at the start of the slot's buffer; < 0 is the
 *   request's errno (EINVAL, EBADMSG, ...).  The module takes the answer,
 *   wipes the buffer and completes as FETCH does.  EINVAL for a slot with
 *   no request outstanding; ENOTCONN as for FETCH.
 *
 * Contexts (streaming operations).  A context binds an algorithm, an
 * operation and, except for hashes, a key, whose permission is checked
 * once, at creation; the context holds its own reference on the key, so
 * releasing the key's ID does not stop it.  Each context follows
 *
 *   CREATED --Init--> INITIALIZED --Update--> UPDATING --Final--> FINALIZED
 *      ^                                                              |
 *      +---------------------------- Reset ---------------------------+
 *
 * (Final is also allowed straight from INITIALIZED; Reset is allowed from
 * CREATED, FINALIZED and FAILED.)  Any other call is EBADFD
 * (HSM_STATUS_INVALID_STATE): Update before Init, Init twice, Reset while
 * updating.  A call refused before it changed anything (EBADFD, EINVAL,
 * EOVERFLOW, ENOSPC, EDQUOT) leaves the state as it was; a call that fails in the crypto
 * layer leaves the context FAILED until Reset.  A MAC_VERIFY Final that
 * returns EBADMSG has finalized.  Calls on one context run one at a time.
 * HSM_IOC_CTX_CREATE: params = struct hsm_ctx_params, handle = key ID
 *   (0 for HASH); resp required, resp.value = context ID.  ENOSPC beyond
 *   max_contexts, EDQUOT beyond the opener's uid_max_contexts.  EINVAL
 *   when the key's algorithm does not do the operation; EPERM when the
 *   key lacks its permission (a public RSA key cannot SIGN).
 * HSM_IOC_CTX_INIT: handle = context; iv for ENCRYPT/DECRYPT ("aes-*-cbc",
 *   "aes-*-ctr"; 16 bytes), no ref otherwise.
 * HSM_IOC_CTX_UPDATE: in (and out, of in.len bytes, for ENCRYPT/DECRYPT,
 *   which may be the same range).  Cipher updates are whole 16-byte blocks,
 *   except that one last CTR update may end with a partial block, after
 *   which only Final is allowed.  Returns in.len.
 * HSM_IOC_CTX_FINAL: HASH and MAC: out = digest or tag (at least its size),
 *   returns the size; MAC_VERIFY: tag = expected tag (HSM_MAC_MIN_TAG..
 *   the MAC size), returns 0 or EBADMSG; ENCRYPT/DECRYPT: no ref, returns 0;
 *   SEAL, OPEN, SIGN, VERIFY: as below.
 * HSM_IOC_CTX_RESET: back to CREATED, same algorithm, key and operation.
 * HSM_IOC_CTX_RELEASE: handle = context ID.
 *
 * AEAD contexts (SEAL, OPEN; "aes-*-gcm", "chacha20-poly1305"): the
 * kernel's AEAD transforms take a message whole, so Update copies its
 * input into the context (at most max_stream bytes in all, and the
 * connection's contexts at most max_conn_stream together, else ENOSPC;
 * EDQUOT past the opener's uid_max_stream) and the work happens at Final.
 * OPEN therefore never releases plaintext whose tag has not been checked.
 *   Init: iv = nonce, aad = associated data (optional; copied).
 *   Update: in only; returns in.len.
 *   Final SEAL: out = ciphertext (the total length, which it returns),
 *   tag = tag (4..16 bytes for GCM, 16 for ChaCha20-Poly1305).
 *   Final OPEN: out = plaintext, tag = tag; returns the total length, or
 *   EBADMSG, and out is then zeroed.
 * Signature contexts (SIGN, VERIFY; "rsa-pkcs1-sha*", and the worker's
 *   ECDSA and RSA-PSS keys, not Ed25519, which signs the whole message):
 *   Update hashes in, in the module; Final SIGN: out = signature (DER for
 *   ECDSA), returns its length; Final VERIFY: tag = signature, returns 0
 *   or EBADMSG.
 *
 * Errors of every key operation: ENOENT (no such key in this connection),
 * EINVAL (the key's algorithm does not do this operation, or a payload
 * has the wrong length), EPERM (the key lacks the permission).
 *
 * Status codes
 * ------------
 * Where errno is too coarse, data-plane commands also report an
 * enum hsm_status (HSM_STATUSES below: its value, its name, and the errno
 * it is usually reported with).  Several errnos may share a status:
 * EEXIST is INVALID_STATE; E2BIG, ENFILE and EDQUOT are LIMIT_EXCEEDED;
 * EFAULT is INVALID_ARGUMENT; EINTR is CANCELED; ECONNABORTED is UNAVAILABLE.  hsm_status_of() maps a
 * result to its status exactly as the module does.
 *
 * The command table
 * -----------------
 * HSM_COMMANDS at the end of this header lists every command once: its
 * name, number, argument struct and class bits (HSM_CMD_*).  The
 * HSM_IOC_* numbers, the statistics slots (hsm_cmd_index()), the names
 * (hsm_cmd_name()) and what a caller may put in a VECTOR are all derived
 * from it; nothing else lists commands.  A row's position is its
 * statistics slot, so new commands are appended.
 */
#ifndef _UAPI_LINUX_HSM_H
#define _UAPI_LINUX_HSM_H

#include <linux/errno.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define HSM_ABI_VERSION		1
#define HSM_DEVICE_PATH		"/dev/hsm"
#define HSM_IOC_MAGIC		'H'

/* Largest command struct: the inline command area of an SQE128 SQE. */
#define HSM_CMD_MAX_SIZE	80

/*
 * Data-plane commands whose payloads (the lengths of all refs) exceed
 * this run on an io-wq worker, not on io_uring's submission path.
 */
#define HSM_INLINE_MAX		4096

/* Offset to pass to mmap() for the start of the shared region. */
#define HSM_SHM_MMAP_OFFSET	0ULL

/*
 * Feature bits, reported in hsm_info.features.
 *
 * HSM_FEAT_SHM: the connection can set up and mmap a shared region
 * (HSM_IOC_SHM_SETUP); payloads of data-plane commands live in it.
 *
 * HSM_FEAT_URING_CMD: every command is accepted as IORING_OP_URING_CMD on a
 * ring created with IORING_SETUP_SQE128, with the semantics of its ioctl.
 */
#define HSM_FEAT_SHM		(1ULL << 0)
#define HSM_FEAT_URING_CMD	(1ULL << 1)

/*
 * HSM_FEAT_KEYS: keys live in the module (KEY_GENERATE, KEY_IMPORT,
 * KEY_EXPORT, KEY_RELEASE) and one-shot operations use them (DIGEST, MAC,
 * MAC_VERIFY, SEAL, OPEN, ENCRYPT, DECRYPT, RANDOM).
 */
#define HSM_FEAT_KEYS		(1ULL << 2)

/*
 * HSM_FEAT_PLATFORM: the platform's guest requests (SNP_REPORT,
 * SNP_EXT_REPORT, SNP_DERIVE_KEY and sealed slots; TDX_REPORT, TDX_QUOTE,
 * TDX_EXTEND_RTMR) are served; which ones is in hsm_info.platform_caps.
 */
#define HSM_FEAT_PLATFORM	(1ULL << 3)

/*
 * HSM_FEAT_TEST_HOOKS: the module was built for testing (HSM_TESTING=1):
 * the HSM_CMD_TEST commands (BENCH, SNP_SIM_SETUP, TDX_SIM_SETUP) and the
 * SEV-SNP and TDX simulators are present.  A production module has none.
 */
#define HSM_FEAT_TEST_HOOKS	(1ULL << 4)

/* Platform capability bits (hsm_info.platform_caps). */
#define HSM_PLAT_CAP_REPORT	(1ULL << 0)	/* SNP_REPORT */
#define HSM_PLAT_CAP_EXT_REPORT	(1ULL << 1)	/* SNP_EXT_REPORT */
#define HSM_PLAT_CAP_DERIVED_KEY (1ULL << 2)	/* SNP_DERIVE_KEY */
#define HSM_PLAT_CAP_SEAL	(1ULL << 3)	/* SLOT_SEAL, SLOT_UNSEAL */
#define HSM_PLAT_CAP_TDX_REPORT	(1ULL << 4)	/* TDX_REPORT */
#define HSM_PLAT_CAP_TDX_QUOTE	(1ULL << 5)	/* TDX_QUOTE */
#define HSM_PLAT_CAP_RTMR_EXTEND (1ULL << 6)	/* TDX_EXTEND_RTMR */

/* The platform the module runs on (hsm_info.platform). */
enum hsm_platform {
	HSM_PLATFORM_NONE	= 0,	/* no confidential-computing guest */
	HSM_PLATFORM_SEV	= 1,	/* AMD SEV or SEV-ES guest, no SNP */
	HSM_PLATFORM_SEV_SNP	= 2,	/* AMD SEV-SNP guest */
	HSM_PLATFORM_TDX	= 3,	/* Intel TDX guest */
};

/* Who answers the platform's guest requests (hsm_info.platform_backend). */
enum hsm_backend {
	HSM_BACKEND_NONE	= 0,	/* guest requests are not served */
	HSM_BACKEND_REAL	= 1,	/* the platform's firmware */
	HSM_BACKEND_SIMULATED	= 2,	/* the module's simulator: not a TEE */
};

/*
 * How one platform's requests reach its firmware (hsm_info.snp_path,
 * hsm_info.tdx_path), so that a user can tell who answers.
 */
enum hsm_platform_path {
	HSM_PATH_NONE		= 0,	/* not this platform: not served */
	HSM_PATH_OWN_VMPCK	= 1,	/* SEV-SNP: the module's own message layer */
	HSM_PATH_KERNEL		= 2,	/* the guest calls the kernel exports */
	HSM_PATH_SIMULATED	= 3,	/* the module's simulator */
	HSM_PATH_TAKEN		= 4,	/* another driver owns the device: not served */
	HSM_PATH_UNSUPPORTED	= 5,	/* this kernel exports no usable call */
};

/*
 * HSM status codes: X(NAME, value, errno it is reported with, name).
 */
#define HSM_STATUSES(X) \
	X(OK,			0,	0,		"ok") \
	X(INVALID_ARGUMENT,	1,	EINVAL,		"invalid-argument") \
	X(UNKNOWN_COMMAND,	2,	ENOTTY,		"unknown-command") \
	X(NOT_FOUND,		3,	ENOENT,		"not-found") \
	X(NOT_PERMITTED,	4,	EPERM,		"not-permitted") \
	X(INVALID_STATE,	5,	EBADFD,		"invalid-state") \
	X(TIMED_OUT,		6,	ETIMEDOUT,	"timed-out") \
	X(LIMIT_EXCEEDED,	7,	ENOSPC,		"limit-exceeded") \
	X(UNSUPPORTED,		8,	EOPNOTSUPP,	"unsupported") \
	X(AUTH_FAILED,		9,	EBADMSG,	"auth-failed") \
	X(BUFFER_TOO_SMALL,	10,	EOVERFLOW,	"buffer-too-small") \
	X(OUT_OF_MEMORY,	11,	ENOMEM,		"out-of-memory") \
	X(CANCELED,		12,	ECANCELED,	"canceled") \
	X(INTERNAL,		13,	EIO,		"internal") \
	X(BUSY,			14,	EBUSY,		"busy") \
	X(UNAVAILABLE,		15,	EHOSTDOWN,	"unavailable")

#define HSM_STATUS_ENUM_(name, value, err, str)	HSM_STATUS_##name = value,
enum hsm_status {
	HSM_STATUSES(HSM_STATUS_ENUM_)
};
#undef HSM_STATUS_ENUM_


/* Length of hsm_info.module_version, including the terminating NUL. */
#define HSM_VERSION_LEN		32

/*
 * struct hsm_info - what HSM_IOC_GET_INFO reports.
 *
 * @size:		bytes of this struct the module knows and wrote
 * @abi_version:	HSM_ABI_VERSION of the module
 * @features:		HSM_FEAT_* bits
 * @module_version:	the module's version string, NUL-terminated
 * @platform:		enum hsm_platform
 * @platform_backend:	enum hsm_backend
 * @platform_caps:	HSM_PLAT_CAP_* bits
 * @page_size:		granularity of the shared region
 * @max_connections:	the max_connections module parameter
 * @max_region_size:	the max_region_size module parameter, in bytes
 * @connections:	connections open now, module-wide
 * @max_region_total:	the max_region_total module parameter: bytes of shared
 *			regions all connections together may hold
 * @region_total:	bytes of shared regions allocated now, module-wide
 * @max_keys:		the max_keys module parameter: keys per connection
 * @max_contexts:	the max_contexts module parameter: contexts per connection
 * @default_timeout_ms: the default_timeout_ms module parameter (0: none)
 * @max_slots:		the max_slots module parameter: slots module-wide
 * @max_inflight:	the max_inflight module parameter: commands one
 *			connection may have running or waiting at once
 * @max_stream:		the max_stream module parameter: bytes an AEAD context
 *			may hold between Init and Final
 * @slot_group:		the slot_group module parameter: the group whose
 *			members share HSM_SLOT_F_GROUP slots (-1: none)
 * @conn_flags:		HSM_CONN_F_* bits: the rights of this connection,
 *			taken from its opener at open()
 * @uid_max_connections: connections one user may have open (see "Per-user
 *			shares"); 0 from modules without shares
 * @uid_max_slots:	slots one user may store
 * @uid_max_region_total: bytes of shared regions one user may hold
 * @uid_max_keys:	keys one user's connections may hold together
 * @uid_max_contexts:	contexts one user's connections may hold together
 * @uid_max_stream:	bytes one user's AEAD contexts may hold together
 * @max_conn_stream:	bytes one connection's AEAD contexts may hold together
 * @snp_backend:	enum hsm_backend of the SEV-SNP requests
 * @snp_path:		enum hsm_platform_path of the SEV-SNP requests
 * @tdx_backend:	enum hsm_backend of the TDX requests
 * @tdx_path:		enum hsm_platform_path of the TDX requests
 * @worker_slots:	the attached worker's request slots; 0: no worker
 * @worker_pid:		its process ID, as the caller's namespace sees it
 *			(0 when it has none there)
 * @reserved:		zero
 */
/*
 * hsm_info.conn_flags: what this connection may do beyond the rest.  A
 * connection acts for the task that opened it, with the rights that task
 * had then: a descriptor passed on or inherited keeps its opener's rights
 * and slot namespace, whoever uses it.
 */
#define HSM_CONN_F_ADMIN	(1U << 0)	/* CAP_SYS_ADMIN at open() */
#define HSM_CONN_F_PLATFORM	(1U << 1)	/* raw platform requests */
#define HSM_CONN_F_SLOT_GROUP	(1U << 2)	/* in slot_group: group slots */

struct hsm_info {
	__u32	size;
	__u32	abi_version;
	__u64	features;
	char	module_version[HSM_VERSION_LEN];
	__u32	platform;
	__u32	platform_backend;
	__u64	platform_caps;
	__u32	page_size;
	__u32	max_connections;
	__u64	max_region_size;
	__u32	connections;
	__u32	reserved0;
	__u64	max_region_total;
	__u64	region_total;
	__u32	max_keys;
	__u32	max_contexts;
	__u32	default_timeout_ms;
	__u32	max_slots;
	__u32	max_inflight;
	__u32	max_stream;
	__u32	slot_group;
	__u32	conn_flags;
	__u32	uid_max_connections;
	__u32	uid_max_slots;
	__u64	uid_max_region_total;
	__u32	uid_max_keys;
	__u32	uid_max_contexts;
	__u64	uid_max_stream;
	__u64	max_conn_stream;
	__u32	snp_backend;
	__u32	snp_path;
	__u32	tdx_backend;
	__u32	tdx_path;
	__u32	worker_slots;
	__u32	worker_pid;
	__u64	reserved[4];
};

/* The prefix every module writes: size, abi_version and features. */
#define HSM_INFO_SIZE_VER0	16
/* The largest info_size a caller may pass. */
#define HSM_INFO_SIZE_MAX	4096

/*
 * struct hsm_get_info - argument of HSM_IOC_GET_INFO.
 *
 * @info_ptr:	user address of a struct hsm_info (or a prefix of it)
 * @info_size:	bytes at info_ptr, at least HSM_INFO_SIZE_VER0
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct hsm_get_info {
	__u64	info_ptr;
	__u32	info_size;
	__u32	flags;
	__u64	reserved[2];
};

/*
 * struct hsm_shm_setup - argument of HSM_IOC_SHM_SETUP.
 *
 * @size:	bytes of the region: a non-zero multiple of the page size, at
 *		most max_region_size
 * @flags:	must be 0
 * @reserved0:	must be 0
 * @reserved:	must be 0
 */
struct hsm_shm_setup {
	__u64	size;
	__u32	flags;
	__u32	reserved0;
	__u64	reserved[2];
};

/* A byte range of the connection's shared region. */
struct hsm_ref {
	__u32	off;
	__u32	len;
};

/* hsm_op.timeout_ms and hsm_conn_config.timeout_ms: no deadline. */
#define HSM_TIMEOUT_NONE	0xffffffffU

/* hsm_op.resp_off when no completion record is wanted. */
#define HSM_RESP_NONE		0xffffffffU

/*
 * struct hsm_op - argument of every data-plane command.
 *
 * @handle:	key ID, or 0 where the command takes none
 * @flags:	HSM_OP_F_* bits the command allows; others are EINVAL
 * @resp_off:	region offset of a struct hsm_resp, or HSM_RESP_NONE
 * @timeout_ms:	deadline in ms, counted from submit_ns (see Deadlines):
 *		0 for the connection's default, HSM_TIMEOUT_NONE for none
 * @reserved0:	must be 0
 * @params:	command parameters (struct hsm_key_params, algorithm name)
 * @in, @out, @iv, @aad, @tag: payloads, as each command says
 * @submit_ns:	CLOCK_MONOTONIC time in ns at which the caller submitted the
 *		command, or 0 for "when the module receives it"
 */
struct hsm_op {
	__u64		handle;
	__u32		flags;
	__u32		resp_off;
	__u32		timeout_ms;
	__u32		reserved0;
	struct hsm_ref	params;
	struct hsm_ref	in;
	struct hsm_ref	out;
	struct hsm_ref	iv;
	struct hsm_ref	aad;
	struct hsm_ref	tag;
	__u64		submit_ns;
};

/* HSM_IOC_MAC: out may be shorter than the MAC; the tag is truncated. */
#define HSM_OP_F_TRUNCATE	(1U << 0)

/* HSM_IOC_KEY_LIST: every connection's keys, not only the caller's. */
#define HSM_OP_F_ALL_CONNECTIONS	(1U << 1)

/* SIGN, VERIFY: ECDSA r || s; KEY_PUBLIC: the raw public key, not SPKI. */
#define HSM_OP_F_RAW		(1U << 2)

/* SIGN, VERIFY (ECDSA, RSA-PSS): in is the message's digest. */
#define HSM_OP_F_PREHASHED	(1U << 3)

/* KEY_IMPORT of a worker key: in is a public key (32 raw bytes are an
 * Ed25519 seed without it). */
#define HSM_OP_F_PUBLIC		(1U << 4)

/* SIGN, VERIFY with an "rsa-pss-*" key: RSASSA-PKCS1-v1_5, not PSS. */
#define HSM_OP_F_PKCS1		(1U << 5)

/* The shortest tag MAC_VERIFY accepts. */
#define HSM_MAC_MIN_TAG		8

/*
 * Input limits, where each byte costs the module memory it allocates or
 * work it repeats: E2BIG (HSM_STATUS_LIMIT_EXCEEDED) beyond them.
 * HSM_AAD_MAX bounds the associated data of SEAL, OPEN, AEAD contexts,
 * KEY_WRAP and KEY_UNWRAP; HSM_KDF_INPUT_MAX bounds KEY_DERIVE's salt (iv)
 * and info (aad), which every output block hashes again.
 */
#define HSM_AAD_MAX		65536
#define HSM_KDF_INPUT_MAX	16384

/*
 * struct hsm_resp - completion record written into the region.
 *
 * @result:	what cqe->res or ioctl() return: >= 0, or a negative errno
 * @status:	enum hsm_status
 * @value:	the ID of a created key; 0 otherwise
 * @reserved:	written as 0
 */
struct hsm_resp {
	__s32	result;
	__u32	status;
	__u64	value;
	__u64	reserved[2];
};

#define HSM_ALG_NAME_LEN	64

/* What a context does (hsm_ctx_params.op). */
enum hsm_ctx_op {
	HSM_CTX_HASH		= 1,	/* no key */
	HSM_CTX_MAC		= 2,	/* key needs SIGN */
	HSM_CTX_MAC_VERIFY	= 3,	/* key needs VERIFY */
	HSM_CTX_ENCRYPT		= 4,	/* key needs ENCRYPT */
	HSM_CTX_DECRYPT		= 5,	/* key needs DECRYPT */
	HSM_CTX_SEAL		= 6,	/* AEAD encrypt: key needs ENCRYPT */
	HSM_CTX_OPEN		= 7,	/* AEAD decrypt: key needs DECRYPT */
	HSM_CTX_SIGN		= 8,	/* signature: key needs SIGN */
	HSM_CTX_VERIFY		= 9,	/* signature check: key needs VERIFY */
};

/*
 * struct hsm_ctx_params - what CTX_CREATE makes; read through
 * hsm_op.params, whose len must be its size.
 *
 * @alg:	algorithm name, NUL-padded (the key's, for keyed contexts)
 * @op:		enum hsm_ctx_op
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct hsm_ctx_params {
	char	alg[HSM_ALG_NAME_LEN];
	__u32	op;
	__u32	flags;
	__u64	reserved[4];
};

/*
 * Key permission bits (hsm_key_params.perms) and the rules on them.  A
 * key's permissions and flags are fixed when it is made and checked by
 * every path that makes one (generate, import, derive, agree, unwrap,
 * slot open and unseal, SNP derive); what breaks a rule is EINVAL, except
 * where said:
 *
 *  - a permission the algorithm cannot use (GET_ALGS lists the ones it can);
 *  - WRAP or UNWRAP together with ENCRYPT or DECRYPT: a wrapping key only
 *    wraps, or UNWRAP of any ciphertext would be DECRYPT (PKCS#11 leaves
 *    this to templates; here it is the rule);
 *  - DERIVE together with SIGN or VERIFY on an HMAC key: SP 800-108 over
 *    an HMAC key outputs its tags;
 *  - HSM_KEY_F_EXPORTABLE on a key derived, agreed or unwrapped from a key
 *    that is not exportable (EPERM): what comes from a sensitive key stays
 *    sensitive, as CKA_SENSITIVE and CKA_EXTRACTABLE carry over in PKCS#11.
 *
 * HSM_KEY_F_EXPORTABLE is PKCS#11's CKA_EXTRACTABLE and its absence
 * CKA_SENSITIVE; neither can change after the key is made, so a key made
 * non-exportable is CKA_NEVER_EXTRACTABLE for its whole life.
 */
#define HSM_PERM_ENCRYPT	(1ULL << 0)
#define HSM_PERM_DECRYPT	(1ULL << 1)
#define HSM_PERM_SIGN		(1ULL << 2)	/* MAC generation */
#define HSM_PERM_VERIFY		(1ULL << 3)	/* MAC verification */
#define HSM_PERM_DERIVE		(1ULL << 4)
#define HSM_PERM_AGREE		(1ULL << 5)
#define HSM_PERM_WRAP		(1ULL << 6)
#define HSM_PERM_UNWRAP		(1ULL << 7)
#define HSM_PERM_EXPORT		(1ULL << 8)
#define HSM_PERM_ALL		((1ULL << 9) - 1)

/*
 * Key flags (hsm_key_params.flags).  HSM_KEY_F_LOCAL is the module's to
 * set, never a caller's (EINVAL): the key was made by KEY_GENERATE, or is
 * a slot's or sealed copy of such a key (PKCS#11's CKA_LOCAL).  Without
 * HSM_KEY_F_EXPORTABLE it says the key never existed outside the module
 * (CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE); KEY_ATTEST states it.
 */
#define HSM_KEY_F_EXPORTABLE	(1U << 0)	/* KEY_EXPORT may return it */
#define HSM_KEY_F_ALL		HSM_KEY_F_EXPORTABLE
#define HSM_KEY_F_LOCAL		(1U << 8)	/* generated by the module */

/*
 * struct hsm_key_params - what KEY_GENERATE and KEY_IMPORT create; read
 * from the region through hsm_op.params, whose len must be its size.
 *
 * @alg:	algorithm name, NUL-padded
 * @perms:	HSM_PERM_* bits; bits the algorithm cannot use are EINVAL
 * @flags:	HSM_KEY_F_* bits
 * @key_len:	bytes, for algorithms of variable key size (HMAC); else 0
 * @reserved:	must be 0
 */
struct hsm_key_params {
	char	alg[HSM_ALG_NAME_LEN];
	__u64	perms;
	__u32	flags;
	__u32	key_len;
	__u64	reserved[4];
};

/*
 * struct hsm_key_attest_params - KEY_ATTEST; read through hsm_op.params.
 *
 * @nonce:	the relying party's challenge, copied into the statement
 * @platform:	whose evidence: HSM_PLATFORM_SEV_SNP, HSM_PLATFORM_TDX, or
 *		0 for the first of them the module reports on (SEV-SNP, then
 *		TDX; GET_INFO's platform_caps say which)
 * @vmpl:	SEV-SNP: the VMPL the report is for, as SNP_REPORT; TDX: 0
 * @reserved:	must be 0
 */
#define HSM_KEY_NONCE_LEN	64
struct hsm_key_attest_params {
	__u8	nonce[HSM_KEY_NONCE_LEN];
	__u32	platform;
	__u32	vmpl;
	__u64	reserved[2];
};

/*
 * struct hsm_key_statement - what KEY_ATTEST vouches for, as it writes it
 * to out, little-endian, followed by spki_len bytes: the key's
 * SubjectPublicKeyInfo (DER).  The evidence's report data is SHA-512 of
 * these sizeof(struct hsm_key_statement) + spki_len bytes.  A relying
 * party checks that digest, its nonce, and what the key must be: most
 * often flags with HSM_KEY_F_LOCAL and without HSM_KEY_F_EXPORTABLE (made
 * in the module, and its private key never leaves it).
 *
 * @magic:	HSM_KEY_STATEMENT_MAGIC, NUL-padded
 * @uid:	the caller's uid (in the initial user namespace)
 * @platform:	enum hsm_platform of the evidence
 * @alg:	the key's algorithm name, NUL-padded
 * @perms:	its HSM_PERM_* bits
 * @flags:	its HSM_KEY_F_* bits
 * @spki_len:	bytes of SubjectPublicKeyInfo that follow
 * @nonce:	hsm_key_attest_params.nonce
 */
#define HSM_KEY_STATEMENT_MAGIC	"hsm key statement v1"
#define HSM_KEY_STATEMENT_MAX	(sizeof(struct hsm_key_statement) + HSM_WORKER_KEY_MAX)
struct hsm_key_statement {
	char	magic[24];
	__le32	uid;
	__le32	platform;
	char	alg[HSM_ALG_NAME_LEN];
	__le64	perms;
	__le32	flags;
	__le32	spki_len;
	__u8	nonce[HSM_KEY_NONCE_LEN];
};

/* Counter slots: one per command (hsm_cmd_index()), one per status. */
#define HSM_STATS_CMDS		64
#define HSM_STATS_STATUSES	16

/*
 * struct hsm_stats - what HSM_IOC_GET_STATS reports.
 *
 * @size:	bytes of this struct the module knows and wrote
 * @flags:	the flags of the request
 * @requests:	commands answered, by the command's hsm_cmd_index()
 * @errors:	commands that failed, by enum hsm_status
 * @bytes_in:	payload bytes read by successful commands
 * @bytes_out:	payload bytes written by successful commands
 * @inflight:	commands running now
 * @connections: open connections (1 for a connection's own stats)
 * @keys:	keys alive (still referenced by a table or an operation);
 *		for a connection, the keys in its table
 * @contexts:	contexts alive, likewise
 * @reserved:	zero
 */
struct hsm_stats {
	__u32	size;
	__u32	flags;
	__u64	requests[HSM_STATS_CMDS];
	__u64	errors[HSM_STATS_STATUSES];
	__u64	bytes_in;
	__u64	bytes_out;
	__u64	inflight;
	__u64	connections;
	__u64	keys;
	__u64	contexts;
	__u64	reserved[10];
};

#define HSM_STATS_SIZE_VER0	8

/* GET_STATS: this connection's counters instead of the module's. */
#define HSM_STATS_F_CONNECTION	(1U << 0)

/*
 * struct hsm_get_stats - argument of HSM_IOC_GET_STATS.
 *
 * @stats_ptr:	user address of a struct hsm_stats (or a prefix of it)
 * @stats_size:	bytes at stats_ptr
 * @flags:	HSM_STATS_F_* bits
 * @reserved:	must be 0
 */
struct hsm_get_stats {
	__u64	stats_ptr;
	__u32	stats_size;
	__u32	flags;
	__u64	reserved[2];
};

/*
 * struct hsm_conn_config - argument of HSM_IOC_CONN_CONFIG.
 *
 * @timeout_ms:	default deadline of the connection's data-plane commands
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct hsm_conn_config {
	__u32	timeout_ms;
	__u32	flags;
	__u64	reserved[3];
};

/*
 * struct hsm_wrap_params - what KEY_WRAP wraps; read through hsm_op.params.
 *
 * @key:	ID of the key to wrap
 * @reserved:	must be 0
 */
struct hsm_wrap_params {
	__u64	key;
	__u64	reserved[3];
};

/* Algorithm kinds (hsm_alg_info.kind). */
enum hsm_alg_kind {
	HSM_ALG_KIND_HASH	= 1,
	HSM_ALG_KIND_MAC	= 2,
	HSM_ALG_KIND_AEAD	= 3,
	HSM_ALG_KIND_CIPHER	= 4,
	HSM_ALG_KIND_SECRET	= 5,
	HSM_ALG_KIND_KDF	= 6,
	HSM_ALG_KIND_AGREE	= 7,
	HSM_ALG_KIND_SIGN	= 8,
	HSM_ALG_KIND_WRAP	= 9,	/* key wrapping only */
};

/* hsm_alg_info.flags */
#define HSM_ALG_F_SUPPORTED	(1U << 0)	/* the module serves it here */
#define HSM_ALG_F_WORKER	(1U << 1)	/* served by the attached worker */

/*
 * struct hsm_alg_info - one algorithm, as GET_ALGS reports it.
 *
 * @name:	the ABI name, NUL-padded
 * @kind:	enum hsm_alg_kind
 * @flags:	HSM_ALG_F_* bits
 * @perms:	the HSM_PERM_* bits a key of it may carry
 * @key_min, @key_max: key sizes in bytes (0: takes no key)
 * @out_len:	digest, MAC or shared-secret size; 0 where it varies
 * @iv_len:	nonce or IV size; 0 for none
 * @reserved:	zero
 */
struct hsm_alg_info {
	char	name[HSM_ALG_NAME_LEN];
	__u32	kind;
	__u32	flags;
	__u64	perms;
	__u16	key_min;
	__u16	key_max;
	__u16	out_len;
	__u16	iv_len;
	__u64	reserved[2];
};

/*
 * struct hsm_get_algs - argument of HSM_IOC_GET_ALGS.
 *
 * @algs_ptr:	user address of `count` struct hsm_alg_info
 * @count:	entries at algs_ptr
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct hsm_get_algs {
	__u64	algs_ptr;
	__u32	count;
	__u32	flags;
	__u64	reserved[2];
};

/* The slot belongs to the slot_group module parameter's group. */
#define HSM_SLOT_F_GROUP	(1U << 0)

/*
 * struct hsm_slot_params - a slot name; read through hsm_op.params.
 *
 * @name:	the slot's name, NUL-padded, 1..63 characters
 * @flags:	HSM_SLOT_F_* bits: which namespace the name is in
 * @reserved:	must be 0
 */
struct hsm_slot_params {
	char	name[HSM_ALG_NAME_LEN];
	__u32	flags;
	__u32	reserved0;
	__u64	reserved[2];
};

/*
 * struct hsm_slot_info - one slot, as SLOT_LIST reports it (never material).
 *
 * @name:	the slot's name
 * @alg:	its key's algorithm
 * @perms:	its key's HSM_PERM_* bits
 * @flags:	its key's HSM_KEY_F_* bits
 * @key_len:	its key's length in bytes
 * @slot_flags:	HSM_SLOT_F_* bits: HSM_SLOT_F_GROUP for a group slot
 * @storer:	the uid that stored (or unsealed) it, the only one besides
 *		CAP_SYS_ADMIN who may delete a group slot
 * @reserved:	zero
 */
struct hsm_slot_info {
	char	name[HSM_ALG_NAME_LEN];
	char	alg[HSM_ALG_NAME_LEN];
	__u64	perms;
	__u32	flags;
	__u32	key_len;
	__u32	slot_flags;
	__u32	storer;
	__u64	reserved[1];
};

/*
 * struct hsm_key_info - one key, as KEY_LIST and KEY_INFO report it (never
 * material).
 *
 * @connection:	the connection holding it (the number in the module's logs)
 * @id:		its ID, for the caller's own keys; 0 for another connection's
 * @alg:	its algorithm
 * @perms:	its HSM_PERM_* bits
 * @flags:	its HSM_KEY_F_* bits
 * @key_len:	its length in bytes (RSA: of the DER key)
 * @users:	operations and contexts holding it besides the table
 * @reserved0:	zero
 * @reserved:	zero
 */
struct hsm_key_info {
	__u64	connection;
	__u64	id;
	char	alg[HSM_ALG_NAME_LEN];
	__u64	perms;
	__u32	flags;
	__u32	key_len;
	__u32	users;
	__u32	reserved0;
	__u64	reserved[2];
};

#define HSM_VECTOR_MAX		256

/*
 * struct hsm_vec_entry - one command of HSM_IOC_VECTOR.
 *
 * @cmd:	the command number (HSM_IOC_SEAL, HSM_IOC_MAC, ...)
 * @reserved0:	must be 0
 * @op:		its argument; op.resp_off is required
 */
struct hsm_vec_entry {
	__u32		cmd;
	__u32		reserved0;
	struct hsm_op	op;
};

#define HSM_BENCH_MAX_ITERATIONS	1000000

/*
 * struct hsm_bench_params - what HSM_IOC_BENCH runs; read through
 * hsm_op.params.
 *
 * @alg:	DIGEST: the hash's name; else all zero
 * @cmd:	HSM_IOC_DIGEST, HSM_IOC_MAC or HSM_IOC_SEAL
 * @iterations:	1..HSM_BENCH_MAX_ITERATIONS
 * @reserved:	must be 0
 */
struct hsm_bench_params {
	char	alg[HSM_ALG_NAME_LEN];
	__u32	cmd;
	__u32	iterations;
	__u64	reserved[2];
};

/*
 * struct hsm_selftest - argument of HSM_IOC_SELFTEST.
 *
 * @flags:	must be 0
 * @reserved0:	must be 0
 * @reserved:	must be 0
 */
struct hsm_selftest {
	__u32	flags;
	__u32	reserved0;
	__u64	reserved[3];
};

/* AMD SEV-SNP sizes. */
#define HSM_SNP_REPORT_SIZE	0x4a0	/* an attestation report */
#define HSM_SNP_REPORT_DATA	64	/* caller data in a report */
#define HSM_SNP_DERIVED_KEY	32	/* a derived key */
#define HSM_SNP_CERTS_MAX	0x4000	/* the largest certificate table */

/*
 * struct hsm_snp_report_params - SNP_REPORT and SNP_EXT_REPORT; read
 * through hsm_op.params, whose len must be its size.
 *
 * @report_data:	64 bytes the report carries (REPORT_DATA)
 * @vmpl:		the VMPL the report states, 0..3, not below the
 *			VMPCK's (vmpck_id module parameter)
 * @flags:		HSM_SNP_REPORT_F_* bits
 * @reserved:		must be 0
 */
struct hsm_snp_report_params {
	__u8	report_data[HSM_SNP_REPORT_DATA];
	__u32	vmpl;
	__u32	flags;
	__u64	reserved[3];
};

/* hsm_snp_report_params.flags: REPORT_DATA as given (platform rights). */
#define HSM_SNP_REPORT_F_RAW	(1U << 0)
#define HSM_SNP_REPORT_F_ALL	HSM_SNP_REPORT_F_RAW

/* hsm_snp_key_params.flags: the derived key may be created exportable. */
#define HSM_SNP_KEY_F_ALLOW_EXPORT	(1U << 0)
/* The PSP's key itself, not bound to the caller (platform rights). */
#define HSM_SNP_KEY_F_RAW		(1U << 1)
#define HSM_SNP_KEY_F_ALL		(HSM_SNP_KEY_F_ALLOW_EXPORT | \
					 HSM_SNP_KEY_F_RAW)
/* The longest purpose label of a bound derived key. */
#define HSM_SNP_LABEL_MAX		64

/* hsm_snp_key_params.guest_field_select bits (AMD SNP ABI, MSG_KEY_REQ). */
#define HSM_SNP_GFS_POLICY	(1ULL << 0)
#define HSM_SNP_GFS_IMAGE_ID	(1ULL << 1)
#define HSM_SNP_GFS_FAMILY_ID	(1ULL << 2)
#define HSM_SNP_GFS_MEASUREMENT	(1ULL << 3)
#define HSM_SNP_GFS_GUEST_SVN	(1ULL << 4)
#define HSM_SNP_GFS_TCB_VERSION	(1ULL << 5)
#define HSM_SNP_GFS_ALL		((1ULL << 6) - 1)

/*
 * struct hsm_snp_key_params - SNP_DERIVE_KEY; read through hsm_op.params.
 *
 * @root_key_select:	0: the VCEK, 1: the VM root key (VMRK)
 * @vmpl:		VMPL mixed into the key, 0..3, not below the VMPCK's
 * @guest_field_select:	HSM_SNP_GFS_* bits: what of the guest is mixed in
 * @guest_svn:		at most the guest's SVN
 * @flags:		HSM_SNP_KEY_F_* bits
 * @tcb_version:	at most the current TCB (0: none)
 * @reserved:		must be 0
 * @key:		the key to create (alg, perms, flags, key_len)
 */
struct hsm_snp_key_params {
	__u32	root_key_select;
	__u32	vmpl;
	__u64	guest_field_select;
	__u32	guest_svn;
	__u32	flags;
	__u64	tcb_version;
	__u64	reserved[3];
	struct hsm_key_params key;
};

/* hsm_snp_sim_params.flags */
#define HSM_SNP_SIM_F_VCEK	(1U << 0)	/* vcek_priv is set */
/* The simulated host alters the next response (tests the VMPCK wipe). */
#define HSM_SNP_SIM_F_CORRUPT_NEXT (1U << 1)
/* New VMPCKs and sequence numbers, as at a new launch of the VM. */
#define HSM_SNP_SIM_F_RELAUNCH	(1U << 2)
/* The simulated host answers the next request "busy" once. */
#define HSM_SNP_SIM_F_BUSY_NEXT	(1U << 3)
#define HSM_SNP_SIM_F_ALL	((1U << 4) - 1)

/*
 * struct hsm_snp_sim_params - SNP_SIM_SETUP; read through hsm_op.params.
 *
 * @measurement, @host_data, @chip_id, @family_id, @image_id, @policy,
 * @guest_svn: the report's fields of the same names
 * @tcb:		CURRENT, REPORTED, COMMITTED and LAUNCH TCB
 * @report_version:	2, 3 or 5 (0: 3)
 * @flags:		HSM_SNP_SIM_F_* bits
 * @vcek_priv:		the VCEK's private scalar (HSM_SNP_SIM_F_VCEK)
 * @reserved:		must be 0
 */
struct hsm_snp_sim_params {
	__u8	measurement[48];
	__u8	host_data[32];
	__u8	chip_id[64];
	__u8	family_id[16];
	__u8	image_id[16];
	__u64	policy;
	__u64	tcb;
	__u32	guest_svn;
	__u32	report_version;
	__u32	flags;
	__u32	reserved0;
	__u8	vcek_priv[48];
	__u64	reserved[4];
};

/* Intel TDX sizes. */
#define HSM_TDX_REPORT_SIZE	1024	/* a TDREPORT */
#define HSM_TDX_REPORT_DATA	64	/* caller data in a TDREPORT */
#define HSM_TDX_QUOTE_MAX	0x8000	/* the longest quote served */
#define HSM_TDX_CERTS_MAX	0x2000	/* the longest simulated PCK chain */
#define HSM_TDX_QUOTE_TIMEOUT_MS 30000	/* the quoting service's time */

/* hsm_tdx_report_params.flags: REPORTDATA as given (platform rights). */
#define HSM_TDX_REPORT_F_RAW	(1U << 0)
#define HSM_TDX_REPORT_F_ALL	HSM_TDX_REPORT_F_RAW

/*
 * struct hsm_tdx_report_params - TDX_REPORT; read through hsm_op.params.
 *
 * @report_data:	64 bytes the TDREPORT carries (REPORTDATA)
 * @flags:		HSM_TDX_REPORT_F_* bits
 * @reserved0, @reserved: must be 0
 */
struct hsm_tdx_report_params {
	__u8	report_data[HSM_TDX_REPORT_DATA];
	__u32	flags;
	__u32	reserved0;
	__u64	reserved[3];
};

/*
 * struct hsm_tdx_quote_params - TDX_QUOTE; read through hsm_op.params.
 *
 * @report_data:	as for TDX_REPORT
 * @flags:		HSM_TDX_REPORT_F_* bits
 * @version:		the quote version: 0 (the service's own), 4 or 5;
 *			only the simulated service makes a chosen one
 *			(EOPNOTSUPP from the real one)
 * @reserved:		must be 0
 */
struct hsm_tdx_quote_params {
	__u8	report_data[HSM_TDX_REPORT_DATA];
	__u32	flags;
	__u32	version;
	__u64	reserved[3];
};

/*
 * struct hsm_tdx_rtmr_params - TDX_EXTEND_RTMR; read through hsm_op.params.
 *
 * @index:	the RTMR, 0..3
 * @flags:	must be 0
 * @data:	the 48 bytes extended into it
 * @reserved:	must be 0
 */
struct hsm_tdx_rtmr_params {
	__u32	index;
	__u32	flags;
	__u8	data[48];
	__u64	reserved[2];
};

/* hsm_tdx_sim_params.flags */
#define HSM_TDX_SIM_F_PCK		(1U << 0)	/* pck_priv is set */
/* The simulated quoting service fails the next quote. */
#define HSM_TDX_SIM_F_QGS_ERROR_NEXT	(1U << 1)
/* The next quote's TDREPORT carries a MAC the quoting enclave refuses. */
#define HSM_TDX_SIM_F_CORRUPT_MAC_NEXT	(1U << 2)
#define HSM_TDX_SIM_F_ALL		((1U << 3) - 1)

/*
 * struct hsm_tdx_sim_params - TDX_SIM_SETUP; read through hsm_op.params.
 *
 * @td_attributes, @xfam, @mrtd, @mrconfigid, @mrowner, @mrownerconfig,
 * @rtmr: the TDINFO fields of the same names
 * @tee_tcb_svn, @mrseam, @mrsignerseam, @seam_attributes, @tee_tcb_svn2:
 * the TEE_TCB_INFO fields
 * @cpusvn:		REPORTMACSTRUCT's CPUSVN
 * @report_version:	0: TDX 1.0, 1: TDX 1.5 (TEE_TCB_SVN2, v5 body type 3)
 * @flags:		HSM_TDX_SIM_F_* bits
 * @qe_mrenclave, @qe_mrsigner, @qe_attributes, @qe_miscselect,
 * @qe_isvprodid, @qe_isvsvn: the quoting enclave's SGX report
 * @qe_svn, @pce_svn:	the quote header's
 * @user_data:		the quote header's user data (the QE ID first)
 * @pck_priv:		the PCK's private scalar (HSM_TDX_SIM_F_PCK)
 * @reserved:		must be 0
 */
struct hsm_tdx_sim_params {
	__u64	td_attributes;
	__u64	xfam;
	__u8	mrtd[48];
	__u8	mrconfigid[48];
	__u8	mrowner[48];
	__u8	mrownerconfig[48];
	__u8	rtmr[4][48];
	__u8	tee_tcb_svn[16];
	__u8	mrseam[48];
	__u8	mrsignerseam[48];
	__u64	seam_attributes;
	__u8	tee_tcb_svn2[16];
	__u8	cpusvn[16];
	__u32	report_version;
	__u32	flags;
	__u8	qe_mrenclave[32];
	__u8	qe_mrsigner[32];
	__u8	qe_attributes[16];
	__u32	qe_miscselect;
	__u16	qe_isvprodid;
	__u16	qe_isvsvn;
	__u16	qe_svn;
	__u16	pce_svn;
	__u8	user_data[20];
	__u8	pck_priv[32];
	__u64	reserved[4];
};

/*
 * Command classes (the last column of HSM_COMMANDS).
 *
 * HSM_CMD_OP: takes struct hsm_op: payloads in the region, an optional
 * completion record.  The others take their own struct.
 * HSM_CMD_SLEEPS: may sleep or run long; io_uring issues it from an io-wq
 * worker, never on the submission path.
 * HSM_CMD_CTX: a call on a context (handle = context ID): it waits its turn
 * on that context, and expiring before it runs fails the context.
 * HSM_CMD_VECTOR: may be an entry of HSM_IOC_VECTOR.
 * HSM_CMD_INFLIGHT: counts against max_inflight while it runs.
 * HSM_CMD_REGION: reads or writes the shared region, so it needs one.
 * HSM_CMD_NEW_ID: answers a new key or context ID in resp.value; a
 * completion record is required.
 * HSM_CMD_VALUE: answers a length the caller needs in resp.value (even
 * when it fails with EOVERFLOW); a completion record is required.
 * HSM_CMD_PRIV: only for CAP_SYS_ADMIN at open(), EPERM for others.
 * HSM_CMD_TEST: a test hook, present only in modules built for testing
 * (HSM_FEAT_TEST_HOOKS); elsewhere ENOTTY.
 */
#define HSM_CMD_OP		(1U << 0)
#define HSM_CMD_SLEEPS		(1U << 1)
#define HSM_CMD_CTX		(1U << 2)
#define HSM_CMD_VECTOR		(1U << 3)
#define HSM_CMD_INFLIGHT	(1U << 4)
#define HSM_CMD_REGION		(1U << 5)
#define HSM_CMD_NEW_ID		(1U << 6)
#define HSM_CMD_PRIV		(1U << 7)
#define HSM_CMD_TEST		(1U << 8)
#define HSM_CMD_VALUE		(1U << 9)

/* Shorthands: a data-plane command, and one that may sleep. */
#define HSM_CMD_DATA	(HSM_CMD_OP | HSM_CMD_VECTOR | HSM_CMD_INFLIGHT)
#define HSM_CMD_SLOW	(HSM_CMD_DATA | HSM_CMD_SLEEPS)

/*
 * Every command: X(NAME, number, argument struct, class).  HSM_IOC_<NAME>
 * is _IOW(HSM_IOC_MAGIC, number, struct <argument>).  Append new rows.
 */
#define HSM_COMMANDS(X) \
	X(GET_INFO,	  0x00, hsm_get_info,	 0) \
	X(SHM_SETUP,	  0x01, hsm_shm_setup,	 HSM_CMD_SLEEPS) \
	X(GET_STATS,	  0x02, hsm_get_stats,	 0) \
	X(CONN_CONFIG,	  0x03, hsm_conn_config, 0) \
	X(GET_ALGS,	  0x04, hsm_get_algs,	 0) \
	X(SELFTEST,	  0x05, hsm_selftest,	 HSM_CMD_SLEEPS) \
	X(KEY_GENERATE,	  0x10, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(KEY_IMPORT,	  0x11, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(KEY_EXPORT,	  0x12, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(KEY_RELEASE,	  0x13, hsm_op, HSM_CMD_DATA) \
	X(KEY_DERIVE,	  0x14, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(KEY_PUBLIC,	  0x15, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(KEY_AGREE,	  0x16, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(KEY_WRAP,	  0x17, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(KEY_UNWRAP,	  0x18, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(KEY_LIST,	  0x19, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(CTX_CREATE,	  0x20, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(CTX_INIT,	  0x21, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION | HSM_CMD_CTX) \
	X(CTX_UPDATE,	  0x22, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION | HSM_CMD_CTX) \
	X(CTX_FINAL,	  0x23, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION | HSM_CMD_CTX) \
	X(CTX_RESET,	  0x24, hsm_op, HSM_CMD_DATA | HSM_CMD_CTX) \
	X(CTX_RELEASE,	  0x25, hsm_op, HSM_CMD_DATA) \
	X(DIGEST,	  0x30, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(MAC,		  0x31, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(MAC_VERIFY,	  0x32, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(SEAL,		  0x33, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(OPEN,		  0x34, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(ENCRYPT,	  0x35, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(DECRYPT,	  0x36, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(RANDOM,	  0x37, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(SIGN,		  0x38, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(VERIFY,	  0x39, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(BENCH,	  0x3a, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_TEST) \
	X(VECTOR,	  0x3b, hsm_op, HSM_CMD_OP | HSM_CMD_REGION) \
	X(SLOT_STORE,	  0x40, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(SLOT_OPEN,	  0x41, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(SLOT_DELETE,	  0x42, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(SLOT_LIST,	  0x43, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(SLOT_SEAL,	  0x44, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(SLOT_UNSEAL,	  0x45, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(SNP_REPORT,	  0x50, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(SNP_EXT_REPORT, 0x51, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_VALUE) \
	X(SNP_DERIVE_KEY, 0x52, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_NEW_ID) \
	X(SNP_SIM_SETUP,  0x53, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_PRIV | HSM_CMD_TEST) \
	X(KEY_INFO,	  0x1a, hsm_op, HSM_CMD_DATA | HSM_CMD_REGION) \
	X(TDX_REPORT,	  0x54, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(TDX_QUOTE,	  0x55, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_VALUE) \
	X(TDX_EXTEND_RTMR, 0x56, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION) \
	X(TDX_SIM_SETUP,  0x57, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_PRIV | HSM_CMD_TEST) \
	X(WORKER_ATTACH,  0x60, hsm_worker_attach, HSM_CMD_SLEEPS | HSM_CMD_PRIV) \
	X(WORKER_FETCH,   0x61, hsm_worker_cmd, HSM_CMD_PRIV) \
	X(WORKER_COMMIT,  0x62, hsm_worker_cmd, HSM_CMD_PRIV) \
	X(KEY_ATTEST,	  0x1b, hsm_op, HSM_CMD_SLOW | HSM_CMD_REGION | HSM_CMD_VALUE)

/*
 * The worker's channel (see "Asymmetric keys and the worker").
 *
 * HSM_WORKER_SLOTS_MAX		request slots a worker may attach with
 * HSM_WORKER_BUF_MIN		the smallest buffer a slot may fetch into:
 *				a request's header, the largest key material
 *				and the largest input
 * HSM_WORKER_MSG_MAX		the longest input of a worker operation
 * HSM_WORKER_LABEL_MAX		the longest RSA-OAEP label
 * HSM_WORKER_KEY_MAX		the longest key material (RSA-4096 PKCS#8
 *				and SPKI, with room to spare)
 * HSM_WORKER_TIMEOUT_MS	how long a request without a deadline waits
 * HSM_WORKER_WATCH_MS		how often the module looks for a dead worker
 */
#define HSM_WORKER_SLOTS_MAX	64
#define HSM_WORKER_MSG_MAX	65536
#define HSM_WORKER_KEY_MAX	4096
#define HSM_WORKER_BUF_MIN	(256 + HSM_WORKER_KEY_MAX + HSM_WORKER_MSG_MAX + 1024)
#define HSM_WORKER_LABEL_MAX	1024
#define HSM_WORKER_TIMEOUT_MS	30000
#define HSM_WORKER_WATCH_MS	100

/*
 * struct hsm_worker_attach - argument of HSM_IOC_WORKER_ATTACH.
 *
 * @slots:	request slots, 1..HSM_WORKER_SLOTS_MAX
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct hsm_worker_attach {
	__u32	slots;
	__u32	flags;
	__u64	reserved[3];
};

/*
 * struct hsm_worker_cmd - argument of WORKER_FETCH and WORKER_COMMIT.
 *
 * @tag:	the slot, 0..slots-1
 * @result:	COMMIT: the answer's length, or a negative errno; FETCH: 0
 * @buf:	the slot's buffer in the worker's region
 * @reserved:	must be 0
 */
struct hsm_worker_cmd {
	__u32		tag;
	__s32		result;
	struct hsm_ref	buf;
	__u64		reserved[4];
};

/* What the worker is asked to do (hsm_worker_req.op). */
enum hsm_worker_op {
	HSM_WORKER_GENERATE	= 1,	/* answer: PKCS#8 DER || SPKI DER */
	HSM_WORKER_IMPORT	= 2,	/* in: the key; answer as GENERATE, or SPKI */
	HSM_WORKER_SIGN		= 3,	/* key, in: message; answer: signature */
	HSM_WORKER_VERIFY	= 4,	/* key, in, in2: signature; answer: none */
	HSM_WORKER_ENCRYPT	= 5,	/* key: SPKI, in, in2: label; answer: ciphertext */
	HSM_WORKER_DECRYPT	= 6,	/* key: PKCS#8, in, in2: label; answer: message */
	HSM_WORKER_EVICT	= 7,	/* in: a destroyed key's digests; answer: none */
	HSM_WORKER_AGREE	= 8,	/* key: ECDH d, in: peer x || y (answer: shared x) or none (answer: d's x || y) */
};

/*
 * EVICT's input: SHA-256 of the destroyed key's PKCS#8 (all zero for a
 * public key), then SHA-256 of its SPKI.  A worker that keeps the keys it
 * parsed, by the digest of the bytes a request carried them in, drops
 * those now: it keeps no key the module no longer has.
 */
#define HSM_WORKER_EVICT_LEN	64
#define HSM_WORKER_EVICT_MS	1000	/* how long an eviction waits for the worker */

/*
 * struct hsm_worker_req - a request, at the start of a slot's buffer,
 * followed by key_len bytes of key material, in_len bytes of input and
 * in2_len bytes of second input.
 *
 * @op:		enum hsm_worker_op
 * @flags:	HSM_OP_F_RAW, HSM_OP_F_PREHASHED, HSM_OP_F_PKCS1 as the caller
 *		gave them
 * @alg:	the algorithm's name, NUL-padded
 * @bits:	GENERATE: RSA modulus bits; else 0
 * @key_len, @in_len, @in2_len: the lengths of what follows
 * @out_max:	the longest answer the module takes; more is EIO
 * @reserved:	zero
 */
struct hsm_worker_req {
	__u32	op;
	__u32	flags;
	char	alg[HSM_ALG_NAME_LEN];
	__u32	bits;
	__u32	key_len;
	__u32	in_len;
	__u32	in2_len;
	__u32	out_max;
	__u32	reserved0;
	__u64	reserved[2];
};

/*
 * The numbers.  _IOC() rather than _IOW(): the kernel's _IOW() checks the
 * size in a way that is not a constant expression, which an enum needs.
 */
#define HSM_IOC_ENUM_(name, nr, arg, cls) \
	HSM_IOC_##name = _IOC(_IOC_WRITE, HSM_IOC_MAGIC, nr, sizeof(struct arg)),
enum hsm_ioc {
	HSM_COMMANDS(HSM_IOC_ENUM_)
};
#undef HSM_IOC_ENUM_

/* Table positions: the statistics slots (hsm_stats.requests). */
#define HSM_CMD_IDX_ENUM_(name, nr, arg, cls)	HSM_CMD_IDX_##name,
enum hsm_cmd_idx {
	HSM_COMMANDS(HSM_CMD_IDX_ENUM_)
	HSM_CMD_COUNT
};
#undef HSM_CMD_IDX_ENUM_

/* A command's table position, or -1 for a number that is not a command. */
static inline int hsm_cmd_index(unsigned int cmd)
{
#define HSM_CMD_CASE_(name, nr, arg, cls) \
	case HSM_IOC_##name: return HSM_CMD_IDX_##name;
	switch (cmd) {
	HSM_COMMANDS(HSM_CMD_CASE_)
	}
#undef HSM_CMD_CASE_
	return -1;
}

/* A command's class bits (HSM_CMD_*), or 0 for an unknown number. */
static inline unsigned int hsm_cmd_class(unsigned int cmd)
{
#define HSM_CMD_CASE_(name, nr, arg, cls) \
	case HSM_IOC_##name: return (cls);
	switch (cmd) {
	HSM_COMMANDS(HSM_CMD_CASE_)
	}
#undef HSM_CMD_CASE_
	return 0;
}

/* A command's name ("KEY_GENERATE"), or NULL for an unknown number. */
static inline const char *hsm_cmd_name(unsigned int cmd)
{
#define HSM_CMD_CASE_(name, nr, arg, cls) \
	case HSM_IOC_##name: return #name;
	switch (cmd) {
	HSM_COMMANDS(HSM_CMD_CASE_)
	}
#undef HSM_CMD_CASE_
	return (const char *)0;
}

/* A status's name ("auth-failed"), or NULL for an unknown value. */
static inline const char *hsm_status_name(unsigned int status)
{
#define HSM_STATUS_CASE_(name, value, err, str) \
	case HSM_STATUS_##name: return str;
	switch (status) {
	HSM_STATUSES(HSM_STATUS_CASE_)
	}
#undef HSM_STATUS_CASE_
	return (const char *)0;
}

/*
 * The status of a command's result (>= 0, or a negative errno), as the
 * module reports it in completion records.  An errno no status owns is
 * INTERNAL.
 */
static inline enum hsm_status hsm_status_of(long result)
{
	if (result >= 0)
		return HSM_STATUS_OK;
	switch (-result) {
#define HSM_STATUS_CASE_(name, value, err, str) \
	case (err): return HSM_STATUS_##name;
	HSM_STATUSES(HSM_STATUS_CASE_)
#undef HSM_STATUS_CASE_
	case EEXIST:	return HSM_STATUS_INVALID_STATE;
	case E2BIG:
	case ENFILE:
	case EDQUOT:	return HSM_STATUS_LIMIT_EXCEEDED;
	case EFAULT:	return HSM_STATUS_INVALID_ARGUMENT;
	case EINTR:	return HSM_STATUS_CANCELED;
	case ECONNABORTED: return HSM_STATUS_UNAVAILABLE;
	}
	return HSM_STATUS_INTERNAL;
}

#endif /* _UAPI_LINUX_HSM_H */
