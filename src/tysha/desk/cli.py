"""``tysha desk …`` (../shared/CLI.md, Desk): a thin face over :class:`~tysha.desk.service.Desk`.

Every command parses its options, calls one service method and renders the result; reports
are rendered from :class:`~tysha.desk.views.ReportView`, the same view the web desk renders.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tysha.errors import (
    BadInput,
    BadPassphrase,
    NotFound,
    TransportError,
    TyshaError,
    VerificationError,
)
from tysha.i18n import gettext as _
from tysha.i18n import ngettext, shown, shown_json, shown_lines, translate_message

if TYPE_CHECKING:  # imported when a command runs: `tysha --help` stays light
    from tysha.desk.service import Desk
    from tysha.desk.views import ReportView

app = typer.Typer(no_args_is_help=True, help="A handler's workstation (trusted; holds keys).")
DESK = typer.Option(
    ..., "--desk", metavar="DIR", help="The desk folder (passphrase: TYSHA_PASSPHRASE or a prompt)."
)
JSON = typer.Option(False, "--json", help="Machine-readable output.")

__all__ = [
    "app",
    "make_invitation",
    "open_desk",
    "passphrase",
    "render_report",
    "write_qr",
]


def passphrase(confirm: bool = False) -> str:
    value = os.environ.get("TYSHA_PASSPHRASE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise BadPassphrase("no passphrase: set TYSHA_PASSPHRASE or run on a terminal")
    first = getpass.getpass(_("Desk passphrase") + ": ")
    if confirm and getpass.getpass(_("Again: ")) != first:
        raise BadInput(
            "the two passphrases differ",
            hint="nothing was changed; run the command again and type the same passphrase twice",
        )
    return first


def open_desk(desk: Path) -> Desk:
    from tysha.desk.service import Desk

    if not (Path(desk) / "desk.json").exists():
        raise NotFound(f"{desk} is not a desk; run `tysha desk init` first")
    return Desk.open(desk, passphrase())


def make_invitation(store: Any, drop: str, drop_key: str) -> Any:
    """Deprecated alias of :func:`tysha.desk.service.make_invitation` (kept for old callers)."""
    from tysha.desk.service import make_invitation as make

    return make(store, drop, drop_key)


def write_qr(inv: Any, path: Path) -> None:
    from tysha.desk.service import qr_png

    try:
        # The code is live (its enrolment secret): readable by the handler only, from its
        # first byte, and an earlier file's wider mode is not kept.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                     0o600)  # fmt: skip
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(qr_png(inv))
    except OSError:
        raise BadInput(f"cannot write the QR code to {path.name}") from None


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
                shown = translate_message(label)  # "hashing photos", "envelope 12"
                tasks[label] = bar.add_task(shown, total=total or None)
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
    from tysha.desk.service import Desk

    if escrow and analyst:
        raise BadInput("a desk is an escrow desk or an analyst desk, not both")
    role = "escrow" if escrow else "analyst" if analyst else "handler"
    fp = Desk.init(desk, name, passphrase(confirm=True), role, escrow_key)
    typer.echo(
        _("desk {name} ({role}) ready. Fingerprint: {fp}").format(
            name=repr(name), role=_(role), fp=fp
        )
    )


@app.command()
def backup(
    desk: Path = DESK,
    to: Path = typer.Option(..., "--to", help="A new or empty folder for the copy."),
) -> None:
    """Copy the desk, consistent at one moment, also while it serves or fetches (no
    passphrase needed: the copy stays sealed). Restore by using the copy as the desk folder."""
    from tysha.desk.store import backup_desk

    backup_desk(desk, to)
    typer.echo(
        _(
            "backed up to {to}. Keep it as safe as the desk. A desk restored from it may lack"
            " what it takes from the drops after now: back up again after each fetch."
        ).format(to=shown(str(to)))
    )


@app.command()
def info(desk: Path = DESK, as_json: bool = JSON) -> None:
    """Name, role, fingerprint and public key (no passphrase needed)."""
    from tysha.desk.service import Desk

    out: dict[str, Any] = dict(Desk.info(desk))
    # The setting is sealed in desk.db: read only with the passphrase given in the environment
    # (never asked for here; a wrong one leaves it unread, the rest still shown).
    every: int | None = None
    tsa: tuple[str | None, list[str]] | None = None
    if os.environ.get("TYSHA_PASSPHRASE"):
        with contextlib.suppress(TyshaError):
            with Desk.open(desk, os.environ["TYSHA_PASSPHRASE"]) as d:
                every, tsa = d.anchor_every(), d.anchor_tsa()
    if as_json:
        tsa_json = {"anchor_tsa": tsa[0] if tsa else None,
                    "anchor_tsa_root": bool(tsa[1]) if tsa and tsa[0] else None}  # fmt: skip
        typer.echo(json.dumps(out | {"anchor_every": every} | tsa_json))
    else:
        for k, v in out.items():
            typer.echo(f"{_(k)}: {_(v) if k == 'role' else v}")
        typer.echo(_("anchor after fetch") + ": " + _anchor_every_text(every))
        if every and tsa:
            typer.echo(_("time-stamped by") + ": " + _anchor_tsa_text(tsa))


def _anchor_tsa_text(tsa: tuple[str | None, list[str]]) -> str:
    url, roots = tsa
    if not url:
        return _("no time-stamping authority (`desk anchor --every N --tsa URL` sets one)")
    if roots:
        return _("{url}, its answer checked under the kept root").format(url=shown(url))
    return _("{url}, its answer not checked under a root (--tsa-root)").format(url=shown(url))


def _anchor_every_text(every: int | None) -> str:
    if every is None:
        return _("not read (set TYSHA_PASSPHRASE to see it)")
    if not every:
        return _("off (`tysha desk anchor --every N` switches it on)")
    return ngettext(
        "once {n} custody event is unanchored",
        "once {n} custody events are unanchored",
        every,
    ).format(n=every)


@app.command()
def invite(
    desk: Path = DESK,
    drop: list[str] = typer.Option(
        ...,
        "--drop",
        metavar="URL",
        help="The drop's address; repeat for its other addresses (onion, mirrors), in order.",
    ),
    drop_key: str = typer.Option(..., "--drop-key", metavar="VKEY"),
    qr: Path = typer.Option(None, "--qr", metavar="FILE.png", help="Also write a QR code PNG."),
    valid_days: int = typer.Option(
        None, "--valid-days", metavar="N",
        help="Days a first report under it enrols its key (1-366; default 14).",
    ),  # fmt: skip
) -> None:
    """Print a one-time invitation code (and write its QR code)."""
    if qr:  # before the invitation is made: a QR code that cannot be written makes none
        from tysha.store.partfiles import replaceable

        replaceable(qr, b"\x89PNG", "a QR code image")
    d = open_desk(desk)
    inv = d.invite(drop, drop_key) if valid_days is None else d.invite(drop, drop_key, valid_days)
    if qr:
        try:
            write_qr(inv, qr)
        except TyshaError:  # its code was never shown: no one is to enrol with it
            d.cancel_invitation(d.invitation_of(inv)["id"])
            raise
    typer.echo(inv.to_text())
    rec = d.invitation_of(inv)
    # On stderr: stdout is the code alone (INVITATION=$(tysha desk invite …)).
    typer.echo(
        _("invitation {id}: valid until {expires}; a first report after that enrols no one "
          "(cancel it unused: tysha desk invitations --desk {desk} --cancel {id})").format(
            id=rec["id"], expires=_utc(rec["expires_at"]), desk=shlex.quote(str(desk))),
        err=True,
    )  # fmt: skip


def _utc(when: str | None) -> str:
    """A time the desk stored (2026-12-15T09:53:17Z) as '2026-12-15 09:53 UTC'."""
    return f"{when[:10]} {when[11:16]} UTC" if when else _("never")


@app.command()
def invitations(
    desk: Path = DESK,
    as_json: bool = JSON,
    cancel: str = typer.Option(
        None, "--cancel", metavar="ID", help="Cancel this unused invitation."
    ),  # fmt: skip
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """The invitations made here, with their state and expiry; --cancel closes an unused one."""
    d = open_desk(desk)
    if cancel is not None:
        # Cancelling cannot be undone (the source needs a new code, in person): at a
        # terminal, the invitation is named first. An unknown or used one: the service says.
        found = [i for i in d.invitations([]) if i["id"] == cancel.strip()]
        if found and found[0]["state"] in ("open", "expired"):
            i = found[0]
            question = _(
                "Cancel the invitation {id}, made {made} for {drops}? Its code stops working; "
                "this cannot be undone."
            ).format(id=i["id"], made=_utc(i["created_at"]), drops=" ".join(i["drops"]))
            _confirm(shown(question), yes)
        rec = d.cancel_invitation(cancel)
        typer.echo(json.dumps(rec) if as_json else _(
            "invitation {id} cancelled: a first report under it enrols no one").format(
            id=rec["id"]))  # fmt: skip
        return
    damaged: list[str] = []
    out = d.invitations(damaged)
    if as_json:
        typer.echo(shown_json([{k: i[k] for k in ("id", "created_at", "expires_at",
                   "cancelled_at", "state", "source", "drops")} for i in out]))  # fmt: skip
    elif not out and not damaged:
        typer.echo(_("no invitations yet"))
    for i in [] if as_json else out:
        typer.echo(shown(_("{id}  made {made}  {state}  expires {expires}  {drops}").format(
            id=i["id"], made=_utc(i["created_at"]), state=_(_INVITATION_STATES[i["state"]]),
            expires=_utc(i["expires_at"]), drops=" ".join(i["drops"]))))  # fmt: skip
    if damaged:  # the others are listed; these are named, and the command fails
        raise VerificationError(
            f"invitations damaged in the desk, their stored records do not decrypt: "
            f"{', '.join(sorted(damaged))}",
            hint="the others are listed; restore the desk folder from your backup",
        )


#: An invitation's state (Desk.invitations) -> how it is said (a gettext msgid).
_INVITATION_STATES = {
    "open": "open",
    "used": "used",
    "expired": "expired",
    "cancelled": "cancelled",
}


TOR = typer.Option(False, "--tor", help="Through the local Tor (TYSHA_TOR or 127.0.0.1:9050).")


def _with_tor(command: Callable[..., None]) -> Callable[..., None]:
    """``--tor``: every drop through Tor, isolated per drop (tysha.transport.TorTransport),
    for this command only (an in-process caller keeps its environment)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        old = os.environ.get("TYSHA_TOR")
        if kwargs.get("tor") and not old:
            os.environ["TYSHA_TOR"] = "socks5://127.0.0.1:9050"
        try:
            command(*args, **kwargs)
        finally:
            if old is None:
                os.environ.pop("TYSHA_TOR", None)
            else:
                os.environ["TYSHA_TOR"] = old

    return run


