"""Shared fixtures: deterministic randomness, a real drop on loopback, helpers."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# CI runs the same examples every time (a red run must be reproducible); developers get fresh
# ones locally. `.ci/run` sets CI=true.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Passphrase keys at libsodium's smallest Argon2id cost in this process and in every Python
# process the tests start (tests/_kdf/sitecustomize.py): the product's 64 MiB x 2 passes was a
# quarter of the suite's CPU, spent on nearly 900 desk and vault unlocks. tests/test_kdf_cost.py
# checks, in a process started without it, that the product keeps its own cost.
_KDF_DIR = str(Path(__file__).resolve().parent / "_kdf")
os.environ["TYSHA_TEST_ARGON2"] = "min"
if _KDF_DIR not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [_KDF_DIR, *filter(None, [os.environ.get("PYTHONPATH")])])

from tysha.protocol import atrest as _atrest  # noqa: E402 - after the environment is set

_atrest.ARGON2_OPS, _atrest.ARGON2_MEM = 1, 8192  # this process too


class DRBG:
    """A deterministic byte source for vectors (SHA-256 in counter mode; tests only)."""

    def __init__(self, seed: bytes | str) -> None:
        self.seed = seed.encode() if isinstance(seed, str) else seed
        self.counter = 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:n]


def pytest_configure(config: pytest.Config) -> None:
    """Compile the package's bytecode once, before any worker starts. This machine (and CI)
    sets PYTHONDONTWRITEBYTECODE, so otherwise every Python process the tests start - a drop,
    a desk server, ``python -m tysha.cli`` - compiles every module of the package it imports
    again (~0.1 s of CPU each, hundreds of processes). Reading bytecode changes nothing the
    tests check: the source's no-bytecode test runs on a copy without ``__pycache__``."""
    _sigint_as_at_a_terminal()
    if hasattr(config, "workerinput"):
        return  # a worker: the controller compiled before starting it
    import compileall

    import tysha

    compileall.compile_dir(Path(tysha.__file__).parent, quiet=2)
    _precompile_tests(config)


