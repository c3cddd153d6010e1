"""``tysha demo``: a drop, a desk and a sample source, on the embedded default, in a temp folder.

Everything runs for real: the drop is a separate process serving HTTP on loopback, the source
seals reports into a vault and uploads them, the desk fetches, opens and verifies them. The
sample reports are invented and harmless; the photos are generated drawings.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import typer

from tysha.i18n import gettext as _
from tysha.i18n import ngettext

__all__ = ["SAMPLES", "run_demo"]

SAMPLES: list[tuple[list[str], str, str]] = [
    (
        ["chd", "dep"],
        "Eleven children from the boarding school were put on a bus to a 'recreation camp'. "
        "Parents were not asked; the teachers were told they would not come back before spring.",
        "boarding school, east district",
    ),
    (
        ["mob"],
        "Summons delivered to every man aged 18-50 in our street, with a warning that refusal "
        "means losing the apartment.",
        "residential block near the market",
    ),
    (
        ["fil"],
        "At the checkpoint they took phones from everyone on the bus, photographed passports "
        "and took two young men to a separate tent.",
        "checkpoint on the regional road",
    ),
    (
        ["det"],
        "Our neighbour, a retired teacher, was taken from her home at night. The family has "
        "had no news for nine days.",
        "village, west edge",
    ),
    (
        ["tor", "det"],
        "A released man says he was held in the basement of the old police station and "
        "beaten during questioning about his son.",
        "former police station",
    ),
    (
        ["per"],
        "The school director announced that lessons in Ukrainian are forbidden from Monday "
        "and that pupils need the new passports to enrol.",
        "school no. 3",
    ),
    (
        ["pil"],
        "Soldiers loaded furniture and appliances from empty apartments onto two trucks "
        "without number plates.",
        "apartment block by the river",
    ),
    (
        ["chd"],
        "A list of orphans 'for adoption' was posted at the district office; two of the "
        "children on it have living parents.",
        "district administration",
    ),
    (
        ["atk"],
        "The clinic was hit in the morning while patients were queuing; the roof of the "
        "maternity ward collapsed.",
        "district clinic",
    ),
    (
        ["mob", "per"],
        "Workers at the factory were told to take the new passport or be dismissed, then "
        "received call-up papers a week later.",
        "canning factory",
    ),
    (
        ["dep"],
        "Families from the flooded quarter were moved by bus across the border, not to the "
        "shelter that was announced.",
        "riverside quarter",
    ),
    (
        ["fil", "det"],
        "Men leaving the city had to pass a 'registration point' at the stadium; some were "
        "held overnight and three have not come out.",
        "city stadium",
    ),
    (
        ["shd"],
        "Military vehicles were parked inside the school yard during lessons.",
        "village school",
    ),
    (
        ["det"],
        "A volunteer who delivered medicines was detained at the bakery; her phone was taken.",
        "bakery on the main square",
    ),
    (
        ["tor"],
        "Injuries seen on a man returned to his family: burns on both hands.",
        "hospital ward",
    ),
    (
        ["chd", "per"],
        "Teenagers from the orphanage were enrolled in a 'cadet class' with weapons drill.",
        "orphanage",
    ),
    (
        ["pil"],
        "The grain store of the cooperative was emptied and the harvest driven away.",
        "farm cooperative",
    ),
    (
        ["other"],
        "Internet was cut for the whole district for three days; phones only work with local SIMs.",
        "whole district",
    ),
    (
        ["kil"],
        "A man was shot at the roadblock after he refused to hand over his car keys; "
        "witnesses saw the body taken away.",
        "roadblock at the bridge",
    ),
    (
        ["mob"],
        "Men are stopped on the street and brought to the enlistment office the same day.",
        "tram stop by the railway station",
    ),
]


def sample_photo(n: int, when: time.struct_time) -> bytes:
    """A generated, harmless picture with an EXIF capture time."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (200 - 5 * n % 120, 210, 190 + 3 * n % 60))
    d = ImageDraw.Draw(img)
    for i in range(6):
        d.rectangle(
            [20 + 70 * i, 200 - 20 * ((n + i) % 5), 70 + 70 * i, 300], fill=(90, 100 + 10 * i, 120)
        )
    d.text((20, 20), f"sample photo {n + 1}", fill=(20, 20, 20))
    exif = Image.Exif()
    stamp = time.strftime("%Y:%m:%d %H:%M:%S", when)
    exif[306] = stamp
    exif.get_ifd(0x8769)[36867] = stamp
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def _free_port(preferred: int) -> int:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            pass
    from tysha.drop.launcher import free_port

    return free_port()