@app.command()
@_with_tor
def fetch(
    desk: Path = DESK,
    as_json: bool = JSON,
    tor: bool = TOR,
    drop: str = typer.Option(None, "--drop", metavar="URL", help="Also watch this drop."),
    drop_key: str = typer.Option(None, "--drop-key", metavar="VKEY"),
    witness: list[str] = typer.Option(
        [], "--witness", metavar="VKEY",
        help="Require cosignatures of this witness (repeat; kept for the drop).",
    ),
    witnesses_needed: int = typer.Option(
        None, "--witnesses-needed", metavar="K", help="How many of the --witness keys (all)."
    ),
) -> None:
    """Fetch new envelopes from the known drops, open and verify our own; send queued replies.

    With ``--witness VKEY … [--witnesses-needed K]`` the desk keeps the policy "K of these
    witnesses" for ``--drop`` (or for every drop it knows) and advances on a drop only as far
    as K valid cosignatures of them cover a checkpoint consistent with what it verified.

    Exits 1 when a drop is unreachable, shows a fork, misbehaves, withholds entries or lacks
    the required cosignatures."""
    d = open_desk(desk)
    if drop or drop_key:
        if not (drop and drop_key):
            raise BadInput("--drop and --drop-key go together")
    from tysha.desk.fetch import set_witness_policy

    policy = bool(witness) or witnesses_needed is not None
    if policy:
        set_witness_policy(d.store, [], witness, witnesses_needed)  # checks it, keeps nothing
        if not (drop or d.store.drops()):
            raise BadInput("--witness needs a drop: give --drop URL --drop-key VKEY")
    if drop and drop_key:
        d.watch_drop(drop, drop_key)
    if policy:
        urls = [x.url for x in d.store.drops()
                if not drop or drop in (x.url, *x.addresses)]  # fmt: skip
        set_witness_policy(d.store, urls or [drop], witness, witnesses_needed)
    if not as_json and not d.store.drops():
        typer.echo(_("this desk knows no drop yet: `tysha desk invite` adds the drop an "
                     "invitation names, or give --drop URL --drop-key VKEY"), err=True)
    with _progress() as prog:
        res = d.fetch(prog)
        # Near-duplicate index (issue 12): new photos are hashed here, in a process pool,
        # never on a web request.
        hashed = d.update_media_index(prog) if res.new_reports else 0
    replies = res.replies
    flagged = d.flagged_among(res.new_reports)
    summary = {
        "scanned": res.scanned,
        "new": len(res.new_reports),
        "skipped": res.skipped,
        "flagged": len(flagged),
        "quarantined": len(res.quarantined),
        "listing_bytes": res.listing_bytes,
        "errors": res.errors,
        "warnings": res.warnings,
        "forks": res.forks,
        "withheld": res.withheld,
        "witnessed": res.witnessed,
        "unwitnessed": res.unwitnessed,
        "unreachable": res.unreachable,
        "replies_sent": len(replies.sent) if replies else 0,
        "replies_queued": replies.left if replies else 0,
        "answered": res.answered,
        "photos_hashed": hashed,
        "seconds": {k: round(v, 3) for k, v in res.seconds.items()},
    }
    if replies and replies.held:  # only when some are held: the fields before stay exact
        summary["replies_held"] = replies.held
    if res.anchored:  # likewise only when an anchor was due
        summary["anchored"] = {k: res.anchored[k] for k in ("size", "drop", "index")}
    if res.anchor_failed:
        summary["anchor_failed"] = res.anchor_failed
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        for url, address in res.answered.items():
            typer.echo(_("drop {url}: answered at {address}").format(url=url, address=address))
        for url, checked in res.witnessed.items():
            typer.echo(_("drop {url}: witnesses: {checked}").format(url=url, checked=checked))
        scanned = ngettext("scanned {n} envelope", "scanned {n} envelopes", res.scanned)
        new_n = len(res.new_reports)
        typer.echo(
            scanned.format(n=res.scanned)
            + ", "
            + ngettext("{n} new report", "{n} new reports", new_n).format(n=new_n)
        )
        if flagged:
            typer.echo(
                ngettext(
                    "{n} of them flagged, not to be taken at face value "
                    "(see `tysha desk list --flagged`)",
                    "{n} of them flagged, not to be taken at face value "
                    "(see `tysha desk list --flagged`)",
                    len(flagged),
                ).format(n=len(flagged))
            )
        if res.quarantined:
            q = len(res.quarantined)
            typer.echo(
                ngettext(
                    "{n} envelope could not be opened (quarantined)",
                    "{n} envelopes could not be opened (quarantined)",
                    q,
                ).format(n=q)
            )
        if replies and (replies.sent or replies.left or replies.held):
            typer.echo(
                _("replies: {sent} sent, {left} still queued").format(
                    sent=len(replies.sent), left=replies.left
                )
                + _held_text(replies.held, replies.held_damaged)
            )
        if res.anchored:
            typer.echo(
                ngettext(
                    "custody head of {n} event anchored as entry {index} of the drop's log",
                    "custody head of {n} events anchored as entry {index} of the drop's log",
                    res.anchored["size"],
                ).format(n=res.anchored["size"], index=res.anchored["index"])
            )
    for e in res.errors + res.warnings + res.quarantined:
        typer.echo(shown(_("warning: {detail}").format(detail=translate_message(str(e)))), err=True)
    if res.anchor_failed:
        # said after the reports: they are kept whatever became of the anchor
        typer.echo(
            shown(
                _(
                    "warning: the custody head was not anchored ({detail}); the reports fetched"
                    " are kept; it is tried again after the next fetch, or run `tysha desk anchor`"
                ).format(detail=translate_message(res.anchor_failed))
            ),
            err=True,
        )
    for e in res.withheld:
        # "WITHHELD:" is the contract's marker (docs/CLI.md); the detail is translated.
        typer.echo(shown("WITHHELD: " + translate_message(str(e))), err=True)
    # each message translated on its own (joined, they would match no catalog template)
    if res.forks:
        # each ends saying what to do (whom to tell): no hint after it, in any language (the
        # CLI reads that in English, and these are translated already)
        raise VerificationError(" ".join(translate_message(m) for m in res.forks), hint="")
    if res.unwitnessed:
        raise VerificationError(
            " ".join(translate_message(m) for m in res.unwitnessed),
            hint="nothing was taken from that drop; fetch again once its witnesses cosign",
        )
    if res.withheld:
        raise VerificationError(
            f"a drop withholds entries of its log from this desk: {len(res.withheld)} (see above);"
            " what it did list was fetched",
            hint="this is recorded in custody; the entries are checked again on every fetch",
        )
    if res.anomalies:
        raise VerificationError(
            "a drop's listing misbehaved (see the warnings above); what it did list was fetched",
            hint="this is recorded in custody; tell your organisation if it persists",
        )
    if res.unreachable:
        from tysha.transport import is_onion

        needs_tor = not os.environ.get("TYSHA_TOR") and any(map(is_onion, res.unreachable))
        raise TransportError(
            f"could not reach {', '.join(res.unreachable)}; nothing was lost, fetch again later"
            + (" (a .onion drop is reached only through Tor: use --tor)" if needs_tor else "")
        )
    if res.errors:
        raise TransportError("some envelopes could not be fetched; fetch again later")
    if res.anchor_failed:
        raise TransportError(
            "the custody head was not anchored (see above); what was fetched is kept",
            hint="it is tried again after the next fetch; `tysha desk anchor` anchors it now",
        )


