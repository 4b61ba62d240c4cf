"""RetryPolicy: which failures are retried, how long to wait, and the per-client budget."""

from __future__ import annotations

import random as _random
import time
from collections.abc import Awaitable, Callable

import anyio
import attrs

from . import _config
from .transports._base import Failure

__all__ = ["RetryBudget", "RetryPolicy"]


@attrs.define
class RetryBudget:
    """A token bucket shared by all calls of a client, so an outage does not double the load."""

    capacity: int = _config.RETRY_BUDGET_CAPACITY
    cost: int = _config.RETRY_BUDGET_COST
    refund: int = _config.RETRY_BUDGET_REFUND
    level: int = attrs.field(default=-1)

    def __attrs_post_init__(self) -> None:
        if self.level < 0:
            self.level = self.capacity

    def try_spend(self) -> bool:
        if self.level < self.cost:
            return False
        self.level -= self.cost
        return True

    def on_first_try_success(self) -> None:
        if self.level < self.capacity:
            self.level = min(self.capacity, self.level + self.refund)


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # HTTP-date form: WeChat never sends it, so no clock parsing here
    if 0 < seconds <= _config.RETRY_AFTER_MAX:
        return seconds
    return None


@attrs.frozen
class RetryPolicy:
    """How calls are retried. Immutable; ``evolve`` it to change a setting.

    >>> RetryPolicy(max_retries=5)  # doctest: +ELLIPSIS
    RetryPolicy(max_retries=5, ...)
    """

    max_retries: int = _config.DEFAULT_MAX_RETRIES
    initial_delay: float = _config.BACKOFF_INITIAL
    max_delay: float = _config.BACKOFF_MAX
    deadline: float = _config.DEFAULT_CALL_DEADLINE
    sleep: Callable[[float], Awaitable[None]] = attrs.field(default=anyio.sleep, repr=False)
    random: Callable[[], float] = attrs.field(default=_random.random, repr=False)
    wall_clock: Callable[[], float] = attrs.field(default=time.time, repr=False)

    def should_retry(self, failure: Failure, *, idempotent: bool, attempt: int) -> bool:
        """``attempt`` counts retries already made (0 after the first try)."""
        if attempt >= self.max_retries:
            return False
        if failure is Failure.NEVER_SENT:
            return True
        if failure in (Failure.AMBIGUOUS, Failure.SLOW_DOWN):
            return idempotent
        return False

    def delay(
        self, attempt: int, retry_after: str | None = None, failure: Failure | None = None
    ) -> float:
        """Seconds to wait before retry number ``attempt + 1``: "equal jitter", in [d/2, d].

        After 45011 (a per-minute limit) the wait runs to the next minute of the wall clock,
        plus up to a second of jitter so a crowd of callers does not return at once.
        """
        if failure is Failure.SLOW_DOWN:
            return 60.0 - self.wall_clock() % 60.0 + self.random()
        honoured = _parse_retry_after(retry_after)
        if honoured is not None:
            return honoured
        ceiling = min(self.max_delay, self.initial_delay * 2**attempt)
        return float(ceiling / 2 + (ceiling / 2) * self.random())
