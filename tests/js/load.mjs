// Load the page's classic scripts into node exactly as the browser runs them.
import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
export const STATIC = join(ROOT, 'src', 'tysha', 'drop', 'source_page', 'static');
for (const f of ['vendor/noble.js', 'core.js']) {
  if (!globalThis.TyshaCore) runInThisContext(readFileSync(join(STATIC, f), 'utf8'), { filename: f });
}
export const T = globalThis.TyshaCore;
export const V = JSON.parse(readFileSync(join(ROOT, 'tests', 'vectors', 'js', 'vectors.json'), 'utf8'));
export const VP = (name) => JSON.parse(readFileSync(join(ROOT, 'tests', 'vectors', 'protocol', name), 'utf8'));
export const h = (s) => T.unhex(s);

/** The generator's SHA-256 counter DRBG. */
export function drbg(seed) {
  const s = typeof seed === 'string' ? T.utf8(seed) : seed;
  let counter = 0;
  return (n) => {
    const parts = [];
    let got = 0;
    while (got < n) { const d = T.sha256(T.concat(s, T.u64be(counter++))); parts.push(d); got += 32; }
    return T.concat(...parts).slice(0, n);
  };
}

/** Rebuild a tagged JSON value (generate.py's tagged()). */
export function untag(v) {
  if (v === null || typeof v === 'boolean') return v;
  if ('int' in v) return v.int;
  if ('bytes' in v) return T.unhex(v.bytes);
  if ('text' in v) return v.text;
  if ('array' in v) return v.array.map(untag);
  if ('map' in v) return new Map(v.map.map(([k, x]) => [untag(k), untag(x)]));
  throw new Error('bad tag');
}

/** A private identity from Python's Identity.to_bytes(). */
export function identity(hexBytes) {
  const m = T.cborDecode(T.unhex(hexBytes));
  return T.identityFromSecrets(m.get(0), m.get(1), m.get(2), m.get(3));
}
