"""README.md's walk-through runs as written, in one bash shell, against a real drop (issue 10.4).

The block under "## A walk through it" is taken from README.md itself and run by ``bash`` in an
empty folder. What the test changes, and why, is exactly this:

* ``set -euo pipefail`` is put in front, so a failing line or an unset variable (``$VKEY``
  once was) fails the test instead of scrolling by;
* ports 8080 and 8090 become free ports (other test runs on this machine may hold them);
* after each line that starts a server in the background (``… &``), a wait until its port
  answers (a person reads the next line slowly enough; a script does not).

The folder gets what the README assumes: ``.venv`` (a link to the virtual environment running
this test, as the quick start would have made it) and the photo ``IMG_0042.jpg``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tysha.drop.launcher import free_port

README = Path(__file__).resolve().parents[2] / "README.md"


def walk_through(text: str) -> str:
    """The first ``sh`` block after the "A walk through it" heading, verbatim."""
    section = text.split("## A walk through it", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "README.md has no ```sh block under 'A walk through it'"
    return match.group(1)


def runnable(block: str, ports: dict[str, int]) -> str:
    """``block`` with only the three changes the module docstring lists."""
    lines = ["set -euo pipefail"]
    for line in block.splitlines():
        for old, new in ports.items():
            line = re.sub(rf"\b{old}\b", str(new), line)
        lines.append(line)
        code = line.split("#", 1)[0].rstrip()
        if code.endswith("&") and not code.endswith("&&"):
            port = re.search(r"--port (\d+)", code)
            assert port, f"a background server without --port in the README: {line}"
            lines.append(
                f"for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/{port.group(1)}) 2>/dev/null"
                " && break; sleep 0.1; done"
            )
    return "\n".join(lines) + "\n"


def test_walk_through_block_is_what_the_readme_says() -> None:
    block = walk_through(README.read_text(encoding="utf-8"))
    # The points issue 10.4 found broken, each visible in the text itself.
    assert ". .venv/bin/activate" in block
    assert re.search(r"^VKEY=\$\(tysha drop init", block, re.MULTILINE)
    assert "docs/CLI.md" in README.read_text(encoding="utf-8")
    assert (README.parent / "docs" / "CLI.md").is_file()
    # The reporter's passphrase lives in a subshell and cannot leak into the desk's commands.
    reporter = block.index("export TYSHA_PASSPHRASE", block.index("reporter"))
    assert block.rfind("(", 0, reporter) > block.rfind(")", 0, reporter)


@pytest.mark.slow
def test_readme_walk_through_runs_as_written(tmp_path: Path) -> None:
    if sys.prefix == sys.base_prefix:
        pytest.skip("not running in a virtual environment; the README activates .venv")
    block = walk_through(README.read_text(encoding="utf-8"))
    script = runnable(block, {"8080": free_port(), "8090": free_port()})
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    Image.new("RGB", (64, 48), (200, 40, 40)).save(tmp_path / "IMG_0042.jpg", "JPEG")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TYSHA_")}
    env["VIRTUAL_ENV_DISABLE_PROMPT"] = "1"
    proc = subprocess.Popen(["bash", "-c", script], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        try:  # the servers, if a line failed before `kill %1 %2`
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, f"the walk-through failed:\n--- script\n{script}\n--- stdout\n{out}\n--- stderr\n{err}"
    assert "Traceback" not in err and "tysha: error" not in err
    # What each step promises: a report arrived, opened and verified, and the bundle checks out.
    assert "…" in out  # the report's text, as `desk list` shows it
    assert (tmp_path / "case.zip").stat().st_size > 0
    assert (tmp_path / "invite.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "notes.bin").stat().st_size == 64 * 1024 * 1024
