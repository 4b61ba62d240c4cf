"""Handlers running under their push's claim: their timeout and their claim's renewal,
watched from one task per event loop instead of a task group and a renewal task per push.

A handler runs in the request's own task. The loop's watcher wakes when the oldest handler
reaches a third of its claim's TTL or its timeout: a handler still running then gets a
renewal task (``keep_held``, from the claim's start), one past its timeout is cancelled. On
asyncio a quick handler costs two dict operations and no cancel scope: the watcher cancels
its task the way an anyio scope would (``_cancel``: never inside a scope the handler
shielded, never losing a result it was given, again and again until it stops); on trio it
runs in a cancel scope. The watcher wakes once a period (a third of the TTL, or the timeout
if shorter) while pushes come, and ends after a period without any.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import anyio

from .._background import spawn
from .._cancel import UNSHIELDED, current_task, deliverable, enclosing_scope, shielded
from ..stores._base import Ticket
from ..stores._hold import keep_held

__all__ = ["Run", "RunWatch", "Runs"]

logger = logging.getLogger("wechat_async.callbacks")

Renew = Callable[[Ticket], Awaitable[bool]]
#: How often a cancellation is delivered again while its handler runs on (asyncio): anyio
#: re-delivers each loop iteration; a handler that swallows one is cancelled at its next wait.
_REDELIVER = 0.02


class Run:
    """One handler running under its claim: ``with watch.run(...) as run: await handler()``.

    ``cancel_called``: the watcher asked it to stop, because it timed out or ``lost`` its
    claim; ``cancelled_caught``: that cancellation ended it (the ``with`` swallows it)."""

    __slots__ = (
        "_cancelling",
        "_cancels",
        "_scope",
        "_since",
        "_watch",
        "armed",
        "cancel_called",
        "cancelled_caught",
        "ended",
        "lost",
        "renewal",
        "taken_at",
        "task",
        "ticket",
        "what",
    )

    def __init__(
        self,
        watch: RunWatch,
        task: asyncio.Task[Any] | None,
        taken_at: float,
        ticket: Ticket,
        what: str,
    ) -> None:
        self._watch = watch
        self.taken_at = taken_at
        self.ticket = ticket
        self.what = what
        self.armed = False  # its renewal was started
        self.ended = False
        self.lost = False
        self.cancel_called = False
        self.cancelled_caught = False
        self.renewal: anyio.CancelScope | None = None
        self.task = task
        self._scope: anyio.CancelScope | None = None
        self._since: object | None = None  # the anyio scope the handler started in
        self._cancels = 0  # Task.cancel() calls made: each is taken back at the end
        self._cancelling = 0

    def __enter__(self) -> Run:
        task = self.task
        if task is None:  # trio: a scope of its own
            self._scope = anyio.CancelScope().__enter__()
        else:
            self._since = enclosing_scope(task)
            if sys.version_info >= (3, 11):
                self._cancelling = task.cancelling()
        self._watch.start(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self._watch.end(self)
        if self._scope is not None:
            swallowed = self._scope.__exit__(exc_type, exc, tb)
            self.cancelled_caught = self._scope.cancelled_caught
            return swallowed
        task = self.task
        if not self._cancels or task is None:
            return False
        others = False  # whether anybody else asked the task to stop (3.10 cannot tell)
        if sys.version_info >= (3, 11):
            for _ in range(self._cancels):
                task.uncancel()
            others = task.cancelling() > self._cancelling
        if isinstance(exc, asyncio.CancelledError) and not others:
            self.cancelled_caught = True  # ours: the ``with`` ends it
            return True
        return False

    def shielded(self) -> contextlib.AbstractContextManager[object]:
        """``_cancel.shielded()`` for what follows the handler in its task: the handler left
        its task in the scopes it found, so they need not be looked up again."""
        if self.task is not None and self._since is None:
            return UNSHIELDED
        return shielded(self.task)

    def cancel(self) -> None:
        """Stop the handler (from another task of its loop)."""
        self.cancel_called = True
        if self._scope is not None:
            self._scope.cancel()
        else:
            self.deliver()

    def deliver(self) -> None:
        """Cancel the handler's task where it waits now, if a scope would (asyncio)."""
        task = self.task
        if task is not None and not self.ended and deliverable(task, self._since):
            task.cancel()
            self._cancels += 1


