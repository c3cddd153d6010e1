// The page's sealing path outside the browser: node tests/js/seal_report.mjs > envelope.hex
// Seals the vectors' report (codename identity, one photo, capture claims) with X-Wing to the
// invitation's recipients, as the page does, so a Python test can open it (JS seals, Python opens).
import { randomBytes } from 'node:crypto';
import { T, V, h, untag } from './load.mjs';

const c = V.codenames[0];
const me = T.identityFromCodename(c.codename, { t: c.ops, m: c.mem_kib });
const inv = T.invitationFromText(V.invitation.text);
const photo = h(V.report.photo);
const claims = untag(V.report.claims);
const att = T.captureAttestation(me, claims);
const manifest = T.signedManifest(me, 'report', untag(V.report.body),
  [{ name: 'photo.jpg', mediaType: 'image/jpeg', size: photo.length, sha256: T.sha256(photo), attestation: att }], inv.secret);
const content = T.concat(T.frameContent(manifest), photo);
const env = T.sealEnvelope(content, inv.recipients, (n) => new Uint8Array(randomBytes(n)), T.KEM_XWING);
process.stdout.write(T.hex(env));
