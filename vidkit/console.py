"""How commands talk to people: progress bars on stderr, one-line errors, --json on stdout."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.traceback import Trace, Traceback

from vidkit.errors import VidkitError
from vidkit.scrub import scrub_secrets
from vidkit.interrupts import Terminated

stderr = Console(stderr=True, highlight=False)
# Set by a run with a roster: error and log lines pass through it, so that a name or number
# quoted by some library's message is not printed. Tracebacks (--debug) are left whole.
_hide: list[Callable[[str], str]] = []


def hide_in_messages(hide: Callable[[str], str]) -> None:
    """For the rest of this command, pass error and log lines through `hide`."""
    _hide[:] = [hide]


def _hidden(text: str) -> str:
    for hide in _hide:
        text = hide(text)
    return text


class _HideFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _hide:
            record.msg, record.args = _hidden(record.getMessage()), None
        return True


class SecretsFilter(logging.Filter):
    """Tokens, codes, client secrets and Authorization headers out of a log record (see
    vidkit.scrub): its message, exception text and stack. With --debug, requests-oauthlib logs
    the whole token exchange, and httplib2 or googleapiclient may quote a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: the handler reports it, as logging does
        return
    clean = scrub_secrets(message)
    if clean != message:  # untouched otherwise: a record without secrets keeps its msg and args
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub_secrets(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub_secrets(record.stack_info)


_secrets_filter = SecretsFilter()


def _scrubbing_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        scrub_record(record)
        return record

    factory.scrubs = True  # type: ignore[attr-defined]
    return factory


def _scrub_every_record() -> None:
    """Scrub each record as it is made, whichever logger makes it: a library's own handler, or
    one added to its logger, never sees a secret (the root handler's filter covers only what
    reaches the root, and a filter on the root logger not even that)."""
    make = logging.getLogRecordFactory()
    if not getattr(make, "scrubs", False):
        logging.setLogRecordFactory(_scrubbing_factory(make))


def log_to_file(path: Path, level: int = logging.INFO) -> logging.Handler:
    """Also log to `path` (rotated at 5 MiB, 5 kept, mode 0600), through the same filters as the
    terminal: no secret, and no roster name once a roster is read."""
    from logging.handlers import RotatingFileHandler

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    handler = RotatingFileHandler(path, maxBytes=5 << 20, backupCount=5, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(_secrets_filter)
    handler.addFilter(_HideFilter())
    logging.getLogger().addHandler(handler)
    return handler


def setup_logging(quiet: bool, debug: bool) -> None:
    _hide.clear()  # a new command: nothing to hide until it reads a roster
    level = logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING
    _scrub_every_record()
    handler = RichHandler(console=stderr, show_time=False, show_path=debug)
    handler.addFilter(_secrets_filter)  # also records made before the factory, or by makeLogRecord
    handler.addFilter(_HideFilter())
    logging.basicConfig(level=level, format="%(message)s", force=True, handlers=[handler])
    for noisy in ("faster_whisper", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


class Reporter:
    """One progress bar per named stage, on stderr; nothing at all when quiet.

    The bar display starts with the first stage, so quick failures print only their error.
    """

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def running(self) -> Iterator[Reporter]:
        try:
            yield self
        finally:
            if self._progress is not None:
                self._progress.stop()
            self._progress = None
            self._tasks.clear()

    def _start(self) -> Progress:
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description:<22}", markup=False), BarColumn(), TaskProgressColumn(),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=stderr, transient=False,
            )
            self._progress.start()
        return self._progress

    def update(self, stage: str, done: float, total: float) -> None:
        if self.quiet:
            return
        with self._lock:  # a background stage (a job's face scan) reports from its own thread
            progress = self._start()
            if stage not in self._tasks:
                self._tasks[stage] = progress.add_task(stage, total=max(total, 1e-9))
            progress.update(self._tasks[stage], completed=min(done, total), total=max(total, 1e-9))

    def stage(self, name: str, total: float) -> Callable[[float], None]:
        """A callback for one stage: call it with the amount done (same unit as `total`)."""
        return lambda done: self.update(name, done, total)

    def say(self, message: str) -> None:
        if not self.quiet:
            # plain text: it may name a file such as "[a].mp4"; with a roster, no name in it
            stderr.print(_hidden(message), markup=False)


def print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(exc: BaseException, debug: bool) -> int:
    """Print one line (or the traceback with --debug) and return the exit code."""
    if debug:
        stderr.print(_scrubbed_traceback(exc))
    if isinstance(exc, VidkitError):
        stderr.print(f"[bold red]error:[/] {escape(_hidden(scrub_secrets(str(exc))))}", soft_wrap=True)
        return exc.exit_code
    if isinstance(exc, Terminated):
        stderr.print(f"[bold red]stopped[/] by {exc}: no output was written for the unfinished step", soft_wrap=True)
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        stderr.print("[bold red]interrupted[/]: no output was written for the unfinished step", soft_wrap=True)
        return 130
    stderr.print(f"[bold red]error:[/] unexpected failure: {type(exc).__name__}: "
                 f"{escape(_hidden(scrub_secrets(str(exc))))} "
                 "(run again with --debug for details)", soft_wrap=True)
    return 1


def _scrubbed_traceback(exc: BaseException) -> Traceback:
    """The --debug traceback of `exc`, its messages (and its causes') without secrets: an
    oauthlib or google-auth error may quote the token response."""
    trace = Traceback.extract(type(exc), exc, exc.__traceback__, show_locals=False)
    _scrub_trace(trace)
    return Traceback(trace)


def _scrub_trace(trace: Trace) -> None:
    for stack in trace.stacks:
        stack.exc_value = scrub_secrets(stack.exc_value)
        stack.notes = [scrub_secrets(note) for note in stack.notes]
        if stack.syntax_error is not None:
            stack.syntax_error.msg = scrub_secrets(stack.syntax_error.msg)
            stack.syntax_error.line = scrub_secrets(stack.syntax_error.line)
        for group in stack.exceptions:
            _scrub_trace(group)
