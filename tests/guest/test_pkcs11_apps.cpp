// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The programs users point at a PKCS#11 module, unchanged, with keys that
// never leave the kernel: a TLS 1.3 server (OpenSSL through the pkcs11
// engine, and GnuTLS with a pkcs11: URL) whose client verifies the
// certificate, or a TLS 1.2 one with RSA PKCS#1 v1.5, p11tool's signing
// test, and ssh logging in to sshd with a token key (ECDSA and RSA).  Each test runs one shell script and checks what the programs
// printed; the script makes its own key pair and deletes it.
#include <criterion/criterion.h>

#include <string>

#include "p11_test.hpp"

namespace {

// What every script starts with: the module, a scratch directory, a CA
// (a file key: the relying party's, not the server's), and helpers.
constexpr const char kPrelude[] = R"SH(
set -eu
# The servers listen on loopback, which the guest's init leaves down.
ip link set lo up
M=/usr/lib/x86_64-linux-gnu/pkcs11/libhsm-pkcs11.so
W=$(mktemp -d)
cd "$W"
p11() { pkcs11-tool --module "$M" "$@"; }
# A key pair in the token (ID $2, label $3) and a certificate for it from
# the CA, with 127.0.0.1 as its name; stored beside the key as well.
hsm_pair() {
	p11 --keypairgen --key-type "$1" --id "$2" --label "$3" >/dev/null
	p11 --read-object --type pubkey --id "$2" -o pub.der >/dev/null
	openssl pkey -pubin -inform DER -in pub.der -out pub.pem
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >ca.ext
	openssl x509 -new -key ca.key -subj /CN=hsm-test-ca -extfile ca.ext -days 1 -out ca.pem
	printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
	openssl x509 -new -force_pubkey pub.pem -subj /CN=127.0.0.1 -extfile ext.cnf \
		-CA ca.pem -CAkey ca.key -days 1 -out cert.pem
	openssl x509 -in cert.pem -outform DER -out cert.der
	p11 --write-object cert.der --type cert --id "$2" --label "$3" >/dev/null
}
# Deletes the pair and certificate of ID $1.
hsm_drop() {
	for t in privkey pubkey cert; do
		p11 --delete-object --type $t --id "$1" >/dev/null 2>&1 || true
	done
}
# Waits until a server of process $1 listens on TCP port $2 (TCG starts
# slowly), or says why not.
listening() {
	i=0
	until netstat -ltn | grep -q ":$2 "; do
		kill -0 "$1" 2>/dev/null || { echo "the server on port $2 exited"; return 1; }
		i=$((i + 1))
		[ $i -lt 240 ] || { echo "nothing listens on port $2 after 120 s"; return 1; }
		sleep 0.5
	done
}
# Runs "$@", shows its log ($LOG) and the server's ($SRVLOG) if it fails.
client() {
	"$@" >"$LOG" 2>&1 || { echo "client failed:"; cat "$LOG"; echo "server:"; cat "$SRVLOG"; return 1; }
	cat "$LOG"
}
# The OpenSSL configuration that loads the pkcs11 engine on this module.
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
)SH";

std::string script(const char *body)
{
	return std::string(kPrelude) + body;
}

void expect_script(const char *what, const char *body, const char *must_print)
{
	p11test::Ran r = p11test::run({"/bin/sh", "-c", script(body)});
	cr_assert_eq(r.status, 0, "%s: the script failed (status %d):\n%s", what, r.status,
		     p11test::tail(r.out, 60).c_str());
	cr_assert(r.out.find(must_print) != std::string::npos, "%s: no \"%s\" in:\n%s", what,
		  must_print, p11test::tail(r.out, 60).c_str());
}

} // namespace

namespace {

// openssl s_server with a non-exportable key of the token, in protocol
// version `tls` ("1_3", "1_2") signing with `sigalgs`; the client verifies
// the certificate and must report signature type `sigtype`.  -www:
// s_server would end the connection at the end of its stdin.
void openssl_tls(const char *key_type, const char *id, const char *port, const char *tls,
		 const char *sigalgs, const char *sigtype)
{
	std::string vars = std::string("KT=") + key_type + " ID=" + id + " PORT=" + port +
			   " TLS=" + tls + " SIGALGS=" + sigalgs + " SIGTYPE=" + sigtype;
	std::string body = vars + R"SH(
hsm_pair "$KT" "$ID" "tls-$ID"
export OPENSSL_CONF="$W/p11.cnf"
openssl s_server -accept 127.0.0.1:$PORT -naccept 1 -tls$TLS -www -cert cert.pem \
	-sigalgs "$SIGALGS" \
	-engine pkcs11 -keyform engine -key "pkcs11:object=tls-$ID;type=private" \
	</dev/null >server.log 2>&1 &
srv=$!
LOG=client.log SRVLOG=server.log
listening $srv $PORT || { cat server.log; exit 1; }
client openssl s_client -connect 127.0.0.1:$PORT -tls$TLS -CAfile ca.pem \
	-verify_return_error -verify_ip 127.0.0.1 -brief </dev/null
wait $srv || true
grep -q "Signature type: $SIGTYPE\$" client.log || { echo "not signed $SIGTYPE"; exit 1; }
hsm_drop "$ID"
)SH";
	expect_script(vars.c_str(), body.c_str(), "Verification: OK");
}

} // namespace

