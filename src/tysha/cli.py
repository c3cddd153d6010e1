"""The ``tysha`` command (docs/CLI.md is the contract).

Exit codes: 0 success, 1 a user-facing error (one line on stderr, no traceback), 2 bad usage.
Each application contributes a Typer sub-app; this module assembles them, polishes their help
once for all (:func:`polish_help`) and turns every failure into one line a person can act on
(:func:`describe_error`), in the user's language (``TYSHA_LANG``, then ``LANG``: uk, ru, crh, en).
"""

from __future__ import annotations

import copy
import errno
import functools
import importlib.abc
import importlib.util
import os
import re
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import typer
import typer.main

from tysha.errors import (
    BadPassphrase,
    NotFound,
    TyshaError,
    VerificationError,
)

__all__ = ["app", "describe_error", "main", "polish_help"]

app = typer.Typer(
    name="tysha",
    help=(
        "Tysha: secure documentation of abuses — source, drop, desk, courier, verification. "
        "Passphrases are asked on the terminal; scripts set TYSHA_PASSPHRASE (vault or desk) "
        "and TYSHA_DECOY_PASSPHRASE. Messages follow TYSHA_LANG or LANG (uk, ru, crh, en)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from tysha.desk.cli import app as desk_app
    from tysha.drop.cli import app as drop_app
    from tysha.source.cli import app as source_app
    from tysha.source.cli import courier_app

    app.add_typer(
        drop_app, name="drop", help="The intake server (untrusted; ciphertext and the log)."
    )
    app.add_typer(desk_app, name="desk", help="A handler's workstation (trusted; holds keys).")
    app.add_typer(source_app, name="source", help="A reporter's device (one vault file).")
    app.add_typer(courier_app, name="courier", help="Carry ciphertext to a drop.")
    from tysha.witness.cli import app as witness_app

    app.add_typer(
        witness_app, name="witness", help="An independent witness cosigning a log's checkpoints."
    )
    from tysha import tools

    tools.register(app)


_register()


# ---------------------------------------------------------------------------------------------
# The user's language: the catalogs of tysha.i18n (the four .po files, edited by hand), matched
# by msgid or by msgid template for messages formatted with values.


def _gettext() -> Callable[[str], str]:
    from tysha.i18n import language_from_env, translations

    return translations(language_from_env()).message


# ---------------------------------------------------------------------------------------------
# Errors: what happened and what to do, without Python's text.

# What an OSError means for a person, by errno: (what happened, what to do).
_ERRNO: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("{path} does not exist", "check the path and its spelling"),
    errno.EISDIR: ("{path} is a folder, not a file", "give the path of a file"),
    errno.ENOTDIR: ("a part of the path {path} is a file, not a folder", "check the path"),
    errno.EACCES: (
        "{path} cannot be read or written (permission denied)",
        "check the owner and permissions of the file or folder",
    ),
    errno.EPERM: (
        "{path} cannot be read or written (permission denied)",
        "check the owner and permissions of the file or folder",
    ),
    errno.EEXIST: (
        "{path} already exists",
        "choose another name, or move the existing one away first",
    ),
    errno.ENOSPC: ("the disk is full", "free some disk space and try again; nothing was changed"),
    errno.EDQUOT: ("the disk is full", "free some disk space and try again; nothing was changed"),
    errno.EROFS: ("the disk is read-only", "use a writable location"),
}
_BY_STRERROR = {os.strerror(n): n for n in _ERRNO}
_CODEC = (
    "the file is not text (it holds binary data)",
    "give the file the command expects; see the command's --help",
)

# Python's renderings of an OSError ("[Errno 2] No such file or directory: 'x'") and of a codec
# error ("'utf-8' codec can't decode byte 0xff in position 1: invalid start byte").
_ERRNO_TEXT = re.compile(r"\[Errno (\d+)\] ([^:'\"()]+)(?:: ('[^']*'|\"[^\"]*\"))?")
_CODEC_TEXT = re.compile(
    r"'[\w.-]+' codec can't (?:en|de)code [^()]*?(?:: [a-z][a-z -]*[a-z])?(?=$|\))"
)
# A message that already tells the person what to do ("…; run `tysha desk init` first").
# So does a sentence that tells the person to stop or whom to tell ("… Do not trust it; tell
# your organisation.", "… Stop sending to it and tell your handler in person.") or to restore
# a backup ("…; restore the desk folder from your backup"), to fetch again later or to copy a
# file again ("…; copy the bundle again").
_SAYS_WHAT_TO_DO = re.compile(
    r"(?:[;:,]|\.\s)\s*(?:run|use|try|give|set|check|see|ask|choose|remove|"
    r"pass|add|start|wait|tell|stop|do not|restore|fetch|copy)\b",
    re.IGNORECASE,
)
# Who reads the error: a reporter (the source's and the courier's commands) has a handler to
# tell; the handler at the desk, a drop's or a witness's operator and a court do not.
_SOURCE_SIDE = frozenset({"source", "courier"})
_NOT_TRUSTED = "do not trust this item; keep it aside and tell your organisation"
_LOOKS_MISSING = re.compile(
    r"\b(?:does not exist|no such file|is not a file|is not a folder)\b", re.IGNORECASE
)
_LOOKS_PASSPHRASE = re.compile(
    r"passphrase.*\b(?:wrong|opens nothing)\b|\bwrong\b.*passphrase", re.IGNORECASE
)


def _missing_folder(path: str) -> str | None:
    """The first folder of ``path`` that is not there, when the folder the file goes in is
    missing: what a person must create or correct (a stick not mounted, a typo in a folder),
    rather than the file (or the part file beside it) a command was about to write."""
    folder = os.path.dirname(path)
    if not folder or os.path.isdir(folder):
        return None
    while (up := os.path.dirname(folder)) and up != folder and not os.path.lexists(up):
        folder = up
    return folder


def _errno_phrase(n: int, path: str, tr: Callable[[str], str]) -> tuple[str, str] | None:
    known = _ERRNO.get(n)
    if known is None:
        return None
    if n == errno.ENOENT:
        path = _missing_folder(path) or path
    what, todo = known
    return tr(what).format(path=path or "?"), todo


def _clean(
    message: str, tr: Callable[[str], str], context: BaseException | None = None
) -> tuple[str, str | None]:
    """``message`` without Python's error renderings, and the hint they imply (if any).
    ``context`` is the error the raiser caught: its file name, when it has one, is the path
    a trailing OS text is about (not the message's last word: "cannot create the vault")."""
    hint: str | None = None

    def errno_sub(m: re.Match[str]) -> str:
        nonlocal hint
        path = (m.group(3) or "").strip("'\"")
        found = _errno_phrase(int(m.group(1)), path, tr)
        if found is None:
            return m.group(2).strip()
        hint = found[1]
        return found[0]

    text = _ERRNO_TEXT.sub(errno_sub, message)
    if _CODEC_TEXT.search(text):
        text = _CODEC_TEXT.sub(tr(_CODEC[0]), text)
        hint = _CODEC[1]
    # Bare OS text from ``exc.strerror`` ("cannot read x: No such file or directory").
    for phrase, n in _BY_STRERROR.items():
        if text.endswith(": " + phrase):
            head = text[: -len(phrase) - 2]
            subject = head.rsplit(" ", 1)[-1] if " " in head else head
            if isinstance(context, OSError) and context.errno == n and context.filename:
                subject = str(context.filename)
            found = _errno_phrase(n, subject, tr)
            if found is not None:
                text = f"{head}: {found[0]}"
                hint = found[1]
            break
    return text, hint


def _oserror_line(exc: OSError, tr: Callable[[str], str]) -> tuple[str, str]:
    path = exc.filename if exc.filename is not None else ""
    found = _errno_phrase(exc.errno or 0, str(path), tr)
    if found is not None:
        return found
    return (
        tr("the system refused the operation on {path}").format(path=path or "?"),
        "check the path",
    )


def _with_context(
    message: str, context: BaseException | None, tr: Callable[[str], str]
) -> tuple[str, str | None]:
    if isinstance(context, OSError):
        found = _errno_phrase(context.errno or 0, str(context.filename or ""), tr)
    elif isinstance(context, UnicodeDecodeError):
        found = (tr(_CODEC[0]), _CODEC[1])
    else:
        found = None
    if found is None or found[0] in message:
        return message, None
    return f"{message}: {found[0]}", found[1]


def describe_error(exc: BaseException, reader: str | None = None) -> str:
    """One line for a person: what happened and what to do, in their language, no Python text.

    The hint is chosen to fit this error, in order: the one its raiser gave; the one an
    underlying OS or codec error implies; none if the message already says what to do; the
    precise kind's (not found, wrong passphrase, …); the family's, for whom it fits: ``reader``
    is the command group run (``source``, ``desk``, …); only a source's is told to tell its
    handler.
    """
    tr = _gettext()
    if isinstance(exc, TyshaError):
        message, implied = _clean(exc.message, tr, exc.__cause__ or exc.__context__)
        # Whether it already says what to do is read in English, before translation.
        says_what_to_do = bool(_SAYS_WHAT_TO_DO.search(message))
        message = tr(message)
        if implied is None and "hint" not in vars(exc) and not says_what_to_do:
            # The raiser may have hidden why (``raise … from None``); the OS error it caught is
            # still the context, and says what a person needs to know (missing, a folder…).
            message, implied = _with_context(message, exc.__cause__ or exc.__context__, tr)
        if "hint" in vars(exc):  # the raiser chose this hint for this case
            hint: str | None = exc.hint
        elif implied is not None:
            hint = implied
        elif says_what_to_do:
            hint = None
        elif isinstance(exc, BadPassphrase) or _LOOKS_PASSPHRASE.search(exc.message):
            hint = "check the passphrase (scripts: TYSHA_PASSPHRASE) and try again"
        elif _LOOKS_MISSING.search(exc.message):  # a path, named by the person
            hint = "check the path and its spelling"
        elif isinstance(exc, NotFound):  # a report, a source, an invitation…
            hint = NotFound.hint
        elif isinstance(exc, VerificationError) and reader not in _SOURCE_SIDE:
            hint = _NOT_TRUSTED  # the handler has no handler to tell
        else:
            hint = exc.hint or None
    elif isinstance(exc, OSError):
        message, hint = _oserror_line(exc, tr)
    elif isinstance(exc, UnicodeError):
        message, hint = tr(_CODEC[0]), _CODEC[1]
    elif isinstance(exc, MemoryError):
        message = tr("not enough memory for this operation")
        hint = "close other programs or use a smaller file"
    else:
        message = tr("an unexpected internal error stopped the command")
        hint = (
            "this is a bug in Tysha: run again with TYSHA_DEBUG=1 for details, and report it "
            "without personal data"
        )
    line = f"{message} — {tr(hint)}" if hint else message
    # One line, whatever the message held, and one that shows what it holds: a name from a
    # hostile file must not move the cursor, erase the line or hide the rest (ESC, bidi).
    from tysha.i18n import visible

    return visible(" ".join(line.split()))


# ---------------------------------------------------------------------------------------------
# Help: plain metavars, the category codes where a category is asked, the passphrase variables.

_FOLDER_OPTIONS = {"desk", "data"}
_NUMBER_NAMES = {"port": "PORT", "workers": "N", "pow_bits": "BITS", "reports": "N"}
# Placeholders the contract (docs/CLI.md) uses, by option name.
_NAMED = {
    "drop": "URL",
    "database": "URL",
    "blobs": "URL",
    "drop_key": "VKEY",
    "escrow_key": "KEY",
    "desk_key": "KEY",
    "analyst": "KEY",
    "when": "ISO-8601",
    "size": "SIZE",
    "invitation": "CODE",
    "incident": "ID",
    "source": "SOURCE",
}
_PASSPHRASE_NOTE = "The passphrase is asked on the terminal; scripts set TYSHA_PASSPHRASE."
# Help for options that sub-commands declare without any, by option name.
_DEFAULT_HELP = {
    "json": "Print one JSON document on stdout and nothing else there.",
    "text": "The text (quote it in the shell).",
    "where": "Where it happened, in your own words.",
    "out": "The file to write.",
    "drop": "The drop's address, e.g. http://127.0.0.1:8080.",
    "drop_key": "The drop's log key (C2SP vkey), as `tysha drop init` printed it.",
    "name": "A name people will recognise.",
    "invitation": "The invitation code your contact gave you.",
    "host": "The address to listen on (keep 127.0.0.1 unless you know why not).",
    "port": "The TCP port to listen on.",
}


def _metavar(param: Any) -> str:
    """A plain placeholder for a parameter: FILE, FOLDER, TEXT, N…; empty for a flag. Read off
    the parameter's click type by class name (typer carries its own copy of click's types)."""
    if getattr(param, "is_flag", False):
        return ""
    kinds = {cls.__name__ for cls in type(param.type).__mro__}
    name = (param.name or "").lower()
    if name in {"category", "categories"}:
        base = "CODE"
    elif name in _NAMED and "StringParamType" in kinds:
        base = _NAMED[name]
    elif name in {"id", "ids"}:
        base = "ID"
    elif kinds & {"Path", "TyperPath"}:
        base = "FOLDER" if name in _FOLDER_OPTIONS else "FILE"
    elif "IntParamType" in kinds:
        base = _NUMBER_NAMES.get(name, "N")
    elif "FloatParamType" in kinds:
        base = "SECONDS" if "delay" in name else "NUMBER"
    else:
        is_argument = isinstance(param, typer.core.TyperArgument)
        base = name.upper().replace("-", "_") if is_argument else "TEXT"
    return base


def _category_help() -> str:
    from tysha.evidence.taxonomy import CATEGORIES
    from tysha.i18n import language_from_env

    lang = language_from_env()
    tr = _gettext()
    # uk and ru labels live in the taxonomy itself; crh (and any other) in the catalogs
    parts = [f"{c.code} ({getattr(c, lang, None) or tr(c.en)})" for c in CATEGORIES]
    return tr("Codes: {codes}.").format(codes="; ".join(parts))


def _tr_help(text: str | None, tr: Callable[[str], str]) -> str | None:
    """A help text in the user's language, paragraph by paragraph (each one a msgid with its
    whitespace folded, as a docstring wraps it); a paragraph no catalog holds stays in English,
    folded too: the help renderer keeps a docstring's line ends, which broke it mid-sentence.
    A docstring's ``literal`` shows as `literal`, as the rest of the help writes commands."""
    if not text:
        return text
    return "\n\n".join(
        tr(" ".join(paragraph.split())).replace("``", "`") for paragraph in text.split("\n\n")
    )


def polish_help(command: Any) -> Any:
    """Fix the help of every command below ``command`` in place, and return it.

    Typer renders each option's Python type (``<bool>``, ``<list[Path]>``); a person needs a
    placeholder (FILE, CODE…) and nothing for a flag. Repeatable options say so; a category
    option lists the codes; commands that open a vault or a desk name TYSHA_PASSPHRASE.
    """
    from tysha.i18n import language_from_env, translations

    tr = translations(language_from_env()).gettext  # help texts: by exact msgid only
    command.context_class = _localised_context(command.context_class)
    command.help = _tr_help(command.help, tr)
    if getattr(command, "short_help", None):
        command.short_help = _tr_help(command.short_help, tr)
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        for sub in subcommands.values():
            polish_help(sub)
    else:
        names = set()
        for param in command.params:
            names.add(param.name)
            label = _metavar(param)
            repeatable = bool(getattr(param, "multiple", False))
            if isinstance(param, typer.core.TyperArgument):
                # The name column shows the placeholder already; the type column stays empty.
                param.metavar = label + ("..." if param.nargs != 1 else "")
                # Typer fills an argument's type column from its click type (``<str>``):
                # this argument's own copy of the type says nothing there.
                param.type = copy.copy(param.type)
                setattr(param.type, "get_metavar", lambda param, ctx: "")  # noqa: B010
            else:
                param.metavar = label or None  # typer shows it in the type column
            extra = []
            if repeatable and not isinstance(param, typer.core.TyperArgument):
                extra.append(tr("Repeat the option for several."))
            if param.name in {"category", "categories"}:
                extra.append(_category_help())
            default = _DEFAULT_HELP.get(param.name) or _DEFAULT_HELP.get(
                (param.opts or ["--"])[0].removeprefix("--").replace("-", "_")
            )  # ``as_json`` is --json's
            if not getattr(param, "help", "x") and default:
                param.help = default
            if getattr(param, "help", None):
                param.help = _tr_help(param.help, tr)
            if extra and hasattr(param, "help"):
                param.help = " ".join(filter(None, [param.help, *extra]))
        if names & {"vault", "desk"}:
            note = tr(_PASSPHRASE_NOTE)
            if command.name == "decoy":
                note += " " + tr("The decoy's own passphrase comes from TYSHA_DECOY_PASSPHRASE.")
            command.help = f"{command.help or ''}\n\n{note}".strip()
    _plain_help_option(command)
    return command


# Typer's own words in the help screens (its English: tests/i18n checks them against
# typer.rich_utils, and the catalogs translate them).
_TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "DEFAULT_STRING": "[default: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ENVVAR_STRING": "[env var: {}]",
    "ERRORS_PANEL_TITLE": "Error",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
    "ABORTED_TEXT": "Aborted.",
}
#: The words for the language of the current run, set on ``typer.rich_utils`` when it is
#: imported: Typer imports it (and rich's Markdown) only to render help or an error, and a
#: command that renders neither starts ~50 ms sooner without it.
_typer_words: dict[str, str] = dict(_TYPER_WORDS)


