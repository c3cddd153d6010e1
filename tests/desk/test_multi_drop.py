"""Invitations with several addresses of one drop (issue 15): the desk stores them with the
invitation, keeps one log per verifier key, and fetch / reply / send try them in order and
say which answered; the source enrolled from it sends through the live one."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tysha.desk.service import Desk
from tysha.errors import BadInput
from tysha.transport import DropClient

DESK_PASS = "desk passphrase for tests"
SRC_PASS = "source passphrase"


def _dead_url() -> str:
    """A loopback address nothing listens on (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def world(tmp_path: Path, drop: tuple[str, str, Path], cli: Any) -> dict[str, Any]:
    url, vkey, _ = drop
    dead = _dead_url()
    desk = tmp_path / "desk"
    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_PASSPHRASE": SRC_PASS}
    cli("desk", "init", "--desk", str(desk), "--name", "Cell", env=denv)
    code = cli("desk", "invite", "--desk", str(desk), "--drop", dead, "--drop", url,
               "--drop-key", vkey, env=denv).stdout.strip()
    vault = tmp_path / "v.vault"
    cli("source", "init", "--vault", str(vault), "--size", "8MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)
    return {"url": url, "dead": dead, "vkey": vkey, "desk": desk, "denv": denv, "senv": senv,
            "vault": vault, "code": code}


def test_two_addresses_one_dead_source_sends_desk_fetches_and_replies_through_the_live_one(
    world: dict[str, Any], cli: Any
) -> None:
    w = world
    from tysha.protocol import Invitation

    # The invitation itself lists both addresses, in the order given.
    assert list(Invitation.from_text(w["code"]).drops) == [w["dead"], w["url"]]
    cli("source", "report", "--vault", str(w["vault"]), "--text", "Checkpoint moved north",
        "--category", "mob", env=w["senv"])
    sent = cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])
    assert "drop 2 of 2 answered" in sent.stderr
    assert "sent 1" in sent.stdout

    d, denv = str(w["desk"]), w["denv"]
    out = cli("desk", "fetch", "--desk", d, env=denv).stdout
    assert f"answered at {w['url']}" in out and "1 new report" in out
    summary = json.loads(cli("desk", "fetch", "--desk", d, "--json", env=denv).stdout)
    assert summary["answered"] == {w["dead"]: w["url"]} and summary["unreachable"] == []
    reports = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    assert len(reports) == 1 and reports[0]["trusted"]

    r = cli("desk", "reply", reports[0]["id"], "--desk", d, "--text", "Thank you", env=denv)
    assert "reply sent" in r.stdout and f"answered at {w['url']}" in r.stdout
    replies = json.loads(cli("source", "replies", "--vault", str(w["vault"]), "--json",
                             env=w["senv"]).stdout)
    assert [x["text"] for x in replies] == ["Thank you"]


def test_one_log_per_key_fetched_once(world: dict[str, Any], cli: Any) -> None:
    """A second invitation (other order), and `fetch --drop` with one of the addresses, add
    nothing: the desk knows one log and reads it once per fetch, at its first live address."""
    w = world
    d, denv = str(w["desk"]), w["denv"]
    cli("desk", "invite", "--desk", d, "--drop", w["url"], "--drop-key", w["vkey"], env=denv)
    cli("desk", "fetch", "--desk", d, "--drop", w["url"], "--drop-key", w["vkey"], env=denv)
    cli("source", "report", "--vault", str(w["vault"]), "--text", "Shelling at dawn",
        "--category", "mob", env=w["senv"])
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])

    asked: list[str] = []

    class Counting(DropClient):
        def checkpoint(self) -> str:
            asked.append(self.url)
            return super().checkpoint()

    with Desk.open(w["desk"], DESK_PASS, client_factory=Counting) as desk:
        drops = desk.drops()
        assert [x["addresses"] for x in drops] == [[w["dead"], w["url"]]]
        res = desk.fetch()
        assert res.scanned == 1 and len(res.new_reports) == 1
        # The dead address was tried (refused before any request), the live one read once.
        assert asked == [w["dead"], w["url"]]
        assert res.answered == {w["dead"]: w["url"]}
        invs = desk.invitations()
        assert [i["drops"] for i in invs] == [[w["dead"], w["url"]], [w["url"]]]


