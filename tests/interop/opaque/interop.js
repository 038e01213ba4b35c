// SPDX-License-Identifier: GPL-2.0 OR MIT
// OPAQUE interop: @serenity-kit/opaque (opaque-ke 4.0.1 compiled to
// WebAssembly), an implementation no one here wrote, against our library
// through its peer program (tests/interop/opaque/peer.cpp, whose header
// states the configuration both use).
//
//   node interop.js PEER
//
// Their client with our server, our client with their server, and each
// client with the record the other side's client made (which only works
// if both stretch the password with the same Argon2id parameters).
// Prints one line per failed check and a count; exits 1 on any failure.
'use strict';

const { spawn } = require('node:child_process');
const readline = require('node:readline');
const opaque = require('@serenity-kit/opaque');
const { version } = require('@serenity-kit/opaque/package.json');

// They speak base64url, the peer hex.
const toB64 = (h) => Buffer.from(h, 'hex').toString('base64url');
const toHex = (b) => Buffer.from(b, 'base64url').toString('hex');
const utf8Hex = (s) => Buffer.from(s, 'utf8').toString('hex');

let passed = 0;
let failed = 0;

function check(ok, what) {
	if (ok) {
		passed++;
	} else {
		failed++;
		console.log(`FAIL: ${what}`);
	}
}

function throws(f) {
	try {
		f();
		return false;
	} catch {
		return true;
	}
}

/// The peer: one command line in, one answer line (split into words) out.
function startPeer(path) {
	const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
	const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
	const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
	return {
		async call(...words) {
			child.stdin.write(`${words.join(' ')}\n`);
			const { value, done } = await lines.next();
			if (done)
				throw new Error(`the peer exited during ${words[0]}`);
			return value.split(' ');
		},
		async close() {
			child.stdin.end();
			return exited;
		},
	};
}

const password = 'correct horse battery staple';
const wrong = 'correct horse battery stapler';

/// Their client registers and logs in at our server.
async function theirClientOurServer(peer, id) {
	const start = opaque.client.startRegistration({ password });
	const [response] = await peer.call('server-register', id, toHex(start.registrationRequest));
	const reg = opaque.client.finishRegistration({
		clientRegistrationState: start.clientRegistrationState,
		registrationResponse: toB64(response),
		password,
	});
	const [stored] = await peer.call('server-store', id, toHex(reg.registrationRecord));
	check(stored === 'ok', 'our server stores their record');

	const login = opaque.client.startLogin({ password });
	const [ke2] = await peer.call('server-login', id, toHex(login.startLoginRequest));
	const done = opaque.client.finishLogin({
		clientLoginState: login.clientLoginState, loginResponse: toB64(ke2), password,
	});
	check(done !== undefined, 'their client logs in at our server');
	if (done === undefined)
		return reg;
	const [serverKey] = await peer.call('server-finish', toHex(done.finishLoginRequest));
	check(serverKey === toHex(done.sessionKey), 'session keys: their client, our server');
	check(toHex(done.exportKey) === toHex(reg.exportKey), 'their export key: registration = login');
	check(toHex(done.serverStaticPublicKey) === toHex(reg.serverStaticPublicKey),
	      'the same server public key at registration and login');
	return reg;
}

/// Refusals between their client and our server.
async function theirClientOurServerRefused(peer, id) {
	const bad = opaque.client.startLogin({ password: wrong });
	const [ke2] = await peer.call('server-login', id, toHex(bad.startLoginRequest));
	const done = opaque.client.finishLogin({
		clientLoginState: bad.clientLoginState, loginResponse: toB64(ke2), password: wrong,
	});
	check(done === undefined, 'their client refuses our KE2 for a wrong password');
	const [err, name] = await peer.call('server-finish', '5a'.repeat(64));
	check(err === 'error' && name === 'client-authentication', `our server refuses a forged KE3 (${err} ${name})`);

	const unknown = opaque.client.startLogin({ password });
	const [fake] = await peer.call('server-login', utf8Hex('nobody'), toHex(unknown.startLoginRequest));
	check(fake.length === 2 * 320, 'our KE2 for an unknown client has the usual size');
	const none = opaque.client.finishLogin({
		clientLoginState: unknown.clientLoginState, loginResponse: toB64(fake), password,
	});
	check(none === undefined, 'their client fails against our fake record');
}