def _flags_cell(v: ReportView) -> str:
    if v.flags:
        return ",".join(v.flag_codes)
    if "invalid" in v.credential_states:
        return "- " + _("(credential invalid)")
    if v.credential_states:
        return "- " + _("(credential unchecked)")
    return "-"


@app.command("list")
def list_(
    desk: Path = DESK,
    as_json: bool = JSON,
    category: str = typer.Option(None, "--category", metavar="CODE"),
    status: str = typer.Option(
        None, "--status", metavar="STATUS",
        help="Only reports in this status: new, reviewing, verified or escalated.",
    ),
    search: str = typer.Option(
        None, "--search", metavar="TEXT", help="Only reports whose text, place or time holds this."
    ),
    flagged: bool = typer.Option(False, "--flagged", help="Only reports with a flag."),
    sort: str = typer.Option(
        "received", "--sort", metavar="received|event", help="Newest first by this time."
    ),
) -> None:
    """The reports in this desk, newest first, with their flags."""
    d = open_desk(desk)
    damaged: list[str] = []
    views = d.reports(
        category=category,
        status=status,
        search=search,
        flagged=True if flagged else None,
        sort=sort,
        damaged=damaged,
    )
    _list_reports(views, as_json)
    if damaged:  # the others are listed; these are named, and the command fails
        raise VerificationError(
            f"reports damaged in the desk, their stored records do not decrypt: "
            f"{', '.join(sorted(damaged))}",
            hint="the others are listed; restore the desk folder from your backup",
        )


