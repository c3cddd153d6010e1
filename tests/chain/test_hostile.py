"""Hostile custody segments, anchors and witnessed checkpoints raise only the error family."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.chain.test_custody_segment import DESK, seg_a
from tysha.errors import TyshaError
from tysha.evidence.anchor import verify_anchor, verify_witnessed
from tysha.evidence.custody import verify_segment
from tysha.tlog import Checkpoint

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
PATHS = st.lists(st.one_of(st.integers(0, 5), st.sampled_from(
    ["events", "event", "proof", "head", "format", "seq", "detail", "report_prev", "v", "sig",
     "prev", "report", "receipt", "consistency", "tsa_token", "envelope", "content_key", "note",
     "proofs", "witnessed", "vkey"])), min_size=1, max_size=4)


def _poke(doc: Any, path: list[Any], value: Any) -> Any:
    doc = json.loads(json.dumps(doc))
    cur = doc
    for step in path[:-1]:
        try:
            cur = cur[step]
        except (KeyError, IndexError, TypeError):
            return doc
    try:
        cur[path[-1]] = value
    except (IndexError, TypeError):
        pass
    return doc


@settings(max_examples=300, deadline=None)
@given(PATHS, JSON)
def test_segment_raises_only_the_family(path: list[Any], value: Any) -> None:
    try:
        verify_segment(_poke(seg_a(), path, value), DESK.public(), ["rA"])
    except TyshaError:
        pass


ANCHOR = {"format": "tysha-custody-anchor/1", "head": "x\n", "envelope": "00", "content_key":
          "00" * 32, "vkey": "v", "receipt": {}, "consistency": [], "tsa_token": "3000",
          "witnessed": {"note": "n", "proofs": {"1": []}}}
CP = Checkpoint("o", 1, bytes(32))


@settings(max_examples=300, deadline=None)
@given(PATHS, JSON)
def test_anchor_and_witnessed_raise_only_the_family(path: list[Any], value: Any) -> None:
    doc = _poke(ANCHOR, path, value)
    try:
        verify_anchor(doc, DESK.public(), CP)
    except TyshaError:
        pass
    try:
        verify_witnessed(doc.get("witnessed") if isinstance(doc, dict) else doc, "v", CP, {},
                         None)
    except TyshaError:
        pass