/// Our client registers and logs in at their server.
async function ourClientTheirServer(peer, setup, userIdentifier) {
	const [request] = await peer.call('client-register', utf8Hex(password));
	const { registrationResponse } = opaque.server.createRegistrationResponse({
		serverSetup: setup, userIdentifier, registrationRequest: toB64(request),
	});
	const [record, exportKey] = await peer.call('client-finalize', toHex(registrationResponse));
	check(record.length === 384, `our client registers at their server (${record})`);

	const [ke1] = await peer.call('client-login', utf8Hex(password));
	const start = opaque.server.startLogin({
		serverSetup: setup, userIdentifier, registrationRecord: toB64(record), startLoginRequest: toB64(ke1),
	});
	const [ke3, sessionKey, loginExportKey] = await peer.call('client-finish', toHex(start.loginResponse));
	check(ke3 !== 'error', `our client logs in at their server (${ke3} ${sessionKey})`);
	check(loginExportKey === exportKey, 'our export key: registration = login');
	const { sessionKey: theirs } = opaque.server.finishLogin({
		serverLoginState: start.serverLoginState, finishLoginRequest: toB64(ke3),
	});
	check(toHex(theirs) === sessionKey, 'session keys: our client, their server');
	return { record, exportKey };
}

/// Refusals between our client and their server.
async function ourClientTheirServerRefused(peer, setup, userIdentifier, record) {
	const [ke1] = await peer.call('client-login', utf8Hex(wrong));
	const start = opaque.server.startLogin({
		serverSetup: setup, userIdentifier, registrationRecord: toB64(record), startLoginRequest: toB64(ke1),
	});
	const [err, name] = await peer.call('client-finish', toHex(start.loginResponse));
	check(err === 'error' && name === 'envelope-recovery', `our client refuses a wrong password (${err} ${name})`);
	check(throws(() => opaque.server.finishLogin({
		serverLoginState: start.serverLoginState, finishLoginRequest: toB64('5a'.repeat(64)),
	})), 'their server refuses a forged KE3');

	const [ke1b] = await peer.call('client-login', utf8Hex(password));
	const fake = opaque.server.startLogin({
		serverSetup: setup, userIdentifier: 'nobody', registrationRecord: null, startLoginRequest: toB64(ke1b),
	});
	const [err2, name2] = await peer.call('client-finish', toHex(fake.loginResponse));
	check(err2 === 'error' && name2 === 'envelope-recovery', `our client fails against their fake record (${err2} ${name2})`);
}

/// Each client logs in with the record the other side's client made.
async function crossedRecords(peer, id, theirs, setup, userIdentifier, ours) {
	const [ke1] = await peer.call('client-login', utf8Hex(password));
	const [ke2] = await peer.call('server-login', id, ke1);
	const [ke3, clientKey, exportKey] = await peer.call('client-finish', ke2);
	check(ke3 !== 'error', `our client opens the envelope their client sealed (${ke3} ${clientKey})`);
	check(exportKey === toHex(theirs.exportKey), 'our export key from their record = theirs');
	const [serverKey] = await peer.call('server-finish', ke3);
	check(serverKey === clientKey, 'session keys: our client, our server, their record');

	const login = opaque.client.startLogin({ password });
	const start = opaque.server.startLogin({
		serverSetup: setup, userIdentifier, registrationRecord: toB64(ours.record),
		startLoginRequest: login.startLoginRequest,
	});
	const done = opaque.client.finishLogin({
		clientLoginState: login.clientLoginState, loginResponse: start.loginResponse, password,
	});
	check(done !== undefined, 'their client opens the envelope our client sealed');
	if (done !== undefined)
		check(toHex(done.exportKey) === ours.exportKey, 'their export key from our record = ours');
}

async function main() {
	const started = Date.now();
	await opaque.ready;
	const peer = startPeer(process.argv[2]);
	const id = utf8Hex('alice@example.org');
	const setup = opaque.server.createSetup();
	const user = 'bob@example.org';
	try {
		const theirs = await theirClientOurServer(peer, id);
		await theirClientOurServerRefused(peer, id);
		const ours = await ourClientTheirServer(peer, setup, user);
		await ourClientTheirServerRefused(peer, setup, user, ours.record);
		await crossedRecords(peer, id, theirs, setup, user, ours);
	} catch (e) {
		check(false, `exception: ${e.stack}`);
	}
	const code = await peer.close();
	check(code === 0, `the peer exits cleanly (status ${code})`);
	const secs = ((Date.now() - started) / 1000).toFixed(1);
	console.log(`interop/opaque: @serenity-kit/opaque ${version}: ${passed} checks passed, ${failed} failed (${secs} s)`);
	process.exitCode = failed === 0 ? 0 : 1;
}

main();
