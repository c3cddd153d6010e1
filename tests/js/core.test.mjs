// core.js against vectors the Python code generated (tests/vectors/js, tests/vectors/protocol).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, V, VP, h, drbg, untag, identity } from './load.mjs';

const eqHex = (a, b) => assert.equal(T.hex(a), typeof b === 'string' ? b : T.hex(b));

test('CBOR: encodes every value as Python does, decodes it back', () => {
  for (const c of V.cbor) {
    const v = untag(c.value);
    eqHex(T.cborEncode(v), c.hex);
    eqHex(T.cborEncode(T.cborDecode(h(c.hex))), c.hex);
  }
});

test('CBOR: refuses non-canonical, float, tag, bad UTF-8, trailing and truncated input', () => {
  for (const bad of V.cbor_bad) assert.throws(() => T.cborDecode(h(bad)), T.ProtocolError, bad);
  assert.throws(() => T.cborEncode(1.5), T.ProtocolError);
  assert.throws(() => T.cborEncode(2 ** 53), T.ProtocolError);
});

test('padding buckets match padded_length', () => {
  for (const [n, want] of V.padding) assert.equal(T.paddedLength(n), want);
  assert.ok(!T.isValidPaddedLength(8193));
});

test('HPKE: RFC 9180 A.2 (DHKEM X25519, ChaCha20-Poly1305) sealed and opened', () => {
  const a = VP('rfc9180_a2.json');
  const kp = T.DhKem.deriveKeyPair(h(a.ikmR));
  eqHex(kp.secret, a.skRm); eqHex(kp.public, a.pkRm);
  const e = a.encryptions[0];
  const { enc, ct } = T.hpkeSeal(T.KEM_X25519, h(a.pkRm), h(a.info), h(e.aad), h(e.pt), () => h(a.ikmE));
  eqHex(enc, a.enc); eqHex(ct, e.ct);
  eqHex(T.hpkeOpen(T.KEM_X25519, h(a.skRm), enc, h(a.info), h(e.aad), ct), e.pt);
  const bad = ct.slice(); bad[0] ^= 1;
  assert.throws(() => T.hpkeOpen(T.KEM_X25519, h(a.skRm), enc, h(a.info), h(e.aad), bad), T.VerificationError);
});

test('X-Wing: draft Appendix C keys, encapsulation and decapsulation', () => {
  for (const v of VP('xwing.json').vectors) {
    eqHex(T.XWing.publicKey(h(v.sk)), v.pk);
    const es = h(v.eseed);
    const { ss, enc } = T.XWing.encap(h(v.pk), es.slice(32), es.slice(0, 32));
    eqHex(enc, v.ct); eqHex(ss, v.ss);
    eqHex(T.XWing.decap(h(v.ct), h(v.sk)), v.ss);
  }
  assert.throws(() => T.XWing.encap(new Uint8Array(1215), new Uint8Array(32), new Uint8Array(32)), T.ProtocolError);
});

test('X-Wing DeriveKeyPair: seed = SHAKE256(ikm, 32), as kem.XWing.derive_key_pair', () => {
  const d = VP('xwing_derive.json');
  for (const v of d.vectors) {
    const kp = T.XWing.deriveKeyPair(h(v.ikm));
    eqHex(kp.secret, v.sk); eqHex(T.sha256(kp.public), v.pk_sha256);
  }
});

test('X-Wing agrees with noble\'s own ml_kem768_x25519', () => {
  const seed = drbg('noble xwing')(32);
  eqHex(globalThis.TyshaNoble.ml_kem768_x25519.keygen(seed).publicKey, T.XWing.publicKey(seed));
});

