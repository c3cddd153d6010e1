/* The page's Web Worker: slow work off the main thread so the page stays responsive.
 * {op: 'codename', codename} -> identity secrets; {op: 'pow', digest, bits} -> nonce, with
 * progress; {op: 'scan', records | listing + after, clueSecret, cluePublic} -> [{index, slot}]. */
/* global importScripts */
importScripts('/source/static/vendor/noble.js', '/source/static/core.js');
const T = globalThis.TyshaCore;
onmessage = (e) => {
  const m = e.data;
  try {
    if (m.op === 'codename') {
      const id = T.identityFromCodename(m.codename);
      postMessage({ result: { signSeed: id.signSeed, kemSecret: id.kemSecret, clueSecret: id.clueSecret } });
    } else if (m.op === 'pow') {
      const expected = 2 ** m.bits;
      const nonce = T.solvePow(m.digest, m.bits, 0, (tried) => { postMessage({ progress: Math.min(0.99, tried / (2 * expected)) }); });
      postMessage({ result: nonce });
    } else if (m.op === 'scan') {
      const hits = [];
      // Records the page decoded and audited, or a listing (version 1) to decode here.
      for (const r of m.records || T.decodeClueRecords(m.listing, m.after)) {
        const slot = T.findSlot(r.cluePub, r.clues, m.clueSecret, m.cluePublic);
        if (slot !== null) hits.push({ index: r.index, slot });
      }
      postMessage({ result: hits });
    } else postMessage({ error: 'unknown operation' });
  } catch (err) {
    postMessage({ error: String(err && err.message || err) });
  }
};
