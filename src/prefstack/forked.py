"""One piece of work done beside a command, in a forked child process, on another core.

A command that reads a company's ledger recomputes the whole hash chain first (a fifth of a second
for 54,000 events) and only then answers. Checking the chain needs nothing the answer computes, so
:func:`beside` starts the check in a child process forked from this one (which has every module
loaded already) while this one works out the answer; the answer is given only once the child's
result is in (:meth:`Beside.result`). Nothing changes but the time: the same function computes the
same result from the same database.

The child is forked only where that is safe and useful: on Linux, with more than one CPU, in a
process running no other thread (a thread holding a lock at the fork would leave it held forever in
the child: the web service's threads, a test's server). Anywhere else, and whenever the child
fails for any reason (it could not open the database, it was killed), the work is simply done here,
in turn, when its result is asked for: the child's outcome is only ever a shortcut to what this
process would compute itself.

The child uses nothing it inherited that another process could disturb: ``prepare`` makes what it
needs afresh (a new database engine), the parent's connections are left untouched, it writes its
result (pickled) to a pipe and leaves by ``os._exit``, so it flushes none of the parent's buffers
and runs none of its exit handlers. It runs no cyclic garbage collection: nothing it would free is
used again, and a collection would write to every object it shares with the parent.
"""

from __future__ import annotations

import abc
import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

__all__ = ["Beside", "Pending", "Then", "beside", "can_fork"]

T = TypeVar("T")
S = TypeVar("S")
T_co = TypeVar("T_co", covariant=True)


class Pending(Protocol[T_co]):
    """Work under way beside this process (:class:`Beside`, :class:`Then`): its result when asked;
    used as a context manager, so that nothing is left running."""

    @property
    def forked(self) -> bool: ...

    def result(self) -> T_co: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def can_fork() -> bool:
    """Whether :func:`beside` forks a child here: Linux, more than one CPU, no other thread."""
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


class _Closing(abc.ABC):
    """Used as a context manager: :meth:`close` at the end of the block, whatever happened in it."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the work and release what it holds (each kind of work says how)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Beside(_Closing, Generic[T]):
    """Work started by :func:`beside`: its result once the child has given it, or computed here."""

    def __init__(self, work: Callable[[], T], prepare: Callable[[], Callable[[], T]], fork: bool) -> None:
        self._work = work
        self._pid: int | None = None
        self._pipe: int | None = None
        if fork:
            self._start(prepare)

    @property
    def forked(self) -> bool:
        """Whether a child is (or was) doing the work."""
        return self._pid is not None

    def _start(self, prepare: Callable[[], Callable[[], T]]) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, write, leave
            # No cyclic collection in the child: its life is one piece of work and it leaves by
            # os._exit, so nothing it collects would be used again; a collection would touch every
            # object it shares with this process (each page then copied) and, verifying a
            # register's 54,000 events, took a sixth of the child's time.
            gc.disable()
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(prepare()(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._pipe = pid, read

    def result(self) -> T:
        """The work's result: the child's where it gave one, else the work done here now."""
        if self._pid is None:
            return self._work()
        assert self._pipe is not None
        with os.fdopen(self._pipe, "rb") as pipe:
            self._pipe = None
            data = pipe.read()
        status = self._reap()
        if status == 0 and data:
            found: T = pickle.loads(data)  # written by this program's own child just now
            return found
        return self._work()

    def _reap(self) -> int:
        assert self._pid is not None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """Stop and reap a child whose result nobody asked for (the command failed first)."""
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it had finished already: reaped all the same
                os.kill(self._pid, signal.SIGKILL)
            self._reap()


class Then(_Closing, Generic[S, T]):
    """Work started earlier (``first``) whose result this process finishes into its own with
    ``finish`` when asked: a child started at a command's first instant, adopted by the reader that
    needs its work (:mod:`prefstack.early`)."""

    def __init__(self, first: Beside[S], finish: Callable[[S], T]) -> None:
        self._first = first
        self._finish = finish

    @property
    def forked(self) -> bool:
        return self._first.forked

    def result(self) -> T:
        return self._finish(self._first.result())

    def close(self) -> None:
        self._first.close()


def beside(work: Callable[[], T], prepare: Callable[[], Callable[[], T]]) -> Beside[T]:
    """Start ``work`` beside this process (see the module): in a forked child, which first calls
    ``prepare`` to make the work anew from fresh resources and does that; or, where no child can be
    forked, later, here, when :meth:`Beside.result` is asked. Use as a context manager, so that a
    child is never left behind."""
    return Beside(work, prepare, can_fork())
