"""examples/platform_order_sync_arq.py against the emulator's process and one Redis: a job cut
short resumes from its checkpoint in another worker with every order stored once; and jobs
for eight merchants spread over two arq worker processes, each merchant's orders all stored.
(arq runs on asyncio only: these tests run it there. It pins redis-py below 6, so it is not in
the test extra: ``nox -s examples`` installs it, and these tests skip without it.)"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest

from tests.component._platform import Platform, authorise, emulated_platform, platform_client
from tests.redis._server import RedisServer

pytest.importorskip("arq", reason="the examples extra (nox -s examples)")

from arq import create_pool
from arq.jobs import Job

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "platform_order_sync_arq.py"
PREFIX = "platform:"  # the example's
BEGIN = 1_767_225_600  # the emulator's orders: 100 days from 2026-01-01 UTC
END = BEGIN + 100 * 86400


def _example(redis: RedisServer, wx: Platform, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for name, value in {"REDIS_URL": redis.url, **wx.env()}.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("platform_order_sync_arq", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class WorkerKilled(Exception):
    """The worker's process dying: nothing after this point runs."""


class DiesAfter:
    """arq's Redis, in a worker that dies at its ``writes + 1``-th write."""

    def __init__(self, redis: Any, writes: int) -> None:
        self._redis, self._left = redis, writes

    async def get(self, key: str) -> Any:
        return await self._redis.get(key)

    def pipeline(self, *, transaction: bool) -> Any:
        if not self._left:
            raise WorkerKilled
        self._left -= 1
        return self._redis.pipeline(transaction=transaction)


def test_a_job_cut_short_resumes_in_another_worker_storing_each_order_once(
    own_redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchants = {"wxmerchant0001": "8/450"}
    with emulated_platform(own_redis_server, PREFIX, merchants, "--orders", "0") as wx:
        authorise(own_redis_server, PREFIX, wx)
        example = _example(own_redis_server, wx, monkeypatch)

        async def run() -> tuple[dict[str, Any], int]:
            redis = await create_pool(example.WorkerSettings.redis_settings)
            try:
                first: dict[str, Any] = {"redis": DiesAfter(redis, writes=2), "job_try": 1}
                await example.startup(first)
                try:
                    with pytest.raises(WorkerKilled):
                        await example.sync_merchant(first, "wxmerchant0001", BEGIN, END)
                finally:
                    await example.shutdown(first)
                second: dict[str, Any] = {"redis": redis, "job_try": 2}  # another worker
                await example.startup(second)
                try:
                    done = await example.sync_merchant(second, "wxmerchant0001", BEGIN, END)
                finally:
                    await example.shutdown(second)
                return done, await redis.hlen("orders:wxmerchant0001")
            finally:
                await redis.aclose()

        done, stored = anyio.run(run)
    assert stored == 450  # every order, once (the hash is keyed by order id)
    assert done["stored"] == 450 - 200  # resumed after the two pages the first one wrote
    assert done["unread"] == []


def test_jobs_spread_over_two_worker_processes_sync_every_merchant(
    own_redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchants = {f"wxmerchant{i:04d}": "8/1500" for i in range(8)}
    with emulated_platform(own_redis_server, PREFIX, merchants, "--orders", "0") as wx:
        authorise(own_redis_server, PREFIX, wx)
        example = _example(own_redis_server, wx, monkeypatch)
        env = {**os.environ, "REDIS_URL": own_redis_server.url, **wx.env()}
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "arq", "examples.platform_order_sync_arq.WorkerSettings"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            results = anyio.run(_enqueue_and_wait, example, own_redis_server, wx)
        finally:
            logs = []
            for worker in workers:
                worker.send_signal(signal.SIGINT)  # arq shuts down gracefully
                logs.append(worker.communicate(timeout=30)[0])
    print(
        f"{len(results)} merchants x 1500 orders over 2 arq workers: jobs per worker "
        f"{sorted(sum(r['worker'] == w.pid for r in results) for w in workers)}"
    )
    assert {r["appid"]: r["stored"] for r in results} == {appid: 1500 for appid in merchants}
    assert {r["worker"] for r in results} == {w.pid for w in workers}, logs  # both worked
    assert all("shutdown" in log.lower() for log in logs), logs


async def _enqueue_and_wait(
    example: ModuleType, redis_server: RedisServer, wx: Platform
) -> list[dict[str, Any]]:
    redis = await create_pool(example.WorkerSettings.redis_settings)
    try:
        async with platform_client(redis_server, PREFIX, wx) as platform:
            assert await example.enqueue_syncs(redis, platform, BEGIN, END) == 8
            # Enqueued again (a cron firing twice): the same eight jobs.
            assert await example.enqueue_syncs(redis, platform, BEGIN, END) == 0
        results = []
        deadline = time.monotonic() + 120
        for appid in sorted(wx.codes):
            job = Job(f"sync:{appid}:{BEGIN}:{END}", redis)
            results.append(await job.result(timeout=max(1.0, deadline - time.monotonic())))
            assert await redis.hlen(f"orders:{appid}") == 1500
        return results
    finally:
        await redis.aclose()