test('envelopes (DHKEM): the same DRBG seals byte for byte as Python; Python\'s open in JS', () => {
  const me = identity(V.identities.dh_recipient);
  for (const c of V.envelopes_dhkem) {
    const env = T.sealEnvelope(h(c.content), [me.public], drbg(`seal ${c.name}`), T.KEM_X25519);
    eqHex(env, c.envelope);
    const opened = T.openEnvelope(h(c.envelope), me);
    eqHex(opened.content, c.content);
    // Its own slot's deletion secret and the look-alike's, as Python works them out.
    assert.deepEqual(opened.deletionSecrets.map(T.hex), c.deletion_secrets);
    assert.equal(c.deletion_secrets.length, 2);
    eqHex(opened.deletionSecrets[0], opened.deletionSecret);
    const cut = h(c.envelope).slice(0, -1);
    assert.throws(() => T.openEnvelope(cut, me), T.ProtocolError);
    const flip = h(c.envelope); flip[flip.length - 3] ^= 0x80;
    assert.throws(() => T.openEnvelope(flip, me), T.VerificationError);
    assert.throws(() => T.openEnvelope(h(c.envelope), identity(V.identities.handler)), T.VerificationError);
  }
});

test('look-alike slots: a real encapsulation to a key pair made from rand (as kem.py)', () => {
  const N = globalThis.TyshaNoble;
  const r = drbg('look-alike')(32);
  // DHKEM: the enc a real encapsulation with this rand gives, whoever the recipient.
  const anyone = identity(V.identities.dh_recipient).public.kem;
  eqHex(T.DhKem.lookalikeEnc(r), T.DhKem.encap(anyone, r).enc);
  // X-Wing: ct_M encapsulates to the seed's ML-KEM pair (its decapsulation gives the secret
  // the encapsulation made), ct_X is the seed's X25519 public key.
  const enc = T.XWing.lookalikeEnc(r);
  assert.equal(enc.length, T.XWing.nEnc);
  const e = N.shake256(r, { dkLen: 128 });
  const m = N.ml_kem768.keygen(e.subarray(0, 64));
  const made = N.ml_kem768.encapsulate(m.publicKey, e.subarray(96, 128));
  eqHex(enc.subarray(0, 1088), made.cipherText);
  eqHex(N.ml_kem768.decapsulate(enc.subarray(0, 1088), m.secretKey), made.sharedSecret);
  eqHex(enc.subarray(1088), N.x25519.getPublicKey(e.slice(64, 96)));
  for (const bad of [new Uint8Array(31), new Uint8Array(33)]) {
    assert.throws(() => T.DhKem.lookalikeEnc(bad), T.ProtocolError);
    assert.throws(() => T.XWing.lookalikeEnc(bad), T.ProtocolError);
  }
});

test('deletion secrets: a look-alike secret that matches no slot ends them', () => {
  const key = drbg('content key')(32), own = drbg('own')(32);
  const first = T.lookalikeDeletionSecret(key, 0), second = T.lookalikeDeletionSecret(key, 1);
  assert.deepEqual(T.deletionSecrets([T.sha256(own), T.sha256(first)], key, own).map(T.hex), [own, first].map(T.hex));
  assert.deepEqual(T.deletionSecrets([T.sha256(first), T.sha256(own), T.sha256(second)], key, own).map(T.hex),
    [own, first, second].map(T.hex));
  // Sealed with a random look-alike secret (before they were derived): its own alone.
  assert.deepEqual(T.deletionSecrets([T.sha256(own), T.sha256(drbg('x')(32))], key, own).map(T.hex), [T.hex(own)]);
  assert.deepEqual(T.deletionSecrets([T.sha256(own), T.sha256(second)], key, own).map(T.hex), [T.hex(own)]);
});

test('envelope sealer: streamed pieces give the same bytes as one piece', () => {
  const me = identity(V.identities.dh_recipient);
  const c = V.envelopes_dhkem[2];
  const content = h(c.content);
  const s = new T.EnvelopeSealer([me.public], content.length, drbg(`seal ${c.name}`), T.KEM_X25519);
  const parts = [s.header];
  for (let o = 0; o < content.length; o += 7777) parts.push(s.chunk(content.subarray(o, o + 7777)));
  parts.push(s.finish());
  const env = T.concat(...parts);
  eqHex(env, c.envelope);
  assert.equal(env.length, s.envelopeLength);
});

test('codename: Argon2id + HKDF + X-Wing DeriveKeyPair gives Python\'s identity', () => {
  for (const c of V.codenames) {
    assert.equal(T.normalizeCodename(c.codename), c.normalized);
    const id = T.identityFromCodename(c.codename, { t: c.ops, m: c.mem_kib });
    eqHex(T.cborEncode(T.identityObj(id.public)), c.public);
    assert.equal(T.fingerprint(id.public), c.fingerprint);
  }
  assert.equal(T.CODENAME_T, 2); assert.equal(T.CODENAME_M_KIB, 19456);
  assert.throws(() => T.identityFromCodename('   '), T.ProtocolError);
});

