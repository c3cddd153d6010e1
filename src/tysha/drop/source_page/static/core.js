/* Tysha browser source: the protocol, byte for byte as src/tysha/protocol and src/tysha/tlog.
 *
 * A classic script (no modules) so that the page, its Web Workers (importScripts) and node's
 * test runner load the same file the same way. It needs globalThis.TyshaNoble (vendor/noble.js:
 * the audited noble libraries, pinned in vendor.lock.json) and defines globalThis.TyshaCore.
 * Every function here is pure: randomness is passed in as rand(n) -> Uint8Array, like the
 * Python core. Errors are ProtocolError (malformed) or VerificationError (does not hold).
 * Each construction cites the Python module whose docstring documents it; tests/js/ checks
 * every one against vectors the Python code writes (tests/vectors/js/).
 */
(function () {
  'use strict';
  const N = globalThis.TyshaNoble;
  if (!N) throw new Error('vendor/noble.js must load before core.js');

  class TyshaError extends Error {}
  class ProtocolError extends TyshaError { constructor(m) { super(m); this.name = 'ProtocolError'; } }
  class VerificationError extends TyshaError { constructor(m) { super(m); this.name = 'VerificationError'; } }

  // --- bytes ------------------------------------------------------------------------------
  const te = new TextEncoder();
  const td = new TextDecoder('utf-8', { fatal: true });
  const utf8 = (s) => te.encode(s);
  function concat(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  function u32be(n) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n); return b; }
  function u64be(n) {
    const b = new Uint8Array(8);
    const v = new DataView(b.buffer);
    v.setUint32(0, Math.floor(n / 4294967296));
    v.setUint32(4, n >>> 0);
    return b;
  }
  function readU32(b, o) { return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o); }
  function readU64(b, o) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const hi = v.getUint32(o);
    if (hi >= 0x200000) throw new ProtocolError('integer too large');
    return hi * 4294967296 + v.getUint32(o + 4);
  }
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  function unhex(s) {
    if (typeof s !== 'string' || s.length % 2 || /[^0-9a-f]/i.test(s)) throw new ProtocolError('not hex');
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }
  function cmpBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function b64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const a = bytes[i], b = bytes[i + 1], c = bytes[i + 2];
      s += B64[a >> 2] + B64[((a & 3) << 4) | ((b ?? 0) >> 4)];
      s += b === undefined ? '=' : B64[((b & 15) << 2) | ((c ?? 0) >> 6)];
      s += c === undefined ? '=' : B64[c & 63];
    }
    return s;
  }
  /** Strict standard base64 (padding required, canonical), as tlog/note.py's _b64decode. */
  function unb64(s, what) {
    if (typeof s !== 'string' || s.length % 4 || /[^A-Za-z0-9+/=]/.test(s)) throw new ProtocolError(`${what} is not valid base64`);
    const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    if (s.slice(0, s.length - pad).includes('=')) throw new ProtocolError(`${what} is not valid base64`);
    const out = new Uint8Array((s.length / 4) * 3 - pad);
    let o = 0;
    for (let i = 0; i < s.length; i += 4) {
      const v = [0, 1, 2, 3].map((k) => (s[i + k] === '=' ? 0 : B64.indexOf(s[i + k])));
      const x = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
      for (const [shift, k] of [[16, 0], [8, 1], [0, 2]]) if (o < out.length && (i / 4) * 3 + k < out.length) out[o++] = (x >> shift) & 255;
    }
    if (b64(out) !== s) throw new ProtocolError(`${what} is not canonical base64`);
    return out;
  }

  // --- deterministic CBOR (protocol/cbor.py; RFC 8949 §4.2.1) -------------------------------
  // Maps are JS Map objects (integer keys need them); integers are Numbers up to 2^53 - 1.
  function head(major, arg) {
    const mt = major << 5;
    if (arg < 24) return Uint8Array.of(mt | arg);
    if (arg <= 0xff) return Uint8Array.of(mt | 24, arg);
    if (arg <= 0xffff) return Uint8Array.of(mt | 25, arg >> 8, arg & 255);
    if (arg <= 0xffffffff) return concat(Uint8Array.of(mt | 26), u32be(arg));
    return concat(Uint8Array.of(mt | 27), u64be(arg));
  }
  function encInto(v, out, depth) {
    if (depth > 64) throw new ProtocolError('CBOR value nests too deeply to encode');
    if (v === true) out.push(Uint8Array.of(0xf5));
    else if (v === false) out.push(Uint8Array.of(0xf4));
    else if (v === null) out.push(Uint8Array.of(0xf6));
    else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new ProtocolError('only safe integers encode as CBOR');
      out.push(v >= 0 ? head(0, v) : head(1, -1 - v));
    } else if (v instanceof Uint8Array) { out.push(head(2, v.length), v); }
    else if (typeof v === 'string') { const b = utf8(v); out.push(head(3, b.length), b); }
    else if (Array.isArray(v)) {
      out.push(head(4, v.length));
      for (const x of v) encInto(x, out, depth + 1);
    } else if (v instanceof Map) {
      const items = [];
      for (const [k, x] of v) { const kb = []; encInto(k, kb, depth + 1); items.push([concat(...kb), x]); }
      items.sort((a, b) => cmpBytes(a[0], b[0]));
      for (let i = 1; i < items.length; i++) if (cmpBytes(items[i][0], items[i - 1][0]) === 0) throw new ProtocolError('duplicate map key');
      out.push(head(5, items.length));
      for (const [kb, x] of items) { out.push(kb); encInto(x, out, depth + 1); }
    } else throw new ProtocolError(`cannot encode ${typeof v} as CBOR`);
  }
  function cborEncode(v) { const out = []; encInto(v, out, 0); return concat(...out); }

  function cborDecode(data, { maxBytes = 1 << 20, maxItems = 4096, maxDepth = 16 } = {}) {
    if (!(data instanceof Uint8Array)) throw new ProtocolError('CBOR input must be bytes');
    let pos = 0;
    const take = (n) => {
      if (pos + n > data.length) throw new ProtocolError('CBOR data is truncated');
      const c = data.subarray(pos, pos + n); pos += n; return c;
    };
    const nonCanon = () => new ProtocolError('non-canonical CBOR: integer argument not in shortest form');
    function arg(info) {
      if (info < 24) return info;
      if (info === 24) { const v = take(1)[0]; if (v < 24) throw nonCanon(); return v; }
      if (info === 25) { const b = take(2); const v = (b[0] << 8) | b[1]; if (v <= 0xff) throw nonCanon(); return v; }
      if (info === 26) { const v = readU32(take(4), 0); if (v <= 0xffff) throw nonCanon(); return v; }
      if (info === 27) { const v = readU64(take(8), 0); if (v <= 0xffffffff) throw nonCanon(); return v; }
      if (info === 31) throw new ProtocolError('indefinite-length CBOR items are not allowed');
      throw new ProtocolError('reserved CBOR additional information value');
    }
    function item(depth) {
      if (depth > maxDepth) throw new ProtocolError('CBOR nests too deeply');
      const ib = take(1)[0];
      const major = ib >> 5, info = ib & 31;
      if (major === 7) {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw new ProtocolError('unsupported CBOR simple value or float');
      }
      const a = arg(info);
      switch (major) {
        case 0: return a;
        case 1: return -1 - a;
        case 2: if (a > maxBytes) throw new ProtocolError('CBOR byte string too long'); return take(a).slice();
        case 3: {
          if (a > maxBytes) throw new ProtocolError('CBOR text too long');
          try { return td.decode(take(a)); } catch (e) { if (e instanceof ProtocolError) throw e; throw new ProtocolError('CBOR text string is not valid UTF-8'); }
        }
        case 4: {
          if (a > maxItems) throw new ProtocolError('CBOR array too long');
          const arr = [];
          for (let i = 0; i < a; i++) arr.push(item(depth + 1));
          return arr;
        }
        case 5: {
          if (a > maxItems) throw new ProtocolError('CBOR map too long');
          const m = new Map();
          let prev = null;
          for (let i = 0; i < a; i++) {
            const start = pos;
            const k = item(depth + 1);
            const kb = data.subarray(start, pos);
            if (prev !== null && cmpBytes(kb, prev) <= 0) {
              throw new ProtocolError(cmpBytes(kb, prev) === 0 ? 'duplicate key in CBOR map' : 'non-canonical CBOR: map keys out of order');
            }
            if (typeof k === 'object' && k !== null && !(k instanceof Uint8Array)) throw new ProtocolError('CBOR map keys must be integers or strings');
            prev = kb;
            m.set(k, item(depth + 1));
          }
          return m;
        }
        default: throw new ProtocolError('CBOR tags are not allowed');
      }
    }
    const v = item(0);
    if (pos !== data.length) throw new ProtocolError(`${data.length - pos} trailing bytes after the CBOR item`);
    return v;
  }
  const M = (obj) => new Map(Object.entries(obj).map(([k, v]) => [/^\d+$/.test(k) ? Number(k) : k, v]));

  // --- field checks (protocol/_wire.py) ------------------------------------------------------
  function expectMap(obj, keys, what, version = 1) {
    if (!(obj instanceof Map)) throw new ProtocolError(`${what} is not a map`);
    if (obj.get(0) !== version) throw new ProtocolError(`unsupported ${what} version`);
    if (obj.size !== keys.length || !keys.every((k) => obj.has(k))) throw new ProtocolError(`${what} has missing or unknown fields`);
    return obj;
  }
  function fixedBytes(v, what, n) {
    if (!(v instanceof Uint8Array) || v.length !== n) throw new ProtocolError(`${what} must be ${n} bytes`);
    return v;
  }
  function text(v, what, maxChars, empty = true) {
    if (typeof v !== 'string') throw new ProtocolError(`${what} is not text`);
    if ([...v].length > maxChars) throw new ProtocolError(`${what} is longer than ${maxChars} characters`);
    if (!empty && !v) throw new ProtocolError(`${what} is empty`);
    if (v.includes('\0')) throw new ProtocolError(`${what} holds a NUL character`);
    return v;
  }
  function integer(v, what, lo, hi) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ProtocolError(`${what} is not an integer`);
    if (v < lo || v > hi) throw new ProtocolError(`${what} is out of range`);
    return v;
  }

  // --- hashes, HKDF, HPKE labels (protocol/kem.py) -----------------------------------------------
  const sha256 = (b) => N.sha256(b);
  const hkdfExtract = (salt, ikm) => N.extract(N.sha256, ikm, salt.length ? salt : new Uint8Array(32));
  const hkdfExpand = (prk, info, len) => N.expand(N.sha256, prk, info, len);
  const HPKE_V1 = utf8('HPKE-v1');
  const labeledExtract = (sid, salt, label, ikm) => hkdfExtract(salt, concat(HPKE_V1, sid, utf8(label), ikm));
  const labeledExpand = (sid, prk, label, info, len) =>
    hkdfExpand(prk, concat(Uint8Array.of(len >> 8, len & 255), HPKE_V1, sid, utf8(label), info), len);

  function x25519Shared(priv, pub) {
    if (priv.length !== 32 || pub.length !== 32) throw new ProtocolError('X25519 keys are 32 bytes');
    let out;
    try { out = N.x25519.getSharedSecret(priv, pub); } catch (e) { throw new VerificationError('X25519 key agreement failed (invalid public key)'); }
    if (out.every((x) => x === 0)) throw new VerificationError('X25519 key agreement failed (invalid public key)');
    return out;
  }
  const x25519Public = (priv) => N.x25519.getPublicKey(priv);

  const KEM_X25519 = 0x0020, KEM_XWING = 0x647a;

  const DhKem = {
    id: KEM_X25519, nEnc: 32, nPk: 32, nRand: 32,
    sid: concat(utf8('KEM'), Uint8Array.of(0x00, 0x20)),
    deriveKeyPair(ikm) {
      const prk = labeledExtract(this.sid, new Uint8Array(0), 'dkp_prk', ikm);
      const sk = labeledExpand(this.sid, prk, 'sk', new Uint8Array(0), 32);
      return { secret: sk, public: x25519Public(sk) };
    },
    publicKey(secret) { return x25519Public(secret); },
    eae(dh, ctx) {
      const prk = labeledExtract(this.sid, new Uint8Array(0), 'eae_prk', dh);
      return labeledExpand(this.sid, prk, 'shared_secret', ctx, 32);
    },
    encap(pk, rand) {
      if (pk.length !== 32) throw new ProtocolError('public key must be 32 bytes');
      const eph = this.deriveKeyPair(rand);
      return { ss: this.eae(x25519Shared(eph.secret, pk), concat(eph.public, pk)), enc: eph.public };
    },
    decap(enc, sk) {
      if (enc.length !== 32) throw new ProtocolError('encapsulation must be 32 bytes');
      return this.eae(x25519Shared(sk, enc), concat(enc, x25519Public(sk)));
    },
    /** A look-alike slot's enc (protocol/kem.py lookalike_enc): what encap(any, rand) gives. */
    lookalikeEnc(rand) {
      if (rand.length !== 32) throw new ProtocolError('a look-alike takes 32 bytes of randomness');
      return this.deriveKeyPair(rand).public;
    },
  };

  // X-Wing (draft-connolly-cfrg-xwing-kem), as protocol/kem.py's XWing.
  const XWING_LABEL = utf8('\\.//^\\');
  const XWing = {
    id: KEM_XWING, nEnc: 1120, nPk: 1216, nRand: 32,
    expand(seed) {
      if (seed.length !== 32) throw new ProtocolError('an X-Wing private key is a 32-byte seed');
      const e = N.shake256(seed, { dkLen: 96 });
      const m = N.ml_kem768.keygen(e.subarray(0, 64));
      const skX = e.slice(64, 96);
      return { pkM: m.publicKey, skM: m.secretKey, skX, pkX: x25519Public(skX) };
    },
    /** HPKE DeriveKeyPair: seed = SHAKE256(ikm, 32) (drafts -06 to -10, "Use in HPKE"). */
    deriveKeyPair(ikm) {
      const seed = N.shake256(ikm, { dkLen: 32 });
      const k = this.expand(seed);
      return { secret: seed, public: concat(k.pkM, k.pkX) };
    },
    publicKey(secret) { const k = this.expand(secret); return concat(k.pkM, k.pkX); },
    combine(ssM, ssX, ctX, pkX) { return N.sha3_256(concat(ssM, ssX, ctX, pkX, XWING_LABEL)); },
    /** rand: the X25519 ephemeral (32 bytes, as Python); mRand: ML-KEM's message (32). */
    encap(pk, rand, mRand) {
      if (pk.length !== this.nPk) throw new ProtocolError(`public key must be ${this.nPk} bytes`);
      if (rand.length !== 32 || mRand.length !== 32) throw new ProtocolError('X-Wing encapsulation takes 32 bytes of randomness');
      const pkM = pk.subarray(0, 1184), pkX = pk.subarray(1184);
      let r;
      try { r = N.ml_kem768.encapsulate(pkM, mRand); } catch (e) { throw new ProtocolError('invalid ML-KEM-768 public key'); }
      const ctX = x25519Public(rand);
      const ssX = x25519Shared(rand, pkX);
      return { ss: this.combine(r.sharedSecret, ssX, ctX, pkX), enc: concat(r.cipherText, ctX) };
    },
    decap(enc, secret) {
      if (enc.length !== this.nEnc) throw new ProtocolError(`encapsulation must be ${this.nEnc} bytes`);
      const k = this.expand(secret);
      const ctM = enc.subarray(0, 1088), ctX = enc.subarray(1088);
      const ssM = N.ml_kem768.decapsulate(ctM, k.skM);
      return this.combine(ssM, x25519Shared(k.skX, ctX), ctX, k.pkX);
    },
    /** A look-alike slot's enc (protocol/kem.py lookalike_enc): ct_M an encapsulation to the
     * key pair of seed rand, ct_X its pk_X; ML-KEM's message is bytes 96-127 of SHAKE256(rand). */
    lookalikeEnc(rand) {
      if (rand.length !== 32) throw new ProtocolError('a look-alike takes 32 bytes of randomness');
      const k = this.expand(rand);
      const message = N.shake256(rand, { dkLen: 128 }).subarray(96);
      return concat(N.ml_kem768.encapsulate(k.pkM, message).cipherText, k.pkX);
    },
  };
  function kemFor(id) {
    if (id === KEM_XWING) return XWing;
    if (id === KEM_X25519) return DhKem;
    throw new ProtocolError(`unknown KEM id ${id}`);
  }

  // --- HPKE base mode (protocol/hpke.py; RFC 9180 §5.1) --------------------------------------
  function keySchedule(kem, ss, info) {
    const sid = concat(utf8('HPKE'), Uint8Array.of(kem.id >> 8, kem.id & 255, 0, 1, 0, 3));
    const pskIdHash = labeledExtract(sid, new Uint8Array(0), 'psk_id_hash', new Uint8Array(0));
    const infoHash = labeledExtract(sid, new Uint8Array(0), 'info_hash', info);
    const ctx = concat(Uint8Array.of(0), pskIdHash, infoHash);
    const secret = labeledExtract(sid, ss, 'secret', new Uint8Array(0));
    return { key: labeledExpand(sid, secret, 'key', ctx, 32), nonce: labeledExpand(sid, secret, 'base_nonce', ctx, 12) };
  }
  /** SetupBaseS + Seal with sequence 0. rand(n) gives the KEM's randomness. */
  function hpkeSeal(kemId, pk, info, aad, pt, rand) {
    const kem = kemFor(kemId);
    const { ss, enc } = kemId === KEM_XWING ? kem.encap(pk, rand(32), rand(32)) : kem.encap(pk, rand(32));
    const c = keySchedule(kem, ss, info);
    return { enc, ct: N.chacha20poly1305(c.key, c.nonce, aad).encrypt(pt) };
  }
  function hpkeOpen(kemId, sk, enc, info, aad, ct) {
    const kem = kemFor(kemId);
    const c = keySchedule(kem, kem.decap(enc, sk), info);
    try { return N.chacha20poly1305(c.key, c.nonce, aad).decrypt(ct); } catch (e) { throw new VerificationError('HPKE decryption failed: wrong key or altered data'); }
  }

  // --- padding (protocol/padding.py) ----------------------------------------------------------
  const TEXT_BUCKET = 8 * 1024;
  const bitLength = (n) => (n === 0 ? 0 : n.toString(2).length);
  function padme(L) {
    if (L < 2) return L;
    const e = bitLength(L) - 1;
    const s = bitLength(e);
    const mask = 2 ** (e - s) - 1;
    return Math.floor((L + mask) / (mask + 1)) * (mask + 1);
  }
  const paddedLength = (framed) => (framed <= TEXT_BUCKET ? TEXT_BUCKET : padme(framed));
  const isValidPaddedLength = (L) => L === TEXT_BUCKET || (L > TEXT_BUCKET && padme(L) === L);

  // --- STREAM (protocol/stream.py) -------------------------------------------------------------
  const CHUNK = 64 * 1024, TAG = 16;
  function streamNonce(counter, last) {
    const n = new Uint8Array(12);
    n.set(u64be(counter), 3);
    n[11] = last ? 1 : 0;
    return n;
  }

  // --- envelopes (protocol/envelope.py) -------------------------------------------------------
  const MIN_SLOTS = 2, MAX_SLOTS = 16, CLUE_SIZE = 8, WRAPPED = 64, MAX_HEADER = 64 * 1024;
  const SLOT_INFO = utf8('tysha/v1 slot'), PAYLOAD_INFO = utf8('tysha/v1 payload');
  const CLUE_PERSON = concat(utf8('tysha-clue-v1'), new Uint8Array(3));
  const clueFor = (shared, cluePub, recipClue) =>
    N.blake2b(concat(cluePub, recipClue), { dkLen: CLUE_SIZE, key: shared, personalization: CLUE_PERSON });
  const slotAad = (kemId, cluePub, clues, length, dels) =>
    sha256(cborEncode(M({ 0: 1, 1: kemId, 2: cluePub, 3: clues, 5: length, 6: dels })));
  const payloadKey = (contentKey, headerRaw) => hkdfExpand(hkdfExtract(sha256(headerRaw), contentKey), PAYLOAD_INFO, 32);
  /** protocol/envelope.py lookalike_deletion_secret: the k-th look-alike slot's deletion secret. */
  const LOOKALIKE_DELETION_INFO = utf8('tysha/v1 look-alike deletion');
  const lookalikeDeletionSecret = (contentKey, k) =>
    hkdfExpand(hkdfExtract(new Uint8Array(0), contentKey), concat(LOOKALIKE_DELETION_INFO, Uint8Array.of(k)), 32);
  /** protocol/envelope.py deletion_secrets: the slot's own secret, then the look-alikes'. */
  function deletionSecrets(dels, contentKey, own) {
    const out = [own];
    for (let k = 0; k < dels.length - 1; k++) {
      const s = lookalikeDeletionSecret(contentKey, k);
      const h = sha256(s);
      if (!dels.some((d) => equal(d, h))) break;
      out.push(s);
    }
    return out;
  }

  function shuffle(items, rand) {
    for (let i = items.length - 1; i > 0; i--) {
      const bound = i + 1;
      const limit = 2 ** 32 - (2 ** 32 % bound);
      let x;
      do { x = readU32(rand(4), 0); } while (x >= limit);
      const j = x % bound;
      [items[i], items[j]] = [items[j], items[i]];
    }
  }

  /** The streaming sealer: `.header`, then `.chunk(piece)` / `.finish()` each return sealed bytes.
   * recipients: [{kem_id, kem, clue}] public identities. Same draws from rand as Python's
   * EnvelopeSealer, so a DHKEM envelope is byte-identical for the same rand. */
  class EnvelopeSealer {
    constructor(recipients, contentLength, rand, kemId = KEM_XWING) {
      if (recipients.length < 1 || recipients.length > MAX_SLOTS) throw new ProtocolError('an envelope needs 1 to 16 recipients');
      const kem = kemFor(kemId);
      for (const r of recipients) if (r.kemId !== kemId) throw new ProtocolError("every recipient must use the envelope's KEM");
      this.contentLength = contentLength;
      this.length = paddedLength(contentLength + 8);
      if (this.length > 2 ** 32) throw new ProtocolError('content is too large for one envelope');
      const contentKey = rand(32);
      const e = rand(32);
      const cluePub = x25519Public(e);
      const n = Math.max(MIN_SLOTS, recipients.length);
      const entries = recipients.map((r) => [clueFor(x25519Shared(e, r.clue), cluePub, r.clue), rand(32), r]);
      for (let k = 0; entries.length < n; k++) entries.push([rand(CLUE_SIZE), lookalikeDeletionSecret(contentKey, k), null]);
      shuffle(entries, rand);
      const clues = entries.map((x) => x[0]);
      const dels = entries.map((x) => sha256(x[1]));
      const aad = slotAad(kemId, cluePub, clues, this.length, dels);
      const slots = entries.map(([, del, r]) => {
        if (r === null) return concat(kem.lookalikeEnc(rand(32)), rand(WRAPPED + TAG));  // as Python's
        const { enc, ct } = hpkeSeal(kemId, r.kem, SLOT_INFO, aad, concat(contentKey, del), rand);
        return concat(enc, ct);
      });
      const body = cborEncode(M({ 0: 1, 1: kemId, 2: cluePub, 3: clues, 4: slots, 5: this.length, 6: dels }));
      this.header = concat(u32be(body.length), body);
      this.key = payloadKey(contentKey, this.header);
      this.counter = 0;
      this.buf = new Uint8Array(CHUNK);
      this.fill = 0;
      this.fed = 0;
      this.emitted = 0;
      this.put(u64be(contentLength), []);
    }
    get envelopeLength() { return this.header.length + this.length + Math.ceil(this.length / CHUNK) * TAG; }
    seal(last) {
      const pt = this.buf.slice(0, this.fill);
      const ct = N.chacha20poly1305(this.key, streamNonce(this.counter++, last)).encrypt(pt);
      this.emitted += this.fill;
      this.fill = 0;
      return ct;
    }
    put(piece, out) {
      let o = 0;
      while (o < piece.length) {
        // Seal a full chunk only when more follows: the final chunk must carry the last flag.
        if (this.fill === CHUNK) out.push(this.seal(false));
        const take = Math.min(CHUNK - this.fill, piece.length - o);
        this.buf.set(piece.subarray(o, o + take), this.fill);
        this.fill += take; o += take;
      }
      return out;
    }
    /** Feed content; returns sealed chunks (concatenated) ready to send. */
    chunk(piece) {
      this.fed += piece.length;
      if (this.fed > this.contentLength) throw new ProtocolError('more content than announced');
      return concat(...this.put(piece, []));
    }
    finish() {
      if (this.fed !== this.contentLength) throw new ProtocolError('less content than announced');
      const out = [];
      let remaining = this.length - this.emitted - this.fill;
      while (remaining > 0) {
        if (this.fill === CHUNK) out.push(this.seal(false));
        const take = Math.min(CHUNK - this.fill, remaining);
        this.buf.fill(0, this.fill, this.fill + take);
        this.fill += take; remaining -= take;
      }
      out.push(this.seal(true));
      return concat(...out);
    }
  }
  function sealEnvelope(content, recipients, rand, kemId = KEM_XWING) {
    const s = new EnvelopeSealer(recipients, content.length, rand, kemId);
    return concat(s.header, s.chunk(content), s.finish());
  }

  function parseHeader(data) {
    if (data.length < 4) throw new ProtocolError('envelope is truncated before its header length');
    const hlen = readU32(data, 0);
    if (hlen > MAX_HEADER) throw new ProtocolError('envelope header too large');
    if (data.length < 4 + hlen) throw new ProtocolError('envelope is truncated inside its header');
    const raw = data.slice(0, 4 + hlen);
    const o = cborDecode(raw.subarray(4), { maxBytes: MAX_HEADER, maxItems: MAX_SLOTS + 8, maxDepth: 3 });
    const h = expectMap(o, [0, 1, 2, 3, 4, 5, 6], 'envelope header');
    const kem = kemFor(h.get(1));
    const cluePub = fixedBytes(h.get(2), 'envelope clue key', 32);
    const clues = h.get(3), slots = h.get(4), dels = h.get(6), length = h.get(5);
    if (![clues, slots, dels].every(Array.isArray)) throw new ProtocolError('envelope clues, slots and deletion hashes must be arrays');
    const n = slots.length;
    if (n < MIN_SLOTS || n > MAX_SLOTS || clues.length !== n || dels.length !== n) throw new ProtocolError('envelope must have 2 to 16 slots');
    clues.forEach((c) => fixedBytes(c, 'clue', CLUE_SIZE));
    slots.forEach((s) => fixedBytes(s, 'slot', kem.nEnc + WRAPPED + TAG));
    dels.forEach((d) => fixedBytes(d, 'deletion hash', 32));
    integer(length, 'envelope payload length', 1, 2 ** 32);
    if (!isValidPaddedLength(length)) throw new ProtocolError('envelope payload length is not a padding bucket');
    return { kemId: kem.id, cluePub, clues, slots, length, dels, raw };
  }

  function findSlot(cluePub, clues, clueSecret, cluePublic) {
    let shared;
    try { shared = x25519Shared(clueSecret, cluePub); } catch (e) { return null; }
    const mine = clueFor(shared, cluePub, cluePublic);
    const i = clues.findIndex((c) => equal(c, mine));
    return i < 0 ? null : i;
  }

  /** Open a whole in-memory envelope for an identity (from identityFrom*). */
  function openEnvelope(data, identity) {
    const h = parseHeader(data);
    const chunks = Math.ceil(h.length / CHUNK);
    if (data.length !== h.raw.length + h.length + chunks * TAG) throw new ProtocolError('envelope length does not match its header');
    const slot = findSlot(h.cluePub, h.clues, identity.clueSecret, identity.public.clue);
    if (slot === null) throw new VerificationError('this envelope is not addressed to this key');
    if (h.kemId !== identity.kemId) throw new VerificationError('this envelope uses a KEM this key does not have');
    const kem = kemFor(h.kemId);
    const s = h.slots[slot];
    const wrapped = hpkeOpen(h.kemId, identity.kemSecret, s.subarray(0, kem.nEnc), SLOT_INFO,
      slotAad(h.kemId, h.cluePub, h.clues, h.length, h.dels), s.subarray(kem.nEnc));
    const contentKey = wrapped.subarray(0, 32), delSecret = wrapped.slice(32);
    if (!equal(sha256(delSecret), h.dels[slot])) throw new VerificationError('slot deletion secret does not match the header');
    const key = payloadKey(contentKey, h.raw);
    const pt = new Uint8Array(h.length);
    let pos = h.raw.length;
    for (let i = 0; i < chunks; i++) {
      const last = i === chunks - 1;
      const size = last ? h.length - i * CHUNK : CHUNK;
      let p;
      try { p = N.chacha20poly1305(key, streamNonce(i, last)).decrypt(data.subarray(pos, pos + size + TAG)); }
      catch (e) { throw new VerificationError(`payload chunk ${i} does not authenticate`); }
      pt.set(p, i * CHUNK);
      pos += size + TAG;
    }
    const clen = readU64(pt, 0);
    if (clen + 8 > h.length) throw new VerificationError('content length exceeds the padded payload');
    if (pt.subarray(8 + clen).some((x) => x !== 0)) throw new VerificationError('envelope padding is not zero');
    return { slot, deletionSecret: delSecret, deletionSecrets: deletionSecrets(h.dels, contentKey, delSecret), content: pt.slice(8, 8 + clen) };
  }

  // --- clue listing (protocol/clues.py) ----------------------------------------------------------
  function decodeClueRecords(data, after = -1, maxRecords = 100000) {
    const recs = [];
    let pos = 0, prev = after;
    while (pos < data.length) {
      if (recs.length >= maxRecords) throw new ProtocolError('too many clue records');
      let delta = 0, mul = 1;
      const start = pos;
      for (;;) {
        if (pos >= data.length) throw new ProtocolError('clue listing truncated in a varint');
        const b = data[pos++];
        delta += (b & 0x7f) * mul;
        mul *= 128;
        if (!(b & 0x80)) break;
        if (pos - start > 7) throw new ProtocolError('varint too long');
      }
      if (pos - start > 1 && data[pos - 1] === 0) throw new ProtocolError('non-minimal varint in clue listing');
      if (pos + 33 > data.length) throw new ProtocolError('clue listing truncated in a record');
      const cluePub = data.slice(pos, pos + 32);
      const count = data[pos + 32];
      pos += 33;
      if (count < MIN_SLOTS || count > MAX_SLOTS) throw new ProtocolError('clue record has an impossible slot count');
      const end = pos + count * CLUE_SIZE;
      if (end > data.length) throw new ProtocolError('clue listing truncated in the clues');
      const clues = [];
      for (let i = pos; i < end; i += CLUE_SIZE) clues.push(data.slice(i, i + CLUE_SIZE));
      pos = end;
      prev = prev + delta + 1;
      recs.push({ index: prev, cluePub, clues });
    }
    return recs;
  }


  // --- the verifiable listing, version 2 (protocol/listing.py) --------------------------------------
  const LIVE = 'live', DELETED = 'deleted', EXPIRED = 'expired';
  const STATES = [LIVE, DELETED, EXPIRED];
  const EXPIRY_SLACK_HOURS = 24;
  /** An unsigned LEB128 varint, minimal, at most 64 bits (_wire.read_uvarint): [value, pos]. */
  function readUvarint(data, pos, what) {
    let value = 0, shift = 0;
    const start = pos;
    for (;;) {
      if (pos >= data.length) throw new ProtocolError(`${what} truncated in a varint`);
      const b = data[pos++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) break;
      if (shift > 63) throw new ProtocolError('varint too long');
    }
    if (pos - start > 1 && data[pos - 1] === 0) throw new ProtocolError(`non-minimal varint in ${what}`);
    if (!Number.isSafeInteger(value)) throw new ProtocolError(`${what}: a number out of range`);
    return [value, pos];
  }
  /** decode_listing: every log index after `after`, live or gone, as {index, cluePub, clues, state, hour}. */
  function decodeListing(data, after = -1, maxRecords = 100000) {
    const recs = [];
    let pos = 0, prev = after;
    while (pos < data.length) {
      if (recs.length >= maxRecords) throw new ProtocolError('too many listing records');
      let delta;
      [delta, pos] = readUvarint(data, pos, 'listing');
      if (pos + 1 + 32 + 1 > data.length) throw new ProtocolError('listing truncated in a record');
      const code = data[pos];
      if (code >= STATES.length) throw new ProtocolError('listing record has an unknown state');
      const cluePub = data.slice(pos + 1, pos + 33);
      const count = data[pos + 33];
      pos += 34;
      if (count < MIN_SLOTS || count > MAX_SLOTS) throw new ProtocolError('listing record has an impossible slot count');
      const end = pos + count * CLUE_SIZE;
      if (end > data.length) throw new ProtocolError('listing truncated in the clues');
      const clues = [];
      for (let i = pos; i < end; i += CLUE_SIZE) clues.push(data.slice(i, i + CLUE_SIZE));
      pos = end;
      let hour = null;
      if (STATES[code] === EXPIRED) [hour, pos] = readUvarint(data, pos, 'listing');
      prev = prev + delta + 1;
      if (!Number.isSafeInteger(prev)) throw new ProtocolError('listing index out of range');
      recs.push({ index: prev, cluePub, clues, state: STATES[code], hour });
    }
    return recs;
  }
  const hourText = (hour) => {
    const ms = hour * 3600 * 1000;
    return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15
      ? new Date(ms).toISOString().slice(0, 13).replace('T', ' ') + ':00 UTC' : `hour ${hour}`;
  };
  /** audit_page: one page (after, cursor] of the listing against a VERIFIED checkpoint of `size`
   * entries. Throws VerificationError when the page cannot be used; else {records, problems},
   * every index of the page in one of them (problems: index -> what the drop did). */
  function auditPage(records, after, cursor, size, nowHour, retentionHours) {
    if (!(after < cursor && cursor < size)) {
      throw new VerificationError(`the listing page (${after}, ${cursor}] is not inside the verified log (${size})`);
    }
    if (records.some((r) => !(after < r.index && r.index <= cursor))) {
      throw new VerificationError('the listing holds records outside the page it names');
    }
    const byIndex = new Map(records.map((r) => [r.index, r]));
    const out = { records: [], problems: new Map() };
    for (let i = after + 1; i <= cursor; i++) {
      const rec = byIndex.get(i);
      if (rec === undefined) out.problems.set(i, 'omitted from the listing');
      else if (rec.state === EXPIRED && (rec.hour === null || rec.hour + retentionHours > nowHour + EXPIRY_SLACK_HOURS)) {
        out.problems.set(i, rec.hour === null ? 'claimed expired, but it arrived too recently (no hour given)'
          : `claimed expired, but it arrived too recently (${hourText(rec.hour)})`);
      } else out.records.push(rec);
    }
    return out;
  }
  /** RFC 9162 §2.1.4.2 (tlog.verify_consistency): the tree (newSize, newRoot) extends
   * (oldSize, oldRoot). Throws VerificationError on any mismatch. */
  const EMPTY_ROOT = sha256(new Uint8Array(0));
  function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
    if (oldRoot.length !== 32 || newRoot.length !== 32) throw new VerificationError('a root is not 32 bytes');
    if (!(oldSize >= 0 && newSize >= oldSize)) throw new VerificationError(`a tree of size ${newSize} cannot extend a tree of size ${oldSize}`);
    if (proof.some((p) => p.length !== 32)) throw new VerificationError('consistency proof hash is not 32 bytes');
    if (oldSize === 0 || oldSize === newSize) {
      if (proof.length) throw new VerificationError('consistency proof is too long');
      if (oldSize === 0 ? !equal(oldRoot, EMPTY_ROOT) : !equal(oldRoot, newRoot)) {
        throw new VerificationError(`trees of the same size ${oldSize} have different roots`);
      }
      return;
    }
    const path = [...proof];
    if (2 ** Math.round(Math.log2(oldSize)) === oldSize) path.unshift(oldRoot);  // a power of two
    if (!path.length) throw new VerificationError('consistency proof is too short');
    let fn = oldSize - 1, sn = newSize - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) throw new VerificationError('consistency proof is too long');
      if (fn % 2 === 1 || fn === sn) {
        fr = nodeHash(c, fr); sr = nodeHash(c, sr);
        if (fn % 2 === 0) while (fn !== 0 && fn % 2 === 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else sr = nodeHash(sr, c);
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new VerificationError('consistency proof is too short');
    if (!equal(fr, oldRoot)) throw new VerificationError('the consistency proof does not lead to the old root');
    if (!equal(sr, newRoot)) throw new VerificationError('the consistency proof does not lead to the new root');
  }
  // --- identities (protocol/keys.py) ---------------------------------------------------------------
  const identityObj = (p) => M({ 0: p.sign, 1: p.kemId, 2: p.kem, 3: p.clue });
  function identityFromObj(o) {
    if (!(o instanceof Map) || o.size !== 4 || ![0, 1, 2, 3].every((k) => o.has(k))) throw new ProtocolError('malformed public identity');
    const kemId = o.get(1);
    if (typeof kemId !== 'number') throw new ProtocolError('malformed public identity');
    const p = { sign: fixedBytes(o.get(0), 'signing key', 32), kemId, kem: o.get(2), clue: fixedBytes(o.get(3), 'clue key', 32) };
    fixedBytes(p.kem, 'KEM public key', kemFor(kemId).nPk);
    return p;
  }
  function fingerprint(p) {
    const d = sha256(concat(utf8('tysha fingerprint v1\0'), cborEncode(identityObj(p))));
    const groups = [];
    for (let i = 0; i < 30; i += 5) {
      let v = 0;
      for (let k = 0; k < 5; k++) v = v * 256 + d[i + k];
      groups.push(String(v % 100000).padStart(5, '0'));
    }
    return groups.join(' ');
  }
  const signMessage = (seed, domain, msg) => N.ed25519.sign(concat(utf8(domain), Uint8Array.of(0), msg), seed);
  function verifySignature(pub, domain, msg, sig) {
    let ok = false;
    try { ok = N.ed25519.verify(sig, concat(utf8(domain), Uint8Array.of(0), msg), pub, { zip215: false }); } catch (e) { ok = false; }
    if (!ok) throw new VerificationError(`Ed25519 signature over ${domain} does not verify`);
  }
  function identityFromSecrets(signSeed, kemId, kemSecret, clueSecret) {
    return {
      signSeed, kemId, kemSecret, clueSecret,
      public: { sign: N.ed25519.getPublicKey(signSeed), kemId, kem: kemFor(kemId).publicKey(kemSecret), clue: x25519Public(clueSecret) },
    };
  }

  // --- codename (protocol/codename.py) -------------------------------------------------------------
  const CODENAME_SALT = sha256(utf8('tysha/v1 codename')).slice(0, 16);
  const CODENAME_T = 2, CODENAME_M_KIB = 19 * 1024;
  // Crimean Tatar letters as the Latin letters a keyboard without them has (codename.py _FOLD).
  const FOLD = { 'ç': 'c', 'ğ': 'g', 'ı': 'i', 'ñ': 'n', 'ö': 'o', 'ş': 's', 'ü': 'u' };
  function normalizeCodename(s) {
    // ё is written е by most people: both give the same keys; so is a crh word typed without
    // its letters ("qırım" = "qirim"), and a lower-cased "İ" ("i" + combining dot) is "i".
    const low = s.normalize('NFKC').toLowerCase().replace(/ё/g, 'е');
    return low.replace(/i\u0307/g, 'i').replace(/[çğıñöşü]/g, (c) => FOLD[c]).split(/\s+/u).filter(Boolean).join(' ');
  }
  /** Argon2id(codename) -> three HKDF-Expand labels -> Ed25519 seed, X-Wing DeriveKeyPair, clue. */
  function identityFromCodename(codename, params = { t: CODENAME_T, m: CODENAME_M_KIB }) {
    const norm = normalizeCodename(codename);
    if (!norm) throw new ProtocolError('the codename is empty');
    const master = N.argon2id(utf8(norm), CODENAME_SALT, { t: params.t, m: params.m, p: 1, dkLen: 32 });
    const sub = (l) => hkdfExpand(master, utf8(`tysha/v1 codename ${l}`), 32);
    const kem = XWing.deriveKeyPair(sub('kem'));
    return identityFromSecrets(sub('sign'), KEM_XWING, kem.secret, sub('clue'));
  }

  // --- capture attestation and manifest (protocol/capture.py, manifest.py) --------------------------
  function captureAttestation(identity, claims) {
    // claims: Map with text keys (sha256, size, media_type, name, device_time, exif_time, exif_gps)
    const sig = signMessage(identity.signSeed, 'tysha/v1 capture-attestation', cborEncode(claims));
    return M({ 0: 1, 1: claims, 2: identity.public.sign, 3: sig });
  }
  /** A signed report manifest. attachments: [{name, mediaType, size, sha256, attestation}]. */
  function signedManifest(identity, kind, body, attachments, enrolment) {
    const fields = M({
      0: 1, 1: kind, 2: identityObj(identity.public), 3: body,
      4: attachments.map((a) => M({ 0: a.name, 1: a.mediaType, 2: a.size, 3: a.sha256, 4: a.attestation ?? null })),
      5: enrolment ?? null,
    });
    const sig = signMessage(identity.signSeed, 'tysha/v1 manifest', cborEncode(fields));
    fields.set(6, sig);
    return cborEncode(fields);
  }
  const frameContent = (manifest) => concat(u32be(manifest.length), manifest);
  /** Parse a reply's content: the manifest with its signature verified. With `signer` (the
   * pinned handler) a reply by another key throws unless `allowOther`, which only reports it
   * in `fromSigner` (a fresh phone with a codename but no invitation has no pinned handler). */
  function readReply(content, signer, allowOther = false) {
    if (content.length < 4) throw new ProtocolError('content ended before the manifest');
    const mlen = readU32(content, 0);
    if (4 + mlen !== content.length) throw new ProtocolError('a reply carries no attachments');
    const o = expectMap(cborDecode(content.subarray(4)), [0, 1, 2, 3, 4, 5, 6], 'manifest');
    if (o.get(1) !== 'reply') throw new ProtocolError('expected a reply');
    const sender = identityFromObj(o.get(2));
    const body = o.get(3);
    if (!(body instanceof Map)) throw new ProtocolError('manifest body is not a map');
    for (const k of body.keys()) if (!['text', 'in_reply_to', 'created_at'].includes(k)) throw new ProtocolError('manifest body has an unknown field');
    text(body.get('text'), "the reply's text", 100000);
    if (!Array.isArray(o.get(4)) || o.get(4).length) throw new ProtocolError('too many attachments');
    const sig = fixedBytes(o.get(6), 'manifest signature', 64);
    const signed = new Map(o); signed.delete(6);
    verifySignature(sender.sign, 'tysha/v1 manifest', cborEncode(signed), sig);
    const fromSigner = signer ? equal(sender.sign, signer.sign) : false;
    if (signer && !fromSigner && !allowOther) throw new VerificationError('this reply is not signed by your handler');
    return { text: body.get('text'), createdAt: body.get('created_at') ?? null, inReplyTo: body.get('in_reply_to') ?? null, sender, fromSigner };
  }

  // --- proof of work (protocol/pow.py) ---------------------------------------------------------------
  const POW_DOMAIN = utf8('tysha/v1 pow\0');
  function leadingZeroBits(h) {
    let n = 0;
    for (const b of h) { if (b === 0) { n += 8; continue; } return n + Math.clz32(b) - 24; }
    return n;
  }
  function checkPow(digest, nonce, bits) {
    if (digest.length !== 32 || nonce.length !== 8) throw new ProtocolError('proof of work needs a 32-byte digest and an 8-byte nonce');
    if (bits <= 0) return;
    if (leadingZeroBits(sha256(concat(POW_DOMAIN, digest, nonce))) < bits) throw new VerificationError(`proof of work does not reach ${bits} bits`);
  }
  /** The work a drop asks for an envelope of `length` bytes (protocol/pow.py work_bits on
   * main): `base` bits for one `unit`, +1 per doubling beyond it, + `load` bits, at most 30. */
  const MAX_TOTAL_BITS = 30;
  function workBits(length, base, unit, load = 0) {
    if (!(base > 0)) return 0;
    const units = Math.max(1, Math.ceil(Math.max(0, length) / Math.max(1, unit)));
    return Math.min(MAX_TOTAL_BITS, base + bitLength(units - 1) + Math.max(0, load));
  }
  /** Search nonces from `start`; `progress(tried)` every 4096 tries (may return false to stop). */
  function solvePow(digest, bits, start = 0, progress = null) {
    if (!(bits >= 0 && bits <= 32)) throw new ProtocolError('proof-of-work difficulty must be 0 to 32 bits');
    const msg = concat(POW_DOMAIN, digest, new Uint8Array(8));
    const off = msg.length - 8;
    for (let n = start; ; n++) {
      msg.set(u64be(n), off);
      if (leadingZeroBits(N.sha256(msg)) >= bits) return msg.slice(off);
      if (progress && (n - start) % 4096 === 4095 && progress(n - start + 1) === false) return null;
    }
  }

  // --- signed notes, checkpoints, inclusion proofs (tlog/note.py, tlog/merkle.py) ---------------------
  const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;
  function checkName(name) {
    if (!name || name.includes('+') || /[\s\x00-\x1f\x7f]/u.test(name)) throw new ProtocolError('bad key name');
  }
  function parseVkey(vkey) {
    const i = vkey.indexOf('+'), j = vkey.indexOf('+', i + 1);
    if (i < 0 || j < 0) throw new ProtocolError('a verifier key has the form <name>+<key id>+<base64 key>');
    const name = vkey.slice(0, i), hexId = vkey.slice(i + 1, j);
    checkName(name);
    if (!/^[0-9a-f]{8}$/.test(hexId)) throw new ProtocolError('verifier key id is not 8 lowercase hex digits');
    const raw = unb64(vkey.slice(j + 1), 'the verifier key');
    if (raw.length !== 33 || raw[0] !== 1) throw new ProtocolError('the verifier key is not Ed25519');
    const id = sha256(concat(utf8(name), Uint8Array.of(10), raw)).slice(0, 4);
    if (hex(id) !== hexId) throw new ProtocolError('verifier key id does not match the key');
    return { name, id, key: raw.slice(1) };
  }
  function openCheckpoint(note, vkey) {
    const v = parseVkey(vkey);
    if (typeof note !== 'string' || note.length > 1 << 20 || CONTROL.test(note)) throw new ProtocolError('malformed note');
    const split = note.lastIndexOf('\n\n');
    if (split < 0) throw new ProtocolError('note has no blank line before its signatures');
    const body = note.slice(0, split + 1), block = note.slice(split + 2);
    if (!block.endsWith('\n')) throw new ProtocolError('note signatures must end with a newline');
    const lines = block.slice(0, -1).split('\n');
    if (lines.length > 64) throw new ProtocolError('note has too many signatures');
    let verified = false;
    for (const line of lines) {
      if (!line.startsWith('\u2014 ')) throw new ProtocolError('note signature line does not start with an em dash and space');
      const rest = line.slice(2), sp = rest.indexOf(' ');
      if (sp < 0) throw new ProtocolError('note signature line has no signature');
      const name = rest.slice(0, sp);
      checkName(name);
      const raw = unb64(rest.slice(sp + 1), 'note signature');
      if (raw.length < 5) throw new ProtocolError('note signature is too short');
      if (name !== v.name || !equal(raw.subarray(0, 4), v.id)) continue;
      let ok = false;
      try { ok = raw.length === 68 && N.ed25519.verify(raw.subarray(4), utf8(body), v.key, { zip215: false }); } catch (e) { ok = false; }
      if (!ok) throw new VerificationError("the checkpoint's signature by the drop does not verify");
      verified = true;
    }
    if (!verified) throw new VerificationError("the checkpoint is not signed by the drop's key pinned in the invitation");
    const bl = body.slice(0, -1).split('\n');
    if (bl.length < 3) throw new ProtocolError('checkpoint body needs origin, size and root hash lines');
    if (!/^(0|[1-9][0-9]{0,15})$/.test(bl[1])) throw new ProtocolError('checkpoint size is not a decimal number');
    const size = Number(bl[1]);
    if (!Number.isSafeInteger(size)) throw new ProtocolError('checkpoint size is out of range');
    return { origin: bl[0], size, root: fixedBytes(unb64(bl[2], 'checkpoint root hash'), 'root', 32) };
  }
  const leafHash = (d) => sha256(concat(Uint8Array.of(0), d));
  const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));
  /** RFC 9162 §2.1.3.2: the root an inclusion proof leads to. */
  function rootFromInclusion(leaf, index, size, proof) {
    if (!(index >= 0 && index < size)) throw new VerificationError(`leaf index ${index} is outside a tree of size ${size}`);
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (p.length !== 32) throw new VerificationError('inclusion proof hash is not 32 bytes');
      if (sn === 0) throw new VerificationError('inclusion proof is too long');
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else r = nodeHash(r, p);
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new VerificationError('inclusion proof is too short');
    return r;
  }
  /** Check a receipt (JSON form, protocol/receipt.py) against the invitation's drop vkey and the
   * digest we uploaded. Returns {index, size, origin}; throws on anything that does not hold. */
  function verifyReceipt(r, vkey, digest) {
    if (!r || typeof r !== 'object') throw new ProtocolError('malformed receipt');
    const keys = Object.keys(r).sort().join(',');
    if (keys !== 'checkpoint,envelope_digest,index,proof') throw new ProtocolError('malformed receipt JSON: wrong fields');
    const d = unhex(r.envelope_digest);
    if (d.length !== 32 || !equal(d, digest)) throw new VerificationError('receipt is for another envelope');
    integer(r.index, 'receipt leaf index', 0, Number.MAX_SAFE_INTEGER);
    if (!Array.isArray(r.proof) || r.proof.length > 64) throw new ProtocolError('malformed receipt proof');
    const proof = r.proof.map((h) => fixedBytes(unhex(h), 'proof hash', 32));
    text(r.checkpoint, 'receipt checkpoint', 16384);
    const cp = openCheckpoint(r.checkpoint, vkey);
    if (r.index >= cp.size) throw new VerificationError("receipt leaf index is outside the checkpoint's tree");
    const root = rootFromInclusion(leafHash(d), r.index, cp.size, proof);
    if (!equal(root, cp.root)) throw new VerificationError("the inclusion proof does not lead to the checkpoint's root");
    return { index: r.index, size: cp.size, origin: cp.origin, root: cp.root };
  }

  // --- invitations (protocol/invitation.py) ---------------------------------------------------------
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const CHECK_PRIME = 2 ** 35 - 31;
  const DAMAGED = 'damaged';
  function invitationCheck(body) {
    let c = 0;
    for (let i = 0; i < body.length; i++) c = (c + (i + 1) * B32.indexOf(body[i])) % CHECK_PRIME;
    let s = '';
    for (let k = 0; k < 7; k++) s = B32[c % 32] + s, (c = Math.floor(c / 32));
    return s;
  }
  function b32decode(s) {
    const out = [];
    let acc = 0, bits = 0;
    for (const ch of s) {
      acc = (acc << 5) | B32.indexOf(ch); bits += 5;
      if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); }
      acc &= (1 << bits) - 1;
    }
    if (![0, 2, 4, 5, 7].includes(s.length % 8) || acc !== 0) throw new ProtocolError(DAMAGED);
    return Uint8Array.from(out);
  }
  /** A handler's display name as protocol/invitation.py check_handler_name accepts it: 1 to
   * 64 characters, NFC, single inner spaces, no control, format (bidi, zero-width), separator,
   * surrogate or private-use character. Shown bidi-isolated (<bdi>) beside the fingerprint. */
  function handlerName(v) {
    const bad = (why) => new ProtocolError(`the handler's name ${why}`);
    if (typeof v !== 'string') throw bad('is not text');
    const n = [...v].length;
    if (n < 1 || n > 64) throw bad('is 1 to 64 characters');
    if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u.test(v)) throw bad('holds a control or invisible character');
    if (v !== v.replace(/^ +| +$/g, '') || v.includes('  ')) throw bad('has extra spaces');
    if (/[^\S ]/u.test(v)) throw bad('holds a space other than a plain one');
    if (v.normalize('NFC') !== v) throw bad('is not in Unicode normal form C');
    return v;
  }
  // The newest invitation format this page reads; a later one is 'newer' (a desk updated
  // before this drop's page), never 'damaged': no resending mends it.
  const INVITATION_VERSION = 2;
  const laterPrefix = (digits) => /^[0-9]{1,3}$/.test(digits) && Number(digits) > INVITATION_VERSION;
  function invitationFromBytes(data) {
    const obj = cborDecode(data, { maxBytes: 8192, maxItems: 16, maxDepth: 4 });
    if (obj instanceof Map && Number.isInteger(obj.get(0)) && obj.get(0) > INVITATION_VERSION) throw new ProtocolError('newer');
    // Key 7, the handler's name, is optional (older invitations lack it) and signed when present.
    const keys = [0, 1, 2, 3, 4, 5, 6].concat(obj instanceof Map && obj.has(7) ? [7] : []);
    const o = expectMap(obj, keys, 'invitation', 2);
    const drops = o.get(1);
    if (!Array.isArray(drops) || drops.length < 1 || drops.length > 8) throw new ProtocolError('an invitation names 1 to 8 drops');
    drops.forEach((d) => text(d, 'drop address', 2048, false));
    const inv = {
      drops, dropVkey: text(o.get(2), 'drop key', 1024, false), handler: identityFromObj(o.get(3)),
      escrow: o.get(4) === null ? null : identityFromObj(o.get(4)), secret: fixedBytes(o.get(5), 'enrolment secret', 16),
      handlerName: o.has(7) ? handlerName(o.get(7)) : null,
    };
    const sig = fixedBytes(o.get(6), 'invitation signature', 64);
    const signed = new Map(o); signed.delete(6);
    try { verifySignature(inv.handler.sign, 'tysha/v2 invitation', cborEncode(signed), sig); }
    catch (e) { throw new VerificationError('forged'); }
    inv.recipients = [inv.handler].concat(inv.escrow ? [inv.escrow] : []);
    inv.fingerprint = fingerprint(inv.handler);
    return inv;
  }
  /** Parse a pasted code. Errors carry message 'damaged', 'old', 'newer', 'notcode' or 'forged' for the UI. */
  function invitationFromText(t) {
    if (typeof t !== 'string' || t.length > 65536) throw new ProtocolError('notcode');
    const compact = t.replace(/[\s\p{Cf}]/gu, '').toUpperCase();
    if (compact.startsWith('TYSHA1:')) throw new ProtocolError('old');
    if (compact.startsWith('TYSHA') && laterPrefix(compact.slice(5).split(':')[0])) throw new ProtocolError('newer');
    if (!compact.startsWith('TYSHA2:')) throw new ProtocolError(compact.startsWith('TYSHA') ? DAMAGED : 'notcode');
    const rest = compact.slice(7);
    if (rest.length <= 7 || /[^A-Z2-7]/.test(rest)) throw new ProtocolError(DAMAGED);
    const body = rest.slice(0, -7), check = rest.slice(-7);
    if (invitationCheck(body) !== check) throw new ProtocolError(DAMAGED);
    const raw = b32decode(body);
    try { return invitationFromBytes(raw); } catch (e) {
      if (e instanceof VerificationError || e.message === 'newer') throw e;
      throw new ProtocolError(DAMAGED);
    }
  }
  /** What a QR decoder returns: bytes (TY2 + CBOR) or the text form. */
  function invitationFromQr(bytes) {
    if (bytes.length > 3 && bytes[0] === 0x54 && bytes[1] === 0x59 && bytes[2] === 0x32) {
      try { return invitationFromBytes(bytes.subarray(3)); } catch (e) { if (e instanceof VerificationError || e.message === 'newer') throw e; throw new ProtocolError(DAMAGED); }
    }
    if (bytes.length > 3 && bytes[0] === 0x54 && bytes[1] === 0x59 && laterPrefix(String.fromCharCode(bytes[2]))) throw new ProtocolError('newer');
    let s;
    try { s = td.decode(bytes); } catch (e) { throw new ProtocolError('notcode'); }
    return invitationFromText(s);
  }

  globalThis.TyshaCore = Object.freeze({
    ProtocolError, VerificationError, TyshaError,
    concat, hex, unhex, utf8, equal, b64, unb64, u64be,
    cborEncode, cborDecode, M,
    sha256, hkdfExtract, hkdfExpand, labeledExtract, labeledExpand,
    KEM_X25519, KEM_XWING, DhKem, XWing, kemFor, hpkeSeal, hpkeOpen,
    TEXT_BUCKET, padme, paddedLength, isValidPaddedLength, CHUNK, TAG,
    EnvelopeSealer, sealEnvelope, parseHeader, openEnvelope, findSlot, clueFor, decodeClueRecords,
    lookalikeDeletionSecret, deletionSecrets,
    LIVE, DELETED, EXPIRED, decodeListing, auditPage, verifyConsistency,
    identityObj, identityFromObj, identityFromSecrets, fingerprint, signMessage, verifySignature,
    CODENAME_SALT, CODENAME_T, CODENAME_M_KIB, normalizeCodename, identityFromCodename,
    captureAttestation, signedManifest, frameContent, readReply,
    checkPow, solvePow, leadingZeroBits, workBits, MAX_TOTAL_BITS,
    parseVkey, openCheckpoint, leafHash, rootFromInclusion, verifyReceipt,
    invitationCheck, invitationFromText, invitationFromQr, invitationFromBytes, handlerName,
  });
})();
