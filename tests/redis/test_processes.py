"""Whole processes sharing one Redis: the local fake WeChat in one, four clients in four more
(two on asyncio, two on trio)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.redis._server import RedisServer

ROOT = Path(__file__).resolve().parents[2]


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this interpreter, our own modules
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_4_processes_of_200_concurrent_calls_on_a_cold_start_make_one_token_request(
    redis_server: RedisServer, prefix: str
) -> None:
    fake = _spawn("wechat_async.testing", "--orders", "100")
    try:
        assert fake.stdout is not None
        _, base_url, appid, secret = fake.stdout.readline().split()
        start = time.time() + 1.0  # every worker has imported by then (a late one only joins late)
        workers = [
            _spawn(
                "tests.redis._token_worker",
                redis_server.url,
                prefix,
                base_url,
                appid,
                secret,
                repr(start),
                backend,
            )
            for backend in ("asyncio", "trio", "asyncio", "trio")
        ]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err
            results.append([int(n) for n in out.split()])
        with urllib.request.urlopen(f"{base_url}/__emulator__/stats", timeout=10) as reply:  # noqa: S310
            stats = json.load(reply)
    finally:
        fake.terminate()
        fake.communicate(timeout=10)
    token_requests = stats["requests"].get("/cgi-bin/token", 0)
    print(f"4 processes x 3 x 200 calls: {results} (ok, failed, fetches); {token_requests} token")
    assert [failed for _, failed, _ in results] == [0, 0, 0, 0]
    assert sum(ok for ok, _, _ in results) == 4 * 3 * 200
    assert token_requests == 1
    assert sum(fetches for _, _, fetches in results) == 1
