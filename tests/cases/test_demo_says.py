"""What `tysha demo` prints about the case it builds is what the desks hold: an incident is
claimed only where one was made, suggestions only where the suggestions page shows some."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tysha.demo import build
from tysha.desk.service import Desk


def _build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    procs: list[Any] = []
    try:
        info = build(tmp_path, reports=2, quiet=False, procs=procs)
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    return info, capsys.readouterr().err


def _state(info: dict[str, Any], key: str) -> tuple[int, int]:
    d = Desk.open(Path(info[key]), info[f"{key}_passphrase"])
    try:
        s = d.corroborate()
        return len(d.incidents()), len(s["exact"] + s["near_duplicates"] + s["clusters"])
    finally:
        d.close()


def test_the_demo_claims_only_the_incidents_and_suggestions_there_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info, said = _build(tmp_path, capsys)
    (a_incidents, a_suggested), (e_incidents, e_suggested) = (
        _state(info, "desk"), _state(info, "escrow")
    )
    assert a_incidents == 1 and e_incidents == 1
    assert "an incident at cell A's desk and at the escrow desk" in said
    if a_suggested == 0 and e_suggested == 0:
        # The incidents took the suggestions in: the suggestions pages are empty.
        assert "suggested" not in said, said


def test_no_incident_is_claimed_when_the_desks_found_no_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As when the desks could not read the photos (the media index marks them unreadable).
    real = Desk.corroborate

    def none_found(self: Desk) -> dict[str, Any]:
        return {**real(self), "near_duplicates": []}

    monkeypatch.setattr(Desk, "corroborate", none_found)
    info, said = _build(tmp_path, capsys)
    assert _state(info, "desk")[0] == 0 and _state(info, "escrow")[0] == 0
    assert "an incident" not in said, said
    assert "no incident was made" in said, said


class _Proc:
    pid = 0

    def terminate(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.mark.parametrize("keep", [False, True], ids=["default", "--keep"])
def test_the_banner_says_what_ctrl_c_does_to_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    keep: bool,
) -> None:
    """The servers are stand-ins: the claim is about the banner and the folder."""
    import tempfile

    import tysha.demo as demo
    import tysha.desk.web.serve as serve

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def fake_build(root: Path, *args: Any, **kwargs: Any) -> dict[str, Any]:
        info: dict[str, Any] = {k: str(root / k) for k in ("desk", "desk_b", "escrow", "vault")}
        info.update({f"{k}_passphrase": "p" for k in ("desk", "desk_b", "escrow", "vault")})
        return {**info, "root": str(root), "drop_url": "http://127.0.0.1:1",
                "source_page": "http://127.0.0.1:1/", "browser_invitation": "X",
                "reports_fetched": 1, "_proc": _Proc()}  # fmt: skip

    monkeypatch.setattr(demo, "build", fake_build)
    monkeypatch.setattr(demo, "_serve_process", lambda desk_dir, port: _Proc())
    monkeypatch.setattr(serve, "serve_web", lambda desk, host, port, ready: ready())
    demo.run_demo(serve=True, keep=keep, port=0)
    said = capsys.readouterr().out
    left = list(tmp_path.glob("tysha-demo-*"))
    if keep:
        [folder] = left
        assert "deletes the demo folder" not in said, said
        assert f"the demo folder stays: {folder}" in said, said
    else:
        assert left == []
        assert "Ctrl-C stops everything and deletes the demo folder." in said
