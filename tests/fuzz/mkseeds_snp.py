#!/usr/bin/env python3
# Writes the SNP fuzzers' seeds from the real reports and chains in
# tests/data/snp: the reports themselves, each chain as the certificate
# table a host returns with an extended report (GHCB: 24-byte entries of
# GUID, offset, length, ended by an all-zero entry; then the DER
# certificates), a PEM chain and a DER certificate as they are read from
# files, and for verification a time, policy bits, a report and its table.
#
#   mkseeds_snp.py DATA_DIR CORPUS_DIR
import os, struct, sys, uuid, warnings
from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.hazmat.primitives.serialization import Encoding

# AMD's VCEKs have serial number 0, which RFC 5280 disallows.
warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)

GUID = {
    "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae",
    "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
    "vcek": "63da758d-e664-4564-adc5-f4b93be8accd",
    "vlek": "a8074bc2-a25a-483e-aae6-39c045a0b8a1",
}

# Times when a chain is valid: the microsoft VCEKs were issued on
# 2026-02-05, the trustee VLEK expired on 2025-12-10.
T2026 = 1780272000  # 2026-06-01T00:00:00Z
T2025 = 1748736000  # 2025-06-01T00:00:00Z

# Report, endorsement key, the files holding its ASK (or ASVK) and ARK,
# and a time to verify at.
CASES = {
    "ms_milan": ("ms_milan_report.bin", "ms_milan_vcek.pem", ["ms_milan_ask.pem", "ms_milan_ark.pem"], T2026),
    "ms_genoa": ("ms_genoa_report.bin", "ms_genoa_vcek.pem", ["ms_genoa_chain.pem"], T2026),
    "ms_turin": ("ms_turin_report.bin", "ms_turin_vcek.pem", ["ms_turin_ask.pem", "ms_turin_ark.pem"], T2026),
    "tr_milan": ("tr_test-report.bin", "tr_test-vcek.der", ["tr_milan_ask_ark_asvk.pem"], T2026),
    "tr_vlek": ("tr_test-vlek-report.bin", "tr_test-vlek.der", ["tr_milan_ask_ark_asvk.pem"], T2025),
    "gsg_milan": ("gsg_attestation.bin", "gsg_vcek.der", ["gsg_milan_chain.pem"], T2026),
    "vs_milan": ("vs_report_milan.hex", "vs_vcek_milan.der", ["vs_chain_milan"], T2026),
    "sim": ("sim_report.bin", "sim_vcek.pem", ["sim_ask.pem", "sim_ark.pem"], T2026),
}


def read(data, name):
    with open(os.path.join(data, name), "rb") as f:
        b = f.read()
    return bytes.fromhex(b.decode()) if name.endswith(".hex") else b


def certs(b):
    if b"-----BEGIN CERTIFICATE-----" in b:
        return x509.load_pem_x509_certificates(b)
    return [x509.load_der_x509_certificate(b)]


def cn(c):
    return c.subject.rfc4514_string()


# The table's entries by role: the self-signed root, the intermediate the
# key's issuer names (the ASVK under the ASK's GUID for a VLEK), the key.
def roles(data, key_file, chain_files):
    key = certs(read(data, key_file))[0]
    role = {"vlek" if "SEV-VLEK" in cn(key) else "vcek": key}
    for f in chain_files:
        for c in certs(read(data, f)):
            if c.subject == c.issuer:
                role["ark"] = c
            elif c.subject == key.issuer:
                role["ask"] = c
    return {r: c.public_bytes(Encoding.DER) for r, c in role.items()}


def table(ders):
    head = 24 * (len(ders) + 1)
    entries, body = b"", b""
    for r, der in ders.items():
        entries += uuid.UUID(GUID[r]).bytes + struct.pack("<II", head + len(body), len(der))
        body += der
    return entries + bytes(24) + body


def put(corpus, target, name, b):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(b)


def main(data, corpus):
    for name, (report, key, chain, when) in CASES.items():
        r, t = read(data, report), table(roles(data, key, chain))
        put(corpus, "fuzz_snp_report", name, r)
        put(corpus, "fuzz_snp_certs", name + "_table", t)
        put(corpus, "fuzz_snp_verify", name, struct.pack("<QB", when, 0) + r + t)
        if name == "ms_milan":  # every policy check on
            put(corpus, "fuzz_snp_verify", name + "_policy", struct.pack("<QB", when, 0xff) + r + t)
    put(corpus, "fuzz_snp_certs", "ms_genoa_chain.pem", read(data, "ms_genoa_chain.pem"))
    put(corpus, "fuzz_snp_certs", "tr_milan_ask_ark_asvk.pem", read(data, "tr_milan_ask_ark_asvk.pem"))
    put(corpus, "fuzz_snp_certs", "tr_test-vlek.der", read(data, "tr_test-vlek.der"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: mkseeds_snp.py DATA_DIR CORPUS_DIR")
    main(sys.argv[1], sys.argv[2])