class Runs:
    """A router's running handlers, one ``RunWatch`` per event loop (Flask runs each request
    in a loop of its own; a watcher can only cancel handlers of its own loop)."""

    def __init__(self, handler_timeout: float, claim_ttl: float, renew: Renew) -> None:
        self.handler_timeout = handler_timeout
        self.claim_ttl = claim_ttl
        self.renew = renew
        self.watches: dict[object, RunWatch] = {}

    def here(self) -> RunWatch:
        """The running loop's watch; a new one is kept once a run starts on it (a push that
        runs no handler leaves nothing behind, even in a loop of its own)."""
        key = _loop_key()
        watch = self.watches.get(key)
        return RunWatch(self, key) if watch is None else watch


class RunWatch:
    """The handlers running in one event loop, and the task watching them."""

    def __init__(self, runs: Runs, key: object) -> None:
        self._runs = runs
        self._key = key
        self.now: Callable[[], float] = _clock(key)
        self._running: dict[Run, None] = {}
        self._started = 0  # runs ever started: a watcher stays while they keep coming
        self._watching = False
        self._period = min(runs.claim_ttl / 3, runs.handler_timeout)

    def run(self, taken_at: float, ticket: Ticket, what: str) -> Run:
        """A handler about to run in the current task, its claim taken at ``taken_at``
        (``now()``); watched from entering the ``with`` until leaving it."""
        return Run(self, self.task(), taken_at, ticket, what)

    def task(self) -> asyncio.Task[Any] | None:
        """The running asyncio task, if ``_cancel`` can cancel it (None on trio)."""
        key = self._key
        return current_task(key) if isinstance(key, asyncio.AbstractEventLoop) else None

    def start(self, run: Run) -> None:
        self._running[run] = None
        self._started += 1
        if not self._watching:
            self._watching = True
            self._runs.watches.setdefault(self._key, self)
            spawn(self._watch, "wechat_async push handler watch")

    def end(self, run: Run) -> None:
        """The handler stopped: no more timeout, no more renewal."""
        del self._running[run]
        run.ended = True
        if run.renewal is not None:
            run.renewal.cancel()

    async def _watch(self) -> None:
        ttl, timeout = self._runs.claim_ttl, self._runs.handler_timeout
        try:
            async with anyio.create_task_group() as renewals:
                seen = -1
                while self._running or self._started != seen:
                    seen = self._started
                    now = self.now()
                    wake = now + self._period  # a run started meanwhile needs nothing sooner
                    for run in list(self._running):
                        if not run.armed:
                            if now >= run.taken_at + ttl / 3:
                                run.armed = True
                                renewals.start_soon(self._renew, run)
                            else:
                                wake = min(wake, run.taken_at + ttl / 3)
                        if run.cancel_called:
                            run.deliver()  # again, as anyio would: it has not stopped yet
                            wake = min(wake, now + _REDELIVER)
                        elif now >= run.taken_at + timeout:
                            run.cancel()
                            wake = min(wake, now + _REDELIVER)
                        else:
                            wake = min(wake, run.taken_at + timeout)
                    await anyio.sleep_until(wake)
                self._stop()
                renewals.cancel_scope.cancel()  # none is left: each ended with its run
        except Exception:  # a trio system task must not raise; the next push starts another
            logger.exception("push handler watch failed")
        finally:
            self._stop()

    def _stop(self) -> None:
        """Synchronous with the check that nothing runs: a run started after this one starts
        a new watcher."""
        self._watching = False
        if self._runs.watches.get(self._key) is self:
            del self._runs.watches[self._key]

    async def _renew(self, run: Run) -> None:
        """Keep ``run``'s claim while it runs; cancel it once the claim cannot be kept."""
        with anyio.CancelScope() as renewal:
            run.renewal = renewal
            if run.ended:
                return
            ttl = self._runs.claim_ttl
            try:
                reason = await keep_held(
                    lambda: self._runs.renew(run.ticket), ttl, "push claim", taken_at=run.taken_at
                )
            except Exception as exc:  # a store's bug: the claim is not known to be held
                logger.exception("push %s: renewing its claim failed", run.what)
                reason = f"not renewed: {exc!r}"
            logger.error("push %s: claim %s", run.what, reason)
            run.lost = True
            run.cancel()
            while not run.ended:  # delivered again until it stops (the watcher may sleep)
                await anyio.sleep(_REDELIVER)
                run.deliver()


def _loop_key() -> object:
    loop = asyncio._get_running_loop()  # each call asks the OS for the process id: once a push
    if loop is not None:
        return loop
    import trio

    return trio.lowlevel.current_trio_token()


def _clock(key: object) -> Callable[[], float]:
    """The loop's own clock: what ``anyio.current_time`` and ``anyio.sleep_until`` use."""
    if isinstance(key, asyncio.AbstractEventLoop):
        return key.time
    import trio

    clock: Callable[[], Any] = trio.current_time
    return clock
