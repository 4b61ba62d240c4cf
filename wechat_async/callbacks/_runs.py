"""Handlers running under their push's claim: their timeout and their claim's renewal,
watched from one task per event loop instead of a task group and a renewal task per push.

A handler runs in the request's own task, under a cancel scope. The loop's watcher wakes when
the oldest handler reaches a third of its claim's TTL or its timeout: a handler still running
then gets a renewal task (``keep_held``, from the claim's start), one past its timeout is
cancelled. A quick handler costs a cancel scope and two dict operations; the watcher wakes
once a period (a third of the TTL, or the timeout if shorter) while pushes come, and ends
after a period without any.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import anyio

from .._background import spawn
from ..stores._base import Ticket
from ..stores._hold import keep_held

__all__ = ["Run", "RunWatch", "Runs"]

logger = logging.getLogger("wechat_async.callbacks")

Renew = Callable[[Ticket], Awaitable[bool]]


class Run:
    """One handler running under its claim; ``lost`` when its scope was cancelled because
    the claim could not be kept (else a cancelled scope means the handler timed out)."""

    __slots__ = ("armed", "ended", "lost", "renewal", "scope", "taken_at", "ticket", "what")

    def __init__(self, scope: anyio.CancelScope, taken_at: float, ticket: Ticket, what: str):
        self.scope = scope
        self.taken_at = taken_at
        self.ticket = ticket
        self.what = what
        self.armed = False  # its renewal was started
        self.ended = False
        self.lost = False
        self.renewal: anyio.CancelScope | None = None


class Runs:
    """A router's running handlers, one ``RunWatch`` per event loop (Flask runs each request
    in a loop of its own; a watcher can only cancel scopes of its own loop)."""

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

    def start(self, scope: anyio.CancelScope, taken_at: float, ticket: Ticket, what: str) -> Run:
        """Watch a handler about to run under ``scope`` (entered), its claim taken at
        ``taken_at`` (``now()``); ``end`` it when it stops, however it stops."""
        run = Run(scope, taken_at, ticket, what)
        self._running[run] = None
        self._started += 1
        if not self._watching:
            self._watching = True
            self._runs.watches.setdefault(self._key, self)
            spawn(self._watch, "wechat_async push handler watch")
        return run

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
                        if not run.scope.cancel_called:
                            if now >= run.taken_at + timeout:
                                run.scope.cancel()
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
            run.scope.cancel()


def _loop_key() -> object:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        import trio

        return trio.lowlevel.current_trio_token()


def _clock(key: object) -> Callable[[], float]:
    """The loop's own clock: what ``anyio.current_time`` and ``anyio.sleep_until`` use."""
    if isinstance(key, asyncio.AbstractEventLoop):
        return key.time
    import trio

    return trio.current_time
