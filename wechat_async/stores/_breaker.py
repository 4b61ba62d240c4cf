"""A circuit breaker in front of Redis: once it failed to answer (unreachable, timed out,
loading), it is not asked for a pause (1 s, doubling to 5 s while it stays down), then one
command probes it. Every caller meanwhile gets ``StoreUnavailableError`` at once and takes its
fallback, instead of each waiting out a timeout in the shared worker-thread pool.

Thread-safe: commands run in worker threads and report there, even for a caller that stopped
waiting. Logged once per change: a WARNING when Redis stops answering, INFO when it is back.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable

from .. import _config
from .._errors import StoreUnavailableError

__all__ = ["Breaker", "NotSent", "Pass"]

logger = logging.getLogger("wechat_async.stores")


class NotSent(StoreUnavailableError):
    """Redis was not asked: it did not answer a moment ago (nothing was sent, nothing taken)."""


class Pass(enum.Enum):
    """What ``admit`` let through: a command while Redis answers, the one probe, or a command
    sent whatever the breaker says (giving back a hold that may have been taken)."""

    CLOSED = "closed"
    PROBE = "probe"
    ALWAYS = "always"


class Breaker:
    def __init__(
        self,
        name: str,
        *,
        pause: float = _config.STORE_BREAKER_PAUSE,
        longest: float = _config.STORE_BREAKER_LONGEST_PAUSE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._name = name
        self._first = self._pause = pause
        self._longest = longest
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._down = False
        self._until = 0.0  # while down: no command before this, then one probe
        self._why = ""

    def admit(self, what: str) -> Pass:
        """Let one command through, or raise ``StoreUnavailableError`` without asking Redis."""
        with self._lock:
            if not self._down:
                return Pass.CLOSED
            now = self._monotonic()
            if now < self._until:
                raise NotSent(
                    f"Redis {what} not sent: Redis did not answer ({self._why}); asking again "
                    f"in {self._until - now:.1f} s"
                )
            # One probe a pause: a probe that never reports (its caller gone before its
            # thread started) does not stop the next one.
            self._until = now + self._pause
            return Pass.PROBE

    def still_admitted(self, admitted: Pass, what: str) -> None:
        """In the worker thread, just before sending: a command queued for a thread while
        Redis stopped answering is not sent after all (the probe is)."""
        if admitted is Pass.CLOSED and self._down:
            self.admit(what)  # not sent now; or, the pause over, sent as the probe

    def answered(self) -> None:
        """Redis answered (a result, or an error reply: it is there)."""
        with self._lock:
            if not self._down:
                return
            self._down = False
            self._pause = self._first
        logger.info("%s: Redis answers again", self._name)

    def failed(self, admitted: Pass, error: StoreUnavailableError) -> None:
        """Redis did not answer: stop asking it for a pause (longer after a failed probe)."""
        with self._lock:
            now = self._monotonic()
            if self._down:
                if admitted is Pass.PROBE:
                    self._pause = min(self._pause * 2, self._longest)
                    self._until = now + self._pause
                    self._why = str(error)
                return  # else a command sent before Redis stopped answering
            self._down = True
            self._why = str(error)
            self._until = now + self._pause
            pause = self._pause
        logger.warning("%s: %s; Redis not asked for %g s, then probed", self._name, error, pause)
