"""``tysha source …`` and ``tysha courier …`` (../shared/CLI.md, Source and Courier).

Nothing here prints what a report says, who it is for, or where it goes; output is about
the outbox's sizes and counts only. Passphrases come from a terminal prompt or, for scripts,
``TYSHA_PASSPHRASE`` / ``TYSHA_DECOY_PASSPHRASE``.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from tysha.errors import BadInput, ConfigError, StorageError, TransportError
from tysha.i18n import gettext as _
from tysha.i18n import ngettext, shown, shown_json, shown_lines, translate_message

app = typer.Typer(no_args_is_help=True, help="A reporter's device: one vault file, nothing else.")
courier_app = typer.Typer(no_args_is_help=True, help="Carry ciphertext from a source to a drop.")

VAULT = typer.Option(..., "--vault", help="The vault file.")


#: Vaults this command holds (Vault.hold: one command at a time), let go when it ends.
_HELD: list[Any] = []


def _release_held() -> None:
    while _HELD:
        _HELD.pop().release()


def _no_core_dumps() -> None:
    """A source command that crashes (a native library fed a hostile photo) must leave no
    memory image on disk: its passphrase, the vault's keys, the report being written. The core
    limit (the one the kernel applies) goes to zero for this process and what it starts (a
    bridge Tor); cores kept by systemd-coredump honour it. Best effort: a platform without it
    goes without."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, ValueError, OSError):
        pass


@app.callback()
def _every_source_command(ctx: typer.Context) -> None:
    _no_core_dumps()
    # A bridge Tor's folder left in the temporary folder by a send that was killed outright
    # (the phone's system ending the app) goes at the next source command, whatever it is.
    from tysha.tor.client import remove_stale_tor_folders

    remove_stale_tor_folders()
    ctx.call_on_close(_release_held)


def _passphrase(
    env: str = "TYSHA_PASSPHRASE", prompt: str = "Passphrase: ", confirm: bool = False
) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigError(f"no passphrase: set {env} or run on a terminal")
    first = getpass.getpass(_(prompt))
    if confirm and getpass.getpass(_("Again: ")) != first:
        raise ConfigError(
            "the two passphrases differ",
            hint="nothing was changed; run the command again and type the same passphrase twice",
        )
    return first


def _new_passphrase(env: str, what: str) -> str:
    """A new vault (or decoy) passphrase, refused below the minimum strength.

    On a terminal, an empty answer takes a generated passphrase (shown once, then typed back
    to prove it was noted); a weak one is explained and asked again."""
    from tysha.source.passphrase import check_strength, generate

    value = os.environ.get(env)
    if value:
        check_strength(value, what)
        return value
    if not sys.stdin.isatty():
        raise ConfigError(f"no passphrase: set {env} or run on a terminal")
    for _attempt in range(3):
        first = getpass.getpass(
            _("New {what} (press Enter to get a generated one): ").format(what=_(what))
        )
        if not first:
            first = generate()
            typer.echo(_("Your {what}: {p}").format(what=_(what), p=first), err=True)
            typer.echo(_("Learn it or write it down, then type it to confirm."), err=True)
        try:
            check_strength(first, what)
        except BadInput as exc:
            typer.echo(translate_message(exc.message), err=True)
            continue
        if getpass.getpass(_("Again: ")) != first:
            raise ConfigError(
                "the two passphrases differ",
                hint="nothing was changed; run the command again and type the same passphrase "
                "twice",
            )
        return first
    raise BadInput(
        f"no {what} strong enough was given; nothing was changed",
        hint="run the command again, and press Enter to get a generated one",
    )


def _held(v: Any) -> None:
    """Hold the vault (one command at a time, Vault.hold) until this command ends."""
    v.hold()
    _HELD.append(v)