def _sigint_as_at_a_terminal() -> None:
    """Ctrl-C's signal is caught, not ignored, in this process and so in every process it
    starts. A shell runs a background job (``.ci/run &``, ``nohup``) with SIGINT ignored, which
    its children inherit through exec: a server started by a test then stopped on SIGINT as
    uvicorn does, but its re-raised SIGINT was ignored and it exited 0 instead of 130
    (tests/cli/test_serve_signals.py failed only when the suite was started that way)."""
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _precompile_tests(config: pytest.Config) -> None:
    """Each worker imports every test module to collect it, and pytest rewrites the asserts of
    each one as it does - four times over, ~2 s of CPU per worker - unless it finds the
    rewritten code cached. With PYTHONDONTWRITEBYTECODE set nothing is cached, so the
    controller writes that cache once here (pytest's own format: hash-checked pycs in
    ``__pycache__``, read back only while they match the source), and plain bytecode for
    the helper modules the tests and their child processes import. This uses pytest's
    internal rewrite functions; if they change, nothing is cached and nothing else changes."""
    import compileall

    tests = Path(__file__).parent
    try:
        from _pytest.assertion import rewrite

        state = config.stash.get(rewrite.assertstate_key, None)  # None: --assert=plain
    except (ImportError, AttributeError):
        state = None
    for fn in tests.rglob("*.py"):
        if not fn.name.startswith("test_") and fn.name != "conftest.py":
            compileall.compile_file(fn, quiet=2)  # a helper: plain bytecode
        elif state is not None:
            try:
                pyc = rewrite.get_cache_dir(fn) / (fn.name[:-3] + rewrite.PYC_TAIL)
                if rewrite._read_pyc(fn, pyc) is None:
                    pyc.parent.mkdir(exist_ok=True)
                    source_hash, code = rewrite._rewrite_test(fn, config)
                    rewrite._write_pyc(state, code, source_hash, pyc)
            except (AttributeError, TypeError, OSError, SyntaxError):
                state = None  # pytest's internals changed: cache nothing more


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Workers for ``-n auto``: twice the cores (most tests wait on a process, a socket or
    a browser as much as they compute), at most 8; ``TYSHA_TEST_WORKERS`` overrides it."""
    wanted = os.environ.get("TYSHA_TEST_WORKERS")
    if wanted:
        return max(0, int(wanted))
    return min(8, 2 * (len(os.sched_getaffinity(0)) or 1))


#: Test folders whose tests run in one worker whatever their fixtures: the private Tor
#: network asserts a machine-wide fact (which Tor processes run) that another worker's would
#: disturb. A folder whose conftest.py holds a package-scoped fixture is one unit too (see
#: below).
_ONE_WORKER = frozenset({"tor"})
#: Test folders whose modules are each one unit: the scale tests' S3 server is one per worker
#: that needs it (a session fixture), so a module's S3 tests share one, and the long
#: multi-process tests of other modules run beside them instead of after them.
_BY_MODULE = frozenset({"scale"})


def _scopes_in(path: Path, scopes: tuple[str, ...]) -> bool:
    text = path.read_text(encoding="utf-8")
    return any(f'scope="{s}"' in text for s in scopes)


@functools.cache
def _shared_units() -> tuple[frozenset[str], frozenset[str]]:
    """(folders, modules) as nodeid paths whose tests share a fixture wider than one test and
    may read what an earlier test left in it: a folder whose conftest.py has a package-scoped
    fixture, a module with a module- or session-scoped one. (A session-scoped fixture of a
    folder's conftest is built once per worker that needs it: those tests still spread.)"""
    tests = Path(__file__).parent
    root = tests.parent
    folders = {f"tests/{name}" for name in _ONE_WORKER}
    for conf in tests.glob("*/conftest.py"):
        if _scopes_in(conf, ("package",)):
            folders.add(conf.parent.relative_to(root).as_posix())
    modules = {p.relative_to(root).as_posix() for p in tests.rglob("test_*.py")
               if _scopes_in(p, ("module", "package", "session"))}
    return frozenset(folders), frozenset(modules)


def xdist_scope(nodeid: str) -> str:
    """The unit of work one worker takes whole: a folder (see :func:`_shared_units`), a
    module with shared fixtures, else the single test (the finest split balances best)."""
    path = nodeid.split("::", 1)[0]
    folders, modules = _shared_units()
    folder = "/".join(path.split("/")[:2])
    if folder in folders:
        return folder
    if path in modules or folder.removeprefix("tests/") in _BY_MODULE:
        return path
    return nodeid


@functools.cache
def _slow() -> frozenset[str]:
    """The tests marked ``slow`` in their source, as nodeids (``path::name``) or whole modules
    (``path``, for a module-wide ``pytestmark``): the scheduler sees only nodeids, not marks."""
    tests = Path(__file__).parent
    out: set[str] = set()
    for path in tests.rglob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(tests.parent).as_posix()
        module = re.search(r"^pytestmark\s*=\s*(\[.*?\]|[^\n]*)", text, re.M | re.S)
        if module and "mark.slow" in module.group(1):
            out.add(rel)
        for m in re.finditer(r"^@pytest\.mark\.slow\n(?:@.*\n)*def (test_\w+)", text, re.M):
            out.add(f"{rel}::{m.group(1)}")
    return frozenset(out)


def _is_slow(unit: str) -> bool:
    slow = _slow()
    return unit in slow or unit.split("::")[0] in slow or unit.split("[")[0] in slow


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's load-scope scheduling with :func:`xdist_scope` as the scope. Units
    holding a test marked ``slow`` go first, then the others, larger units first: a long test
    started last would leave the other workers idle at the end. xdist's own ``xdist_group``
    mark cannot be used: with pytest 9 the nodeid suffix it relies on is not applied."""
    from xdist.scheduler import LoadScopeScheduling

    class _Scheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            # The base class fills ``workqueue`` (largest units first) and takes units from
            # its front; put the slow ones there once, before the first is taken.
            if not getattr(self, "_slow_first", False):
                self._slow_first = True
                units = list(self.workqueue.items())
                self.workqueue.clear()
                for unit, nodeids in sorted(
                    units, key=lambda u: not any(_is_slow(n) for n in u[1])
                ):
                    self.workqueue[unit] = nodeids
            super()._assign_work_unit(node)

    return _Scheduling(config, log)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs: it exists and is not a zombie (read from ``/proc``)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def running_with(text: str) -> list[int]:
    """Running processes (not zombies) whose command line holds ``text``."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmd and process_alive(int(pid)):
            out.append(int(pid))
    return out


def still_running(pids: Iterable[int], timeout: float = 10.0) -> list[int]:
    """Wait until none of ``pids`` runs, at most ``timeout`` seconds; those still running."""
    pids = list(pids)  # read again on every round
    deadline = time.monotonic() + timeout
    while (alive := [p for p in pids if process_alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


#: Where the browser tests leave their screenshots, when asked for them.
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def screenshot(page: Any, name: str, **kw: Any) -> None:
    """A screenshot of ``page`` as ``test-artifacts/NAME``, when ``TYSHA_SCREENSHOTS`` is set.

    Screenshots are for people to look at, never a check: the assertions read the page. Each
    costs Chromium about 0.2 s of CPU (full-page at desktop width), ~40 a run, so the suite
    takes them only on request: ``TYSHA_SCREENSHOTS=1 python -m pytest -m browser``."""
    if not os.environ.get("TYSHA_SCREENSHOTS"):
        return
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), **kw)


#: Roles a user operates or must be told about: each needs a name a screen reader can say
#: (a column's header too: it is read before each of the column's cells).
NAMED_ROLES = frozenset({"textbox", "searchbox", "combobox", "listbox", "checkbox", "radio",
                         "button", "spinbutton", "slider", "progressbar", "link", "image", "img",
                         "columnheader"})


def unnamed_controls(page: Any) -> list[str]:
    """The controls and images of a Playwright Chromium ``page`` that have no accessible name,
    read from Chromium's own accessibility tree (what a screen reader gets), as
    ``role: <tag [attributes]>``."""
    cdp = page.context.new_cdp_session(page)
    try:
        out = []
        for n in cdp.send("Accessibility.getFullAXTree")["nodes"]:
            role = (n.get("role") or {}).get("value")
            name = str((n.get("name") or {}).get("value") or "").strip()
            if not n.get("ignored") and role in NAMED_ROLES and not name:
                node = cdp.send("DOM.describeNode", {"backendNodeId": n["backendDOMNodeId"]})
                attrs = node["node"].get("attributes", [])
                out.append(f"{role}: <{node['node']['nodeName'].lower()} {attrs}>")
        return out
    finally:
        cdp.detach()


@contextlib.contextmanager
def desk_served(desk: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """``tysha desk serve`` over ``desk`` in its own process on a free loopback port, once it
    answers; yields its base URL and stops it afterwards."""
    from tysha.drop.launcher import free_port
    from tysha.transport.client import wait_answering

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "desk", "serve", "--desk", str(desk),
         "--port", str(port)], env=None if env is None else dict(os.environ, **env),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_answering(base + "/login", proc, "desk serve")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def product_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's own process derives passphrase keys at the product's Argon2id cost: for
    desks and vaults made elsewhere (a committed old desk, a process started without the
    test path)."""
    monkeypatch.setattr(_atrest, "ARGON2_OPS", 2)
    monkeypatch.setattr(_atrest, "ARGON2_MEM", 64 * 1024 * 1024)


@pytest.fixture
def drbg() -> Callable[[str], DRBG]:
    return DRBG


@pytest.fixture
def drop(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A drop serving real HTTP on loopback, on a thread of this process (the same app and
    uvicorn settings as ``tysha drop serve``; ``run_drop`` starts the real process, for the
    tests whose claim is about the process)."""
    from tysha.drop.launcher import threaded_drop

    with threaded_drop(tmp_path) as d:
        yield d


# Variables a running interpreter has already consumed (tempfile caches TMPDIR, Python reads
# PYTHON* at start-up, HOME and XDG_* are where a process would leave traces). A test that sets
# one is asking about the process itself, so it gets a real one.
_PROCESS_ENV = frozenset({"HOME", "TMPDIR", "TEMP", "TMP", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                          "XDG_DATA_HOME", "XDG_RUNTIME_DIR"})


def tysha(*args: str | Path, env: dict[str, str] | None = None, check: bool = True,
          cwd: Path | None = None, input: str | None = None,
          process: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the CLI as ``tysha ARGS…`` would and return its exit code, stdout and stderr.

    By default it runs in this process (the same ``tysha.cli.main`` the console script calls,
    with ``env`` overlaid on the environment, ``cwd``, and stdin/stdout/stderr captured), which
    skips an interpreter start and the imports on every call. ``process=True`` (or an ``env``
    that sets a variable in ``_PROCESS_ENV``) runs a real ``python -m tysha.cli`` instead: use it
    when the claim is about the process (what it leaves on disk, signals, crashes, the demo).
    """
    argv = [str(a) for a in args]
    # TYSHA_TEST_CLI=process runs every call in a real process (to compare, or to rule out the
    # in-process runner when a test fails).
    process = process or os.environ.get("TYSHA_TEST_CLI") == "process"
    if process or (env and _PROCESS_ENV.intersection(env)) or _serves(argv):
        r = _run_process(argv, env, cwd, input)
    else:
        r = _run_in_process(argv, env, cwd, input)
    if check and r.returncode != 0:
        raise AssertionError(f"tysha {' '.join(argv)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def _serves(argv: list[str]) -> bool:
    """A server (``… serve``, ``demo`` without ``--no-serve``) is a process: it binds, installs
    signal handlers and, if a test's expected failure does not come, must be stopped by the
    timeout rather than hang the test run."""
    if "--help" in argv:
        return False
    if argv[:1] == ["demo"]:
        return "--no-serve" not in argv
    return "serve" in argv[:2]


def _run_process(argv: list[str], env: dict[str, str] | None, cwd: Path | None,
                 input: str | None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "tysha.cli", *argv], env=full_env, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def _run_in_process(argv: list[str], env: dict[str, str] | None, cwd: Path | None,
                    input: str | None) -> subprocess.CompletedProcess[str]:
    """Call ``tysha.cli.main`` here, and put back everything a command may change.

    Click's ``CliRunner.isolation`` swaps stdin/stdout/stderr and overlays ``env`` on
    ``os.environ`` (restoring both); around it we restore the working directory, umask, locale,
    signal handlers, the root logger and warning filters, so one call cannot leak into the next.
    """
    import locale
    import logging
    import signal
    import traceback
    import warnings

    from click.testing import CliRunner

    from tysha.cli import main

    saved_cwd = os.getcwd()
    saved_umask = os.umask(0o022)
    os.umask(saved_umask)
    saved_locale = locale.setlocale(locale.LC_ALL)
    saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    # Servers and libraries configure loggers (uvicorn's dictConfig); a handler left on the
    # captured stream of one call would write into a closed stream in the next.
    loggers = [logging.getLogger(), *(lg for lg in logging.Logger.manager.loggerDict.values()
                                      if isinstance(lg, logging.Logger))]
    saved_log = {id(lg): (lg, list(lg.handlers), lg.level, lg.propagate, lg.disabled)
                 for lg in loggers}
    code = 0
    runner = CliRunner()
    try:
        with runner.isolation(input=input, env=env) as (out, err, _mixed), warnings.catch_warnings():
            # A real process shows Python's default warning filters, not pytest's "error".
            warnings.resetwarnings()
            warnings.simplefilter("default")
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", ResourceWarning)
            if cwd is not None:
                os.chdir(cwd)
            try:
                main(argv)
            except SystemExit as exc:
                if exc.code is None:
                    code = 0
                elif isinstance(exc.code, int):
                    code = exc.code
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
            except BaseException:  # what an uncaught error would print, as the process would
                traceback.print_exc(file=sys.stderr)
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            stdout = out.getvalue().decode("utf-8", "replace")
            stderr = err.getvalue().decode("utf-8", "replace")
    finally:
        os.chdir(saved_cwd)
        os.umask(saved_umask)
        locale.setlocale(locale.LC_ALL, saved_locale)
        for s, handler in saved_signals.items():
            if handler is not None:
                signal.signal(s, handler)
        for lg in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
            if not isinstance(lg, logging.Logger):
                continue
            if id(lg) in saved_log:
                _, handlers, level, propagate, disabled = saved_log[id(lg)]
                lg.handlers[:], lg.level, lg.propagate, lg.disabled = handlers, level, propagate, disabled
            else:  # a logger this call created: no handlers on the call's streams
                lg.handlers.clear()
    return subprocess.CompletedProcess(["tysha", *argv], code, stdout, stderr)


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``tysha(...)``: in-process by default, a real process with ``process=True``."""
    return tysha


@pytest.fixture
def cli_process() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Always a real ``python -m tysha.cli`` process, for claims about the process itself."""
    return functools.partial(tysha, process=True)
