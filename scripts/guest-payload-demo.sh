#!/bin/sh
# Guest payload of `make demo`: the HSM doing its job, end to end, through
# the programs a user already has.  A key pair is made in the module and
# cannot leave it; a TLS 1.3 server signs its handshake with it; a file is
# sealed and opened under a key no one can read; the platform's attestation
# report is verified; the slots are saved sealed and restored; the module's
# counters show what it did.  Under TCG there is no PSP: the module is built
# with its simulated one, and the demo says so.
set -e
M=/usr/lib/x86_64-linux-gnu/pkcs11/libhsm-pkcs11.so
echo "hsm-guest: begin demo" >/dev/kmsg
mkdir -p /demo && cd /demo
ip link set lo up

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() {
	printf '$ %s\n' "$*"
	"$@"
}
p11() { pkcs11-tool --module "$M" "$@"; }
p11show() {
	printf '$ pkcs11-tool --module libhsm-pkcs11.so %s\n' "$*"
	p11 "$@" 2>&1 | grep -v '^Using'
}

say "hsm.ko is loaded; its worker, hsmd, starts as hsmd.service would"
hsmd --pidfile /run/hsmd.pid &
i=0
while ! hsmctl info | grep -q 'worker: *attached' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo '$ hsmctl info'
hsmctl info | grep -E '^(module|platform|worker)'

say "1. An ECDSA P-256 key pair generated in the HSM (PKCS#11: libhsm-pkcs11.so)"
p11show --keypairgen --key-type EC:prime256v1 --id 01 --label web
p11show --list-objects --type privkey

say "2. Its export refused: the material is in kernel memory, never here"
p11show --read-object --type privkey --id 01 -o /demo/stolen || true
[ ! -s /demo/stolen ] && echo "(nothing was written)"

say "3. A TLS 1.3 server signing with it: openssl s_server through the pkcs11 engine"
cat >p11.cnf <<EOF
openssl_conf = init
[init]
engines = engines
[engines]
pkcs11 = pkcs11_sect
[pkcs11_sect]
engine_id = pkcs11
dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
MODULE_PATH = $M
init = 0
EOF
p11 --read-object --type pubkey --id 01 -o pub.der >/dev/null 2>&1
openssl pkey -pubin -inform DER -in pub.der -out pub.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >ca.ext
openssl x509 -new -key ca.key -subj /CN=demo-ca -extfile ca.ext -days 1 -out ca.pem
printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
openssl x509 -new -force_pubkey pub.pem -subj /CN=127.0.0.1 -extfile ext.cnf -CA ca.pem \
	-CAkey ca.key -days 1 -out cert.pem
# -www: s_server would end the connection at the end of its stdin.
OPENSSL_CONF=/demo/p11.cnf openssl s_server -accept 127.0.0.1:4433 -naccept 1 -tls1_3 -www \
	-cert cert.pem -engine pkcs11 \
	-keyform engine -key "pkcs11:object=web;type=private" </dev/null >server.log 2>&1 &
i=0
until netstat -ltn | grep -q ':4433 '; do
	i=$((i + 1))
	[ $i -lt 240 ] || { cat server.log; exit 1; }
	sleep 0.5
done
echo '$ openssl s_client -connect 127.0.0.1:4433 -tls1_3 -CAfile ca.pem -brief'
openssl s_client -connect 127.0.0.1:4433 -tls1_3 -CAfile ca.pem -verify_return_error \
	-verify_ip 127.0.0.1 -brief </dev/null >client.log 2>&1 || { cat client.log server.log; exit 1; }
grep -E 'Protocol version|Ciphersuite|Signature type|Verification' client.log

say "4. A file sealed and opened: AES-256-GCM under a slot key no one can read"
head -c 1048576 /dev/urandom >file
show hsm-encrypt-file encrypt file file.sealed
show hsm-encrypt-file decrypt file.sealed file.opened
cmp file file.opened && echo "file.opened is file, byte for byte"

say "5. The platform's attestation report, verified (the simulated PSP: TCG has none)"
hsmctl sim-setup --measurement "$(printf 'a%.0s' $(seq 96))" --out-dir /demo/chain >/dev/null
show hsmctl attest --extended --out /demo/att >/dev/null
show hsmctl verify --report /demo/att/report.bin --cert-table /demo/att/certs.bin \
	--sim-root /demo/chain/ark.pem --measurement "$(printf 'a%.0s' $(seq 96))"

say "6. Slots saved sealed to the VM's identity, and restored"
show hsmctl keys
show hsmctl slots save /demo/sealed
ls /demo/sealed
p11 --delete-object --type privkey --id 01 >/dev/null 2>&1
p11 --delete-object --type pubkey --id 01 >/dev/null 2>&1
hsm-encrypt-file forget
show hsmctl keys
show hsmctl slots restore /demo/sealed
show hsm-encrypt-file decrypt file.sealed file.again
cmp file file.again && echo "the restored key opens the file"
p11show --list-objects --type privkey

say "7. What the module did"
show hsmctl stats

kill "$(cat /run/hsmd.pid)"