test('report: capture attestation and signed manifest byte for byte as Python', () => {
  const r = V.report;
  const c = V.codenames[0];
  const me = T.identityFromCodename(r.codename, { t: c.ops, m: c.mem_kib });
  const att = T.captureAttestation(me, untag(r.claims));
  eqHex(T.cborEncode(att), r.attestation);
  const photo = h(r.photo);
  const manifest = T.signedManifest(me, 'report', untag(r.body),
    [{ name: 'photo.jpg', mediaType: 'image/jpeg', size: photo.length, sha256: T.sha256(photo), attestation: att }], h(r.enrolment));
  eqHex(manifest, r.manifest);
  eqHex(T.concat(T.frameContent(manifest), photo), r.content);
});

test('replies: a Python X-Wing reply opens for the codename, signed by the handler', () => {
  const c = V.codenames[0];
  const me = T.identityFromCodename(c.codename, { t: c.ops, m: c.mem_kib });
  const handler = identity(V.identities.handler).public;
  const opened = T.openEnvelope(h(V.reply.envelope), me);
  assert.equal(T.readReply(opened.content, handler).text, V.reply.text);
  const other = T.openEnvelope(h(V.reply.from_stranger), me);
  assert.throws(() => T.readReply(other.content, handler), T.VerificationError);
});

test('clue listing decodes; the scanner finds our slot and no other', () => {
  const recs = T.decodeClueRecords(h(V.clues.listing), V.clues.after);
  assert.deepEqual(recs.map((r) => ({ index: r.index, clue_pub: T.hex(r.cluePub), clues: r.clues.map(T.hex) })), V.clues.records);
  assert.throws(() => T.decodeClueRecords(h(V.clues.listing).slice(0, -1)), T.ProtocolError);
  const me = identity(V.identities.dh_recipient);
  const c = V.envelopes_dhkem[1];
  const hd = T.parseHeader(h(c.envelope));
  assert.notEqual(T.findSlot(hd.cluePub, hd.clues, me.clueSecret, me.public.clue), null);
  const other = identity(V.identities.escrow);
  assert.equal(T.findSlot(hd.cluePub, hd.clues, other.clueSecret, other.public.clue), null);
});

test('proof of work: same nonce as solve_pow; checked like check_pow', () => {
  const p = V.pow;
  eqHex(T.solvePow(h(p.digest), p.bits), p.nonce);
  T.checkPow(h(p.digest), h(p.nonce), p.bits);
  const bad = h(p.nonce); bad[7] ^= 1;
  assert.throws(() => T.checkPow(h(p.digest), bad, 20), T.VerificationError);
});

test('receipts: signed checkpoint + inclusion verify; every tampering is refused', () => {
  const R = V.receipts;
  for (const g of R.good) {
    const out = T.verifyReceipt(g, R.vkey, h(g.envelope_digest));
    assert.equal(out.index, g.index); assert.equal(out.size, 7);
  }
  for (const [name, bad] of Object.entries(R.bad)) {
    assert.throws(() => T.verifyReceipt(bad, R.vkey, h(bad.envelope_digest)), T.TyshaError, name);
  }
  const g = R.good[0];
  assert.throws(() => T.verifyReceipt(g, R.vkey, h(R.good[1].envelope_digest)), T.VerificationError);
});

test('invitations: text, spaced lower case and QR parse; damaged, forged, old refused', () => {
  const I = V.invitation;
  for (const form of [I.text, I.lower_spaced, I.text.replace('A', 'A\u200b')]) {
    const inv = T.invitationFromText(form);
    assert.equal(inv.fingerprint, I.fingerprint);
    assert.deepEqual(inv.drops, I.drops);
    eqHex(inv.secret, I.secret);
    assert.equal(inv.dropVkey, V.receipts.vkey);
    assert.equal(inv.recipients.length, 2);
  }
  assert.equal(T.invitationFromQr(h(I.qr)).fingerprint, I.fingerprint);
  assert.equal(T.invitationFromQr(T.utf8(I.text)).fingerprint, I.fingerprint);
  assert.throws(() => T.invitationFromText(I.damaged), (e) => e instanceof T.ProtocolError && e.message === 'damaged');
  assert.throws(() => T.invitationFromText(I.forged), T.VerificationError);
  assert.throws(() => T.invitationFromText(I.old), (e) => e.message === 'old');
  assert.throws(() => T.invitationFromText('hello'), (e) => e.message === 'notcode');
  const qr = h(I.qr); qr[20] ^= 1;
  assert.throws(() => T.invitationFromQr(qr), T.TyshaError);
});

