"""The one report view: flags and trust computed from the desk's current state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tysha.desk.views import normalise_time, report_view, report_views


@dataclass
class _Src:
    revoked: bool


@dataclass
class _Rep:
    id: str
    received_at: str
    data: dict[str, Any] = field(default_factory=dict)


class _Store:
    def __init__(self, forked: bool = False, revoked: bool = False) -> None:
        self.forked, self.src_revoked = forked, revoked

    def drops(self, damaged: list[str] | None = None) -> list[Any]:
        from tysha.desk.models import DropState

        return [DropState("http://d", "vk", forked=self.forked)]

    def get_source(self, sid: str) -> _Src:
        return _Src(self.src_revoked)


def _good(**changes: Any) -> _Rep:
    d = {"categories": ["det"], "text": "t", "when": "2026-03-01T14:00+02:00", "where": "w",
         "received_at": "2026-03-02T10:11:12Z", "attachments": [
             {"name": "a.jpg", "sha256": "00", "size": 3, "media_type": "image/jpeg",
              "capture_verified": True, "claims": {"exif_gps": [50_400_000, 30_500_000]}}],
         "capture_verified": True, "receipt_verified": True, "log_consistent": True,
         "trusted": True, "revoked": False, "source_id": "s1", "source": "Source 1 · Oak Owl",
         "drop": "http://d", "index": 4, "checkpoint": {"origin": "o", "size": 5, "root": "ab"}}
    d.update(changes)
    return _Rep("abc", d["received_at"], d)


def test_clean_report_is_trusted_and_has_list_fields() -> None:
    v = report_view(_Store(), _good())
    assert v.trusted and v.flags == [] and v.log_consistent
    j = v.to_json()
    assert {"id", "categories", "text", "when", "where", "received_at", "attachments",
            "capture_verified", "receipt_verified", "trusted", "flags"} <= set(j)
    assert j["attachments"] == [{"name": "a.jpg", "sha256": "00", "size": 3}]
    assert v.event_time == "2026-03-01T12:00:00Z"
    assert report_view(_Store(), _good()).to_json(full=True)["checkpoint"] == "o 5 ab"


def test_fork_detected_after_intake_taints_the_report() -> None:
    # The stored field says consistent; the drop has since been caught forking.
    v = report_view(_Store(forked=True), _good())
    assert not v.log_consistent and not v.trusted and v.flag_codes == ["log-forked"]
    assert v.to_json(full=True)["log_consistent"] is False
    assert v.to_json()["flags"] == [v.flags[0].reason]


def test_revocation_now_taints_and_restore_lifts_it() -> None:
    assert report_view(_Store(revoked=True), _good()).flag_codes == ["revoked-source"]
    assert report_view(_Store(revoked=False), _good(revoked=True)).trusted


def test_each_intake_flag() -> None:
    st = _Store()
    assert report_view(st, _good(source_id=None)).flag_codes == ["unenrolled-source"]
    reused = _good(source_id=None, problems=["sender: this invitation already enrolled another key"])
    assert report_view(st, reused).flag_codes == ["invitation-reused"]
    assert report_view(st, _good(receipt_verified=False)).flag_codes == ["receipt-unverified"]
    bad = _good()
    bad.data["attachments"][0]["capture_verified"] = False
    assert report_view(st, bad).flag_codes == ["capture-unverified"]
    odd = _good()
    odd.data["attachments"][0]["claims"] = {"exif_gps": [-1_000_000_000, 30_000_000]}
    assert report_view(st, odd).flag_codes == ["implausible-claims"]
    assert [v.trusted for v in report_views(st, [_good(), reused])] == [True, False]


def test_normalise_time() -> None:
    assert normalise_time("2026-03-01") == "2026-03-01"
    assert normalise_time("2026-03-01T14:00:05Z") == "2026-03-01T14:00:05Z"
    assert normalise_time("yesterday") == "" and normalise_time("") == ""


def test_random_passphrase_shape_and_strength() -> None:
    import re

    from tysha.desk.passphrase import ENTROPY_BITS_PER_WORD, random_passphrase

    p = random_passphrase()
    assert re.fullmatch(r"([bdfghjklmnprstvz][aeiou]){2}[bdfghjklmnprstvz](-([bdfghjklmnprstvz][aeiou]){2}[bdfghjklmnprstvz]){4}", p)
    assert 5 * ENTROPY_BITS_PER_WORD > 80
    assert len({random_passphrase(1) for _ in range(200)}) > 190  # not a tiny list
    # Uniform draws: 255 would bias the vowels (256 % 5 != 0), so it is drawn again.
    seq = iter([0, 255, 0, 0, 0, 0])
    assert random_passphrase(1, lambda n: bytes([next(seq)])) == "babab"


def test_a_time_given_without_a_zone_is_not_shown_as_utc() -> None:
    """The source gives the local time where it happened (parse_when: no zone is guessed); a
    day is a day. Neither may come out as a UTC instant the reporter never said."""
    from tysha.desk.cli import render_report
    from tysha.desk.web.app import _templates

    local = report_view(_Store(), _good(when="2026-03-01T10:20"))
    assert local.event_time == "2026-03-01T10:20:00"
    assert normalise_time("2026-03-01 10:20:30") == "2026-03-01T10:20:30"
    assert normalise_time("2026-03-01") == "2026-03-01"
    show = "\n".join(render_report(local, []))
    assert "10:20:00Z" not in show and "local time, no zone given" in show
    page = _templates().from_string("{{ t|t }}").render(t=local.event_time, _=lambda s: s)
    assert "UTC" not in page and page == "2026-03-01 10:20 (local time, no zone given)"
    day = _templates().from_string("{{ t|t }}").render(t="2026-03-01", _=lambda s: s)
    assert day == "2026-03-01"
    zoned = _templates().from_string("{{ t|t }}").render(t="2026-03-01T07:20:00Z", _=str)
    assert zoned == "2026-03-01 07:20 UTC"


def test_the_device_time_of_an_attachment_is_not_called_its_capture_time(
    monkeypatch: Any,
) -> None:
    """device_time is the phone's clock when the file was attached to the report and signed
    (a photo from the gallery may be weeks older; its camera time is exif_time): 'device clock
    at capture' (the web desk; 'під час зйомки' in desk show in Ukrainian) told a handler,
    and a court, that the photo was taken then."""
    from tysha.desk.cli import render_report
    from tysha.desk.web.view import CLAIM_LABELS

    assert CLAIM_LABELS["device_time"] == "device clock when attached to the report"
    rep = _good()
    rep.data["attachments"][0]["claims"] = {"device_time": "2026-03-09T08:00:00Z",
                                            "exif_time": "2026:03:01 10:20:30"}
    monkeypatch.setenv("TYSHA_LANG", "uk")
    show = "\n".join(render_report(report_view(_Store(), rep), []))
    assert "зйомки: 2026-03-09" not in show
    assert "час пристрою, коли файл додано до повідомлення: 2026-03-09T08:00:00Z" in show, show


def test_the_camera_time_is_said_to_be_a_local_time_without_zone() -> None:
    """EXIF DateTimeOriginal is the camera's own local time with no zone; shown among UTC
    times as 'camera time (EXIF)', a handler comparing it with the device clock (UTC) saw
    hours that do not agree and had no word why."""
    from tysha.desk.web.app import _templates
    from tysha.desk.web.view import CLAIM_LABELS
    from tysha.i18n import translations

    label = CLAIM_LABELS["exif_time"]
    assert "no zone" in label
    uk = _templates().from_string("{{ _(x) }}").render(x=label, _=translations("uk").gettext)
    assert "без часового поясу" in uk, uk