def test_single_drop_unchanged_and_bad_addresses_change_nothing(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    url, vkey, _ = drop
    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    d = str(tmp_path / "desk")
    cli("desk", "init", "--desk", d, "--name", "Cell", env=denv)
    for bad in (["--drop", url, "--drop", url], ["--drop", url, "--drop", "ftp://x"],
                ["--drop", "http://a b"]):
        r = cli("desk", "invite", "--desk", d, *bad, "--drop-key", vkey, env=denv, check=False)
        assert r.returncode == 1 and "Traceback" not in r.stderr, bad
        assert len(r.stderr.strip().splitlines()) == 1
    with Desk.open(Path(d), DESK_PASS) as desk:
        assert desk.invitations() == [] and desk.drops() == []
    # One --drop: exactly as before (no "answered at" line, no mirrors).
    cli("desk", "invite", "--desk", d, "--drop", url, "--drop-key", vkey, env=denv)
    out = cli("desk", "fetch", "--desk", d, env=denv).stdout
    assert "answered" not in out
    assert json.loads(cli("desk", "fetch", "--desk", d, "--json", env=denv).stdout)["answered"] == {}


def test_store_merges_addresses_by_key_and_never_moves_one_to_another_key(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    url, vkey, _ = drop
    Desk.init(tmp_path / "desk", "Cell", DESK_PASS)
    with Desk.open(tmp_path / "desk", DESK_PASS) as desk:
        store = desk.store
        store.add_drop("http://onion.example", vkey)
        store.add_drop(url, vkey, ["http://onion.example", "http://mirror.example"])
        (only,) = store.drops()
        assert only.addresses == ("http://onion.example", url, "http://mirror.example")
        assert store.drop(url) is not None and store.drop(url).url == "http://onion.example"
        # Another log's key: a new drop; a known address is not taken over by it.
        other = "other+00000000+" + "A" * 44
        store.add_drop("http://other.example", other, [url])
        assert len(store.drops()) == 2
        assert store.drop(url).vkey == vkey
        with pytest.raises(BadInput):
            desk.invite([], vkey)


def test_web_invitations_page_shows_and_makes_several_addresses(
    world: dict[str, Any]
) -> None:
    import re

    from starlette.testclient import TestClient

    from tysha.desk.web.app import create_app

    w = world
    with TestClient(create_app(w["desk"], port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": DESK_PASS},
                      follow_redirects=False).status_code == 303
        page = c.get("/invitations").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        # The invitation made on the CLI lists both addresses, in order.
        assert page.index(w["dead"]) < page.index(w["url"])
        onion = "http://" + "a" * 56 + ".onion"
        r = c.post("/invitations", data={"csrf": csrf, "drop": f"{onion}\n{w['url']}\n",
                                         "drop_key": w["vkey"]})
        assert r.status_code == 200 and "TYSHA2:" in r.text
    from tysha.protocol import Invitation

    code = re.search(r"(TYSHA2:[^<\s]+)", r.text).group(1)  # type: ignore[union-attr]
    assert list(Invitation.from_text(code).drops) == [onion, w["url"]]
    with Desk.open(w["desk"], DESK_PASS) as desk:
        # Still one log: the onion address joined the drop the desk already reads.
        assert [x["addresses"] for x in desk.drops()] == [[w["dead"], w["url"], onion]]


def test_only_an_unreachable_address_moves_on_to_the_next(world: dict[str, Any]) -> None:
    """A first address that answers with a bad checkpoint is the log's answer: the desk says
    so and does not shop around for a mirror that says otherwise; all dead: unreachable."""
    w = world
    from tysha.errors import ProtocolError

    asked: list[str] = []

    class Lying(DropClient):
        def checkpoint(self) -> str:
            asked.append(self.url)
            raise ProtocolError("garbage")

    with Desk.open(w["desk"], DESK_PASS, client_factory=Lying) as desk:
        res = desk.fetch()
    # The first address answered (with garbage): the second is never asked.
    assert asked == [w["dead"]] and res.unreachable == []
    assert any("checkpoint is unusable" in e for e in res.errors)
    asked.clear()

    class LiveLying(DropClient):
        def checkpoint(self) -> str:
            if self.url == w["dead"]:
                return super().checkpoint()  # connection refused: next address
            asked.append(self.url)
            raise ProtocolError("garbage")

    with Desk.open(w["desk"], DESK_PASS, client_factory=LiveLying) as desk:
        res = desk.fetch()
    assert asked == [w["url"]] and res.unreachable == []
    assert any("checkpoint is unusable" in e for e in res.errors)

    class Down(DropClient):
        def checkpoint(self) -> str:
            from tysha.errors import TransportError

            asked.append(self.url)
            raise TransportError("down")

    asked.clear()
    with Desk.open(w["desk"], DESK_PASS, client_factory=Down) as desk:
        res = desk.fetch()
    assert asked == [w["dead"], w["url"]] and res.unreachable == [w["dead"]]
    assert "none of its 2 addresses answered" in res.errors[0]


def test_queued_reply_goes_out_through_the_live_address(world: dict[str, Any], cli: Any) -> None:
    w = world
    from tysha.errors import TransportError

    cli("source", "report", "--vault", str(w["vault"]), "--text", "Roadblock", "--category", "mob",
        env=w["senv"])
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])
    d, denv = str(w["desk"]), w["denv"]
    cli("desk", "fetch", "--desk", d, env=denv)
    rid = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)[0]["id"]

    class Down(DropClient):
        def upload(self, envelope: Any, progress: Any = None) -> Any:
            raise TransportError("down")

    with Desk.open(w["desk"], DESK_PASS, client_factory=Down) as desk:
        out = desk.reply(rid, "Stay safe")
    assert not out.sent and "unreachable" in out.error
    r = cli("desk", "send", "--desk", d, env=denv)
    assert "1 reply sent, 0 still queued" in r.stdout and f"answered at {w['url']}" in r.stdout
    js = json.loads(cli("desk", "send", "--desk", d, "--json", env=denv).stdout)
    assert js == {"sent": 0, "queued": 0, "errors": []}
    replies = json.loads(cli("source", "replies", "--vault", str(w["vault"]), "--json",
                             env=w["senv"]).stdout)
    assert [x["text"] for x in replies] == ["Stay safe"]


def test_the_custody_is_anchored_through_the_address_that_answers(
    world: dict[str, Any], cli: Any
) -> None:
    """A drop reached at several addresses (its first one down, as an onion address often is):
    `desk fetch` and replies went through the live one, but the custody anchor went to the
    first address only, so `desk anchor` failed and an automatic anchor never happened. It is
    tried address by address, as a reply is."""
    w = world
    d, denv = str(w["desk"]), w["denv"]
    cli("source", "report", "--vault", str(w["vault"]), "--text", "Column on the bridge",
        "--category", "mob", env=w["senv"])
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])
    cli("desk", "anchor", "--desk", d, "--every", "2", env=denv)
    out = json.loads(cli("desk", "fetch", "--desk", d, "--json", env=denv).stdout)
    assert out["new"] == 1 and "anchor_failed" not in out, out
    assert out["anchored"]["drop"] == w["dead"]  # the drop (its first address), as recorded
    r = cli("desk", "anchor", "--desk", d, env=denv)
    assert "anchored as entry" in r.stdout
    with Desk.open(w["desk"], DESK_PASS) as desk:
        assert desk.store.latest_anchor(10**9)["receipt"] is not None