def _list_reports(views: list[ReportView], as_json: bool) -> None:
    if as_json:
        typer.echo(shown_json([v.to_json() for v in views]))
        return
    if not views:
        typer.echo(_("no reports"))
        return
    typer.echo(
        f"{_('ID'):12}  {_('RECEIVED'):20}  {_('EVENT TIME'):20}  {_('CATEGORIES'):12}  "
        f"{_('STATUS'):10}  {_('FROM'):7}  {_('FLAGS'):24}  {_('TEXT')}"
    )
    for v in views:
        text = " ".join(v.text.split())
        typer.echo(
            shown(
                f"{v.id:12}  {v.received_at:20}  {v.event_time or '-':20}  "
                f"{','.join(v.categories) or '-':12}  {_(v.status):10}  "
                f"{_(CLIENT_SHORT.get(v.client, v.client)):7}  {_flags_cell(v):24}  {text[:60]}"
            )
        )


def _value_text(key: str, value: Any) -> str:
    """A stored value as a person reads it (no Python reprs)."""
    if key == "exif_gps" and isinstance(value, list) and len(value) == 2:
        if all(isinstance(x, int) and not isinstance(x, bool) for x in value):
            return f"{value[0] / 1e6:.6f}, {value[1] / 1e6:.6f}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(_value_text("", x) for x in value)
    if isinstance(value, dict):
        return "; ".join(f"{k} {_value_text(k, x)}" for k, x in value.items())
    return str(value)


#: How ``desk show`` names where a report came from (ReportView.client).
CLIENT_TEXT = {
    "browser": "browser (the drop's source page)",
    "app": "app (tysha source)",
    "unknown": "unknown (a source from before this was recorded)",
}
#: The same in ``desk list``'s FROM column.
CLIENT_SHORT = {"browser": "browser", "app": "app", "unknown": "unknown"}


def _pseudonym(p: str) -> str:
    """``Source 3 · Amber Fox`` in the user's language (as the web desk renders it)."""
    from tysha.desk.views import pseudonym_text

    return pseudonym_text(p, _)


def _custody_action(action: str) -> str:
    """A custody action's label in the user's language; the stable code itself in English."""
    from tysha.desk.web.view import CUSTODY_LABELS

    label = CUSTODY_LABELS.get(action)
    return _(label) if label and _(label) != label else action


def _claim_key(key: str) -> str:
    """A capture claim's label in the user's language (as the web desk names it); the key
    itself in English, as before."""
    from tysha.desk.web.view import CLAIM_LABELS

    label = CLAIM_LABELS.get(key)
    return _(label) if label and _(label) != label else key


def _field(label: str, value: str) -> str:
    """One "  label:   value" line of ``desk show``, the label in the user's language."""
    head = _(label) + ":"
    return "  " + (head.ljust(19) if len(head) < 19 else head + " ") + value


def _event_time_note(v: ReportView) -> str:
    """After ``when``: the time it gives in UTC, or that it is a local time without zone (the
    reporter's, never made UTC); nothing when it says no more than ``when`` itself."""
    from tysha.desk.views import LOCAL_TIME, zoneless

    if not v.event_time or v.event_time == v.when:
        return ""
    return "  (" + (_(LOCAL_TIME) if zoneless(v.event_time) else v.event_time) + ")"


def render_report(v: ReportView, custody: list[dict[str, Any]]) -> list[str]:
    """``desk show`` as readable lines (no Python reprs), in the user's language."""
    yes = {True: _("yes"), False: _("NO")}
    lines = [
        _("Report {id}").format(id=v.id),
        _field("status", _(v.status)),
        _field("trusted", yes[v.trusted]),
    ]
    for f in v.flags:
        reason = translate_message(f.reason)
        lines.append("  " + _("FLAG {code}: {reason}").format(code=f.code, reason=reason))
    for p in v.problems:
        lines.append("    " + _("detail: {detail}").format(detail=translate_message(p)))
    source = _pseudonym(v.source) if v.source else "-"
    if v.source_fingerprint:
        source += "  (" + _("key {fp}").format(fp=v.source_fingerprint) + ")"
    if v.revoked:
        source += "  " + _("REVOKED")
    lines += [
        _field("categories", ", ".join(v.categories) or "-"),
        _field("when", v.when or "-") + _event_time_note(v),
        _field("where", v.where or "-"),
        _field("received", v.received_at),
        _field("sent from", _(CLIENT_TEXT.get(v.client, v.client))),
        _field("source", source),
        _field("capture verified", yes[v.capture_verified]),
        _field("receipt verified", yes[v.receipt_verified]),
        _field("log consistent", yes[v.log_consistent]),
        _field("drop", f"{v.drop or '-'}  (" + _("log index {index}").format(index=v.index) + ")"),
        _field("envelope sha-256", v.envelope_digest or "-"),
        "",
        *("  " + line for line in shown_lines(v.text)),
        "",
    ]
    for n, a in enumerate(v.attachments):
        lines.append(
            "  "
            + _(
                "attachment {n}: {name} ({media_type}, {size}) sha-256 {sha256}  capture {state}"
            ).format(
                n=n,
                name=a.name,
                media_type=a.media_type,
                size=ngettext("{n} byte", "{n} bytes", a.size).format(n=a.size),
                sha256=a.sha256,
                state=_("verified") if a.capture_verified else _("NOT verified"),
            )
        )
        for k, val in a.claims.items():
            lines.append(f"      {_claim_key(k)}: {_value_text(k, val)}")
        lines += _provenance_lines(v.provenance_of(n))
    orphans = [r for r in v.provenance if r.attachment is None]
    if orphans:
        lines.append("  " + _("provenance about no attachment of this report:"))
        lines += _provenance_lines(orphans)
    for q in v.qualifications:
        lines.append(
            "  "
            + _("qualification: {code} ({confidence}) by {reviewer} on {at}").format(
                code=q.get("code"),
                confidence=_(str(q.get("confidence"))),
                reviewer=q.get("reviewer"),
                at=q.get("at") or q.get("date"),
            )
        )
    for note in v.notes:
        lines.append(
            "  "
            + _("note by {author} at {at}: {text}").format(
                author=note.get("author"), at=note.get("at"), text=note.get("text")
            )
        )
    for r in v.replies:
        if r.get("log_consistent") is False:  # its receipt came from another history
            state = _(
                "FORK: the drop's receipt for it came from a history inconsistent with the one"
                " this desk verified; the source may never see it"
            )
        elif r.get("sent_at") or r.get("index") is not None:
            state = _("sent {at}").format(at=r.get("sent_at"))
            if _forked_since_sent(v, r):  # the web says so too, --json as drop_forked_since_sent
                state += "; " + _(
                    "its drop has since shown two histories of its log: the source may never"
                    " see this reply"
                )
        elif v.has_flag("log-forked"):  # held, never sent (as the web desk says)
            state = _("held: the drop showed a forked history")
        elif v.has_flag("source-unreadable"):  # held, never sent (as the web desk says)
            state = _("held: the source's record is damaged")
        elif v.revoked:
            state = _("held: the key is revoked")
        else:
            state = _("QUEUED")
        lines.append(
            "  "
            + _("reply written {at} ({state}): {text}").format(
                at=r.get("at"), state=state, text=r.get("text")
            )
        )
    lines.append("  " + _("custody:"))
    for e in custody:
        detail = ", ".join(
            f"{k} {_value_text(k, val)}" for k, val in (e.get("detail") or {}).items()
        )
        action = _custody_action(str(e.get("action")))
        lines.append(f"    {e.get('at')}  {action}" + (f"  ({detail})" if detail else ""))
    # Every line holds someone else's words (text, place, names, claims, reasons): none may
    # send the terminal a control character (tysha.i18n.shown).
    return [shown(line) for line in lines]