test('invitations: a code of a newer Tysha says so, not damaged (its prefix, its QR magic, its version inside)', () => {
  const newer = (e) => e instanceof T.ProtocolError && e.message === 'newer';
  assert.throws(() => T.invitationFromText('TYSHA3:' + 'A'.repeat(40)), newer);
  assert.throws(() => T.invitationFromText('tysha12: ' + 'a'.repeat(40)), newer);
  const later = T.cborEncode(new Map([[0, 3], [1, ['http://x']]]));
  assert.throws(() => T.invitationFromQr(T.concat(T.utf8('TY3'), later)), newer);
  assert.throws(() => T.invitationFromQr(T.concat(T.utf8('TY2'), later)), newer);
  // a prefix that only looks like one is damaged, as before
  assert.throws(() => T.invitationFromText('TYSHAX:' + 'A'.repeat(40)), (e) => e.message === 'damaged');
});

test('invitations: the signed handler name (key 7) reads as Python wrote it; an unnamed one has none', () => {
  const N = V.invitation.named;
  const inv = T.invitationFromText(N.text);
  assert.equal(inv.handlerName, N.handler_name);
  assert.equal(inv.fingerprint, V.invitation.fingerprint);
  assert.equal(T.invitationFromQr(h(N.qr)).handlerName, N.handler_name);
  assert.equal(T.invitationFromText(V.invitation.text).handlerName, null);
  // A name with a bidi override is refused even though the handler's key signed it.
  assert.throws(() => T.invitationFromText(N.bad_name), (e) => e instanceof T.ProtocolError && e.message === 'damaged');
  // Changing the name breaks the signature: a QR payload with one name byte flipped.
  const qr = h(N.qr);
  const at = T.hex(qr).indexOf(T.hex(T.utf8('Коваль'))) / 2;
  assert.ok(at > 0);
  qr[at + 1] ^= 1; // К (d0 9a) -> d0 9b, still valid UTF-8
  assert.throws(() => T.invitationFromQr(qr), T.VerificationError);
});

test('handler names: the page accepts exactly what Python accepts (vectors)', () => {
  for (const [name, ok] of V.invitation.handler_names) {
    if (ok) assert.equal(T.handlerName(name), name);
    else assert.throws(() => T.handlerName(name), T.ProtocolError, JSON.stringify(name));
  }
});

test('handler names: length, controls, bidi and zero-width characters, spaces, NFC', () => {
  for (const ok of ['Олена', 'Ayşe Qurtseitova', 'مريم', 'x'.repeat(64), 'A B']) assert.equal(T.handlerName(ok), ok);
  for (const bad of ['', 'x'.repeat(65), 'a\u0000b', 'a\nb', 'a\u202eb', 'a\u2066b', 'a\u200bb', 'a\u200fb',
    ' a', 'a ', 'a  b', 'a\u00a0b', 'a\u2028b', 'e\u0301', '\ue000', 7, null]) {
    assert.throws(() => T.handlerName(bad), T.ProtocolError, JSON.stringify(bad));
  }
});

test('envelope.json (tests/vectors/protocol): positives open, negatives are refused', () => {
  const doc = VP('envelope.json');
  const me = identity(doc.recipient_identity);
  const stranger = identity(doc.stranger_identity);
  for (const c of doc.cases) {
    const env = h(c.envelope);
    eqHex(T.sha256(env), c.digest);
    eqHex(T.openEnvelope(env, me).content, c.content);
    assert.throws(() => T.openEnvelope(env, stranger), T.VerificationError);
    for (const [name, bad] of Object.entries(c.negative)) {
      assert.throws(() => T.openEnvelope(h(bad), me), T.TyshaError, name);
    }
  }
});

