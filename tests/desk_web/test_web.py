"""The web desk with Starlette's TestClient: login, CSRF, headers, filters, hostile attachments."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tysha.desk.web.app import CSP, create_app
from tysha.desk.web.sanitize import sniff, thumbnail

from .conftest import DESK_PASS, MARK, png_bomb

BASE = "http://127.0.0.1:8090"


def web(desk: Any, **kw: Any) -> TestClient:
    """The app in-process, addressed by one of the desk's own host names."""
    return TestClient(create_app(desk, **{"port": 8090, **kw}), base_url=BASE)


def login(client: TestClient) -> str:
    r = client.post("/login", data={"passphrase": DESK_PASS}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/").text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_login_csrf_headers_and_filters(desk: dict[str, Any]) -> None:
    now = [1000.0]  # the throttle's clock: a loaded machine's slow answer cannot pass its wait
    with web(desk["desk"], clock=lambda: now[0]) as c:
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert c.post("/login", data={"passphrase": "wrong"}).status_code == 401
        # a failed attempt slows the next one down (brute force), even with the right passphrase
        assert c.post("/login", data={"passphrase": DESK_PASS}).status_code == 429
        now[0] += 0.49
        assert c.post("/login", data={"passphrase": DESK_PASS}).status_code == 429
        now[0] += 0.02
        csrf = login(c)
        page = c.get("/")
        assert page.headers["content-security-policy"] == CSP
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "Summons in every mailbox" in page.text and "Children taken" in page.text
        only_mob = c.get("/?category=mob").text
        assert "Summons in every mailbox" in only_mob and "Children taken" not in only_mob
        assert "Children taken" in c.get("/?search=camp").text
        assert "Summons" not in c.get("/?search=camp").text
        assert "<script" not in c.get("/", headers={"HX-Request": "true"}).text
        rid = re.search(r'href="/report/([0-9a-f]+)"><bdi class="user">Summons', page.text).group(1)  # type: ignore[union-attr]
        # a POST without the session's CSRF token is refused and changes nothing
        r = c.post(f"/report/{rid}/triage", data={"status": "verified", "csrf": "forged"})
        assert r.status_code == 403
        assert 'option value="new" selected' in c.get(f"/report/{rid}").text
        r = c.post(f"/report/{rid}/triage", data={"status": "reviewing", "csrf": csrf,
                                                   "qualification": "RS 8(2)(a)(v)",
                                                   "confidence": "high", "reviewer": "Anna"},
                   follow_redirects=False)
        assert r.status_code == 303
        report = c.get(f"/report/{rid}").text
        assert "RS 8(2)(a)(v)" in report and "Anna" in report
        assert 'option value="reviewing" selected' in report
        uk = c.get("/?lang=uk").text
        assert "Вхідні" in uk


def test_hostile_attachments_never_render(desk: dict[str, Any]) -> None:
    with web(desk["desk"]) as c:
        login(c)
        page = c.get("/").text
        rid = re.search(r'href="/report/([0-9a-f]+)"><bdi class="user">Checkpoint search', page).group(1)  # type: ignore[union-attr]
        report = c.get(f"/report/{rid}").text
        assert "<script>document.title" not in report and "<svg" not in report
        n_att = report.count('class="att"')
        assert n_att == 10
        thumbs = re.findall(r'src="(/report/[0-9a-f]+/att/(\d+)/thumb.png)"', report)
        # only the images (by their bytes: two clean JPEGs, the polyglot, the bomb) get an <img>;
        # the bomb's thumbnail is refused in the jail, the two real pictures are re-encoded
        assert len(thumbs) == 4
        made = []
        for url, n in thumbs:
            r = c.get(url)
            if r.status_code == 200:
                assert r.content.startswith(b"\x89PNG")
                assert MARK.encode() not in r.content and b"<html" not in r.content
                made.append(int(n))
        assert len(made) == 3
        thumbs = [(u, n) for u, n in thumbs if int(n) in made]
        csrf = re.search(r'name="csrf" value="([^"]+)"', report).group(1)  # type: ignore[union-attr]
        for n in range(n_att):
            r = c.post(f"/report/{rid}/att/{n}/download", data={"csrf": csrf})
            assert r.headers["content-type"] == "application/octet-stream"
            assert r.headers["content-disposition"].startswith("attachment;")
            assert "sandbox" in r.headers["content-security-policy"]
        shown = {int(n) for _, n in thumbs}
        for n in set(range(n_att)) - shown:
            assert c.get(f"/report/{rid}/att/{n}/thumb.png").status_code == 404
        assert c.get("/").status_code == 200  # the desk is still up


def test_sanitiser_units() -> None:
    assert sniff(b"<svg onload=alert(1)>").name == "svg"
    assert sniff(b"\xff\xd8\xff\xe0" + b"<html>").image
    assert not sniff(b"%PDF-1.7").image
    assert thumbnail(png_bomb()) is None  # refused in the jailed child, the caller survives
    assert thumbnail(b"<html><script>x</script>") is None


def test_a_phones_large_photo_is_previewed_and_a_huge_one_still_refused() -> None:
    """A 48-megapixel phone photo (8000 x 6000, a common camera now) was refused as a
    decompression bomb: "No preview" for a civilian's ordinary picture. A JPEG is decoded at
    up to 1/8 a side, so it is previewed; what is decoded stays under the same limit: a JPEG
    that declares 65000 x 65000, a PNG of 48 megapixels and the PNG bomb are still refused."""
    import io

    from PIL import Image

    def jpeg(w: int, h: int) -> bytes:
        buf = io.BytesIO()
        Image.new("RGB", (w, h), (90, 120, 60)).save(buf, "JPEG", quality=80)
        return buf.getvalue()

    out = thumbnail(jpeg(8000, 6000))
    assert out is not None
    with Image.open(io.BytesIO(out)) as im:
        assert im.format == "PNG" and im.size == (640, 480)
    small = bytearray(jpeg(64, 48))
    sof = small.index(b"\xff\xc0")
    small[sof + 5:sof + 9] = (65000).to_bytes(2, "big") * 2  # height, width as declared
    assert thumbnail(bytes(small)) is None
    png = io.BytesIO()
    Image.new("L", (8000, 6000)).save(png, "PNG")
    assert thumbnail(png.getvalue()) is None
    assert thumbnail(png_bomb()) is None


def test_a_portrait_phone_photo_is_previewed_upright() -> None:
    """A phone stores a portrait photo on its side with an EXIF orientation (6: turn 90 degrees
    clockwise to view): the preview, which drops the EXIF, showed it lying on its side. It is
    turned upright first; the PNG still carries no EXIF."""
    import io

    from PIL import Image

    im = Image.new("RGB", (300, 200), (20, 40, 200))
    im.paste((220, 20, 20), (0, 0, 100, 200))  # the left third red: the top when viewed
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes())
    out = thumbnail(buf.getvalue())
    assert out is not None
    with Image.open(io.BytesIO(out)) as shown:
        assert shown.size == (200, 300)
        assert shown.getpixel((100, 20))[0] > 150  # red on top
        assert shown.getpixel((100, 280))[2] > 150  # blue below
        assert not shown.getexif() and b"Exif" not in out