def _provenance_lines(records: list[Any]) -> list[str]:
    """A ProofMode proof or C2PA manifest as lines under its attachment (claims as claimed)."""
    out = []
    for r in records:
        state = _(r.state.upper())
        if r.kind == "c2pa":
            out.append(
                "      "
                + _(
                    "C2PA: {state}  signer {signer}, issuer {issuer}, made by {generator},"
                    " signed {signed}"
                ).format(
                    state=state,
                    signer=r.signer or "-",
                    issuer=r.issuer or "-",
                    generator=r.claim_generator or "-",
                    signed=r.signed_at or _("(no time-stamp)"),
                )
            )
        else:
            out.append(
                "      "
                + _("ProofMode: {state}  signer key {key}").format(
                    state=state, key=r.signer_fingerprint or "-"
                )
                + (f" ({r.signer})" if r.signer else "")
                + ", "
                + (_("signature ok") if r.signature_ok else _("signature NOT ok"))
                + (", " + _("from {name}").format(name=r.source_file) if r.source_file else "")
            )
        for e in r.errors:
            out.append("        " + _("reason: {reason}").format(reason=translate_message(e)))
        for k, val in r.highlights().items():
            out.append("        " + _("{key} (as claimed): {value}").format(key=k, value=val))
    return out


def _forked_since_sent(v: Any, reply: dict[str, Any]) -> bool:
    """A reply the drop logged in the history this desk verified, whose drop has since shown
    two histories of its log: the source may never see it."""
    sent = bool(reply.get("sent_at")) or reply.get("index") is not None
    return sent and reply.get("log_consistent") is not False and v.has_flag("log-forked")


@app.command()
def show(
    id: str = typer.Argument(..., metavar="ID", help="A report id or an unambiguous prefix."),
    desk: Path = DESK,
    as_json: bool = JSON,
) -> None:
    """One report, with its verification, flags and triage."""
    d = open_desk(desk)
    v = d.report(id)
    damaged: list[int] = []  # custody events that do not decrypt: the report is still shown
    custody = d.custody(v.id, damaged)
    if as_json:
        out = v.to_json(full=True)
        out["drop_forked"] = v.has_flag("log-forked")
        for r in out.get("replies") or []:
            if isinstance(r, dict):
                r["drop_forked_since_sent"] = _forked_since_sent(v, r)
        out["custody"] = custody
        typer.echo(shown_json(out))
    else:
        for line in render_report(v, custody):
            typer.echo(line)
    if damaged:
        from tysha.desk.store import custody_event_damaged

        raise custody_event_damaged(damaged)


@app.command()
@_with_tor
def reply(
    id: str = typer.Argument(..., metavar="ID"),
    desk: Path = DESK,
    text: str = typer.Option(..., "--text"),
    tor: bool = TOR,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Queue an encrypted reply to the report's source and send it; if the drop is
    unreachable it stays queued (sent by `desk send` or the next `desk fetch`)."""
    d = open_desk(desk)
    v = d.report(id)
    if v.source:
        # A reply cannot be taken back, and ID may be any start of a report id: at a
        # terminal, the source and the report it resolved to are named first.
        _confirm(
            shown(_("Send this reply to {source} (report {id}, received {received})?").format(
                source=_pseudonym(v.source), id=v.id, received=_utc(v.received_at))),
            yes,
        )  # fmt: skip
    out = d.reply(v.id, text)
    if out.forked:
        # A split view: the drop logged the reply in a history its sources are not shown.
        raise VerificationError(out.error)
    if out.sent:
        typer.echo(
            _("reply sent; in the drop's log at index {index}").format(index=out.index)
            + (" (" + _("answered at {address}").format(address=out.via) + ")" if out.via else "")
        )
    else:
        why = translate_message(out.error) if out.error else _("the drop did not take it")
        typer.echo(
            _(
                "reply queued, not sent yet ({why}); "
                "`tysha desk send` or the next `tysha desk fetch` sends it"
            ).format(why=why)
        )


@app.command()
@_with_tor
def send(desk: Path = DESK, as_json: bool = JSON, tor: bool = TOR) -> None:
    """Send queued replies."""
    d = open_desk(desk)
    res = d.send_queued()
    if as_json:
        out = {"sent": len(res.sent), "queued": res.left, "errors": res.errors}
        out |= {"held": res.held} if res.held else {}
        out |= {"forks": res.forks} if res.forks else {}
        typer.echo(json.dumps(out | ({"answered": res.via} if res.via else {})))
    else:
        typer.echo(
            ngettext("{n} reply sent", "{n} replies sent", len(res.sent)).format(n=len(res.sent))
            + ", "
            + ngettext("{n} still queued", "{n} still queued", res.left).format(n=res.left)
            + _held_text(res.held, res.held_damaged)
            + (
                " (" + _("answered at {address}").format(address=", ".join(res.via)) + ")"
                if res.via
                else ""
            )
        )
    if res.forks:  # a receipt from another history: the drop shows its sources another log
        raise VerificationError(" ".join(translate_message(m) for m in res.forks), hint="")
    if res.left:
        raise TransportError(f"replies still queued: {res.left}; {res.errors[-1]}")


def _held_text(n: int, damaged: int = 0) -> str:
    """Replies kept back because their source's key was revoked since, or (``damaged`` of the
    ``n``) their source's record is damaged (desk/service.py)."""
    text = ""
    if n - damaged:
        text += ", " + ngettext(
            "{n} held: its source's key is revoked (restore the key to send it)",
            "{n} held: their sources' keys are revoked (restore a key to send its replies)",
            n - damaged,
        ).format(n=n - damaged)
    if damaged:
        text += ", " + ngettext(
            "{n} held: its source's record is damaged (restore the desk folder from your "
            "backup to send it)",
            "{n} held: their sources' records are damaged (restore the desk folder from your "
            "backup to send them)",
            damaged,
        ).format(n=damaged)
    return text