def _set_typer_words(module: Any) -> None:
    """Put :data:`_typer_words` on Typer's help renderer (``typer.rich_utils``), and
    :func:`_usage_error` in place of its renderer of usage errors."""
    for name, word in _typer_words.items():
        setattr(module, name, word)
    if module.rich_format_error is not _usage_error:
        _typer_renderer.append(module.rich_format_error)
        module.rich_format_error = _usage_error


#: Typer's own renderer of usage errors, once :func:`_set_typer_words` has replaced it.
_typer_renderer: list[Callable[[Any], None]] = []


def _usage_error(exc: Any) -> None:
    """Typer's rendering of a usage error (exit 2: a typo in an option, a missing value…),
    with the message in the user's language: Typer and the click it carries word them in
    English, and the catalogs hold their templates ("Missing option {name}.")."""
    english = exc.format_message()
    exc.format_message = lambda: _gettext()(english)
    _typer_renderer[0](exc)


@functools.cache
def _localised_context(context_class: type) -> type:
    """``context_class`` with a help formatter whose usage line begins with "Usage:" in the
    user's language (Typer's click writes it in English)."""
    formatter = context_class.formatter_class  # type: ignore[attr-defined]

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = _gettext()("Usage:") + " "
        formatter.write_usage(self, prog, args, prefix)

    localised = type("Formatter", (formatter,), {"write_usage": write_usage})
    return type("Context", (context_class,), {"formatter_class": localised})