// TLS 1.3 with a non-exportable ECDSA P-256 key.
Test(pkcs11_apps, tls13_openssl_ecdsa, .timeout = 400)
{
	openssl_tls("EC:prime256v1", "31", "4433", "1_3", "ECDSA+SHA256", "ECDSA");
}

// The same with an RSA-PSS key (2048 bits, SHA-256: TLS 1.3's
// rsa_pss_rsae_sha256).
Test(pkcs11_apps, tls13_openssl_rsa_pss, .timeout = 400)
{
	openssl_tls("RSA:2048", "32", "4435", "1_3", "rsa_pss_rsae_sha256", "RSA-PSS");
}

// TLS 1.2 with the RSA key signing PKCS#1 v1.5 (rsa_pkcs1_sha256): the
// engine asks for CKM_RSA_PKCS over the DigestInfo OpenSSL encodes.
Test(pkcs11_apps, tls12_openssl_rsa_pkcs1, .timeout = 400)
{
	openssl_tls("RSA:2048", "37", "4436", "1_2", "RSA+SHA256", "RSA");
}

// gnutls-serv: the key and the certificate both by pkcs11: URL, found
// through p11-kit's registration of the module (no path given).
Test(pkcs11_apps, tls13_gnutls_ecdsa, .timeout = 400)
{
	expect_script("gnutls-serv (ECDSA)", R"SH(
hsm_pair EC:prime256v1 33 tls-gnutls
gnutls-serv --port 4434 --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3" \
	--x509certfile "pkcs11:token=hsm;object=tls-gnutls;type=cert" \
	--x509keyfile "pkcs11:token=hsm;object=tls-gnutls;type=private" >server.log 2>&1 &
srv=$!
LOG=client.log SRVLOG=server.log
listening $srv 4434 || { cat server.log; exit 1; }
client gnutls-cli --x509cafile ca.pem --port 4434 127.0.0.1 </dev/null || { kill $srv; exit 1; }
kill $srv
grep -q "TLS1.3" client.log
hsm_drop 33
)SH",
		      "Handshake was completed");
}

// p11tool's own check: it signs with the token key and verifies with the
// token's public key.
Test(pkcs11_apps, p11tool_test_sign, .timeout = 300)
{
	expect_script("p11tool --test-sign", R"SH(
p11 --keypairgen --key-type EC:prime256v1 --id 34 --label p11tool-ec >/dev/null
p11tool --provider "$M" --test-sign "pkcs11:object=p11tool-ec;type=private" 2>&1
hsm_drop 34
)SH",
		      "public key in the token... ok");
}

namespace {

// ssh: ssh-keygen -D lists the token's key, and sshd on a loopback port
// accepts a login made with it (ssh -I).  Without BatchMode and
// IdentitiesOnly: with both, OpenSSH 9.2 loads the token's key ("have 1
// keys") and then does not offer it.
void ssh_login(const char *key_type, const char *id, const char *algo)
{
	std::string body = "KT=" + std::string(key_type) + " ID=" + id + " ALGO=" + algo + R"SH(
p11 --keypairgen --key-type "$KT" --id "$ID" --label "ssh-$ID" >/dev/null
mkdir -p /root/.ssh /run/sshd
chmod 700 /root/.ssh
ssh-keygen -D "$M" | grep "^$ALGO " >/root/.ssh/authorized_keys
ssh-keygen -q -t ed25519 -N '' -f hostkey
grep -q '^sshd:' /etc/passwd || echo 'sshd:x:74:65534:privsep:/run/sshd:/bin/false' >>/etc/passwd
"$(command -v sshd)" -D -e -f /dev/null -h "$W/hostkey" -p 2222 -o ListenAddress=127.0.0.1 \
	-o UsePAM=no -o StrictModes=no -o PidFile=none >sshd.log 2>&1 &
srv=$!
LOG=client.log SRVLOG=sshd.log
listening $srv 2222 || { cat sshd.log; exit 1; }
ssh -v -I "$M" -p 2222 -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no root@127.0.0.1 \
	echo hsm-ssh-login-ok </dev/null >client.log 2>&1 || {
	grep -iE 'pkcs11|attempt|offer|sign|denied|provider|keys' client.log | head -40
	kill $srv
	exit 1
}
cat client.log
kill $srv
hsm_drop "$ID"
)SH";
	p11test::Ran r = p11test::run({"/bin/sh", "-c", script(body.c_str())});
	cr_assert_eq(r.status, 0, "ssh -I (%s): the script failed (status %d):\n%s", key_type,
		     r.status, p11test::tail(r.out, 60).c_str());
	cr_assert(r.out.find("hsm-ssh-login-ok") != std::string::npos, "ssh -I (%s): no login in:\n%s",
		  key_type, p11test::tail(r.out, 60).c_str());
}

} // namespace

// An ECDSA P-256 key: CKM_ECDSA.
Test(pkcs11_apps, ssh_login, .timeout = 400)
{
	ssh_login("EC:prime256v1", "35", "ecdsa-sha2-nistp256");
}

// An RSA key: ssh signs rsa-sha2-512 through CKM_RSA_PKCS, over a
// DigestInfo it encodes itself.
Test(pkcs11_apps, ssh_login_rsa, .timeout = 400)
{
	ssh_login("RSA:2048", "36", "ssh-rsa");
}
