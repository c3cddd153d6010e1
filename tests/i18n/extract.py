"""Every message the command line shows, found in the source by an AST walk (no import of the
modules' strings by hand, so a new message cannot be forgotten by the test)."""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src" / "tysha"


@functools.cache  # the catalogs do not change during a run; the i18n tests share one parse each
def po_catalog(lang: str) -> Any:
    """The parsed ``tysha.po`` of ``lang`` (a babel ``Catalog``; read it, never change it)."""
    from babel.messages.pofile import read_po

    with open(SRC / "locale" / lang / "LC_MESSAGES" / "tysha.po", "rb") as f:
        return read_po(f)

# The faces a person reads: every _()/ngettext() and every raised error's text in them.
CLI_MODULES = (
    "cli.py",
    "desk/cli.py",
    "drop/cli.py",
    "witness/cli.py",
    "verify.py",
    "tools.py",
    "source/cli.py",
    "demo.py",
)
# Services whose errors reach the web desk and the CLI (translated at the face by template).
RAISING_MODULES = (
    *CLI_MODULES,
    "desk/service.py",
    "source/vault.py",
    "source/device.py",
    "source/passphrase.py",
    "evidence/bundle.py",
    "evidence/anchor.py",
    "transport/client.py",
    "transport/serving.py",
    "protocol/invitation.py",
    "evidence/receipts.py",
    "desk/keyfile.py",
    "desk/sources.py",
    "desk/fetch.py",
    "desk/store.py",
    "desk/cases.py",
    "desk/share.py",
    "desk/anchor.py",
    "desk/provenance.py",
    "witness/client.py",
    "witness/service.py",
    "tor/client.py",
    "tor/network.py",
    "tor/onion.py",
    "drop/service.py",
    "drop/server.py",
    "drop/uploads.py",
    "desk/bundle.py",
    "desk/corroborate.py",
    "desk/atrest.py",
    "desk/blobs.py",
    "transport/courier.py",
    "drop/witnessing.py",
    "source/shred.py",
    "store/partfiles.py",
)
_ERRORS = {
    "TyshaError", "ProtocolError", "VerificationError", "StorageError", "TransportError",
    "ConfigError", "NotFound", "NotAllowed", "BadPassphrase", "BadInput", "DropRefused",
}  # fmt: skip


@dataclass
class Found:
    singular: set[str] = field(default_factory=set)
    plural: set[tuple[str, str]] = field(default_factory=set)
    # a raised error's text as it would be shown, with sample values for the f-string's fields
    raised: set[str] = field(default_factory=set)


def _const(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _sample(node: ast.AST) -> str | None:
    """A string literal, or an f-string rendered with a sample value per field."""
    text = _const(node)
    if text is not None:
        return text
    if isinstance(node, ast.JoinedStr):
        out = ""
        for i, part in enumerate(node.values):
            piece = _const(part)
            out += piece if piece is not None else f"V{i}x"
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left), _sample(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


@functools.cache  # the sources do not change during a run; each parse costs ~0.3 s
def extract(modules: tuple[str, ...] = CLI_MODULES) -> Found:
    found = Found()
    for rel in modules:
        tree = ast.parse((SRC / rel).read_text(), rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                args = [_const(a) for a in node.args]
                if name in ("_", "gettext", "tr") and args and args[0]:
                    found.singular.add(args[0])
                elif name == "ngettext" and len(args) >= 2 and args[0] and args[1]:
                    found.plural.add((args[0], args[1]))
                if name in _ERRORS and node.args:
                    text = _sample(node.args[0])
                    if text is not None:
                        found.raised.add(text)
                for kw in node.keywords:
                    if kw.arg == "hint" and _const(kw.value):
                        found.singular.add(str(_const(kw.value)))
            elif isinstance(node, ast.Assign) and rel == "cli.py":
                # describe_error's hints: ``hint = "…"``
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id == "hint" and _const(node.value):
                    found.singular.add(str(_const(node.value)))
    return found


def raised(modules: tuple[str, ...] = RAISING_MODULES) -> set[str]:
    return extract(modules).raised


# What `desk fetch` reports besides errors: the lines it appends to its result's lists (printed
# as "warning: …" or under the contract's "WITHHELD:" marker) and the reasons an entry was withheld.
REPORTING_MODULES = ("desk/fetch.py", "protocol/listing.py", "source/device.py")
_RESULT_LISTS = {"errors", "warnings", "quarantined", "withheld", "forks", "unwitnessed"}


def reported(modules: tuple[str, ...] = REPORTING_MODULES) -> set[str]:
    """Every line appended to a fetch result's lists, and every string kept as why an entry was
    withheld (``flags[i] = …``, ``audit.problems[i] = …``, ``withheld[i] = …``, the source's
    ``listing_problem``, ``return "…"`` of a reason), rendered
    with sample values; a line that is only fields (``f"{url}: {what}"``) is left out."""
    out: set[str] = set()
    for rel in modules:
        tree = ast.parse((SRC / rel).read_text(), rel)
        for node in ast.walk(tree):
            values: list[ast.AST] = []
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr in _RESULT_LISTS
                and node.args
            ):
                values.append(node.args[0])
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
                target = node.targets[0].value
                if _name(target) in ("flags", "problems", "withheld"):
                    values.append(node.value)
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Attribute)
                and node.targets[0].attr == "listing_problem"
            ):
                values.append(node.value)
            elif isinstance(node, ast.FunctionDef) and node.name == "_deleted_without_us":
                values += [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value]
            for value in values:
                text = _sample(value)
                if text is not None and len(re.sub(r"V\d+x|\W", "", text)) >= 4:
                    out.add(text)
    return out


def queue_reasons(rel: str = "desk/service.py") -> set[str]:
    """Why a reply stays queued: the text each ``reply_failed(qid, …)`` keeps in the desk's
    outbox, which `desk reply`, `desk send` and the web desk show (rendered with samples)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse((SRC / rel).read_text(), rel)):
        if isinstance(node, ast.Call) and _name(node.func) == "reply_failed" and len(node.args) > 1:
            text = _sample(node.args[1])
            if text is not None:
                out.add(text)
    return out