test('hostile headers: wrong slot count, KEM, length and sizes are ProtocolErrors', () => {
  const c = V.envelopes_dhkem[1];
  const env = h(c.envelope);
  const hd = T.parseHeader(env);
  const m = T.cborDecode(hd.raw.subarray(4));
  const rebuild = (f) => { const x = new Map(m); f(x); const b = T.cborEncode(x); return T.concat(Uint8Array.of(0, 0, b.length >> 8, b.length & 255), b); };
  const cases = {
    one_slot: (x) => { x.set(3, x.get(3).slice(0, 1)); x.set(4, x.get(4).slice(0, 1)); x.set(6, x.get(6).slice(0, 1)); },
    unknown_kem: (x) => x.set(1, 0x0010),
    not_a_bucket: (x) => x.set(5, 8193),
    short_clue: (x) => x.set(3, [x.get(3)[0].slice(0, 7), x.get(3)[1]]),
    extra_field: (x) => x.set(7, 0),
    clue_key_text: (x) => x.set(2, 'abc'),
  };
  for (const [name, f] of Object.entries(cases)) assert.throws(() => T.parseHeader(rebuild(f)), T.ProtocolError, name);
  assert.throws(() => T.parseHeader(Uint8Array.of(0, 1, 0, 1)), T.ProtocolError);
  assert.throws(() => T.parseHeader(new Uint8Array(3)), T.ProtocolError);
});

// [length, base, unit, load, bits]: protocol/pow.py work_bits (tests/browser_js checks the same
// table against Python wherever work_bits exists).
export const WORK_TABLE = [
  [0, 0, 65536, 0, 0], [100, 8, 65536, 0, 8], [65536, 8, 65536, 0, 8], [65537, 8, 65536, 0, 9],
  [131072, 8, 65536, 0, 9], [131073, 8, 65536, 0, 10], [10 << 20, 8, 65536, 2, 18],
  [2 ** 32, 20, 1024, 5, 30], [5, 12, 0, 0, 15], [-1, 8, 65536, -3, 8],
];
test('per-byte work matches work_bits', () => {
  for (const [length, base, unit, load, bits] of WORK_TABLE) assert.equal(T.workBits(length, base, unit, load), bits, String([length, base, unit, load]));
});

test('verifiable listing (version 2): decodes as Python wrote it; malformed ones refused', () => {
  const L = V.listing_v2;
  const recs = T.decodeListing(h(L.listing), L.after);
  assert.deepEqual(recs.map((r) => ({ index: r.index, clue_pub: T.hex(r.cluePub), clues: r.clues.map(T.hex), state: r.state, hour: r.hour })), L.records);
  for (const bad of L.bad) assert.throws(() => T.decodeListing(h(bad)), T.ProtocolError, bad);
  assert.throws(() => T.decodeListing(h(L.listing).slice(0, -1), L.after), T.ProtocolError);
});

test('listing audit: every index accounted for, as audit_page finds (omitted, falsely expired)', () => {
  const L = V.listing_v2;
  const recs = T.decodeListing(h(L.listing), L.after);
  for (const a of L.audits) {
    const page = recs.filter((r) => a.after < r.index && r.index <= a.cursor);
    const out = T.auditPage(page, a.after, a.cursor, a.size, L.now_hour, L.retention_hours);
    assert.deepEqual(out.records.map((r) => r.index), a.records);
    assert.deepEqual([...out.problems.entries()], a.problems);
  }
  const upTo8 = recs.filter((r) => r.index <= 8);
  for (const a of L.refused) {
    assert.throws(() => T.auditPage(upTo8, a.after, a.cursor, a.size, L.now_hour, L.retention_hours), T.VerificationError);
  }
});

test('consistency proofs: Python\'s verify; another history, short, long, altered ones refused', () => {
  const C = V.consistency;
  const args = (c) => [c.old, c.new, h(c.old_root), h(c.new_root), c.proof.map(h)];
  for (const c of C.good) T.verifyConsistency(...args(c));
  assert.ok(C.bad.length >= 7);
  for (const c of C.bad) assert.throws(() => T.verifyConsistency(...args(c)), T.VerificationError, JSON.stringify(c));
});