class _TyperWordsOnImport(importlib.abc.MetaPathFinder):
    """Sets :data:`_typer_words` on ``typer.rich_utils`` right after it is first imported."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)  # once: find the real module with the other finders
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            _set_typer_words(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _localise_typer() -> None:
    """Typer's panel titles and markers in the user's language (set on every run, since an
    in-process caller may run commands in several languages)."""
    from tysha.i18n import language_from_env, translations

    tr = translations(language_from_env()).gettext
    _typer_words.update({name: tr(english) for name, english in _TYPER_WORDS.items()})
    module = sys.modules.get("typer.rich_utils")
    if module is not None:
        _set_typer_words(module)
    elif not any(isinstance(f, _TyperWordsOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _TyperWordsOnImport())


def _plain_help_option(command: Any) -> None:
    original = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.metavar = None
            option.help = _gettext()("Show this message and exit.")
        return option

    command.get_help_option = get_help_option


_COMMANDS: dict[str, Any] = {}


def _command() -> Any:
    """The Click command Typer builds from ``app``, with its help in the user's language: built
    once per language and process (building it inspects every command's signature)."""
    from tysha.i18n import language_from_env

    lang = language_from_env()
    command = _COMMANDS.get(lang)
    if command is None:
        command = _COMMANDS[lang] = polish_help(typer.main.get_command(app))
    return command


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the command is, as Ctrl-C's ``KeyboardInterrupt`` is:
    every ``finally`` and context manager on the way out runs. A bridge Tor's temporary
    folder (its torrc names the bridges) is deleted, the demo's servers are stopped and its
    folder deleted, a half-written bundle's part file is removed. With the default handlers
    the process ended at once and left all of that behind (a closed terminal sends SIGHUP).
    Its argument is the signal's number; the exit code comes from :class:`_Signals`."""


class _Signals:
    """SIGTERM and SIGHUP raise :class:`Stopped` while a command runs (:meth:`install`);
    :attr:`received` is the first such signal. Only the main thread may set handlers: a caller
    running :func:`main` on another thread keeps its own.

    SIGHUP is passed on as SIGTERM, to whichever handler SIGTERM has at that moment: uvicorn,
    serving a desk or a drop, takes SIGTERM (not SIGHUP) while it serves and shuts down
    gracefully, then sends it to this process again, which reaches :meth:`_stop`. (Raised
    inside a running event loop instead, ``Stopped`` left the loop waiting on tasks that the
    shutdown never ended: `tysha demo` then hung on SIGHUP about one time in five.)"""

    def __init__(self) -> None:
        self.received: int | None = None
        self._old: dict[int, Any] = {}

    def _stop(self, signum: int, frame: object) -> None:
        if self.received is None:
            self.received = signum
        raise Stopped(self.received)

    def _hangup(self, signum: int, frame: object) -> None:
        if self.received is None:
            self.received = signum
        signal.raise_signal(signal.SIGTERM)

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._old = {
                signal.SIGTERM: signal.signal(signal.SIGTERM, self._stop),
                signal.SIGHUP: signal.signal(signal.SIGHUP, self._hangup),
            }

    def restore(self) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)

    def exit_code(self, code: str | int | None) -> str | int | None:
        """The exit code for a command that ended with ``code``: Typer turns every
        ``KeyboardInterrupt`` into exit 130, Ctrl-C's; after SIGTERM or SIGHUP it is 128 plus
        the signal's number instead, as a shell reports a process ended by it."""
        return 128 + self.received if self.received is not None and code == 130 else code


