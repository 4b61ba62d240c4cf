"""Whole processes sharing one Redis: the emulator in one, four clients in four more (two on
asyncio, two on trio), 200 concurrent tasks each, on ``cgi-bin/token`` tokens that live 3 s
with no grace period (every fetch kills the token the other processes hold)."""

from __future__ import annotations

import json
import math
import time
import urllib.request
from pathlib import Path

import pytest

from tests.redis._processes import spawn, start_together
from tests.redis._server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN_TTL, RUN_SECONDS = 3, 6.5


@pytest.mark.slow
def test_4_processes_x_200_tasks_short_tokens_no_grace_no_call_fails_few_token_requests(
    redis_server: RedisServer, prefix: str
) -> None:
    emulator = spawn(
        "wechat_async.testing",
        "--orders",
        "100",
        "--token-ttl",
        str(TOKEN_TTL),
        "--token-grace",
        "0",
    )
    try:
        assert emulator.stdout is not None
        _, base_url, appid, secret = emulator.stdout.readline().split()
        workers = [
            spawn(
                "tests.redis._token_worker",
                redis_server.url,
                prefix,
                base_url,
                appid,
                secret,
                str(RUN_SECONDS),
                backend,
            )
            for backend in ("asyncio", "trio", "asyncio", "trio")
        ]
        start = start_together(workers)
        results, errors = [], []
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err
            results.append([int(n) for n in out.split()])
            errors.append(err)
        finished = time.time()
        with urllib.request.urlopen(f"{base_url}/__emulator__/stats", timeout=10) as reply:  # noqa: S310
            stats = json.load(reply)
    finally:
        emulator.terminate()
        emulator.communicate(timeout=10)
    token_requests = stats["requests"].get("/cgi-bin/token", 0)
    lifetimes = math.ceil((finished - start) / TOKEN_TTL)
    calls = sum(ok + failed for ok, failed, _ in results)
    print(
        f"4 processes x 200 tasks, {TOKEN_TTL} s tokens, no grace: {calls} calls, "
        f"{[failed for _, failed, _ in results]} failed, {token_requests} token requests "
        f"over {lifetimes} lifetimes (fetches per process {[f for _, _, f in results]})"
    )
    assert [failed for _, failed, _ in results] == [0, 0, 0, 0], errors
    assert token_requests <= lifetimes + 1
    assert sum(fetches for _, _, fetches in results) == token_requests
