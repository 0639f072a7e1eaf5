"""Ctrl-C while compiled code runs: deferred to the next batch boundary.

A SIGINT that arrives while numba's parallel kernel runs cannot unwind through it: Python
raises ``KeyboardInterrupt`` only when the kernel returns (numba's dispatcher then reports a
``SystemError``), and a signal taken by one of its worker threads can crash the process
(exit 139, no message, a stale run lock). Inside :func:`deferred`, SIGINT only records the
request (said once on stderr); :func:`raise_if_requested` raises ``KeyboardInterrupt``
between batches, where Python code unwinds safely, so an interrupted run keeps its
checkpoint of finished batches and exits 130 with the command to continue. A batch of the
default scenario takes seconds, so the run stops within seconds.

Writing a finished run's files is shielded the same way (:func:`shielded`): a SIGINT then
waits until every file, the workbook included, is written, so a run is never marked
complete with a file missing.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_state = {"requested": False, "active": False}


def _notice(text: str):
    """A SIGINT handler that records the request and says ``text`` once on stderr."""
    def handler(signum, frame) -> None:
        if not _state["requested"]:
            print(f"\ninterrupt received: {text}", file=sys.stderr, flush=True)
        _state["requested"] = True
    return handler


def raise_if_requested() -> None:
    """Raise ``KeyboardInterrupt`` if a SIGINT arrived since the deferral began."""
    if _state["requested"]:
        _state["requested"] = False
        raise KeyboardInterrupt


@contextmanager
def _recording(handler) -> Iterator[bool]:
    """SIGINT goes to ``handler`` for the duration, the request starting clear; yields
    whether this call owns the recording (False when nested in another or off the main
    thread: the outer handling stays in force)."""
    if _state["active"] or threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = signal.signal(signal.SIGINT, handler)
    _state["active"], _state["requested"] = True, False
    try:
        yield True
    finally:
        signal.signal(signal.SIGINT, previous)
        _state["active"] = False


@contextmanager
def deferred() -> Iterator[None]:
    """SIGINT recorded, not raised, for the duration (main thread only; nesting is a no-op);
    a request still pending at a normal exit is raised then."""
    with _recording(_notice("stopping after the current batch of paths")) as owner:
        yield
    if owner:
        raise_if_requested()


class Shield:
    """What :func:`shielded` saw: ``requested`` is True if a SIGINT arrived inside."""

    requested: bool = False


@contextmanager
def shielded() -> Iterator[Shield]:
    """SIGINT recorded, not raised, for the duration, and never raised afterwards: the caller
    reads ``requested`` on the yielded :class:`Shield` once the shielded work is done (used
    while a finished run's files are written). Inside :func:`deferred` (or off the main
    thread) the outer handling stays in force and ``requested`` stays False."""
    shield = Shield()
    with _recording(_notice("finishing writing the results first")) as owner:
        try:
            yield shield
        finally:
            if owner:
                shield.requested, _state["requested"] = _state["requested"], False