def _reader(argv: list[str]) -> str | None:
    """The command group run (``desk``, ``source``, …): whom an error speaks to."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn errors into one line and an exit code.

    Usage errors are Typer's (exit 2); any other failure becomes one line on stderr and exit 1
    (``TYSHA_DEBUG=1`` shows the traceback of an unexpected one, for developers). Ctrl-C exits
    130; SIGTERM and SIGHUP stop a command the same way (:class:`Stopped`, every ``finally``
    runs) and exit 128 plus the signal's number.
    """
    _localise_typer()
    command = _command()
    signals = _Signals()
    signals.install()
    try:
        command.main(args=argv, prog_name="tysha")
    except KeyboardInterrupt:
        try:
            print("tysha: " + _gettext()("interrupted"), file=sys.stderr)
        except (OSError, ValueError):  # the terminal is gone (SIGHUP): nothing to tell
            pass
        sys.exit(signals.exit_code(130))
    except SystemExit as exc:
        sys.exit(signals.exit_code(exc.code))
    except Exception as exc:
        expected = isinstance(exc, TyshaError | OSError | UnicodeError | MemoryError)
        if not expected and os.environ.get("TYSHA_DEBUG"):
            raise
        # describe_error shows names and servers' words in it as tokens: no control character
        line = describe_error(exc, _reader(sys.argv[1:] if argv is None else argv))
        print(f"tysha: error: {line}", file=sys.stderr)
        sys.exit(1)
    finally:
        signals.restore()


if __name__ == "__main__":
    main()
