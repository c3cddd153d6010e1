"""Test material made here: a ProofMode-like bundle (pgpy) and C2PA-signed photos (a test CA
and an ES256 leaf made with pyca/cryptography, signed with c2pa-python's Builder)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

from PIL import Image


def photo(seed: int = 1, size: tuple[int, int] = (64, 48)) -> bytes:
    img = Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# --- ProofMode (OpenPGP) --------------------------------------------------------------------


def pgp_key(name: str = "ProofMode test device") -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgpy
        from pgpy.constants import EllipticCurveOID, HashAlgorithm, KeyFlags, PubKeyAlgorithm

        key = pgpy.PGPKey.new(PubKeyAlgorithm.EdDSA, EllipticCurveOID.Ed25519)
        key.add_uid(pgpy.PGPUID.new(name), usage={KeyFlags.Sign}, hashes=[HashAlgorithm.SHA256])
    return key


def pgp_sign(key: Any, data: bytes) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return str(key.sign(data, detached=True)).encode()


def pgp_fingerprint(key: Any) -> str:
    return str(key.fingerprint).replace(" ", "").upper()


def proof_fields(media: bytes) -> dict[str, str]:
    return {
        "File Hash SHA256": sha(media),
        "File Path": "/storage/emulated/0/DCIM/Camera/IMG_0001.jpg",
        "Proof Generated": "2026-11-28T14:31:05Z",
        "File Created": "2026-11-28T14:30:59Z",
        "Location.Latitude": "46.6354",
        "Location.Longitude": "32.6169",
        "Location.Accuracy": "12.0",
        "Location.Provider": "gps",
        "DeviceID": "a1b2c3d4",
        "Manufacturer": "TestPhone",
        "Model": "T1",
    }


def proof_csv(fields: dict[str, str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(list(fields))
    w.writerow(list(fields.values()))
    return buf.getvalue().encode()


@dataclass
class Bundle:
    files: dict[str, bytes]

    def zip(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in self.files.items():
                z.writestr(name, data)
        return buf.getvalue()


def proofmode_bundle(
    media: bytes,
    key: Any,
    *,
    signer: Any = None,
    media_name: str = "IMG_0001.jpg",
    include_media: bool = True,
) -> Bundle:
    """A bundle as the ProofMode app shares one: proof JSON and CSV, detached signatures of
    each and of the media, the public key. ``signer``: another key that signs instead."""
    signer = signer or key
    fields = proof_fields(media)
    h = fields["File Hash SHA256"]
    pj = json.dumps(fields, indent=2).encode()
    pc = proof_csv(fields)
    files = {
        f"{h}.proof.json": pj,
        f"{h}.proof.json.asc": pgp_sign(signer, pj),
        f"{h}.proof.csv": pc,
        f"{h}.proof.csv.asc": pgp_sign(signer, pc),
        "pubkey.asc": str(key.pubkey).encode(),
    }
    if include_media:
        files[media_name] = media
        files[f"{media_name}.asc"] = pgp_sign(signer, media)
    return Bundle(files)


# --- C2PA -----------------------------------------------------------------------------------


@dataclass
class SigningCA:
    ca_pem: bytes
    chain_pem: bytes
    key_pem: bytes


def make_ca(name: str = "Tysha test") -> SigningCA:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def dn(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(dn(f"{name} CA")).issuer_name(dn(f"{name} CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder().subject_name(dn(f"{name} camera")).issuer_name(ca.subject)
        .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                       critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningCA(
        ca_pem=ca.public_bytes(pem),
        chain_pem=leaf.public_bytes(pem) + ca.public_bytes(pem),
        key_pem=leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()),
    )


def c2pa_sign(jpeg: bytes, ca: SigningCA, title: str = "street.jpg",
              mime: str = "image/jpeg") -> bytes:
    import c2pa

    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, ca.chain_pem, ca.key_pem, None)
    )
    manifest = {
        "claim_generator_info": [{"name": "tysha-test-camera", "version": "1.0"}],
        "title": title,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [{
            "action": "c2pa.created",
            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
        }]}}],
    }
    out = io.BytesIO()
    with c2pa.Builder(manifest) as b:
        b.sign(signer, mime, io.BytesIO(jpeg), out)
    signer.close()
    return out.getvalue()


def flip_pixels(jpeg: bytes) -> bytes:
    """Flip bytes of the entropy-coded image data (after the last start-of-scan marker)."""
    at = jpeg.rfind(b"\xff\xda")
    assert at > 0
    bad = bytearray(jpeg)
    for i in range(at + 20, at + 28):
        bad[i] ^= 0x5A
    return bytes(bad)
