"""The pure core (protocol, tlog, evidence) does no I/O (DESIGN.md, Layers)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "tysha"
PURE = ("protocol", "tlog", "evidence")
FORBIDDEN_MODULES = {"socket", "ssl", "sqlite3", "http", "urllib", "subprocess", "asyncio",
                     "httpx", "starlette", "psycopg", "uvicorn", "requests", "shutil", "tempfile",
                     "random", "secrets", "selectors", "multiprocessing"}
FORBIDDEN_CALLS = {("os", "urandom"), ("time", "time"), ("time", "monotonic"),
                   ("datetime", "now"), ("datetime", "utcnow"), ("os", "getrandom")}


def test_importing_the_pure_core_loads_no_io_module() -> None:
    code = (
        "import sys, json\n"
        "before = set(sys.modules)\n"
        "import tysha.protocol, tysha.tlog, tysha.evidence.taxonomy, tysha.evidence.custody\n"
        "import tysha.protocol.atrest, tysha.protocol.objects\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    # pyca/cryptography's own serialization imports ``random`` (for RSA); that is the library's
    # business. What we check at run time is that no network, database, process or file-system
    # helper module is loaded; the AST test below forbids our own code from using ``random``.
    runtime_forbidden = FORBIDDEN_MODULES - {"random", "secrets"}
    bad = sorted(m for m in loaded if m.split(".")[0] in runtime_forbidden)
    assert not bad, f"the pure core pulled in I/O modules: {bad}"


@pytest.mark.parametrize("package", PURE)
def test_pure_sources_use_no_io(package: str) -> None:
    problems = []
    for path in sorted((SRC / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                names = []
            for n in names:
                if n.split(".")[0] in FORBIDDEN_MODULES:
                    problems.append(f"{path.name}:{node.lineno} imports {n}")
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name) and f.id == "open":
                    problems.append(f"{path.name}:{node.lineno} calls open()")
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                    if (f.value.id, f.attr) in FORBIDDEN_CALLS:
                        problems.append(f"{path.name}:{node.lineno} calls {f.value.id}.{f.attr}()")
    assert not problems, "\n".join(problems)
    assert json  # keep the import used
