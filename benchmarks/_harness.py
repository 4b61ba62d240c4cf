"""What every benchmark shares: the local WeChat in its own process, CPU pinning, medians,
and a table of rates with ratios to the reference clients measured in the same run."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

#: The order range the local WeChat generates by default (100 days from 2026-01-01 UTC).
START, DAYS = 1_767_225_600, 100
END = START + DAYS * 86400


class ProcessCpu:
    """CPU time another process (every thread of it) spends while the block runs, from
    ``/proc``: ``seconds``, and ``waited``, the time its threads were ready to run but
    waited for a core (other processes on a shared machine); NaN where they cannot be read
    (no ``/proc``, no ``pid``).

    The threads' ``schedstat`` count nanoseconds but forget a thread that ended; ``stat``
    counts the whole process in clock ticks (10 ms), ended threads too. The nanoseconds are
    used unless the ticks show more than two ticks' worth that they missed.
    """

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.seconds = math.nan
        self.waited = math.nan
        self._start: tuple[int, int, float] | None = None

    def _sample(self) -> tuple[int, int, float] | None:
        """(ns on a core, ns waiting for one) of the live threads, seconds from ``stat``."""
        if self.pid is None:
            return None
        running = waiting = 0
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{tid}/schedstat") as schedstat:
                    ran, waited, _ = schedstat.read().split()
                running, waiting = running + int(ran), waiting + int(waited)
        except (OSError, IndexError, ValueError):
            return None
        # fields[0] is the state (field 3 of proc(5)); utime and stime are fields 14 and 15
        return running, waiting, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> ProcessCpu:
        self._start = self._sample()
        return self

    def __exit__(self, *_: object) -> None:
        end = self._sample()
        if self._start is None or end is None:
            return
        (ran, waited, ticks), (ran_after, waited_after, ticks_after) = self._start, end
        precise, coarse = (ran_after - ran) / 1e9, ticks_after - ticks
        self.seconds = coarse if coarse - precise > 2 / os.sysconf("SC_CLK_TCK") else precise
        self.waited = max(0.0, (waited_after - waited) / 1e9)


def server_stack() -> str:
    """What the local WeChat (and the push servers) serve with in this environment."""
    try:
        import httptools  # noqa: F401
        import uvloop  # noqa: F401
    except ImportError:
        return "uvicorn on asyncio + h11 (slow: install uvloop and httptools, as nox -s bench does)"
    return "uvicorn on uvloop + httptools"


def pin(core: int, pid: int = 0) -> None:
    """Keep this process (or process ``pid``) on one core (the server gets the other): a
    client's speed is then its own, not what it takes from the server."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(pid, {core})


class Server:
    """The local WeChat (``python -m wechat_async.testing``) in a child process on its own core."""

    def __init__(self, orders: int, latency: float, *extra: str) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own module
            [
                sys.executable,
                "-m",
                "wechat_async.testing",
                "--orders",
                str(orders),
                "--latency",
                str(latency),
                *extra,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        pin(1, self.proc.pid)
        assert self.proc.stdout is not None
        _, self.base_url, self.appid, self.secret = self.proc.stdout.readline().split()

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(f"{self.base_url}/__emulator__/stats").json()
        return data

    def requests_served(self) -> int:
        return int(sum(self.stats()["requests"].values()))

    def cpu(self) -> ProcessCpu:
        """``with server.cpu() as cpu:`` the server's CPU time over the block."""
        return ProcessCpu(self.proc.pid)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def print_table(
    title: str,
    rates: dict[str, float],
    unit: str,
    references: Sequence[str],
    notes: dict[str, str] | None = None,
) -> None:
    """One line a client: its rate and its ratio to each reference measured in the same run."""
    print(title)
    width = max([44, *map(len, rates)])
    columns = [max(12, len(r) + 3) for r in references]
    header = f"{'client':{width}} {unit:>12}" + "".join(
        f"  {'vs ' + r:>{column}}" for r, column in zip(references, columns, strict=True)
    )
    print(header)
    for name, rate in rates.items():
        ratios = "".join(
            f"  {rate / rates[r]:>{column - 1}.2f}x" if rates.get(r) else f"  {'-':>{column}}"
            for r, column in zip(references, columns, strict=True)
        )
        note = f"  {notes[name]}" if notes and name in notes else ""
        print(f"{name:{width}} {rate:12,.0f}{ratios}{note}")
    print()
