"""``tysha desk …`` (../shared/CLI.md, Desk)."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from tysha.errors import ConfigError, VerificationError

app = typer.Typer(no_args_is_help=True, help="A handler's workstation (trusted; holds keys).")
DESK = typer.Option(..., "--desk", help="The desk folder.")


def passphrase(confirm: bool = False) -> str:
    value = os.environ.get("TYSHA_PASSPHRASE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigError("no passphrase: set TYSHA_PASSPHRASE or run on a terminal")
    first = getpass.getpass("Desk passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise ConfigError("the two passphrases differ")
    return first


def open_store(desk: Path):  # type: ignore[no-untyped-def]
    from tysha.desk.store import DeskStore

    return DeskStore.open(desk, passphrase())


def report_json(r: Any, full: bool = False) -> dict[str, Any]:
    d = r.data
    out = {
        "id": r.id,
        "categories": d.get("categories", []),
        "text": d.get("text", ""),
        "when": d.get("when", ""),
        "where": d.get("where", ""),
        "received_at": d.get("received_at", ""),
        "attachments": [
            {"name": a["name"], "sha256": a["sha256"], "size": a["size"]}
            for a in d.get("attachments", [])
        ],
        "capture_verified": bool(d.get("capture_verified")),
        "receipt_verified": bool(d.get("receipt_verified")),
    }
    if full:
        out.update(
            {
                "status": d.get("status", "new"),
                "source": d.get("source"),
                "source_fingerprint": d.get("source_fingerprint"),
                "revoked": bool(d.get("revoked")),
                "trusted": bool(d.get("trusted")),
                "log_consistent": bool(d.get("log_consistent")),
                "capture_problems": d.get("capture_problems", []),
                "problems": d.get("problems", d.get("capture_problems", [])),
                "qualifications": d.get("qualifications", []),
                "notes": d.get("notes", []),
                "replies": d.get("replies", []),
                "drop": d.get("drop"),
                "index": d.get("index"),
                "envelope_digest": d.get("envelope_digest"),
                "checkpoint": d.get("checkpoint"),
                "attachments": [
                    {
                        k: a[k]
                        for k in (
                            "name",
                            "sha256",
                            "size",
                            "media_type",
                            "capture_verified",
                            "claims",
                        )
                    }
                    for a in d.get("attachments", [])
                ],
            }
        )
    return out


@contextlib.contextmanager
def _progress() -> Iterator[Any]:
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), transient=True
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total or None)
            bar.update(tasks[label], completed=done, total=total or None)

        yield update


@app.command()
def init(
    desk: Path = DESK,
    name: str = typer.Option(..., "--name"),
    escrow: bool = typer.Option(False, "--escrow", help="The organisation's escrow desk."),
    analyst: bool = typer.Option(False, "--analyst", help="An analyst desk."),
    escrow_key: str = typer.Option(None, "--escrow-key", help="Also seal reports to this key."),
) -> None:
    """Create the desk's keys, encrypted at rest under a passphrase."""
    from tysha.desk.store import init_desk

    if escrow and analyst:
        raise ConfigError("a desk is an escrow desk or an analyst desk, not both")
    role = "escrow" if escrow else "analyst" if analyst else "handler"
    ident = init_desk(desk, name, passphrase(confirm=True), role, escrow_key)
    typer.echo(f"desk {name!r} ({role}) ready. Fingerprint: {ident.public().fingerprint()}")


@app.command()
def info(desk: Path = DESK, as_json: bool = typer.Option(False, "--json")) -> None:
    """Name, role, fingerprint and public key (no passphrase needed)."""
    from tysha.protocol import PublicIdentity

    try:
        meta = json.loads((desk / "desk.json").read_text())
    except OSError:
        raise ConfigError(f"{desk} is not a desk; run `tysha desk init` first") from None
    pub = PublicIdentity.from_text(meta["public_key"])
    out = {
        "name": meta["name"],
        "role": meta["role"],
        "fingerprint": pub.fingerprint(),
        "public_key": meta["public_key"],
    }
    if as_json:
        typer.echo(json.dumps(out))
    else:
        for k, v in out.items():
            typer.echo(f"{k}: {v}")


def make_invitation(store: Any, drop: str, drop_key: str) -> Any:
    from tysha.protocol import Invitation
    from tysha.tlog import NoteVerifier

    NoteVerifier.from_vkey(drop_key)
    if store.role != "handler":
        raise ConfigError("only a handler desk enrols sources")
    secret = os.urandom(16)
    inv = Invitation.create((drop,), drop_key, store.identity, store.escrow_key, secret)
    store.add_invitation(secret, drop, drop_key, inv.to_text())
    return inv


def write_qr(inv: Any, path: Path) -> None:
    import segno

    segno.make(inv.qr_payload(), error="l", mode="byte", boost_error=False).save(
        str(path), scale=4, border=4
    )


