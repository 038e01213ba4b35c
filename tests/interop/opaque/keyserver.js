// SPDX-License-Identifier: GPL-2.0 OR MIT
// @serenity-kit/opaque, an implementation no one here wrote, as the client
// of a running hsm-keyserver: TLS 1.3 to the server (its certificate
// pinned), the key server's frames (userspace/keyserver/proto/wire.hpp),
// OPAQUE registration and login with serenity-kit's defaults, then one
// request in the session channel (proto/channel.hpp) keyed from
// serenity-kit's session key.  The server's answer decrypting is the proof
// that both ends agreed on session_key.
//
//   node keyserver.js PORT CERT USER PASSWORD
//
// Registers USER, logs in, stores the secret "from-node" (as is: this
// client does not do libkeyclient's client-side encryption) and lists it
// back.  Prints "ok" and exits 0, or the first failure and exits 1.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const tls = require('node:tls');
const opaque = require('@serenity-kit/opaque');

const [port, certFile, user, password] = process.argv.slice(2);

const Msg = { registerStart: 1, registerFinish: 2, loginStart: 3, loginFinish: 4, request: 5, ok: 64, error: 65 };
const Op = { store: 1, list: 4 };

const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const field = (b) => Buffer.concat([u32(b.length), Buffer.from(b)]);
const b64 = (s) => Buffer.from(s, 'base64url');

/// A body's fields, read in order.
class Reader {
	constructor(buf) { this.b = buf; this.at = 0; }
	u8() { return this.b[this.at++]; }
	u64() { const v = this.b.readBigUInt64BE(this.at); this.at += 8; return v; }
	raw(n) { const v = this.b.subarray(this.at, this.at + n); this.at += n; return v; }
	bytes() { return this.raw(this.raw(4).readUInt32BE(0)); }
}

/// One TLS connection: a frame out, a frame in.
function connect() {
	return new Promise((resolve, reject) => {
		const s = tls.connect({ host: '127.0.0.1', port: Number(port), ca: fs.readFileSync(certFile),
			servername: 'localhost', minVersion: 'TLSv1.3' }, () => resolve(s));
		s.on('error', reject);
	});
}

function exchange(sock, body) {
	return new Promise((resolve, reject) => {
		let got = Buffer.alloc(0);
		const onData = (d) => {
			got = Buffer.concat([got, d]);
			if (got.length >= 4 && got.length >= 4 + got.readUInt32BE(0)) {
				sock.off('data', onData);
				const answer = new Reader(got.subarray(4, 4 + got.readUInt32BE(0)));
				const m = answer.u8();
				if (m === Msg.ok)
					resolve(answer);
				else
					reject(new Error(`server error ${answer.u8()}: ${answer.bytes().toString()}`));
			}
		};
		sock.on('data', onData);
		sock.write(Buffer.concat([u32(body.length), body]));
	});
}

/// The session channel's AES-256-GCM, as proto/channel.cpp keys it.
function channel(sessionKey, sid) {
	const key = (dir) => Buffer.from(crypto.hkdfSync('sha512', sessionKey, sid,
		Buffer.from(`hsm keyserver channel v1 ${dir}`), 32));
	const nonce = (label, seq) => Buffer.concat([Buffer.from(label), u64(seq)]);
	const aad = (seq) => Buffer.concat([sid, u64(seq)]);
	const send = key('c2s'), recv = key('s2c');
	let seq = 1;
	return {
		seal(plain) {
			const c = crypto.createCipheriv('aes-256-gcm', send, nonce('c2s1', seq));
			c.setAAD(aad(seq));
			const out = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
			return [seq++, out];
		},
		open(aseq, sealed) {
			const d = crypto.createDecipheriv('aes-256-gcm', recv, nonce('s2c1', aseq));
			d.setAAD(aad(aseq));
			d.setAuthTag(sealed.subarray(sealed.length - 16));
			return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
		},
	};
}

async function main() {
	await opaque.ready;
	const sock = await connect();
	const name = Buffer.from(user);

	const reg = opaque.client.startRegistration({ password });
	let r = await exchange(sock, Buffer.concat([Buffer.from([Msg.registerStart]), field(name),
		field(b64(reg.registrationRequest))]));
	const fin = opaque.client.finishRegistration({ clientRegistrationState: reg.clientRegistrationState,
		registrationResponse: r.bytes().toString('base64url'), password });
	await exchange(sock, Buffer.concat([Buffer.from([Msg.registerFinish]), field(name),
		field(b64(fin.registrationRecord))]));

	const login = opaque.client.startLogin({ password });
	r = await exchange(sock, Buffer.concat([Buffer.from([Msg.loginStart]), field(name),
		field(b64(login.startLoginRequest))]));
	const sid = Buffer.from(r.raw(16));
	const done = opaque.client.finishLogin({ clientLoginState: login.clientLoginState,
		loginResponse: r.bytes().toString('base64url'), password });
	if (!done)
		throw new Error('serenity-kit refused the server\'s KE2');
	await exchange(sock, Buffer.concat([Buffer.from([Msg.loginFinish]), sid, field(b64(done.finishLoginRequest))]));

	const ch = channel(b64(done.sessionKey), sid);
	const call = async (op) => {
		const [seq, sealed] = ch.seal(op);
		const a = await exchange(sock, Buffer.concat([Buffer.from([Msg.request]), sid, u64(seq), field(sealed)]));
		const inner = new Reader(ch.open(a.u64(), a.bytes()));
		if (inner.u8() !== Msg.ok)
			throw new Error(`the server refused operation ${op[0]}: ${inner.bytes().toString()}`);
		return inner;
	};
	await call(Buffer.concat([Buffer.from([Op.store]), field(Buffer.from('from-node')), field(Buffer.from('hello'))]));
	const list = await call(Buffer.from([Op.list]));
	const n = Number(list.u64());
	const ids = Array.from({ length: n }, () => list.bytes().toString());
	if (!ids.includes('from-node'))
		throw new Error(`the list does not hold the secret: ${ids}`);
	sock.end();
	console.log('ok');
}

main().catch((e) => {
	console.log(`FAIL: ${e.message}`);
	process.exit(1);
});
