"""Stop signals become exceptions, so a stopped command cleans up like a failed one.

Python turns Ctrl-C (SIGINT) into KeyboardInterrupt, but SIGTERM (`kill`, a service stop, a CI
timeout) and SIGHUP (a closed terminal) end the process at once: no `finally` runs, so the
`.part` file of an unfinished output, the temporary folders (extracted and unbleeped audio,
captions: clear text) and a running ffmpeg child would all be left behind. While a command
runs, these signals raise `Terminated` instead, and every cleanup path that Ctrl-C takes
(atomic outputs, `with TemporaryDirectory`, killing ffmpeg) runs for them too.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

_STOP_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived. A KeyboardInterrupt, so `except Exception` handlers let it
    through exactly as they do Ctrl-C; the exit code is the shell's 128 + signal number."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise `Terminated` and SIGINT KeyboardInterrupt, once:
    a second signal while the cleanup runs is ignored, so it cannot cut the cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (a test runner's thread, say)
        return
    previous = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}

    def stop(signum: int, _frame) -> None:
        for other in _STOP_SIGNALS:
            signal.signal(other, signal.SIG_IGN)
        raise KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)

    for signum in _STOP_SIGNALS:
        if previous[signum] is not signal.SIG_IGN:  # nohup or a parent chose to ignore it: keep that
            signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
