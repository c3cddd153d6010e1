"""The import contracts of pyproject.toml (issue 8.7), one test each, so a developer running
pytest sees a broken arrow without running .ci/run (which runs `lint-imports` as a gate)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]



def lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return found


@pytest.fixture(scope="module")
def verdicts() -> str:
    """One run of ``lint-imports`` over every contract (0.3 s of CPU a run: the module's
    tests share it), its output with its line wrapping undone."""
    r = subprocess.run([lint_imports(), "--no-cache", "--no-logo"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    return " ".join((r.stdout + r.stderr).split())


@pytest.mark.parametrize("contract", [c["id"] for c in CONTRACTS])
def test_import_contract(contract: str, verdicts: str) -> None:
    name = " ".join(next(c["name"] for c in CONTRACTS if c["id"] == contract).split())
    assert f"{name} KEPT" in verdicts, verdicts


def test_every_top_level_module_has_a_layer() -> None:
    """A new top-level module must be placed in the layers, or nothing checks its arrows."""
    layers = next(c for c in CONTRACTS if c["id"] == "layers")["layers"]
    named = {part.strip().strip("()") for layer in layers for part in layer.split("|")}
    package = ROOT / "src" / "tysha"
    present = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    present |= {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert present <= named, f"not in [tool.importlinter] layers: {sorted(present - named)}"
