#!/usr/bin/env python3
# Generates sim_*: a simulated ARK -> ASK -> VCEK chain and a version 3
# report it signs, laid out as AMD's (Genoa CPUID, legacy TCB layout).
# They test that a non-AMD root is refused unless trusted explicitly.
# Keys are random: rerunning changes every file (update SHA256SUMS).
import datetime, os, struct
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec, padding, utils

pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
t0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
t1 = datetime.datetime(2049, 1, 1, tzinfo=datetime.timezone.utc)
amd = lambda oid: x509.ObjectIdentifier("1.3.6.1.4.1.3704.1." + oid)

def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hsm simulator")])

def der_int(v):
    b = v.to_bytes(1, "big")
    return b"\x02\x02\x00" + b if v >= 0x80 else b"\x02\x01" + b

bl, tee, snp, ucode = 3, 0, 20, 0xd1
tcb = bl | tee << 8 | snp << 48 | ucode << 56
chip_id = os.urandom(64)

ark_key = rsa.generate_private_key(65537, 4096)
ask_key = rsa.generate_private_key(65537, 4096)
vcek_key = ec.generate_private_key(ec.SECP384R1())

def cert(subject, issuer, pub, signer, serial, exts=(), ca=False):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(pub).serial_number(serial).not_valid_before(t0).not_valid_after(t1))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    for e in exts:
        b = b.add_extension(e, critical=False)
    return b.sign(signer, hashes.SHA384(), rsa_padding=pss)

ark = cert(name("ARK-Simulated"), name("ARK-Simulated"), ark_key.public_key(), ark_key, 1, ca=True)
ask = cert(name("SEV-Simulated"), name("ARK-Simulated"), ask_key.public_key(), ark_key, 2, ca=True)
ext = [x509.UnrecognizedExtension(amd(o), v) for o, v in [
    ("1", der_int(0)), ("2", b"\x16\x05Genoa"), ("3.1", der_int(bl)), ("3.2", der_int(tee)),
    ("3.3", der_int(snp)), ("3.8", der_int(ucode)), ("4", chip_id)]]
vcek = cert(name("SEV-VCEK"), name("SEV-Simulated"), vcek_key.public_key(), ask_key, 3, ext)

r = bytearray(0x4A0)
struct.pack_into("<IIQ", r, 0, 3, 1, 0x30000)
r[0x10] = 1; r[0x20] = 2
struct.pack_into("<II", r, 0x30, 0, 1)
struct.pack_into("<QQ", r, 0x38, tcb, 0x1)
r[0x50:0x90] = bytes(range(64))
r[0x90:0xC0] = b"\x11" * 48
r[0xC0:0xE0] = b"\x22" * 32
r[0x140:0x160] = os.urandom(32)
r[0x160:0x180] = b"\xff" * 32
struct.pack_into("<Q", r, 0x180, tcb)
r[0x188:0x18B] = b"\x19\x11\x01"
r[0x1A0:0x1E0] = chip_id
struct.pack_into("<Q", r, 0x1E0, tcb)
r[0x1E8:0x1EB] = bytes([40, 55, 1]); r[0x1EC:0x1EF] = bytes([40, 55, 1])
struct.pack_into("<Q", r, 0x1F0, tcb)
rr, ss = utils.decode_dss_signature(vcek_key.sign(bytes(r[:0x2A0]), ec.ECDSA(hashes.SHA384())))
r[0x2A0:0x2E8] = rr.to_bytes(72, "little")
r[0x2E8:0x330] = ss.to_bytes(72, "little")

pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
open("sim_ark.pem", "wb").write(pem(ark))
open("sim_ask.pem", "wb").write(pem(ask))
open("sim_vcek.pem", "wb").write(pem(vcek))
open("sim_report.bin", "wb").write(bytes(r))
