"""The circuit breaker in front of Redis, on a fake clock: stop asking after a failure, one
probe a pause (the pause doubling to its longest while Redis stays down), one log line a
change."""

from __future__ import annotations

import logging

import pytest

from wechat_async import StoreUnavailableError
from wechat_async.stores._breaker import Breaker, NotSent, Pass

DOWN = StoreUnavailableError("Redis GET token failed: TimeoutError: Timeout reading")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _refused(breaker: Breaker) -> bool:
    try:
        breaker.admit("GET token")
    except NotSent:
        return True
    return False


def test_after_a_failure_redis_is_not_asked_then_probed_once_a_pause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    breaker = Breaker("RedisTokenStore", pause=1.0, longest=5.0, monotonic=clock)
    with caplog.at_level(logging.INFO, logger="wechat_async.stores"):
        assert breaker.admit("GET token") is Pass.CLOSED
        breaker.failed(Pass.CLOSED, DOWN)
        breaker.failed(Pass.CLOSED, DOWN)  # the others in flight at the time: one change
        pauses = []
        for _ in range(5):  # Redis stays down: a probe after 1, 2, 4, 5, 5 s
            before = clock.now
            while _refused(breaker):
                clock.now += 0.25
            pauses.append(clock.now - before)
            assert _refused(breaker)  # one probe at a time
            breaker.failed(Pass.PROBE, DOWN)
        assert pauses == [1.0, 2.0, 4.0, 5.0, 5.0]
        clock.now += 5
        probe = breaker.admit("GET token")
        assert probe is Pass.PROBE
        breaker.answered()
        assert breaker.admit("GET token") is Pass.CLOSED  # back: everyone asks again
        breaker.failed(Pass.CLOSED, DOWN)  # down again: the first pause again
        clock.now += 1.0
        assert breaker.admit("GET token") is Pass.PROBE
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in lines] == ["WARNING", "INFO", "WARNING"]
    assert "Redis not asked for 1 s" in lines[0][1]
    assert "Redis answers again" in lines[1][1]


def test_a_probe_that_never_reports_does_not_stop_the_next() -> None:
    clock = Clock()
    breaker = Breaker("RedisRateLimiter", pause=1.0, monotonic=clock)
    breaker.failed(Pass.CLOSED, DOWN)
    clock.now += 1.0
    assert breaker.admit("reserve rate slot") is Pass.PROBE  # its caller went away
    assert _refused(breaker)
    clock.now += 1.0
    assert breaker.admit("reserve rate slot") is Pass.PROBE


def test_a_command_queued_before_redis_went_down_is_not_sent_but_the_probe_is() -> None:
    clock = Clock()
    breaker = Breaker("RedisDedupeStore", pause=1.0, monotonic=clock)
    queued = breaker.admit("claim push")
    breaker.failed(Pass.CLOSED, DOWN)
    with pytest.raises(StoreUnavailableError, match="not sent"):
        breaker.still_admitted(queued, "claim push")
    clock.now += 1.0
    probe = breaker.admit("claim push")
    breaker.still_admitted(probe, "claim push")  # sent