def test_an_iphone_photo_is_called_a_photo_not_a_video() -> None:
    """An iPhone's photo (HEIC) and an AVIF picture are ISO media files like an MP4: the report
    page said "(video)" of a civilian's photo. They are named as HEIF/AVIF photos (of which no
    preview is made), an MP4 is still a video; none is shown."""
    def iso(brand: bytes) -> bytes:
        return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 64

    for brand in (b"heic", b"heix", b"mif1", b"avif"):
        kind = sniff(iso(brand))
        assert kind.name == "heif" and not kind.image and "HEIF/AVIF photo" in kind.label
    for brand in (b"isom", b"mp42", b"qt  "):
        assert sniff(iso(brand)).name == "video"


def test_totp_login(desk: dict[str, Any], cli: Any) -> None:  # type: ignore[no-untyped-def]
    import base64
    from urllib.parse import parse_qs, urlparse

    from tysha.desk.web.app import totp_now

    out = cli("desk", "totp", "--desk", str(desk["desk"]), env=desk["denv"]).stdout
    uri = next(line for line in out.splitlines() if line.startswith("otpauth://"))
    b32 = parse_qs(urlparse(uri).query)["secret"][0]
    secret = base64.b32decode(b32 + "=" * (-len(b32) % 8))
    now = [1000.0]  # the throttle's clock (failed logins wait 0.5 s, then 1 s)
    with web(desk["desk"], clock=lambda: now[0]) as c:
        assert c.post("/login", data={"passphrase": DESK_PASS}).status_code == 401
        now[0] += 0.6
        assert c.post("/login", data={"passphrase": DESK_PASS, "totp": "000000"}).status_code == 401
        now[0] += 1.1
        r = c.post("/login", data={"passphrase": DESK_PASS, "totp": totp_now(secret)},
                   follow_redirects=False)
        assert r.status_code == 303


def test_real_name_only_in_the_protected_field(desk: dict[str, Any]) -> None:
    with web(desk["desk"]) as c:
        csrf = login(c)
        page = c.get("/sources").text
        sid = re.search(r'name="source" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
        r = c.post("/sources/name", data={"csrf": csrf, "source": sid, "real_name": "Olena Kovalenko"},
                   follow_redirects=False)
        assert r.status_code == 303
        assert "Olena Kovalenko" in c.get("/sources").text
    blob = b"".join(p.read_bytes() for p in desk["desk"].rglob("*") if p.is_file())
    assert b"Olena Kovalenko" not in blob and b"Olena" not in blob