@app.command()
def invite(
    desk: Path = DESK,
    drop: str = typer.Option(..., "--drop"),
    drop_key: str = typer.Option(..., "--drop-key"),
    qr: Path = typer.Option(None, "--qr", help="Also write a QR code PNG here."),
) -> None:
    """Print a one-time invitation code (and write its QR code)."""
    store = open_store(desk)
    inv = make_invitation(store, drop, drop_key)
    if qr:
        write_qr(inv, qr)
    typer.echo(inv.to_text())


@app.command()
def fetch(
    desk: Path = DESK,
    as_json: bool = typer.Option(False, "--json"),
    drop: str = typer.Option(None, "--drop", help="Also watch this drop (with --drop-key)."),
    drop_key: str = typer.Option(None, "--drop-key"),
) -> None:
    """Fetch new envelopes from the known drops, open and verify our own."""
    from tysha.desk.fetch import fetch_all
    from tysha.tlog import NoteVerifier

    store = open_store(desk)
    if drop or drop_key:
        if not (drop and drop_key):
            raise ConfigError("--drop and --drop-key go together")
        NoteVerifier.from_vkey(drop_key)
        store.add_drop(drop, drop_key)
    with _progress() as prog:
        res = fetch_all(store, prog)
    summary = {
        "scanned": res.scanned,
        "new": len(res.new_reports),
        "skipped": res.skipped,
        "listing_bytes": res.listing_bytes,
        "errors": res.errors,
        "warnings": res.warnings,
        "forks": res.forks,
        "seconds": {k: round(v, 3) for k, v in res.seconds.items()},
    }
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(f"scanned {res.scanned} envelopes, {len(res.new_reports)} new reports")
    for e in res.errors + res.warnings:
        typer.echo(f"warning: {e}", err=True)
    if res.forks:
        raise VerificationError(" ".join(res.forks))


@app.command("list")
def list_(
    desk: Path = DESK,
    as_json: bool = typer.Option(False, "--json"),
    category: str = typer.Option(None, "--category"),
    status: str = typer.Option(None, "--status"),
    search: str = typer.Option(None, "--search"),
) -> None:
    """The reports in this desk."""
    store = open_store(desk)
    reports = store.list_reports(category=category, status=status, search=search)
    if as_json:
        typer.echo(json.dumps([report_json(r) for r in reports], ensure_ascii=False))
    else:
        for r in reports:
            typer.echo(
                f"{r.id}  {r.received_at[:16]}  {','.join(r['categories']):12}  "
                f"{r.get('status', 'new'):10}  {r['text'][:60]}"
            )


@app.command()
def show(
    id: str = typer.Argument(...), desk: Path = DESK, as_json: bool = typer.Option(False, "--json")
) -> None:
    """One report, with its verification and triage."""
    store = open_store(desk)
    out = report_json(store.get_report(id), full=True)
    drop = store.drop(out["drop"]) if out.get("drop") else None
    # A drop later caught showing a forked history taints what came through it.
    out["drop_forked"] = bool(drop and drop.get("forked"))
    if out["drop_forked"]:
        out["log_consistent"] = False
    out["custody"] = store.custody_events(id)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        for k, v in out.items():
            typer.echo(f"{k}: {v}")


@app.command()
def reply(
    id: str = typer.Argument(...), desk: Path = DESK, text: str = typer.Option(..., "--text")
) -> None:
    """Queue an encrypted reply to the report's source and send it."""
    from tysha.desk.fetch import send_reply

    store = open_store(desk)
    rec = send_reply(store, id, text)
    typer.echo(f"reply sent; in the drop's log at index {rec['index']}")


@app.command()
def revoke(source: str = typer.Argument(...), desk: Path = DESK) -> None:
    """Mark a source key compromised: its later envelopes are flagged, not trusted."""
    store = open_store(desk)
    s = store.revoke(source)
    typer.echo(f"{s.pseudonym} revoked")


@app.command()
def totp(desk: Path = DESK, disable: bool = typer.Option(False, "--disable")) -> None:
    """Require a one-time code (RFC 6238) at the web desk's login, or stop requiring it."""
    import base64

    store = open_store(desk)
    if disable:
        store.set_setting("totp", None)
        typer.echo("one-time codes are no longer required")
        return
    secret = os.urandom(20)
    store.set_setting("totp", secret.hex())
    store.custody("totp-enabled", None, {})
    b32 = base64.b32encode(secret).decode().rstrip("=")
    typer.echo("Add this to your authenticator app (it is shown once):")
    typer.echo(f"otpauth://totp/Tysha:{store.name.replace(' ', '%20')}?secret={b32}&issuer=Tysha")


@app.command()
def export(
    desk: Path = DESK, out: Path = typer.Option(..., "--out"), ids: list[str] = typer.Argument(None)
) -> None:
    """A court bundle of the given reports (all when none is given)."""
    from tysha.desk.bundle import export_bundle

    store = open_store(desk)
    n = export_bundle(store, out, ids or None)
    typer.echo(f"bundle of {n} reports written to {out}; check it with `tysha verify {out}`")


try:
    from tysha.desk.web import register_serve

    register_serve(app)
except ImportError:  # pragma: no cover - the web desk is optional at import time
    pass