def build(
    root: Path, reports: int = 20, quiet: bool = False, procs: list[Any] | None = None
) -> dict[str, Any]:
    """Set up drop, desk and source under ``root`` and send ``reports`` sample reports.

    The drop process is appended to ``procs`` as soon as it starts, so a caller can stop it
    even when a later step fails."""
    from tysha.desk.passphrase import random_passphrase
    from tysha.desk.service import Desk
    from tysha.drop.launcher import free_port, init_data, start_drop, wait_ready
    from tysha.source.device import SourceDevice
    from tysha.source.vault import Vault
    from tysha.transport import DropClient

    def say(msg: str) -> None:
        if not quiet:
            typer.echo(msg, err=True)

    drop_dir = root / "drop"
    vkey = init_data(drop_dir, pow_bits=8, origin="tysha.demo/drop")
    port = free_port()
    proc = start_drop(drop_dir, port, log=drop_dir / "server.log")
    if procs is not None:
        procs.append(proc)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, proc)
    say(_("drop running at {url}").format(url=url))

    desk_pass = random_passphrase()
    Desk.init(root / "desk", "Demo cell", desk_pass)
    desk = Desk.open(root / "desk", desk_pass)
    inv = desk.invite(url, vkey)
    say(_("desk ready; invitation made"))

    vault_pass = random_passphrase()
    vault = Vault.create(root / "source.vault", 32 * 1024 * 1024)
    vault.add_compartment(vault_pass, 0, {"v": 1, "notes": []})
    dev = SourceDevice(vault, vault.unlock(vault_pass))
    dev.enroll(inv.to_text())
    photos = root / "camera"
    photos.mkdir()
    now = time.time()
    for i in range(reports):
        cats, text, where = SAMPLES[i % len(SAMPLES)]
        when = time.gmtime(now - 3600 * (6 + 11 * i))
        files = []
        if i % 2 == 0:
            p = photos / f"IMG_{1000 + i}.jpg"
            p.write_bytes(sample_photo(i, when))
            files.append(p)
        dev.report(cats, text, time.strftime("%Y-%m-%dT%H:%M", when), where, files, mean_delay=0)
    with DropClient(url) as client:
        sent = dev.send(client, now=True)
    sent_n = sent.sent
    say(
        ngettext("sample source sent {n} report", "sample source sent {n} reports", sent_n).format(
            n=sent_n
        )
    )
    res = desk.fetch()
    n_new = len(res.new_reports)
    say(ngettext("desk fetched {n} report", "desk fetched {n} reports", n_new).format(n=n_new))
    _corroborating_source(root, desk, url, vkey, now, photos, say)
    # A second one-time invitation for a reporter using the browser source page: the code
    # travels in the URL fragment, which the browser never sends to the drop.
    browser_inv = desk.invite(url, vkey).to_text()
    desk.close()
    return {
        "root": str(root),
        "drop_url": url,
        "drop_vkey": vkey,
        "drop_pid": proc.pid,
        "desk": str(root / "desk"),
        "desk_passphrase": desk_pass,
        "vault": str(root / "source.vault"),
        "vault_passphrase": vault_pass,
        "reports_sent": sent.sent,
        "reports_fetched": len(res.new_reports),
        "source_page": f"{url}/",
        "browser_invitation": browser_inv,
        "errors": res.errors,
        "_proc": proc,
    }


