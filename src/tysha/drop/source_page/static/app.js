/* The browser source page: enrol, codename, report, seal, proof of work, resumable upload,
 * receipt check, replies. Nothing is stored: no cookies, no Web Storage, no IndexedDB, no
 * service worker; everything lives in this tab's memory and goes when it closes. Every
 * request goes to this page's own origin (the CSP's connect-src 'self' enforces it). */
(function () {
  'use strict';
  const T = globalThis.TyshaCore;
  const D = JSON.parse(document.getElementById('tysha-data').textContent);
  const S = D.strings;
  const $ = (id) => document.getElementById(id);
  const state = { inv: null, me: null, files: [], busy: false, pending: null, log: null, forked: null };
  const WORKER = '/source/static/worker.js';

  // crypto.getRandomValues fills at most 65536 bytes a call.
  function rand(n) {
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
    return out;
  }
  const tick = () => new Promise((r) => setTimeout(r, 0));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // The wait before another try after a connection dropped: half a second, doubling, at most
  // 8 s. A test scales it through window.TYSHA_RETRY_MS (set before the page loads), so that
  // a link down for good is given up on in a moment rather than in the person's 47 s.
  const RETRY_MS = Number(window.TYSHA_RETRY_MS) > 0 ? Number(window.TYSHA_RETRY_MS) : 500;
  const backoff = (n) => Math.min(16 * RETRY_MS, RETRY_MS * 2 ** n);
  function show(el, on = true) { el.hidden = !on; }
  function say(el, text, cls) { el.textContent = text; if (cls !== undefined) el.className = cls; show(el, !!text); }
  // A button disabled while it works drops the keyboard's focus to the page: give it back.
  function refocus(el) { if (!document.activeElement || document.activeElement === document.body) el.focus(); }

  function work(msg, onProgress) {
    return new Promise((resolve, reject) => {
      const w = new Worker(WORKER);
      w.onmessage = (e) => {
        if (e.data.progress !== undefined) { if (onProgress) onProgress(e.data.progress); return; }
        w.terminate();
        if (e.data.error) reject(new Error(e.data.error)); else resolve(e.data.result);
      };
      w.onerror = () => { w.terminate(); reject(new Error('worker failed')); };
      w.postMessage(msg);
    });
  }

  // --- 1. enrol ---------------------------------------------------------------------------------
  const ERR = { damaged: S.err_damaged, old: S.err_old, newer: S.err_newer, notcode: S.err_notcode };
  /** One invitation, whichever way it came in again (pasted, scanned, a link): the same
   * handler, escrow, enrolment secret and drop. A report sealed under it and waiting to be
   * sent again stays the same envelope, so the drop is asked about it, never sent it twice. */
  function sameInvitation(a, b) {
    const fp = (id) => (id ? T.fingerprint(id) : '');
    return !!a && !!b && a.fingerprint === b.fingerprint && fp(a.escrow) === fp(b.escrow)
      && T.hex(a.secret) === T.hex(b.secret) && a.dropVkey === b.dropVkey;
  }
  function enrolWith(parse) {
    const box = $('enrol-error');
    try {
      const inv = parse();
      if (!sameInvitation(inv, state.inv)) state.inv = inv;
    } catch (e) {
      // No invitation in force: no handler shown, and no report form to send without one.
      state.inv = null;
      show($('enrolled'), false);
      delete document.body.dataset.enrolled;
      ready();
      say(box, e instanceof T.VerificationError ? S.err_forged : (ERR[e.message] || S.err_damaged), 'error');
      return;
    }
    say(box, '');
    stopCamera();
    $('fingerprint').textContent = state.inv.fingerprint;
    // The name is signed by the key the fingerprint names; <bdi> keeps its direction to itself.
    $('handler-name').textContent = state.inv.handlerName || '';
    show($('handler-line'), !!state.inv.handlerName);
    show($('enrolled'));
    document.body.dataset.enrolled = '1';
    ready();
    checkDrop(state.inv, box);
  }
  /** An invitation that names another drop than this page's: nothing sent from here reaches
   * its handler, so it is refused now, before a codename and a report are written (the send
   * checks again). Asked after the page's script has run (an invitation in the link is read
   * before the rest is defined); a drop that cannot be asked now changes nothing. */
  function checkDrop(inv, box) {
    delete document.body.dataset.drop;
    Promise.resolve().then(() => api('GET', '/v1/info')).then((info) => {
      if (state.inv !== inv) return;
      const other = !!info && typeof info.vkey === 'string' && info.vkey !== inv.dropVkey;
      document.body.dataset.drop = other ? 'other' : 'this';
      if (!other) return;
      state.inv = null;
      show($('enrolled'), false);
      delete document.body.dataset.enrolled;
      ready();
      // The link's own warning (its history) stays said after this one.
      say(box, [S.err_other_drop_enrol, box.hidden ? '' : box.textContent].filter(Boolean).join(' '), 'error');
    }).catch(() => { if (state.inv === inv) document.body.dataset.drop = 'unknown'; });
  }
  $('enrol-go').addEventListener('click', () => enrolWith(() => T.invitationFromText($('invite').value)));
  /** Look for a QR code in an image or a video frame (scaled to at most `max` pixels a side). */
  function readQr(source, width, height, max, canvas) {
    const scale = Math.min(1, max / Math.max(width, height));
    const c = canvas || document.createElement('canvas');
    c.width = Math.round(width * scale); c.height = Math.round(height * scale);
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(source, 0, 0, c.width, c.height);
    const img = g.getImageData(0, 0, c.width, c.height);
    return globalThis.TyshaQR.jsQR(img.data, img.width, img.height);
  }
  $('qr-file').addEventListener('change', async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    try {
      await loadScript('/source/static/vendor/qr.js', D.qr_sri);
      const bmp = await createImageBitmap(f);
      const code = readQr(bmp, bmp.width, bmp.height, 1600);
      if (!code) { say($('enrol-error'), S.err_qr_none, 'error'); return; }
      enrolWith(() => T.invitationFromQr(Uint8Array.from(code.binaryData)));
      // The photo stays in the gallery, naming the drop and the handler: only the person can
      // delete it (the camera's frames are never kept).
      if (state.inv) say($('enrol-error'), S.enrol_photo_delete, 'warn');
    } catch (e) {
      say($('enrol-error'), S.err_qr_none, 'error');
    }
  });

  // Live scanning: the camera's frames go through the same QR reader, in this tab only (the
  // stream is never recorded or sent); the camera stops as soon as a code is read, on "stop",
  // and when the tab is hidden.
  const cam = { stream: null, timer: 0, canvas: null };
  function stopCamera() {
    if (cam.timer) { clearTimeout(cam.timer); cam.timer = 0; }
    if (cam.stream) { cam.stream.getTracks().forEach((t) => t.stop()); cam.stream = null; }
    const v = $('camera-video');
    v.pause(); v.srcObject = null;
    show($('camera'), false);
    $('qr-camera').disabled = false;
    delete document.body.dataset.camera;
  }
  async function startCamera() {
    say($('enrol-error'), '');
    $('qr-camera').disabled = true;
    try {
      await loadScript('/source/static/vendor/qr.js', D.qr_sri);
      cam.stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: 'environment' } });
    } catch (e) {
      stopCamera();
      say($('enrol-error'), S.err_camera, 'error');
      return;
    }
    const v = $('camera-video');
    v.srcObject = cam.stream;
    show($('camera'));
    document.body.dataset.camera = 'on';
    try { await v.play(); } catch (e) { /* frames still arrive for drawImage */ }
    cam.canvas = cam.canvas || document.createElement('canvas');
    const scan = () => {
      cam.timer = 0;
      if (!cam.stream) return;
      let code = null;
      if (v.readyState >= 2 && v.videoWidth) {
        try { code = readQr(v, v.videoWidth, v.videoHeight, 960, cam.canvas); } catch (e) { code = null; }
      }
      if (code && code.binaryData && code.binaryData.length) {
        const bytes = Uint8Array.from(code.binaryData);
        stopCamera(); // every track stopped: the camera light goes off
        enrolWith(() => T.invitationFromQr(bytes));
        document.body.dataset.camera = 'read';
        return;
      }
      cam.timer = setTimeout(scan, 150);
    };
    scan();
  }
  $('qr-camera').addEventListener('click', startCamera);
  $('qr-camera-stop').addEventListener('click', stopCamera);
  document.addEventListener('visibilitychange', () => { if (document.hidden && cam.stream) stopCamera(); });
  function loadScript(src, integrity) {
    if (document.querySelector(`script[src="${src}"]`)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src; s.integrity = integrity; s.crossOrigin = 'anonymous';
      s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  // A link carries the invitation in its fragment, which browsers never send to a server.
  if (location.hash.length > 8) {
    let code = location.hash.slice(1);
    try { code = decodeURIComponent(code); } catch (e) { /* keep it as it came */ }
    history.replaceState(null, '', location.pathname + location.search);
    $('invite').value = code;
    enrolWith(() => T.invitationFromText(code));
    // The browser wrote the link, code and all, to its history before this script ran; only
    // the person can delete it from there.
    if (state.inv) say($('enrol-error'), S.enrol_link_history, 'warn');
  }

  // --- 2. codename ------------------------------------------------------------------------------
  async function newCodename() {
    const resp = await fetch('/source/static/' + D.words, { integrity: D.words_sri, credentials: 'omit', cache: 'no-store' });
    const words = (await resp.text()).split('\n').filter(Boolean);
    const picked = [];
    const limit = 2 ** 32 - (2 ** 32 % words.length);
    // At least codename_bits: 7 words of the 7718-word list, 8 of the ~1100-word uk/ru ones
    // (80 bits), 9 of the 1117-word crh one (90 bits asked, 91.2 given).
    const count = Math.ceil((D.codename_bits || 80) / Math.log2(words.length));
    while (picked.length < count) {
      const x = new DataView(rand(4).buffer).getUint32(0);
      if (x < limit) picked.push(words[x % words.length]);
    }
    return picked.join(' ');
  }
  async function useCodename(codename) {
    const status = $('code-status');
    say(status, S.code_deriving, '');
    $('code-use').disabled = $('code-new').disabled = $('code-have').disabled = true;
    try {
      const k = await work({ op: 'codename', codename });
      state.me = T.identityFromSecrets(k.signSeed, T.KEM_XWING, k.kemSecret, k.clueSecret);
      say(status, S.code_ready, 'ok');
      document.body.dataset.keys = '1';
      ready();
    } catch (e) {
      say(status, S.err_generic, 'error');
    } finally {
      $('code-use').disabled = $('code-new').disabled = $('code-have').disabled = false;
    }
  }
  $('code-new').addEventListener('click', async () => {
    const c = await newCodename();
    $('code-words').textContent = c;
    show($('code-shown')); show($('code-entry'), false);
    await useCodename(c);
    // The words are shown once: the keyboard (and a screen reader) goes to them, not to the page.
    $('code-shown').focus();
  });
  $('code-have').addEventListener('click', () => { show($('code-entry')); show($('code-shown'), false); $('code-input').focus(); });
  $('code-use').addEventListener('click', () => {
    const c = $('code-input').value;
    if (T.normalizeCodename(c)) useCodename(c).then(() => refocus($('code-use')));
  });

  function ready() {
    show($('report'), !!(state.inv && state.me));
    show($('replies'), !!state.me);
  }

  // --- 3. attachments: hash, list, EXIF warning, strip GPS from a copy ---------------------------
  const TOKEN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$/;
  function mediaType(f) { return TOKEN.test(f.type) ? f.type : 'application/octet-stream'; }
  // Sealing holds the files and the envelope in this tab's memory: keep that within a phone's reach.
  const MAX_TOTAL = 256 << 20;
  $('files').addEventListener('change', async (ev) => {
    say($('report-error'), '');
    for (const f of ev.target.files) {
      if (state.files.reduce((n, it) => n + it.data.length, 0) + f.size > MAX_TOTAL) {
        say($('report-error'), S.err_too_big, 'error');
        break;
      }
      const data = new Uint8Array(await f.arrayBuffer());
      const item = { name: (f.name || 'file').slice(0, 255), type: mediaType(f), data, exif: readExif(data) };
      item.sha256 = T.sha256(data);
      state.files.push(item);
    }
    ev.target.value = '';
    renderFiles();
  });
  function human(n) { return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`; }
  function renderFiles() {
    const ul = $('file-list');
    ul.textContent = '';
    state.files.forEach((it, i) => {
      const li = document.createElement('li');
      const head = document.createElement('div');
      head.textContent = `${it.name} — ${human(it.data.length)} — SHA-256 ${T.hex(it.sha256).slice(0, 16)}…`;
      li.appendChild(head);
      const x = it.exif;
      if (x && (x.gps || x.device || x.time)) {
        const w = document.createElement('div');
        w.className = 'warn';
        const parts = [x.gps && S.exif_gps, x.device && `${S.exif_device} (${x.device})`, x.time && `${S.exif_time} (${x.time})`].filter(Boolean);
        w.textContent = `${S.exif_warn} ${parts.join('; ')}. ${S.exif_keep}`;
        li.appendChild(w);
        if (x.gps) {
          const b = document.createElement('button');
          b.type = 'button'; b.textContent = S.strip_gps; b.dataset.strip = String(i);
          b.addEventListener('click', () => stripGps(i));
          li.appendChild(b);
        }
      }
      if (it.stripped) {
        const ok = document.createElement('div'); ok.className = 'ok'; ok.textContent = S.stripped; li.appendChild(ok);
        ok.tabIndex = -1; ok.dataset.stripped = String(i);
      }
      ul.appendChild(li);
    });
  }
  function stripGps(i) {
    const it = state.files[i];
    const copy = it.data.slice();
    try { if (!removeGps(copy)) return; } catch (e) { return; }
    // "The place was removed" only when the copy, read again, carries no place.
    const again = readExif(copy);
    if (again && again.gps) return;
    it.data = copy; it.sha256 = T.sha256(copy); it.exif = again; it.stripped = true;
    renderFiles();
    // The pressed button is gone with the old list: the keyboard goes on from what it did
    // (read out there), not from the top of the page.
    const done = document.querySelector(`#file-list [data-stripped="${i}"]`);
    if (done) done.focus();
  }

  /** The APP1 segments of a JPEG before its image data: [start of payload, end) each. */
  function app1Segments(data) {
    const out = [];
    if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return out;
    let p = 2;
    while (p + 4 <= data.length && data[p] === 0xff) {
      const marker = data[p + 1];
      const len = (data[p + 2] << 8) | data[p + 3];
      if (marker === 0xda || len < 2) break;
      if (marker === 0xe1) out.push([p + 4, Math.min(data.length, p + 2 + len)]);
      p += 2 + len;
    }
    return out;
  }
  // A minimal EXIF reader for JPEG (TIFF IFDs: IFD0 Make/Model, Exif DateTimeOriginal, GPS).
  function tiff(data) {
    for (const [at, end] of app1Segments(data)) {
      if (at + 6 <= end && String.fromCharCode(...data.subarray(at, at + 4)) === 'Exif') {
        const start = at + 6;
        const le = data[start] === 0x49;
        const dv = new DataView(data.buffer, data.byteOffset + start, end - start);
        return { dv, le, start, size: end - start };
      }
    }
    return null;
  }
  function ifd(t, off) {
    const { dv, le, size } = t;
    if (off + 2 > size) return [];
    const n = dv.getUint16(off, le), out = [];
    for (let k = 0; k < n && off + 2 + 12 * (k + 1) <= size; k++) {
      const e = off + 2 + 12 * k;
      const type = dv.getUint16(e + 2, le), count = dv.getUint32(e + 4, le);
      const unit = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 }[type] || 1;
      const bytes = unit * count;
      out.push({ entry: e, tag: dv.getUint16(e, le), type, count, bytes, at: bytes <= 4 ? e + 8 : dv.getUint32(e + 8, le) });
    }
    return out;
  }
  // An IFD pointer (Exif, GPS) is a LONG stored in the entry itself.
  function pointer(t, en) { return en.at + 4 <= t.size ? t.dv.getUint32(en.at, t.le) : t.size; }
  function ascii(t, en) { if (en.at + en.bytes > t.size) return ''; let s = ''; for (let i = 0; i < en.count; i++) { const c = t.dv.getUint8(en.at + i); if (!c) break; s += String.fromCharCode(c); } return s.trim(); }
  function rationals(t, en) {
    if (en.type !== 5 || en.count !== 3 || en.at + 24 > t.size) return null;
    const v = [];
    for (let i = 0; i < 3; i++) { const d = t.dv.getUint32(en.at + 8 * i + 4, t.le); if (!d) return null; v.push(t.dv.getUint32(en.at + 8 * i, t.le) / d); }
    return v;
  }
  // XMP packets (an APP1 segment whose header, up to its NUL, names the XMP namespace
  // ns.adobe.com/xap/1.0/ or extended XMP's ns.adobe.com/xmp/extension/) can carry the place
  // too (exif:GPSLatitude …): [start, end) of each packet's bytes after its header.
  const XMP_NAMESPACES = ['ns.adobe.com/xap/1.0/', 'ns.adobe.com/xmp/extension/'];
  function xmpPackets(data) {
    const out = [];
    for (const [at, end] of app1Segments(data)) {
      const nul = data.subarray(at, Math.min(end, at + 64)).indexOf(0);
      const header = nul < 0 ? '' : String.fromCharCode(...data.subarray(at, at + nul));
      if (XMP_NAMESPACES.some((ns) => header.endsWith(ns))) out.push([at + nul + 1, end]);
    }
    return out;
  }
  const XMP_GPS = /GPS(Latitude|Longitude|Altitude|DestLatitude|DestLongitude)/;
  function xmpGps(data, packet) {
    return XMP_GPS.test(new TextDecoder('latin1').decode(data.subarray(packet[0], packet[1])));
  }
  function readExif(data) {
    try {
      const inXmp = xmpPackets(data).some((pk) => xmpGps(data, pk));
      const t = tiff(data);
      if (!t) return inXmp ? { gps: true, device: '', time: '' } : null;
      const root = ifd(t, t.dv.getUint32(4, t.le));
      const by = (list, tag) => list.find((e) => e.tag === tag);
      const out = { gps: inXmp || null, device: '', time: '' };
      const make = by(root, 0x010f), model = by(root, 0x0110);
      out.device = [make && ascii(t, make), model && ascii(t, model)].filter(Boolean).join(' ').slice(0, 80);
      const ex = by(root, 0x8769);
      if (ex) { const dto = by(ifd(t, pointer(t, ex)), 0x9003); if (dto) out.time = ascii(t, dto); }
      const g = by(root, 0x8825);
      if (g) {
        const gl = ifd(t, pointer(t, g));
        const lat = by(gl, 2), lon = by(gl, 4), latRef = by(gl, 1), lonRef = by(gl, 3);
        if (lat && lon) {
          const a = rationals(t, lat), b = rationals(t, lon);
          out.gps = true;
          if (a && b && a[1] < 60 && a[2] < 60 && b[1] < 60 && b[2] < 60) {
            let la = a[0] + a[1] / 60 + a[2] / 3600, lo = b[0] + b[1] / 60 + b[2] / 3600;
            if (latRef && ascii(t, latRef) === 'S') la = -la;
            if (lonRef && ascii(t, lonRef) === 'W') lo = -lo;
            if (Math.abs(la) <= 90 && Math.abs(lo) <= 180) out.gpsClaim = [Math.round(la * 1e6), Math.round(lo * 1e6)];
          }
        } else if (gl.length) out.gps = true;
      }
      return out;
    } catch (e) {
      return null;
    }
  }
  /** Zero every GPS value and entry in place and leave an empty GPS IFD (a valid EXIF); blank
   *  with spaces every XMP packet that names a GPS field (the segment stays, empty of XMP). */
  function removeGps(data) {
    let removed = false;
    for (const pk of xmpPackets(data)) {
      if (xmpGps(data, pk)) { data.fill(0x20, pk[0], pk[1]); removed = true; }
    }
    const t = tiff(data);
    if (!t) return removed;
    const g = ifd(t, t.dv.getUint32(4, t.le)).find((e) => e.tag === 0x8825);
    if (!g) return removed;
    const at = pointer(t, g);
    if (at + 2 > t.size) return removed;
    for (const e of ifd(t, at)) {
      if (e.bytes > 4 && e.at + e.bytes <= t.size) data.fill(0, t.start + e.at, t.start + e.at + e.bytes);
      data.fill(0, t.start + e.entry, t.start + e.entry + 12);
    }
    t.dv.setUint16(at, 0, t.le);
    return true;
  }

  // --- 4. seal, proof of work, resumable upload, receipt --------------------------------------------
  function progress(label, frac) {
    say($('progress-label'), label, '');
    const p = $('progress');
    show(p); p.value = frac;
  }
  // The most an upload's chunk carries, whatever the drop allows: what a cut link makes it send again.
  const CHUNK_SEND = 512 << 10;
  // A connection that stalls (no answer, no error) would leave the page waiting for ever with
  // "Send" disabled: every request has a deadline, a minute plus one second per 4 KiB it
  // carries, and one that passes it is a dropped connection (an upload then resumes).
  function deadline(bytes) { return 60000 + Math.ceil((bytes || 0) / 4096) * 1000; }
  /** {resp, data}; data is null (nothing read) when the answer says it is over maxBytes. */
  async function fetchWithin(path, init, ms, maxBytes = Infinity) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), ms);
    try {
      let resp;
      try { resp = await fetch(path, { ...init, signal: ctl.signal }); } catch (e) { const err = new Error('network'); err.network = true; throw err; }
      if (Number(resp.headers.get('Content-Length') || 0) > maxBytes) { ctl.abort(); return { resp, data: null }; }
      let data;
      try { data = new Uint8Array(await resp.arrayBuffer()); } catch (e) { const err = new Error('network'); err.network = true; throw err; }
      return { resp, data };
    } finally {
      clearTimeout(timer);
    }
  }
  async function api(method, path, body, json = true) {
    const init = { method, credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
      init.body = json ? JSON.stringify(body) : body;
      init.headers = { 'Content-Type': json ? 'application/json' : 'application/octet-stream' };
    }
    const { resp, data } = await fetchWithin(path, init, deadline(json ? 0 : body && body.length));
    const text = new TextDecoder().decode(data);
    let obj = null;
    try { obj = JSON.parse(text); } catch (e) { obj = null; }
    if (!resp.ok) { const err = new Error('drop'); err.status = resp.status; err.body = obj; throw err; }
    return obj;
  }

  function claimsFor(it, now) {
    const c = new Map([['sha256', it.sha256], ['size', it.data.length], ['media_type', it.type], ['name', it.name], ['device_time', now]]);
    if (it.exif && /^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/.test(it.exif.time || '')) c.set('exif_time', it.exif.time);
    if (it.exif && it.exif.gps && it.exif.gpsClaim) c.set('exif_gps', it.exif.gpsClaim);
    return c;
  }

  /** The report in the form, sealed to the handler: {env, digest}. */
  async function seal(cats, text) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // client: the desk shows that this report came from the browser page (signed, like the rest).
    const body = new Map([['categories', cats], ['text', text], ['created_at', now], ['client', 'browser']]);
    // to: the handler desk it is for (an escrow desk counts cells by it; signed, like the rest).
    body.set('to', state.inv.fingerprint);
    if ($('where').value.trim()) body.set('where', $('where').value.trim().slice(0, 1000));
    if ($('when').value.trim()) body.set('when', $('when').value.trim().slice(0, 200));
    const atts = state.files.map((it) => ({ name: it.name, mediaType: it.type, size: it.data.length, sha256: it.sha256,
      attestation: T.captureAttestation(state.me, claimsFor(it, now)) }));
    const manifest = T.signedManifest(state.me, 'report', body, atts, state.inv.secret);
    const head = T.frameContent(manifest);
    const total = head.length + state.files.reduce((n, it) => n + it.data.length, 0);
    progress(S.progress_seal, 0);
    await tick();
    const sealer = new T.EnvelopeSealer(state.inv.recipients, total, rand, T.KEM_XWING);
    const env = new Uint8Array(sealer.envelopeLength);
    env.set(sealer.header);
    let o = sealer.header.length, fed = 0;
    const feed = async (bytes) => {
      for (let i = 0; i < bytes.length; i += 1 << 20) {
        const out = sealer.chunk(bytes.subarray(i, i + (1 << 20)));
        env.set(out, o); o += out.length;
        fed += Math.min(1 << 20, bytes.length - i);
        progress(S.progress_seal, fed / total);
        await tick();
      }
    };
    await feed(head);
    for (const it of state.files) await feed(it.data);
    env.set(sealer.finish(), o);
    const digest = T.sha256(env);
    return { env, digest };
  }

  /** Upload a sealed envelope (resumed when `again`, an earlier try's) and finish: the receipt. */
  async function upload(env, digest, again, inv) {
    const info = await api('GET', '/v1/info');
    // The invitation names another drop (its log key): nothing goes into a log its handler
    // does not read.
    if (typeof info.vkey === 'string' && info.vkey !== inv.dropVkey) throw new Error('otherdrop');
    // A drop out of room says so here: no work is solved and no byte sent for its 507.
    if (info && info.out_of_storage === true) {
      const err = new Error('drop'); err.status = 507; err.body = info; throw err;
    }
    const int = (v) => (Number.isInteger(v) && v >= 0 ? v : 0);
    // A drop that prices work per byte says pow_unit (and pow_load_bits while busy).
    let bits = Number.isInteger(info.pow_unit) && info.pow_unit > 0
      ? T.workBits(env.length, int(info.pow_bits), info.pow_unit, int(info.pow_load_bits))
      : int(info.pow_bits);
    // The drop's word for its chunk size is taken only when it is a sane whole number: a
    // string or NaN here made every PUT empty, and the page sent them for ever.
    // A chunk cut off midway is sent again whole: never more than CHUNK_SEND at a time (as the
    // CLI), so a link that breaks every MiB or two still gets a photo through, piece by piece.
    const chunkMax = Number.isInteger(info.chunk_max) ? Math.max(1 << 16, Math.min(info.chunk_max, CHUNK_SEND)) : CHUNK_SEND;
    const solve = async () => {
      progress(S.progress_pow, 0);
      return bits > 0 ? await work({ op: 'pow', digest, bits: Math.min(bits, 32) }, (f) => progress(S.progress_pow, f)) : new Uint8Array(8);
    };
    const id = T.hex(digest);
    // An upload an earlier try opened goes on where it stands: its work was paid then.
    let up = again ? await api('GET', `/v1/uploads/${id}`).catch((e) => { if (e.network || e.status >= 500) throw e; return null; }) : null;
    if (!up) {
      let nonce = await solve();
      try {
        up = await api('POST', '/v1/uploads', { digest: id, length: env.length, pow: T.hex(nonce) });
      } catch (e) {
        // The drop got busier meanwhile and names the work it wants now: do it once more.
        const want = e.status === 403 && e.body && e.body.error === 'work' ? e.body.pow_bits : 0;
        if (!(Number.isInteger(want) && want > bits && want <= 32)) throw e;
        bits = want;
        nonce = await solve();
        up = await api('POST', '/v1/uploads', { digest: id, length: env.length, pow: T.hex(nonce) });
      }
    }
    // An offset is a whole number within the envelope, and an accepted chunk moves it on; a
    // drop that keeps rewinding gets twice the chunks the envelope needs and a few more (as
    // the CLI's client): otherwise a drop that repeats itself would keep the page sending.
    const offsetOf = (obj) => {
      const v = obj && obj.offset;
      if (!(Number.isInteger(v) && v >= 0 && v <= env.length)) throw new Error('drop');
      return v;
    };
    let offset = offsetOf(up), failures = 0;
    let budget = 2 * Math.ceil(env.length / chunkMax) + 16;
    while (offset < env.length) {
      if (--budget < 0) throw new Error('drop');
      progress(failures ? S.progress_resume : S.progress_upload, offset / env.length);
      try {
        up = await api('PUT', `/v1/uploads/${id}?offset=${offset}`, env.subarray(offset, offset + chunkMax), false);
      } catch (e) {
        // A dropped connection or a conflicting offset: ask the drop where it stands, go on.
        if (!(e.network || e.status === 409 || e.status >= 500) || ++failures > 8) throw e;
        progress(S.progress_resume, offset / env.length);
        await sleep(backoff(failures));
        try { offset = offsetOf(await api('GET', `/v1/uploads/${id}`)); } catch (e2) { if (!e2.network) throw e2; }
        continue;
      }
      const next = offsetOf(up);
      if (next <= offset) throw new Error('drop');
      offset = next; failures = 0;
    }
    progress(S.progress_upload, 1);
    // From here the drop may log the report before its answer is lost: no longer "not reached".
    if (state.pending) state.pending.asked = true;
    // The answer to the last step lost on the way (the drop may have logged the report
    // meanwhile): ask again, as often as a chunk; a repeated finish answers with the receipt.
    let answer;
    for (let tries = 1; ; tries++) {
      try {
        answer = await api('POST', `/v1/uploads/${id}/finish`);
        break;
      } catch (e) {
        if (!(e.network || e.status >= 500) || tries > 8) throw e;
        progress(S.progress_resume, 1);
        await sleep(backoff(tries));
      }
    }
    return answer && answer.receipt;
  }

  /** The receipt of an envelope an earlier try sent whole (only the answer to its last step was
   *  lost) or the drop logged; null when it has no such upload or not all of it. */
  async function finished(id) {
    try {
      const answer = await api('POST', `/v1/uploads/${id}/finish`);
      return answer && answer.receipt;
    } catch (e) {
      if (e.network || e.status >= 500) throw e;
      return null;
    }
  }

  async function send() {
    if (state.busy) return;
    const cats = [...document.querySelectorAll('input[name=cat]:checked')].map((x) => x.value);
    const text = $('text').value.trim();
    if (!cats.length || !text) { say($('report-error'), S.need_fields, 'error'); return; }
    say($('report-error'), '');
    show($('result'), false);
    state.busy = true; $('send').disabled = true;
    try {
      // Sent again, unchanged (the last try broke off): the envelope sealed then, which the
      // drop is asked about first, so the report is never sent, nor logged, twice.
      const key = JSON.stringify([cats, text, $('where').value.trim(), $('when').value.trim(),
        state.files.map((it) => [it.name, it.type, T.hex(it.sha256)])]);
      const p = state.pending;
      const again = !!p && p.key === key && p.inv === state.inv && p.me === state.me;
      if (!again) state.pending = { key, inv: state.inv, me: state.me, ...(await seal(cats, text)) };
      // The invitation the report was sealed under, whatever is entered while it is sent.
      const { env, digest, inv } = state.pending;
      if (again) progress(S.progress_upload, 0);
      const receipt = (again && await finished(T.hex(digest))) || await upload(env, digest, again, inv);
      progress(S.progress_verify, 1);
      let checked;
      try {
        checked = T.verifyReceipt(receipt, inv.dropVkey, digest);
      } catch (e) {
        say($('received'), S.receipt_bad, 'error');
        $('receipt').textContent = '';
        show($('result'));
        document.body.dataset.receipt = 'bad';
        return;
      }
      // The receipt's log must be one history with the drop's log this tab saw before.
      try {
        await sameHistory(checked);
      } catch (e) {
        if (e.fork) {
          say($('received'), S.receipt_fork, 'error');
          $('receipt').textContent = '';
          show($('result'));
          document.body.dataset.receipt = 'fork';
          return;
        }
        // Not answered, or a garbled proof: proves nothing either way; the next check asks again.
      }
      const hour = String(new Date().getHours()).padStart(2, '0');
      const said = S.received.replace('{hour}', hour).replace('{n}', String(checked.index));
      if (state.forked === state.inv.dropVkey) {
        // Logged, but by a drop that showed this tab two histories: the handler may not see it.
        say($('received'), `${said} ${S.receipt_fork_earlier}`, 'error');
      } else say($('received'), said, 'ok');
      $('receipt').textContent = JSON.stringify(receipt, null, 1);
      show($('result'));
      document.body.dataset.receipt = state.forked === state.inv.dropVkey ? 'forked-drop' : 'ok';
      state.pending = null; state.files = []; renderFiles();
      $('text').value = ''; $('where').value = ''; $('when').value = '';
      document.querySelectorAll('input[name=cat]:checked').forEach((x) => { x.checked = false; });
    } catch (e) {
      const unconfirmed = state.pending && state.pending.asked;
      const msg = e.network ? (unconfirmed ? S.err_unconfirmed : S.err_network) : e.status === 507 ? S.err_full
        : e.message === 'drop' ? S.err_drop : e.message === 'otherdrop' ? S.err_other_drop : S.err_generic;
      say($('report-error'), msg, 'error');
      document.body.dataset.receipt = 'error';
    } finally {
      state.busy = false; $('send').disabled = false;
      say($('progress-label'), ''); show($('progress'), false);
      refocus($('send'));
    }
  }
  $('send').addEventListener('click', send);
  // Nothing outlives the tab: closed or reloaded while a report is on its way (or waits, not
  // confirmed, to be sent again), the report would be gone without a word. The browser asks.
  window.addEventListener('beforeunload', (ev) => {
    if (state.busy || state.pending) { ev.preventDefault(); ev.returnValue = ''; }
  });

  // --- 5. replies ---------------------------------------------------------------------------------
  const GET = { credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' };
  const MAX_REPLY = 1 << 20;
  const LISTING_PAGE = 5000;
  /** Why the drop's log cannot be trusted: `fork` (two histories), `unverified` (not signed by the
   *  invitation's drop key, or not proved one history with what this tab saw). */
  const logError = (kind) => { const err = new Error(kind); err[kind] = true; return err; };
  /** The drop is untrusted (THREAT_MODEL.md): a checkpoint it shows this tab (a receipt's, or the
   *  log's when replies are checked) must be one history with the last one this tab saw. The tab
   *  keeps that in memory only: nothing is stored, so a new tab starts afresh. */
  async function sameHistory(cp) {
    const seen = state.log && state.log.vkey === state.inv.dropVkey ? state.log : null;
    if (seen) {
      const [small, big] = seen.size <= cp.size ? [seen, cp] : [cp, seen];
      let proof = [];
      if (small.size < big.size) {
        let obj;
        try {
          obj = await api('GET', `/v1/proof/consistency?old=${small.size}&new=${big.size}`);
        } catch (e) {
          if (e.network || !(e.status >= 400 && e.status < 500)) throw e;
          state.forked = state.inv.dropVkey;
          throw logError('fork');  // it refuses to prove a tree its key signed
        }
        try {
          if (!obj || !Array.isArray(obj.proof) || obj.proof.length > 64) throw new T.ProtocolError('malformed proof');
          proof = obj.proof.map((x) => T.unhex(String(x)));
        } catch (e) { throw logError('unverified'); }  // a garbled answer proves nothing
      }
      try { T.verifyConsistency(small.size, big.size, small.root, big.root, proof); } catch (e) {
        state.forked = state.inv.dropVkey;  // said for as long as the tab lives, whatever it shows next
        throw logError('fork');
      }
    }
    if (!seen || cp.size >= seen.size) state.log = { vkey: state.inv.dropVkey, size: cp.size, root: cp.root };
  }
  /** The drop's checkpoint, signed by the drop key the invitation pins, one history with what this tab saw. */
  async function verifiedLog() {
    const { resp, data } = await fetchWithin('/log/checkpoint', GET, deadline(0), 1 << 16);
    if (!resp.ok || !data) throw new Error('drop');
    let cp;
    try { cp = T.openCheckpoint(new TextDecoder('utf-8', { fatal: true }).decode(data), state.inv.dropVkey); } catch (e) { throw logError('unverified'); }
    await sameHistory(cp);
    return cp;
  }
  /** Whether the envelope with this digest is the log's entry at `index` under the verified checkpoint. */
  async function inLog(digest, index, cp) {
    let obj;
    try { obj = await api('GET', `/v1/proof/inclusion?index=${index}&size=${cp.size}`); } catch (e) { if (e.network) throw e; return false; }
    try {
      if (!obj || !Array.isArray(obj.proof) || obj.proof.length > 64) return false;
      return T.equal(T.rootFromInclusion(T.leafHash(digest), index, cp.size, obj.proof.map((x) => T.unhex(String(x)))), cp.root);
    } catch (e) { return false; }
  }
  function warnReplies(id, text, cls = 'warn') {
    const warn = document.createElement('p');
    warn.className = cls;
    warn.id = id;
    warn.setAttribute('role', 'alert');
    warn.textContent = text;
    $('reply-list').prepend(warn);
  }
  // The drop is not trusted (as `tysha source replies`): its checkpoint is verified first, the
  // listing is read only up to it, and every index of it must be accounted for (the verifiable
  // listing, protocol/listing.py); a reply's envelope must be the log's entry at its index. What
  // the drop withholds, a fork, or a log it does not prove is said, never passed over in silence.
  async function replies() {
    const status = $('replies-status');
    say(status, S.replies_checking, '');
    $('replies-go').disabled = true;
    // Each check lists the drop's replies afresh (they stay on it until they expire): once.
    $('reply-list').replaceChildren();
    let found = 0;
    // An envelope is logged once: the same one at another index is an old reply replayed.
    const shownDigests = new Set();
    let replayed = 0;
    const withheld = new Map();  // log index -> what the drop did there
    let audit = 'ok';
    try {
      const cp = await verifiedLog();
      const info = await api('GET', '/v1/info').catch(() => null);
      const days = info && Number.isSafeInteger(info.retention_days) && info.retention_days > 0 && info.retention_days < 100000 ? info.retention_days : 90;
      const nowHour = Math.floor(Date.now() / 3600000);
      const last = cp.size - 1;  // the last index the verified log holds
      let after = -1;
      for (let page = 0; page < 100000 && after < last; page++) {
        const { resp, data } = await fetchWithin(`/v1/clues?after=${after}&limit=${LISTING_PAGE}&v=2`, GET, deadline(0));
        if (!resp.ok || !data) throw new Error('drop');
        const v2 = resp.headers.get('X-Tysha-Listing') === '2';
        const nxt = Number(resp.headers.get('X-Tysha-Cursor'));
        let recs;
        try {
          recs = v2 ? T.decodeListing(data, after, LISTING_PAGE)
            : T.decodeClueRecords(data, after, LISTING_PAGE).map((r) => ({ ...r, state: T.LIVE, hour: null }));
        } catch (e) { audit = 'listing'; break; }
        // It must move forward, by no more than asked, naming no record outside the page.
        if (!Number.isSafeInteger(nxt) || nxt <= after || nxt - after > LISTING_PAGE
            || recs.some((r) => !(after < r.index && r.index <= nxt))) { audit = 'listing'; break; }
        const end = Math.min(nxt, last);  // what lies beyond the verified log waits for the next check
        let records = recs.filter((r) => r.index <= end);
        if (v2) {
          const a = T.auditPage(records, after, end, cp.size, nowHour, days * 24);
          a.problems.forEach((why, i) => withheld.set(i, why));
          records = a.records;
        } else audit = 'unaudited';
        const byIndex = new Map(records.map((r) => [r.index, r]));
        const hits = await work({ op: 'scan', records: records.map((r) => ({ index: r.index, cluePub: r.cluePub, clues: r.clues })), clueSecret: state.me.clueSecret, cluePublic: state.me.public.clue });
        for (const hit of hits) {
          const rec = byIndex.get(hit.index);
          if (rec.state === T.EXPIRED) continue;
          // Deleting needs every slot's secret, the look-alike's too, which this page never shows
          // (it deletes its own slot only: keeping nothing, it could not tell a reply it deleted
          // whole from one the drop deleted without it): never deleted honestly.
          if (rec.state === T.DELETED) { withheld.set(hit.index, 'a reply to you, deleted on the drop'); continue; }
          // A reply is text only (one 8 KiB bucket): anything far bigger is not one.
          const { resp, data } = await fetchWithin(`/v1/envelopes/${hit.index}`, GET, deadline(MAX_REPLY), MAX_REPLY);
          if (resp.status === 404 || resp.status === 410) { withheld.set(hit.index, 'listed as live, but gone'); continue; }
          if (!resp.ok || !data || data.length > MAX_REPLY) continue;
          const digestBytes = T.sha256(data);
          // The envelope must be the one the log holds at this index (another one hides the entry there).
          if (!(await inLog(digestBytes, hit.index, cp))) { withheld.set(hit.index, 'the drop served another envelope than its log holds'); continue; }
          const digest = T.hex(digestBytes);
          if (shownDigests.has(digest)) { replayed++; continue; }
          let reply, opened;
          try {
            opened = T.openEnvelope(data, state.me);
            reply = T.readReply(opened.content, state.inv ? state.inv.handler : null, true);
          } catch (e) { continue; }
          found++;
          shownDigests.add(digest);
          showReply(reply);
          await api('POST', `/v1/envelopes/${hit.index}/delete`, { secret: T.hex(opened.deletionSecret) }).catch(() => null);
        }
        after = end;
      }
      say(status, found ? S.reply_deleted : S.replies_none, found ? 'ok' : '');
      if (replayed) warnReplies('replies-replayed', S.replies_replayed);
      if (audit === 'listing') warnReplies('replies-listing-bad', S.replies_listing_bad, 'error');
      if (audit === 'unaudited') warnReplies('replies-unaudited', S.replies_unaudited);
      if (withheld.size) {
        audit = 'withheld';
        warnReplies('replies-withheld', S.replies_withheld.replace('{n}', String(withheld.size)), 'error');
      }
      if (state.forked === state.inv.dropVkey) {
        // It showed this tab another history before: what it shows now may be the other one.
        audit = 'fork';
        warnReplies('replies-fork-earlier', S.replies_fork_earlier, 'error');
      }
      document.body.dataset.logAudit = audit;
      document.body.dataset.replies = String(found);
    } catch (e) {
      if (e.fork || e.unverified) {
        // Nothing read: a fork, or a log the page cannot check, says so loudly.
        say(status, e.fork ? S.replies_fork : S.replies_unverified, 'error');
        document.body.dataset.logAudit = e.fork ? 'fork' : 'unverified';
        document.body.dataset.replies = '0';
      } else say(status, S.err_network, 'error');
    } finally {
      $('replies-go').disabled = false;
      refocus($('replies-go'));
    }
  }
  // When the signer wrote it (ISO 8601 with its zone, as the desk writes it), or ''.
  const WRITTEN = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
  const writtenAt = (r) => {
    const ms = typeof r.createdAt === 'string' && WRITTEN.test(r.createdAt) ? Date.parse(r.createdAt) : NaN;
    return Number.isNaN(ms) ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  };
  function showReply(r) {
    const div = document.createElement('div');
    div.className = 'reply';
    const h = document.createElement('p');
    h.textContent = r.fromSigner ? S.reply_from : `${S.reply_other} ${T.fingerprint(r.sender)}`;
    if (!r.fromSigner) h.className = 'warn';
    const at = writtenAt(r);
    if (at) {
      const w = document.createElement('p');
      w.textContent = S.reply_written.replace('{at}', at);
      div.append(h, w);
    } else {
      div.append(h);
    }
    const p = document.createElement('p');
    p.textContent = r.text;
    div.append(p);
    // In the order they were written (signed), not the drop's: it chooses the order of its log.
    div.dataset.written = at;
    const list = $('reply-list');
    const later = at ? [...list.children].find((c) => c.dataset.written > at) : null;
    list.insertBefore(div, later || null);
  }
  $('replies-go').addEventListener('click', replies);

  document.getElementById('app').hidden = false;
  document.body.dataset.ready = '1';
})();
