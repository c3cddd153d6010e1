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


#: Where the demo's photos say they were taken (EXIF GPS): towns of the occupied south.
PLACES: list[tuple[str, float, float]] = [
    ("Vasylivka", 47.4400, 35.2800),
    ("Melitopol", 46.8490, 35.3650),
    ("Enerhodar", 47.4990, 34.6560),
    ("Tokmak", 47.2550, 35.7050),
    ("Berdiansk", 46.7560, 36.7880),
]


def _dms(value: float) -> tuple[float, float, float]:
    total = round(value * 360000)  # hundredths of a second
    d, rest = divmod(total, 360000)
    m, cs = divmod(rest, 6000)
    return (float(d), float(m), cs / 100)


def sample_photo(n: int, when: time.struct_time, gps: tuple[float, float] | None = None) -> bytes:
    """A generated, harmless picture with an EXIF capture time (and position, when given)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (200 - 5 * n % 120, 210, 190 + 3 * n % 60))
    d = ImageDraw.Draw(img)
    for i in range(6):
        # Bar heights and a disc that differ from photo to photo: unrelated pictures must not
        # look like near-duplicates of each other.
        d.rectangle(
            [20 + 70 * i, 60 + 12 * ((n * 7 + i * 5) % 11), 70 + 70 * i, 300],
            fill=(90, 100 + 10 * i, 120),
        )
    x = 40 + (n * 53) % 380
    d.ellipse([x, 40 + (n * 31) % 120, x + 60 + (n % 3) * 20, 120 + (n * 31) % 120],
              fill=(230, 180 - (n * 13) % 90, 60))  # fmt: skip
    d.text((20, 20), f"sample photo {n + 1}", fill=(20, 20, 20))
    exif = Image.Exif()
    stamp = time.strftime("%Y:%m:%d %H:%M:%S", when)
    exif[306] = stamp
    exif.get_ifd(0x8769)[36867] = stamp
    if gps is not None:
        g = exif.get_ifd(0x8825)
        g[1], g[2], g[3], g[4] = "N", _dms(gps[0]), "E", _dms(gps[1])
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

    # The organisation's escrow desk first: both cells seal every report to it as well.
    escrow_pass = random_passphrase()
    Desk.init(root / "escrow", "Demo escrow", escrow_pass, role="escrow")
    escrow_key = str(Desk.info(root / "escrow")["public_key"])
    desk_pass, desk_b_pass = random_passphrase(), random_passphrase()
    Desk.init(root / "desk", "Cell A", desk_pass, escrow_key=escrow_key)
    Desk.init(root / "desk-b", "Cell B", desk_b_pass, escrow_key=escrow_key)
    desk = Desk.open(root / "desk", desk_pass)
    desk_b = Desk.open(root / "desk-b", desk_b_pass)
    escrow = Desk.open(root / "escrow", escrow_pass)
    escrow.watch_drop(url, vkey)
    inv = desk.invite(url, vkey)
    say(_("two cells' desks and the escrow desk ready; invitation made"))

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
            _town, lat, lon = PLACES[(i // 2) % len(PLACES)]
            p = photos / f"IMG_{1000 + i}.jpg"
            p.write_bytes(sample_photo(i, when, (lat + 0.001 * i, lon + 0.001 * i)))
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
    _corroborating_sources(root, desk, desk_b, escrow, url, vkey, now, photos, say)
    # A second one-time invitation for a reporter using the browser source page: the code
    # travels in the URL fragment, which the browser never sends to the drop.
    browser_inv = desk.invite(url, vkey).to_text()
    for d in (desk, desk_b, escrow):
        d.close()
    return {
        "root": str(root),
        "drop_url": url,
        "drop_vkey": vkey,
        "drop_pid": proc.pid,
        "desk": str(root / "desk"),
        "desk_passphrase": desk_pass,
        "desk_b": str(root / "desk-b"),
        "desk_b_passphrase": desk_b_pass,
        "escrow": str(root / "escrow"),
        "escrow_passphrase": escrow_pass,
        "vault": str(root / "source.vault"),
        "vault_passphrase": vault_pass,
        "reports_sent": sent.sent,
        "reports_fetched": len(res.new_reports),
        "source_page": f"{url}/",
        "browser_invitation": browser_inv,
        "errors": res.errors,
        "_proc": proc,
    }


def _new_source(root: Path, name: str, desk: Any, url: str, vkey: str) -> Any:
    """A source device enrolled at ``desk`` (its own vault, a fresh one-time invitation)."""
    from tysha.desk.passphrase import random_passphrase
    from tysha.source.device import SourceDevice
    from tysha.source.vault import Vault

    vault_pass = random_passphrase()
    vault = Vault.create(root / f"{name}.vault", 8 * 1024 * 1024)
    vault.add_compartment(vault_pass, 0, {"v": 1, "notes": []})
    dev = SourceDevice(vault, vault.unlock(vault_pass))
    dev.enroll(desk.invite(url, vkey).to_text())
    return dev


def _corroborating_sources(
    root: Path, desk: Any, desk_b: Any, escrow: Any, url: str, vkey: str, now: float,
    photos: Path, say: Any,
) -> None:
    """Issue 12: the first sample's event, seen by three people in two cells.

    A second source of cell A forwards the same photo, its border trimmed and re-encoded, an
    hour later; a source of cell B, in another town's cell, sends it re-encoded and resized
    with its own words an hour after that. Cell A's desk and the escrow desk (which opens
    both cells' reports) each see the near-duplicates as a suggestion; one incident is built
    from them at each, so a new user sees a case, the map and the timeline at once. At the
    escrow desk the incident is "3 source keys, not vouched for (…) · 2 cells, as the sources
    say or as recorded here": it enrols no one, so it does not call them independent sources."""
    from PIL import Image

    from tysha.transport import DropClient

    first = photos / "IMG_1000.jpg"
    if not first.exists():
        return
    img = Image.open(first)
    w, h = img.size
    cropped = photos / "forwarded.jpg"
    img.crop((w // 100, h // 100, w - w // 100, h - h // 100)).save(cropped, "JPEG", quality=60)
    resized = photos / "from-cell-b.jpg"
    img.resize((w * 3 // 4, h * 3 // 4)).save(resized, "JPEG", quality=50)
    cats, _text, where = SAMPLES[0]
    town, lat, lon = PLACES[0]
    for name, cell, copy, hours, text in (
        ("source2", desk, cropped, 5,
         "I saw the bus leave the school; a neighbour sent me this photo."),
        ("source3", desk_b, resized, 4,
         f"In {town} the children from the boarding school were driven away this morning."),
    ):  # fmt: skip
        dev = _new_source(root, name, cell, url, vkey)
        when = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(now - 3600 * hours))
        dev.report(cats, text, when, where, [copy], mean_delay=0)
        with DropClient(url) as client:
            dev.send(client, now=True)
    desk.fetch()
    desk_b.fetch()
    escrow.fetch()
    # The escrow desk counts cells by the handler desk each report is signed for (``to``): no
    # cell has to be recorded by hand (``Desk.set_cell`` names those of older sources).
    day = time.strftime("%Y-%m-%d", time.gmtime(now - 3600 * 6))
    act = {"category": "chd", "start": day, "place": f"{where}, {town}", "lat": f"{lat:.4f}",
           "lon": f"{lon:.4f}", "precision_m": "5000", "victims": "11",
           "children": "1"}  # fmt: skip
    made = []
    for d in (desk, escrow):
        d.update_media_index()
        near = d.corroborate()["near_duplicates"]
        # The reports whose photo is a near-duplicate of the first sample's.
        views = {v.text: v.id for v in d.reports()}
        seed = views.get(SAMPLES[0][1])
        group = {seed} if seed else set()
        for pair in near:
            if seed in pair["reports"]:
                group |= set(pair["reports"])
        if len(group) < 2:
            continue
        ids = sorted(group)
        iid = d.create_incident("Children taken from the boarding school", ids, "demo")
        d.add_act(iid, {**act, "reports": ids}, "demo")
        made.append(d)
    # Only what was made: a desk that found no copies (photos it could not read) has no
    # incident, and an incident takes its suggestion in (the suggestions page is then empty).
    if len(made) == 2:
        say(_("two more sources, in two cells, corroborated a report: an incident at cell A's"
              " desk and at the escrow desk"))
    elif made and made[0] is desk:
        say(_("two more sources, in two cells, corroborated a report: an incident at cell A's"
              " desk only (the escrow desk found no copies)"))
    elif made:
        say(_("two more sources, in two cells, corroborated a report: an incident at the escrow"
              " desk only (cell A's desk found no copies)"))
    else:
        say(_("two more sources, in two cells, sent copies of a report's photo, but no desk"
              " found them alike: no incident was made"))


def _serve_process(desk_dir: Path, port: int) -> Any:
    """`tysha desk serve` for one more demo desk, as a child process on loopback."""
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "desk", "serve", "--desk", str(desk_dir),
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


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
                for k in ("root", "desk", "desk_b", "escrow", "vault"):
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
        # Cell B's desk and the escrow desk are served by their own processes (`tysha desk
        # serve`), stopped with the drop; cell A's is served by this one.
        others: list[tuple[str, int]] = []
        for key in ("desk_b", "escrow"):
            p = _free_port(web_port + 1 + len(others))
            procs.append(_serve_process(Path(info[key]), p))
            others.append((key, p))

        def ready() -> None:
            typer.echo("")
            running = _("Tysha demo is running: two cells (a desk each) and the escrow desk.")
            typer.echo("  " + running)
            typer.echo(f"  {_('Cell A desk:'):12} http://127.0.0.1:{web_port}/")
            typer.echo(f"  {_('Passphrase:'):12} {info['desk_passphrase']}")
            for key, p in others:
                label = _("Cell B desk:") if key == "desk_b" else _("Escrow desk:")
                secret = info[key + "_passphrase"]
                typer.echo(
                    f"  {label:12} http://127.0.0.1:{p}/  "
                    + _("passphrase {passphrase}").format(passphrase=secret)
                )
            typer.echo("  " + _("(The escrow desk opens both cells' reports and counts cells.)"))
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
            if keep:  # --keep: the folder is not deleted on the way out
                typer.echo(
                    "  "
                    + _("Ctrl-C stops everything; the demo folder stays: {folder}").format(
                        folder=info["root"]
                    )
                )
            else:
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