def _corroborating_source(
    root: Path, desk: Any, url: str, vkey: str, now: float, photos: Path, say: Any
) -> None:
    """Issue 12: a second source of the cell saw the first sample's event and forwards the
    same photo (re-encoded, its border trimmed) an hour later: the desk's suggestions link the
    two reports, and one incident is built from them so a new user sees a case at once."""
    from PIL import Image

    from tysha.desk.passphrase import random_passphrase
    from tysha.source.device import SourceDevice
    from tysha.source.vault import Vault
    from tysha.transport import DropClient

    first = photos / "IMG_1000.jpg"
    if not first.exists():
        return
    img = Image.open(first)
    w, h = img.size
    copy = photos / "forwarded.jpg"
    img.crop((w // 100, h // 100, w - w // 100, h - h // 100)).save(copy, "JPEG", quality=60)
    vault_pass = random_passphrase()
    vault = Vault.create(root / "source2.vault", 8 * 1024 * 1024)
    vault.add_compartment(vault_pass, 0, {"v": 1, "notes": []})
    dev = SourceDevice(vault, vault.unlock(vault_pass))
    dev.enroll(desk.invite(url, vkey).to_text())
    cats, _text, where = SAMPLES[0]
    when = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(now - 3600 * 5))
    dev.report(cats, "I saw the bus leave the school; a neighbour sent me this photo.", when,
               where, [copy], mean_delay=0)  # fmt: skip
    with DropClient(url) as client:
        dev.send(client, now=True)
    desk.fetch()
    desk.update_media_index()
    near = desk.corroborate()["near_duplicates"]
    if near:
        iid = desk.create_incident("Children taken from the boarding school", near[0]["reports"],
                                   "demo")  # fmt: skip
        desk.add_act(iid, {"category": "chd", "start": when[:10], "place": where,
                           "victims": "11", "children": "1", "reports": near[0]["reports"]},
                     "demo")  # fmt: skip
        say(_("a second source corroborated a report: one incident built, more suggested"))


def run_demo(
    serve: bool = True,
    as_json: bool = False,
    port: int = 8090,
    reports: int = 20,
    keep: bool = False,
) -> None:
    root = Path(tempfile.mkdtemp(prefix="tysha-demo-"))
    info: dict[str, Any] = {}
    procs: list[Any] = []
    try:
        info = build(root, reports, quiet=as_json, procs=procs)
        info.pop("_proc")
        if not serve:
            if not keep:
                # The folder is deleted on the way out: name no path that will not exist.
                for k in ("root", "desk", "vault"):
                    info.pop(k, None)
                info["kept"] = False
            if as_json:
                typer.echo(json.dumps(info))
            elif keep:
                n = info["reports_fetched"]
                typer.echo(
                    ngettext(
                        "demo: {n} report fetched into {desk}",
                        "demo: {n} reports fetched into {desk}",
                        n,
                    ).format(n=n, desk=info["desk"])
                )
            else:
                n = info["reports_fetched"]
                typer.echo(
                    ngettext(
                        "demo: {n} report fetched; the demo folder is deleted again "
                        "(pass --keep to keep it)",
                        "demo: {n} reports fetched; the demo folder is deleted again "
                        "(pass --keep to keep it)",
                        n,
                    ).format(n=n)
                )
            return
        from tysha.desk.web.serve import serve_web

        web_port = _free_port(port)

        def ready() -> None:
            typer.echo("")
            typer.echo("  " + _("Tysha demo is running."))
            typer.echo(f"  {_('Desk:'):12} http://127.0.0.1:{web_port}/")
            typer.echo(f"  {_('Passphrase:'):12} {info['desk_passphrase']}")
            log = _("log at {url}").format(url=f"{info['drop_url']}/log/checkpoint")
            typer.echo(f"  {_('Drop:'):12} {info['drop_url']}  ({log})")
            typer.echo(
                "  "
                + _("Source vault {vault}  passphrase {passphrase}").format(
                    vault=info["vault"], passphrase=info["vault_passphrase"]
                )
            )
            typer.echo(
                "  " + _("Browser source (open in a browser; the invitation is in the fragment):")
            )
            typer.echo(f"    {info['source_page']}#{info['browser_invitation']}")
            typer.echo("  " + _("Ctrl-C stops everything and deletes the demo folder."))
            typer.echo("")

        serve_web(Path(info["desk"]), "127.0.0.1", web_port, ready)
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except Exception:
                p.kill()
                p.wait()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        os.environ.pop("TYSHA_DEMO", None)