def _device(vault: Path):  # type: ignore[no-untyped-def]
    from tysha.source.device import SourceDevice

    dev = SourceDevice.open(vault, _passphrase())
    _HELD.append(dev.vault)
    if dev.comp.damage:
        # On stderr, so --json output stays one document; said on every command until the
        # next save overwrites the damaged copy.
        damage = translate_message(dev.comp.damage)
        typer.echo(_("tysha: WARNING: {damage}").format(damage=damage), err=True)
    if dev.forgotten:
        # Receipts and digests of reports sent longer ago than the drop keeps them: gone
        # from the vault now, not at the next command that happens to save it.
        dev.save()
    return dev


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(TextColumn(label), BarColumn(), DownloadColumn(), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


@app.command()
def init(
    vault: Path = VAULT,
    size: str = typer.Option(
        "64MiB", "--size", help="The vault's fixed size (at least 1MiB; it never grows)."
    ),
) -> None:
    """Create the fixed-size vault (it looks like random data)."""
    from tysha.source.vault import Vault, check_size, parse_size

    n = parse_size(size)
    check_size(n)
    if vault.exists():
        raise ConfigError(
            f"{vault.name} already exists; refusing to overwrite it",
            hint="nothing was changed; use that vault with --vault, or choose another file name "
            "for a new vault",
        )
    passphrase = _new_passphrase("TYSHA_PASSPHRASE", "vault passphrase")
    # Whole or not at all: nothing is at the final name until the compartment is in it.
    v = Vault.create(vault, n, passphrase, {"v": 1, "notes": []})
    typer.echo(_("vault ready: {size} bytes").format(size=v.size()))


MAX_QR_FILE = 32 * 1024 * 1024
MAX_QR_PIXELS = 40_000_000


def read_qr(path: Path) -> bytes:
    """The bytes of the Tysha invitation QR code in a photo or PNG (zxing-cpp).

    The image is hostile input: its size and pixel count are bounded before decoding, and
    every failure is one ``BadInput`` sentence."""
    import warnings

    try:
        if path.stat().st_size > MAX_QR_FILE:
            raise BadInput(f"{path.name} is too large for a photo of a QR code")
    except OSError as exc:
        raise BadInput(f"cannot read {path.name}: {exc.strerror}") from None
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        raise ConfigError(
            "reading QR codes needs the zxing-cpp package; use --invitation CODE instead"
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_QR_PIXELS:
                    raise BadInput(f"{path.name} has too many pixels for a photo of a QR code")
                gray = im.convert("L")
    except BadInput:
        raise
    except Exception:  # PIL raises many types for a broken or hostile file
        raise BadInput(f"{path.name} is not an image this device can read") from None
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = [r for r in zxingcpp.read_barcodes(gray, formats=qr_only) if r.valid and r.bytes]
    if not found:
        raise BadInput(
            f"no readable QR code in {path.name}: it is missing, too small, blurred or damaged",
            hint="photograph it again, closer and in focus, or use --invitation CODE",
        )
    if len(found) > 1:
        raise BadInput(f"{path.name} shows {len(found)} QR codes; photograph only the invitation")
    return bytes(found[0].bytes)


@app.command()
def enroll(
    vault: Path = VAULT,
    invitation: str = typer.Option(
        None,
        "--invitation",
        help="The invitation code (text); '-' reads it from standard input (a code typed after "
        "--invitation stays in the shell's history file, and it names your drop and contact).",
    ),
    qr: Path = typer.Option(
        None, "--qr", help="A photo or PNG of the invitation's QR code.", metavar="IMAGE"
    ),
    witness: list[str] = typer.Option(
        [], "--witness", metavar="VKEY",
        help="Require cosignatures of this witness of the drop's log (repeat).",
    ),
    witnesses_needed: int = typer.Option(
        None, "--witnesses-needed", metavar="K", help="How many of the --witness keys (all)."
    ),
    new_handler: bool = typer.Option(
        False, "--new-handler",
        help="Switch this vault to another contact's invitation (reports still waiting for "
        "your current contact are then not sent).",
    ),
) -> None:
    """Check an invitation and pin its keys and drop addresses (refuses a damaged code).

    With ``--witness VKEY … [--witnesses-needed K]`` replies are read only as far as K of
    those witnesses cosigned the drop's log.

    An invitation from another contact than the one this vault is enrolled with is refused
    unless ``--new-handler`` is given."""
    if (invitation is None) == (qr is None):
        raise typer.BadParameter("give exactly one of --invitation CODE or --qr IMAGE")
    if invitation == "-":
        invitation = _invitation_from_stdin()
    code: str | bytes = read_qr(qr) if qr is not None else invitation
    dev = _device(vault)
    if witness or witnesses_needed is not None:
        dev.set_witness_policy(list(witness), witnesses_needed)  # checked before enrolling
    inv = dev.enroll(code, new_handler=new_handler)
    if dev.enrolment == "switched":
        typer.echo(
            _(
                "you switched to a new contact: from now on your reports go to this contact "
                "only, under a new key of this vault. Replies you kept stay marked as your "
                "former contact's; a reply your former contact writes from now on does not "
                "reach this vault."
            )
        )
    elif dev.enrolment == "back":
        typer.echo(
            _(
                "you switched back to a contact this vault reported to before: from now on "
                "your reports go to this contact only, under the key it knows. Replies you kept "
                "from the contact you leave stay marked as theirs; a reply that contact writes "
                "from now on does not reach this vault."
            )
        )
    elif dev.enrolment == "same":
        typer.echo(
            _(
                "this invitation is from the contact this vault is enrolled with: it is pinned "
                "again, with the drop addresses it gives; your key, your outbox and your "
                "replies are unchanged."
            )
        )
    elif dev.enrolment == "moved":
        typer.echo(
            _(
                "this invitation is from the contact this vault is enrolled with, at another "
                "drop: the new drop is pinned, and the reports waiting in your outbox go there "
                "(your contact reads it); your key and your replies are unchanged."
            )
        )
    if dev.witnesses_removed:
        k, names = dev.witnesses_removed
        typer.echo(
            _(
                "the witnesses you required ({k} of {names}) were for the former drop's log "
                "and are no longer required; if your contact gave you witnesses for the new "
                "drop, enroll again with them (--witness)."
            ).format(k=k, names=", ".join(names))
        )
    if dev.not_sent:
        typer.echo(
            ngettext(
                "not sent: {n} report written for your former contact left the outbox; it is "
                "kept aside in this vault, sent to no one (the new contact could not read it). "
                "It goes to your former contact if you enroll its invitation again; write it "
                "again if the new contact should have it:",
                "not sent: {n} reports written for your former contact left the outbox; they "
                "are kept aside in this vault, sent to no one (the new contact could not read "
                "them). They go to your former contact if you enroll its invitation again; "
                "write them again if the new contact should have them:",
                len(dev.not_sent),
            ).format(n=len(dev.not_sent))
        )
        for i in dev.not_sent:
            typer.echo(f"  {i['id']}  {_hour(i['created_at'])}")
    if dev.restored:
        typer.echo(
            ngettext(
                "{n} report kept aside for this contact is back in the outbox, to be sent:",
                "{n} reports kept aside for this contact are back in the outbox, to be sent:",
                len(dev.restored),
            ).format(n=len(dev.restored))
        )
        for i in dev.restored:
            typer.echo(f"  {i['id']}  {_hour(i['created_at'])}")
    if inv.handler_name:  # signed by the key the fingerprint below names; bidi-isolated
        from tysha.protocol.invitation import isolate

        typer.echo(_("your contact's name: {name}").format(name=isolate(inv.handler_name)))
    typer.echo(_("enrolled. Compare this fingerprint with your contact, in person:"))
    typer.echo(f"  {inv.handler.fingerprint()}")
    if dev.enrolment == "switched" or not dev.state.get("sent"):
        # The desk enrols this key when its first report arrives, and only while the
        # invitation is valid there (INVITATION_DAYS, tysha.desk.store, unless the handler
        # chose otherwise): later, its reports are flagged untrusted and get no reply.
        typer.echo(
            _(
                "your contact's desk enrols this vault when its first report arrives, and "
                "only while the invitation is valid ({days} days unless your contact said "
                "otherwise): send a first report soon, even a short one."
            ).format(days=14)
        )
    if qr is not None:
        # The photo names the drop and the handler, and a search of the phone finds it.
        typer.echo(
            _(
                "delete {path} and every copy of it (gallery, messengers, backups): it holds "
                "your invitation, which names your drop and your contact."
            ).format(path=qr)
        )


#: An invitation code is a few hundred characters (a QR code holds at most about 3 KB).
MAX_INVITATION = 64 * 1024


def _invitation_from_stdin() -> str:
    """The invitation code from standard input (``--invitation -``): pasted on a terminal (one
    line) or piped, it never reaches the shell's history."""
    if sys.stdin.isatty():
        typer.echo(_("Paste the invitation code, then press Enter:"), err=True)
        got = sys.stdin.readline(MAX_INVITATION)
    else:
        got = sys.stdin.read(MAX_INVITATION)
    if not got.strip():
        raise BadInput(
            "no invitation code came on standard input; nothing was changed",
            hint="paste the whole code, or use --qr IMAGE",
        )
    return got.strip()


MAX_TEXT = 1 << 20


def _text_from_stdin() -> str:
    """The report's text from standard input (``--text -``): typed on a terminal or piped, it
    never reaches the shell's history. At most ``MAX_TEXT`` characters."""
    if sys.stdin.isatty():
        typer.echo(_("Type the report; end with Ctrl-D on a line of its own:"), err=True)
    got = sys.stdin.read(MAX_TEXT + 1)
    if len(got) > MAX_TEXT:
        raise BadInput(
            f"the report's text is longer than {MAX_TEXT} characters; nothing was sealed",
            hint="attach a long text as a file (--attach FILE)",
        )
    return got.rstrip("\n")


@app.command()
def report(
    vault: Path = VAULT,
    category: list[str] = typer.Option(..., "--category"),
    text: str = typer.Option(
        ...,
        "--text",
        help="The report's text; '-' reads it from standard input (text typed after --text "
        "stays in the shell's history file, readable beside the vault).",
    ),
    when: str = typer.Option(
        None,
        "--when",
        help="When it happened, ISO 8601: 2026-03-01, 2026-03-01T10:20 (local time there) "
        "or with a zone, 2026-03-01T10:20+03:00.",
    ),
    where: str = typer.Option(None, "--where"),
    attach: list[Path] = typer.Option([], "--attach"),
    mean_delay: float = typer.Option(6 * 3600, "--mean-delay", help="Mean random send delay, s."),
    shred_originals: bool = typer.Option(
        False, "--shred-originals", help="Best-effort overwrite of the attached originals."
    ),
) -> None:
    """Seal a report into the outbox (prints nothing about its content)."""
    dev = _device(vault)
    if text == "-":
        text = _text_from_stdin()
    dev.report(category, text, when, where, list(attach), mean_delay)
    typer.echo(_("sealed into the outbox."))
    if attach:
        if shred_originals:
            from tysha.source.shred import shred

            # Each file once (the same photo attached twice is one original): a second
            # overwrite found it gone and failed the command after "sealed into the outbox",
            # and a reporter told "error" may write the report again. One that can't be
            # overwritten (read-only storage) stops none of the others, and the error says
            # the report is sealed.
            failed = []
            for p in dict.fromkeys(a.resolve() for a in attach):
                try:
                    shred(p)
                except StorageError as exc:
                    failed.append(exc.message)
            if failed:
                raise StorageError(
                    "the report is sealed into the outbox (do not write it again), but not "
                    f"every original was removed: {'; '.join(failed)}",
                    hint="remove those files yourself (from the gallery or a file manager)",
                )
            typer.echo(
                _(
                    "the originals were overwritten and removed. This is best effort: on "
                    "phones, flash storage and copy-on-write file systems old copies may "
                    "survive in free space, and other apps (gallery thumbnails, backups, "
                    "messengers) may keep copies of their own."
                )
            )
        else:
            typer.echo(
                _(
                    "the original files are still on this device. Remove them yourself, or "
                    "run again with --shred-originals (best effort on flash storage)."
                )
            )


def _hour(iso: str) -> str:
    """A time the vault keeps to the hour (``2026-12-01T11:00:00Z``) as the hour it means
    (``2026-12-01 11:00–12:00 UTC``): never read as an exact time."""
    if len(iso) != 20 or not iso.endswith(":00:00Z") or not iso[11:13].isdigit():
        return shown(iso)
    h = int(iso[11:13])
    return f"{iso[:10]} {h:02d}:00–{(h + 1) % 24:02d}:00 UTC"


def _minute(iso: str) -> str:
    """A time to the second (``2026-12-01T11:23:45Z``) as ``2026-12-01 11:23 UTC``."""
    return f"{iso[:10]} {iso[11:16]} UTC" if len(iso) == 20 and iso.endswith("Z") else shown(iso)


@app.command()
def outbox(vault: Path = VAULT, as_json: bool = typer.Option(False, "--json")) -> None:
    """What waits to be sent: ids and size buckets, never content."""
    dev = _device(vault)
    items = dev.outbox()
    if as_json:
        typer.echo(json.dumps(items))
    else:
        for i in items:
            size = ngettext("{n} byte", "{n} bytes", i["size_bucket"]).format(
                n=f"{i['size_bucket']:>10}"
            )
            typer.echo(f"{i['id']}  {size}  {_hour(i['created_at'])}")
        typer.echo(ngettext("{n} waiting", "{n} waiting", len(items)).format(n=len(items)))
        forked = dev.fork_seen()
        if forked is not None:
            # What waits here will not leave through that drop (send refuses it): said where
            # the reporter looks, not only when a send or replies fails.
            typer.echo(
                _(
                    "the drop showed you two histories of its log ({when}): nothing is sent"
                    " through it, your reports stay sealed in the vault. Tell your contact in"
                    " person and enrol with a new invitation"
                ).format(when=forked)
            )


TOR = typer.Option(False, "--tor", help="Through the local Tor (TYSHA_TOR or 127.0.0.1:9050).")
BRIDGE = typer.Option(
    [], "--bridge", help='Start a private Tor through this bridge ("obfs4 …" or "snowflake …").'
)


@contextlib.contextmanager
def _route(tor: bool, bridges: list[str]) -> Iterator[None]:
    """``--tor`` / ``--bridge``: make the transport go through Tor for this command only."""
    old = os.environ.get("TYSHA_TOR")
    try:
        if bridges:
            from tysha.tor.client import bridge_client

            with bridge_client(bridges) as socks:
                os.environ["TYSHA_TOR"] = socks
                yield
            return
        if tor and not old:
            # Set but empty names no Tor (tor_from_env): --tor must not then go direct.
            os.environ["TYSHA_TOR"] = "socks5://127.0.0.1:9050"
        yield
    finally:
        if old is None:
            os.environ.pop("TYSHA_TOR", None)
        else:
            os.environ["TYSHA_TOR"] = old


def _drop_client(dev, drop: str | None, sending: bool = True):  # type: ignore[no-untyped-def]
    """The first drop of the invitation that answers, tried in order (each over its own
    route; one drop's address is never sent to another). An invitation that lists an onion
    address asks for Tor: its clearnet addresses are then never reached directly. When none
    answers, a send (``sending``) says that everything stays in the outbox."""
    from tysha.transport import DropClient, is_onion, transport_for

    inv = dev.invitation()
    candidates = [drop] if drop else list(inv.drops)
    tor_only = any(is_onion(d) for d in inv.drops)
    last: TransportError | None = None
    for n, url in enumerate(candidates, 1):
        try:
            client = DropClient(url, transport=transport_for(url, tor_only=tor_only))
        except TransportError as exc:
            last = exc
            continue
        try:
            info = client.info()
        except TransportError as exc:
            client.close()
            last = exc
            continue
        if not _same_log(info.get("vkey") if isinstance(info, dict) else None, inv.drop_vkey):
            # Another drop answers at this address (a mistyped --drop, an invitation made
            # with another drop's key): nothing goes to a log the handler does not read.
            client.close()
            last = TransportError(
                "the drop at this address is not the drop your invitation names (it keeps "
                "another log, under another key)"
            )
            continue
        if len(candidates) > 1:
            typer.echo(
                _("drop {n} of {total} answered").format(n=n, total=len(candidates)), err=True
            )
        return client
    why = last.message if last else "no drop answered"
    if sending and "outbox" not in why:
        why += "; nothing was sent, everything stays in the outbox"
    if last is not None and _OTHER_DROP in last.message:
        raise TransportError(
            why, hint="check the drop's address; if it is the one your contact gave, tell your "
            "contact in person",
        )
    raise TransportError(why, hint="try again later")  # the message says nothing is lost


#: What the error of an address where another drop answers says (found in it again).
_OTHER_DROP = "not the drop your invitation names"


def _same_log(announced: object, pinned: str) -> bool:
    """Whether a drop's announced log key (``/v1/info`` "vkey") is the pinned one. A drop that
    announces none is not judged here (its receipts are, against the pinned key)."""
    if announced is None:
        return True
    from tysha.errors import TyshaError
    from tysha.tlog import NoteVerifier

    try:
        return NoteVerifier.from_vkey(str(announced)).vkey == NoteVerifier.from_vkey(pinned).vkey
    except TyshaError:
        return False


@app.command()
def send(
    vault: Path = VAULT,
    now: bool = typer.Option(
        False, "--now", help="Send now, without the random delay (tests, demos)."
    ),
    drop: str = typer.Option(None, "--drop", help="Use this drop address instead."),
    tor: bool = TOR,
    bridge: list[str] = BRIDGE,
) -> None:
    """Send what is due (``--now``: ignore the random delays)."""
    dev = _device(vault)
    from tysha.source.device import coarse_wait

    if not dev.due(now):
        wait = dev.next_due()
        if wait is None:
            typer.echo(_("nothing to send: the outbox is empty."))
        else:
            typer.echo(
                _("nothing is due yet; {n} waiting, the next is due {when}.").format(
                    n=len(dev.outbox()), when=translate_message(coarse_wait(wait))
                )
            )
        return
    sent_before = len(dev.state.get("sent", []))
    try:
        with (
            _route(tor, bridge),
            _drop_client(dev, drop) as client,
            _progress(_("sending")) as prog,
        ):
            dev.send(client, now=now, progress=prog)
    except BaseException:
        # Stopped midway (the drop went away, a receipt failed, the witness check after the
        # sends): what left, with its receipt verified and kept, is said before the error.
        if len(dev.state.get("sent", [])) > sent_before:
            _say_sent(dev, sent_before)
        raise
    _say_sent(dev, sent_before)


def _say_sent(dev, sent_before: int) -> None:  # type: ignore[no-untyped-def]
    typer.echo(
        _("sent {sent}, receipts verified; {waiting} still waiting").format(
            sent=len(dev.state.get("sent", [])) - sent_before, waiting=len(dev.outbox())
        )
    )


@app.command()
def replies(
    vault: Path = VAULT,
    as_json: bool = typer.Option(False, "--json"),
    offline: bool = typer.Option(False, "--offline", help="Only show stored replies."),
    tor: bool = TOR,
    bridge: list[str] = BRIDGE,
) -> None:
    """Check the drop for replies from your contact and show them."""
    dev = _device(vault)
    from tysha.errors import VerificationError

    unreachable: TransportError | VerificationError | None = None
    if not offline:
        try:
            with _route(tor, bridge), _drop_client(dev, None, sending=False) as client:
                dev.fetch_replies(client)
        except (TransportError, VerificationError) as exc:
            # In a blackout, or from a drop refused (nothing read from it), the replies kept in
            # the vault (verified when they came) are shown first.
            unreachable = exc
    items = dev.replies()
    if dev.witnessed and not as_json:
        typer.echo(_("witnesses: {checked}").format(checked=dev.witnessed))
    if as_json:
        typer.echo(shown_json(items))
    else:
        for r in items:
            ref = r["in_reply_to"]
            about = (
                _("answers your report {id} (written {at})").format(
                    id=ref["id"], at=_hour(ref["created_at"])
                )
                if ref
                else _("names no report sent from this vault")
            )
            # A reply kept from before this vault switched handlers names the one who wrote it.
            if r["written_at"] and r["former"]:
                about = (_("written by your former contact {fingerprint} {at}").format(
                    fingerprint=r["handler"], at=_minute(r["written_at"])) + "; " + about)
            elif r["written_at"]:
                about = (_("written by your contact {at}").format(at=_minute(r["written_at"]))
                         + "; " + about)  # fmt: skip
            elif r["former"]:
                about = (_("from your former contact {fingerprint}").format(
                    fingerprint=r["handler"]) + "; " + about)
            text = "\n  ".join(shown_lines(r["text"]))  # no control character reaches the screen
            typer.echo(f"[{_hour(r['received_at'])}] ({shown(about)}) {text}")
        if not items and unreachable is None:  # not "none yet" when none could be asked for
            typer.echo(_("no replies yet."))
    if unreachable is not None:
        if isinstance(unreachable, TransportError):
            raise TransportError(
                f"{unreachable.message}; new replies could not be checked, those shown are the"
                " ones kept in this vault",
                # Another drop answers there: its hint (check the address) stays.
                **({"hint": unreachable.hint} if _OTHER_DROP in unreachable.message else {}),
            )
        raise unreachable
    if dev.listing_problem:
        raise VerificationError(
            f"the drop is not honest about its listing: {dev.listing_problem}; replies may be "
            "withheld from you. The replies shown are genuine (each is signed by your contact)",
            hint="tell your contact in person; don't rely on this drop for replies",
        )


@app.command()
def decoy(
    vault: Path = VAULT,
    note: list[str] = typer.Option(
        [], "--note", help="Harmless content the decoy shows (repeat for several notes)."
    ),
) -> None:
    """Set the duress passphrase (TYSHA_DECOY_PASSPHRASE) and its decoy content."""
    # Run with the vault's own passphrase, it replaces the decoy there was (whose passphrase
    # then opens nothing). The help says no more: read on a seized phone next to the refusal
    # below, "only from the real passphrase" would tell a coercer what the refusal hides.
    from tysha.source.vault import PRIMARY, SECONDARY, Vault, no_room, refuse_newer

    real = _passphrase()
    v = Vault(vault)
    _held(v)
    comp = v.unlock(real)
    refuse_newer(comp)  # nothing is written into a vault of a later format
    if comp.number != PRIMARY:
        # Opened with the decoy passphrase: writing a decoy would overwrite the real contents.
        # Refused with the sentence of a vault without room, which says nothing of another
        # compartment (THREAT_MODEL A12), before anything is asked or written.
        raise no_room()
    fake = _new_passphrase("TYSHA_DECOY_PASSPHRASE", "decoy passphrase")
    if real == fake:
        raise ConfigError("the decoy passphrase must differ from the real one")
    v.add_compartment(fake, SECONDARY, {"v": 1, "notes": list(note)}, owner=comp)
    typer.echo(_("done."))


@app.command()
def notes(
    vault: Path = VAULT,
    add: list[str] = typer.Option([], "--add"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show (or add) the plain notes kept in the vault."""
    dev = _device(vault)
    if add:
        dev.state.setdefault("notes", []).extend(add)
        dev.save()
    items = list(dev.state.get("notes", []))
    typer.echo(shown_json(items) if as_json else "\n".join(items))


@app.command()
def purge(vault: Path = VAULT) -> None:
    """Destroy the real contents in place; the file keeps its size and looks the same."""
    from tysha.source.vault import BUSY, Vault

    v = Vault(vault)
    try:
        _held(v)
    except StorageError as exc:
        # A send holds the vault for minutes (Tor, a bridge); a purge is for when there are
        # none: it goes ahead. The send's later saves are sealed under the compartment key,
        # which no passphrase reaches once the slot is overwritten: they bring nothing back.
        if exc.message != BUSY:
            raise
    # Also a vault whose contents are damaged or whose size changed: the passphrase still
    # opens its key, and what is left decrypts with it.
    v.purge(v.unlock_to_purge(_passphrase()))
    typer.echo(_("done."))


@app.command("export")
def export_(
    vault: Path = VAULT,
    to: Path = typer.Option(
        ..., "--to", help="The new file to write for the courier (never an existing one)."
    ),
    now: bool = typer.Option(True, "--now/--due", help="All waiting, or only due ones."),
) -> None:
    """Write the waiting envelopes as one padded ciphertext file for a courier."""
    from tysha.store.partfiles import write_new
    from tysha.transport.courier import pack_export

    dev = _device(vault)
    envs = [bytes(i["env"]) for i in dev.due(now)]
    data = pack_export(envs, dev.last_checkpoint_size())
    write_new(to, data)
    size = len(data)
    typer.echo(
        ngettext("wrote {n} envelope", "wrote {n} envelopes", len(envs)).format(n=len(envs))
        + " ("
        + ngettext("{n} byte", "{n} bytes", size).format(n=size)
        + ")"
    )
    # A Tysha file left on the phone is what a search finds; deleting it loses nothing.
    typer.echo(
        _(
            "once the courier has it, delete {path} from this device and any copy left on it:"
            " the reports stay in the outbox until their receipts come back."
        ).format(path=to)
    )


@app.command("import-receipts")
def import_receipts(
    vault: Path = VAULT,
    from_: Path = typer.Option(..., "--from", help="The receipts file the courier brought back."),
) -> None:
    """Verify and apply the receipts a courier brought back."""
    from tysha.transport.courier import read_receipts

    dev = _device(vault)
    cp, cons, receipts = read_receipts(from_)
    n = dev.apply_courier_receipts(receipts, cons, cp)
    waiting = len(dev.outbox())
    typer.echo(
        ngettext(
            "{n} envelope confirmed by the drop's log; {waiting} still waiting",
            "{n} envelopes confirmed by the drop's log; {waiting} still waiting",
            n,
        ).format(n=n, waiting=waiting)
    )
    # The receipts file names the drop's log in plain words (its checkpoint).
    typer.echo(_("delete {path}: the vault keeps the receipts it confirmed.").format(path=from_))


@courier_app.command()
def deliver(
    path: Path = typer.Argument(...),
    drop: str = typer.Option(..., "--drop"),
    receipts: Path = typer.Option(
        None, "--receipts", help="The receipts file to write (default: PATH.receipts.json)."
    ),
    tor: bool = TOR,
    bridge: list[str] = BRIDGE,
) -> None:
    """Upload a source's export file; write the receipts file for the source."""
    from tysha.store.partfiles import replaceable, write_replacing
    from tysha.transport import DropClient
    from tysha.transport.courier import deliver as deliver_envelopes
    from tysha.transport.courier import pack_receipts, read_export

    last_size, envs = read_export(path)
    if not envs:  # a source may export an empty outbox: said, not silence
        typer.echo(_("this file holds no envelope: there is nothing to deliver"))
        return
    out = receipts or Path(str(path) + ".receipts.json")
    # before anything is uploaded: an earlier receipts file is replaced, never another file
    replaceable(out, b'{\n "checkpoint"', "a receipts file")
    # --tor / --bridge as for a source: a courier leaving the same town is watched as closely.
    with _route(tor, bridge), DropClient(drop) as client, _progress(_("delivering")) as prog:
        done = deliver_envelopes(client, envs, last_size, prog)
    if done.receipts:
        write_replacing(out, pack_receipts(done.checkpoint, done.consistency, done.receipts))
        typer.echo(
            ngettext(
                "delivered {n} envelope; receipts in {out}",
                "delivered {n} envelopes; receipts in {out}",
                len(done.receipts),
            ).format(n=len(done.receipts), out=out)
        )
    elif envs:
        typer.echo(_("no envelope was delivered; no receipts file was written"))
    for n, why in sorted(done.failed):
        typer.echo(
            _("envelope {n} of {total} not delivered: {why}").format(
                n=n, total=len(envs), why=translate_message(why)
            ),
            err=True,
        )
    if done.failed:
        raise TransportError(
            f"{len(done.failed)} not delivered (see above)",
            hint="the source keeps them waiting until their receipts come back; deliver this "
            "file again later, or to another drop",
        )