def _confirm(question: str, yes: bool) -> None:
    # Scripts (no terminal) keep CLI.md's one-line form; a person at a terminal confirms.
    if yes or not sys.stdin.isatty():
        return
    if not typer.confirm(question, default=False):
        raise BadInput("not confirmed; nothing changed")


@app.command()
def revoke(
    source: str = typer.Argument(..., metavar="SOURCE", help='"Source 3", "Amber Fox" or the id.'),
    desk: Path = DESK,
    reason: str = typer.Option("", "--reason", metavar="TEXT", help="Recorded in custody."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Mark a source key compromised: its reports are flagged, not trusted (undo: restore)."""
    d = open_desk(desk)
    s = d.source(source)
    if d.role == "escrow":  # its pseudonyms and flags are its own: the handler's stand
        typer.echo(
            _(
                "Only this escrow desk flags the key: the handler desk that enrolled this "
                "source still trusts it and replies to it. Tell that handler desk to revoke it "
                "there; match the key's fingerprint, not the name (each desk names its sources "
                "itself)."
            )
        )
    _confirm(
        _("Revoke {source}? Its reports will be flagged as untrusted.").format(source=s.pseudonym),
        yes,
    )
    s = d.revoke(s.id, reason)
    typer.echo(
        _("{source} revoked").format(source=s.pseudonym) + (f" ({reason})" if reason else "")
    )


@app.command()
def restore(
    source: str = typer.Argument(..., metavar="SOURCE"),
    desk: Path = DESK,
    reason: str = typer.Option("", "--reason", metavar="TEXT", help="Recorded in custody."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Undo a revocation: the source's key is trusted again."""
    d = open_desk(desk)
    s = d.source(source)
    _confirm(
        _("Restore {source}? Its reports will be trusted again.").format(source=s.pseudonym), yes
    )
    s = d.restore(s.id, reason)
    typer.echo(
        _("{source} restored").format(source=s.pseudonym) + (f" ({reason})" if reason else "")
    )


@app.command()
def totp(
    desk: Path = DESK,
    disable: bool = typer.Option(False, "--disable", help="Stop requiring the code."),
) -> None:
    """Require a one-time code (RFC 6238) at the web desk's login, or stop requiring it."""
    d = open_desk(desk)
    if disable:
        d.disable_totp()
        typer.echo(_("one-time codes are no longer required"))
        return
    uri = d.enable_totp()
    typer.echo(_("Add this to your authenticator app (it is shown once):"))
    typer.echo(uri)


@app.command()
def export(
    desk: Path = DESK,
    out: Path = typer.Option(..., "--out", metavar="FILE.zip"),
    ids: list[str] = typer.Argument(None, metavar="[ID]...", help="Report ids (default: all)."),
) -> None:
    """A court bundle of the given reports (all when none is given)."""
    d = open_desk(desk)
    n = d.export(out, ids or None, warn=lambda text: typer.echo(translate_message(text), err=True))
    typer.echo(
        ngettext(
            "bundle of {n} report written to {out}; check it with `tysha verify {out}`",
            "bundle of {n} reports written to {out}; check it with `tysha verify {out}`",
            n,
        ).format(n=n, out=out)
    )


@app.command("export-uwazi")
def export_uwazi(
    desk: Path = DESK,
    out: Path = typer.Option(..., "--out", metavar="DIR"),
    ids: list[str] = typer.Argument(None, metavar="[ID]...", help="Report ids (default: all)."),
) -> None:
    """Uwazi CSVs (entities and thesauri) of the given reports (all when none is given)."""
    d = open_desk(desk)
    n = d.export_uwazi(out, ids or None)
    typer.echo(
        ngettext(
            "{n} report written to {out}/entities.csv (thesauri in {out}/thesauri)",
            "{n} reports written to {out}/entities.csv (thesauri in {out}/thesauri)",
            n,
        ).format(n=n, out=out)
    )


@app.command()
@_with_tor
def anchor(
    desk: Path = DESK,
    drop: str = typer.Option(None, "--drop", metavar="URL", help="Default: the first drop."),
    tor: bool = TOR,
    tsa: str = typer.Option(
        None, "--tsa", metavar="URL", help="An RFC 3161 time-stamping authority."
    ),
    tsa_root: list[Path] = typer.Option(
        [], "--tsa-root", metavar="PEM",
        help="The TSA's root certificate: its answer is checked under it before it is kept.",
    ),  # fmt: skip
    every: int = typer.Option(
        None, "--every", metavar="N",
        help="Set instead: anchor after a fetch once N custody events are unanchored (0: off).",
    ),  # fmt: skip
) -> None:
    """Anchor the custody log's signed head in a drop's log (run it at intervals).

    With --every N it anchors nothing now: it sets the desk to anchor after each fetch once N
    custody events are unanchored (0: off)."""
    if every is not None and drop:
        raise BadInput(
            "--every sets when a fetch anchors; it anchors nothing now: give it alone"
        )
    if every is not None and tor:
        # Nothing goes out now, and no route is kept: each later anchor goes the way the
        # fetch that makes it goes. Taken silently, --tor read as "later anchors use Tor".
        raise BadInput(
            "--every sends nothing now and keeps no route: each anchor goes the way the fetch "
            "that makes it goes, so give --tor to `tysha desk fetch`, not here"
        )
    if tsa_root and not tsa:
        raise BadInput("--tsa-root checks a time-stamping authority's answer: give --tsa too")
    roots: list[bytes] = []
    for pem in tsa_root:
        try:
            roots.append(pem.read_bytes()[: 1 << 20])
        except OSError:
            raise BadInput(f"cannot read the TSA root certificate {pem.name}") from None
    if every is not None:
        d = open_desk(desk)
        d.set_anchor_every(every, tsa, roots)
        typer.echo(_("anchor after fetch") + ": " + _anchor_every_text(d.anchor_every()))
        if d.anchor_every():
            typer.echo(_("time-stamped by") + ": " + _anchor_tsa_text(d.anchor_tsa()))
        return
    d = open_desk(desk)
    a = d.anchor(drop, tsa, roots)
    typer.echo(
        ngettext(
            "custody head of {n} event anchored as entry {index} of the drop's log",
            "custody head of {n} events anchored as entry {index} of the drop's log",
            a["size"],
        ).format(n=a["size"], index=a["index"])
        + ("; " + (_("time-stamped, checked under the given root") if roots else _("time-stamped"))
           if a["tsa"] else "")
        + ("; " + _("the drop's witnessed checkpoint kept") if a.get("witnessed") else "")
    )
    if a.get("clock_off"):
        desk_at, tsa_at = a["clock_off"]
        typer.echo(
            _(
                "warning: this desk's clock reads {desk}, the time-stamping authority's {tsa}: "
                "every custody event is dated by the desk's clock; set it right"
            ).format(desk=desk_at, tsa=tsa_at),
            err=True,
        )


@app.command("import-proofmode")
def import_proofmode(
    id: str = typer.Argument(..., metavar="ID", help="A report id or an unambiguous prefix."),
    zip_path: Path = typer.Argument(..., metavar="ZIP", help="The ProofMode proof bundle."),
    desk: Path = DESK,
    signer: str = typer.Option(
        None, "--signer", metavar="FINGERPRINT", help="The ProofMode key expected (OpenPGP)."
    ),
) -> None:
    """Attach a ProofMode proof bundle to a report: signatures and hashes checked, kept as
    provenance with a custody event. Exits 1 when a proof does not verify."""
    d = open_desk(desk)
    records = d.import_proofmode(id, zip_path, signer=signer)
    for line in _provenance_lines(records):
        typer.echo(shown(line.strip()))
    bad = [r for r in records if r.state != "valid"]
    typer.echo(
        ngettext(
            "{n} proof from {name} kept as provenance of report {id}; {ok} verified",
            "{n} proofs from {name} kept as provenance of report {id}; {ok} verified",
            len(records),
        ).format(n=len(records), name=zip_path.name, id=d.resolve(id), ok=len(records) - len(bad))
    )
    if bad:
        raise VerificationError(
            f"{len(bad)} of the proofs in {zip_path.name} do not verify"
            + (" or are not by the --signer key" if signer else "")
        )


@app.command("c2pa-trust")
def c2pa_trust(
    pem: Path = typer.Argument(..., metavar="PEM", help="The trust anchors (PEM certificates)."),
    desk: Path = DESK,
) -> None:
    """Set the C2PA trust anchors: a manifest signed under them shows as valid."""
    try:
        data = pem.read_bytes()[: 4 << 20]
    except OSError:
        raise NotFound(f"cannot read {pem.name}") from None
    n = open_desk(desk).set_c2pa_trust(data)
    typer.echo(
        ngettext(
            "{n} C2PA trust anchor set; photos fetched from now on are checked under it",
            "{n} C2PA trust anchors set; photos fetched from now on are checked under them",
            n,
        ).format(n=n)
    )


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


@app.command("serve")
def serve(
    desk: Path = DESK,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8090, "--port", min=1, max=65535),
    exposed: bool = typer.Option(
        False, "--i-know-this-is-exposed", help="Allow a non-loopback address (not recommended)."
    ),
) -> None:
    """The desk's web interface, on loopback."""
    if host.strip("[]") in ("0.0.0.0", "::", ""):
        # The desk answers only the name it is bound to (DNS rebinding, desk/web/guard.py):
        # on a wildcard it would print an address that answers nothing but loopback.
        raise BadInput(
            "give the one address the web desk should answer on, not a wildcard: it answers "
            "only the name it is bound to"
        )
    if host not in _LOOPBACK and not exposed:
        raise BadInput(
            "the web desk binds to loopback only (127.0.0.1); reach it over "
            "an SSH tunnel, or pass --i-know-this-is-exposed"
        )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    from tysha.desk.web.serve import serve_web

    def listening() -> None:
        typer.echo(_("web desk on {url} (Ctrl-C to stop)").format(url=url))
        if host not in _LOOPBACK:
            typer.echo(
                _(
                    "warning: the web desk is reachable from the network at {url}; the "
                    "passphrase and every page cross it unencrypted unless TLS or an SSH "
                    "tunnel carries them"
                ).format(url=url),
                err=True,
            )

    serve_web(desk, host, port, listening)


# --- cases and corroboration (issue 12) ------------------------------------------------------


@app.command()
def incidents(
    desk: Path = DESK,
    as_json: bool = JSON,
    create: str = typer.Option(
        None, "--create", metavar="TITLE", help="Start an incident from the given reports."
    ),  # fmt: skip
    reports: list[str] = typer.Argument(None, metavar="[ID …]"),
    reviewer: str = typer.Option("", "--reviewer", help="Who decides (for custody)."),
) -> None:
    """Incidents: "supported by N reports from K independent sources" on a handler or analyst
    desk, "K source keys, not vouched for" on the escrow desk (no protected details)."""
    d = open_desk(desk)
    if create is not None:
        iid = d.create_incident(create, list(reports or []), reviewer or d.name)
        typer.echo(
            json.dumps({"id": iid}) if as_json else _("incident {id} created").format(id=iid)
        )
        return
    if reports:
        raise BadInput("report ids go with --create TITLE")
    out = d.incidents()
    if as_json:
        typer.echo(shown_json(out))
        return
    if not out:
        typer.echo(_("no incidents yet"))
    for i in out:
        acts = ngettext("{n} act", "{n} acts", len(i["acts"])).format(n=len(i["acts"]))
        typer.echo(shown(f"{i['id']}  {i['title']}: {acts}; {_support_text(i)}"))


def _flagged_text(codes: list[str]) -> str:
    """A flagged item's flags, as ``desk list`` names them (the stable codes)."""
    return _("flagged: {codes}").format(codes=",".join(codes))


def _support_text(i: dict[str, Any]) -> str:
    """An incident's support, as the web desk says it: flagged reports are counted apart and
    never as independent sources. On an escrow desk (``sources_vouched`` false) the count is
    of sender keys nobody vouched for, and it says so: never "independent sources"."""
    n, k, f = len(i["reports"]), i["independent_sources"], i["flagged_reports"]
    vouched = i.get("sources_vouched", True)
    # Two counts, each with its own plural form: one piece per count (the web says the same).
    if not f:
        return (
            ngettext("supported by {n} report from", "supported by {n} reports from", n)
            .format(n=n)
            + " "
            + (
                ngettext("{k} independent source", "{k} independent sources", k)
                if vouched
                else ngettext(
                    "{k} source key, not vouched for (the escrow desk enrols no one; "
                    "one sender can make many keys)",
                    "{k} source keys, not vouched for (the escrow desk enrols no one; "
                    "one sender can make many keys)",
                    k,
                )
            ).format(k=k)
        )
    return (
        ngettext(
            "supported by {n} report ({f} flagged) from",
            "supported by {n} reports ({f} flagged) from",
            n,
        ).format(n=n, f=f)
        + " "
        + (
            ngettext("{k} independent trusted source", "{k} independent trusted sources", k)
            if vouched
            else ngettext(
                "{k} unflagged source key, not vouched for (the escrow desk enrols no one; "
                "one sender can make many keys)",
                "{k} unflagged source keys, not vouched for (the escrow desk enrols no one; "
                "one sender can make many keys)",
                k,
            )
        ).format(k=k)
        + f" ({_flagged_text(i['flag_codes'])})"
    )


@app.command()
def corroborate(
    desk: Path = DESK,
    as_json: bool = JSON,
    no_update: bool = typer.Option(False, "--no-update", help="Do not hash new photos first."),
) -> None:
    """Suggestions to review: duplicate and near-duplicate media, reports close in time and
    place. Never merged automatically: confirm one with `desk incidents --create`."""
    d = open_desk(desk)
    if not no_update:
        with _progress() as prog:
            d.update_media_index(prog)
    out = d.corroborate()
    if as_json:
        typer.echo(shown_json(out))
        return
    rows = out["exact"] + out["near_duplicates"] + out["clusters"]
    if not rows:
        typer.echo(_("no suggestions"))
    for s in rows:
        ids = " ".join(
            f"{r} ({_flagged_text(s['flags'][r])})" if r in s["flags"] else r
            for r in s["reports"]
        )
        typer.echo(shown(f"{ids}: {translate_message(str(s['why']))}"))


def _preview(plan: Any, with_text: bool) -> None:
    typer.echo(
        _("To the analyst desk {fp}, de-identified:").format(fp=plan.analyst.fingerprint())
    )
    for item in plan.items:
        b = item["body"]
        originals = len(item["attachments"])
        typer.echo(
            "  "
            + _("report {id}: source label {label}, {categories}").format(
                id=item["report"],
                label=shown(b["label"][:12]),
                categories=shown(", ".join(b["categories"])),
            )
            + "; "
            + ngettext(
                "{n} original (re-attested by this desk)",
                "{n} originals (re-attested by this desk)",
                originals,
            ).format(n=originals)
        )
        # The capture claims re-signed with each original (a camera position is a place).
        from tysha.desk.web.view import CLAIM_LABELS

        for n, claims in enumerate(item.get("claims") or [], 1):
            for k, v in claims.items():
                if k == "exif_gps" and isinstance(v, list) and len(v) == 2:
                    v = f"{v[0] / 1e6:.6f}, {v[1] / 1e6:.6f}"
                label = _(CLAIM_LABELS[k]) if k in CLAIM_LABELS else k
                typer.echo(shown(f"    original-{n}: {label}: {v}"))
        for f in item.get("flags", []):  # the report's flags here: they go with it
            reason = translate_message(f.reason)
            typer.echo(
                shown("    " + _("FLAG {code}: {reason}").format(code=f.code, reason=reason))
            )
        for k in ("when", "where"):
            if k in b:
                typer.echo(f"    {_(k)}: {shown(b[k])}")
        if with_text and "text" in b:
            typer.echo(f"    {_('text')}: " + "\n      ".join(shown_lines(b["text"])))
    typer.echo(_("No source key, pseudonym, enrolment secret or protected detail is sent."))
    typer.echo(
        _(
            "The originals go byte for byte, with whatever metadata they hold (camera model, "
            "position, times); the capture claims listed with each original go signed by this "
            "desk."
        )
    )


@app.command()
@_with_tor
def share(
    ids: list[str] = typer.Argument(None, metavar="ID …"),
    desk: Path = DESK,
    analyst: str = typer.Option(..., "--analyst", metavar="KEY",
                                help="The analyst desk's public key (pinned out of band)."),
    incident: str = typer.Option(
        None, "--incident", metavar="ID", help="Share the reports of this incident."
    ),
    text_approved: bool = typer.Option(False, "--text-approved",
                                       help="The reports' free text was reviewed: share it."),
    drop: str = typer.Option(None, "--drop", metavar="URL", help="Share through this drop."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    tor: bool = TOR,
) -> None:
    """Seal chosen reports (or an incident's), de-identified, to an analyst desk through the
    drop. The free text goes only if approved (--text-approved, or yes at the preview)."""
    if bool(ids) == bool(incident):
        raise BadInput("give report ids or --incident ID")
    d = open_desk(desk)
    plan = d.share_plan(analyst, list(ids or []), incident, text_approved=True)
    has_text = any("text" in i["body"] for i in plan.items)
    approved = text_approved
    if sys.stdin.isatty() and not yes:
        _preview(plan, with_text=True)
        if has_text and not approved:
            approved = typer.confirm(_("Share the free text shown above?"), default=False)
        n = len(plan.items)
        _confirm(ngettext("Share {n} report?", "Share {n} reports?", n).format(n=n), False)
    if not approved:
        for item in plan.items:
            item["body"].pop("text", None)
    res = d.share(plan, drop)
    shared = len(res.sent)
    # "with their text" only when a report that went had text to send.
    texts = any("text" in i["body"] for i in plan.items if i["report"] in res.sent)
    typer.echo(
        ngettext("{n} report shared", "{n} reports shared", shared).format(n=shared)
        + (" " + _("with their text") if texts else "")
    )
    if res.errors:
        for error in res.errors[:-1]:  # the last one is the command's error line below
            typer.echo(f"  {shown(translate_message(error))}", err=True)
        raise TransportError(f"{len(res.errors)} not shared: {res.errors[-1]}")


@app.command("pin-handler")
def pin_handler(
    key: str = typer.Argument(..., metavar="KEY"),
    desk: Path = DESK,
) -> None:
    """On an analyst desk: pin a handler desk's public key; its shares are trusted."""
    typer.echo(_("handler desk {fp} pinned").format(fp=open_desk(desk).pin_handler(key)))
