"""Rate limiters: the GCRA arithmetic, the same behaviour in memory and on Redis, and the
shared limit held across 4 processes (2 on asyncio, 2 on trio)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from tests.redis._processes import spawn, start_together
from tests.redis._server import RedisServer, free_port
from wechat_async import ConfigurationError, MemoryRateLimiter, RateLimiter
from wechat_async.stores.redis import RedisRateLimiter

PATH = "/cityservice/sendmsgdata"
ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_spaced_by_the_interval_and_a_burst_goes_ahead() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(10, monotonic=clock)
    assert [limiter.reserve("k") for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
    clock.now += 10  # idle: no credit saved beyond the burst
    assert [limiter.reserve("k") for _ in range(2)] == pytest.approx([0.0, 0.1])
    bursty = MemoryRateLimiter(10, burst=3, monotonic=clock)
    assert [bursty.reserve("k") for _ in range(5)] == pytest.approx([0, 0, 0, 0.1, 0.2])
    per_minute = MemoryRateLimiter(2, per=60, monotonic=clock)
    assert [per_minute.reserve("k") for _ in range(3)] == pytest.approx([0, 30, 60])


@pytest.mark.parametrize(
    "options",
    [
        {"rate": 0},
        {"rate": -1},
        {"rate": float("nan")},
        {"rate": float("inf")},
        {"rate": 1, "per": 0},
        {"rate": 1, "burst": 0},
        {"rate": 1, "burst": 1.5},
    ],
)
def test_bad_limits_are_refused(options: dict[str, float]) -> None:
    rate = options.pop("rate")
    with pytest.raises(ConfigurationError):
        MemoryRateLimiter(rate, **options)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        RedisRateLimiter("redis://127.0.0.1:1/0", rate, **options)  # type: ignore[arg-type]


@pytest.fixture(params=["memory", "redis"])
async def limiter_factory(
    request: pytest.FixtureRequest, redis_server: RedisServer, prefix: str
) -> AsyncIterator[type]:
    if request.param == "memory":
        yield MemoryRateLimiter
        return
    opened: list[RedisRateLimiter] = []

    def make(rate: float, **options: object) -> RedisRateLimiter:
        limiter = RedisRateLimiter(redis_server.url, rate, prefix=prefix, **options)  # type: ignore[arg-type]
        opened.append(limiter)
        return limiter

    yield make  # type: ignore[misc]
    for limiter in opened:
        await limiter.aclose()


async def _spread(limiter: RateLimiter, count: int, appid: str = "wx", path: str = PATH) -> float:
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire(appid, path)
        stamps.append(time.monotonic())

    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(one)
    return max(stamps) - min(stamps)


@pytest.mark.slow
async def test_concurrent_callers_are_spread_at_the_rate(limiter_factory: type) -> None:
    limiter = limiter_factory(50)
    assert isinstance(limiter, RateLimiter)
    spread = await _spread(limiter, 21)
    # Slots are 20 ms apart on the limiter's clock (0.4 s for 21); a reply delayed on its way
    # back (thread start-up, scheduling) only moves a caller later, so allow a little less.
    assert 0.3 <= spread < 1.0


@pytest.mark.slow
async def test_limits_are_per_appid_and_per_group(limiter_factory: type) -> None:
    limiter = limiter_factory(10, group=lambda path: "orders" if "order" in path else None)
    assert await _spread(limiter, 30, path="/cityservice/sendmsgdata") < 0.1  # not limited
    started = time.monotonic()
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire, "wx-a", "/card/giftcard/order/get")
        tg.start_soon(limiter.acquire, "wx-b", "/card/giftcard/order/get")
    assert time.monotonic() - started < 0.08  # two appids: two limits, no wait
    spread = await _spread(limiter, 4, appid="wx-a", path="/card/giftcard/order/batchget")
    assert spread >= 0.2  # the same group of one appid: 10 a second (0.3 s for 4)


def test_a_slot_is_taken_only_when_it_comes_within_the_callers_patience() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(10, monotonic=clock)
    waits = [limiter.reserve("k", within=0.25) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, None, None])  # None: nothing taken
    clock.now += 0.3
    assert limiter.reserve("k", within=0.0) == pytest.approx(0.0)  # the refused left no trace


async def test_callers_cut_off_by_their_deadline_leave_the_slots_to_the_next(
    limiter_factory: type,
) -> None:
    """Overload: 200 callers with 0.1 s deadlines against 50 a second. Only those that can be
    served in time take a slot (was: all 200, pushing the next free slot 4 s away, so every
    later caller was cut off too and the rate fell to zero)."""
    limiter = limiter_factory(50)
    served = 0

    async def impatient() -> None:
        nonlocal served
        with anyio.move_on_after(0.1):
            await limiter.acquire("wx", PATH)
            served += 1

    async with anyio.create_task_group() as tg:
        for _ in range(200):
            tg.start_soon(impatient)
    assert served <= 10  # 0.1 s of slots, 20 ms apart (fewer when replies come late)
    with anyio.move_on_after(1.0) as late:
        await limiter.acquire("wx", PATH)  # the next caller is served, not 4 s later
    assert not late.cancelled_caught


async def test_redis_unreachable_limits_the_process_alone_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    async with RedisRateLimiter(url, 100, timeout=0.2) as limiter:
        with caplog.at_level(logging.WARNING, logger="wechat_async.stores"):
            spread = await _spread(limiter, 21)
    assert spread >= 0.14  # 0.2 s for 21 at 100 a second
    warnings = [r for r in caplog.records if "limiting this process alone" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.slow
def test_50_calls_a_second_hold_across_4_processes(redis_server: RedisServer, prefix: str) -> None:
    rate, seconds = 50, 10.0
    workers = [
        spawn("tests.redis._rate_worker", redis_server.url, prefix, str(rate), str(seconds), b)
        for b in ("asyncio", "trio", "asyncio", "trio")
    ]
    start = start_together(workers)
    stamps: list[float] = []
    per_worker: list[int] = []
    all_in = start
    for worker in workers:
        out, err = worker.communicate(timeout=seconds + 50)
        assert worker.returncode == 0, err
        ready, slots = out.split("\n", 1)
        all_in = max(all_in, float(ready))
        mine = [float(s) for s in slots.split()]
        per_worker.append(len(mine))
        stamps.extend(mine)
    # Measured while all 4 were asking (a worker slowed by a loaded machine starts late).
    window = start + seconds - all_in
    assert window >= 0.9 * seconds, f"workers started {all_in - start:.1f} s late"
    achieved = sum(all_in <= s < start + seconds for s in stamps) / window
    print(f"rate limiter: {achieved:.1f} calls/s over {window:.2f} s, 4 processes {per_worker}")
    assert abs(achieved - rate) <= 0.1 * rate
    assert all(count > 0 for count in per_worker)  # every process got slots
