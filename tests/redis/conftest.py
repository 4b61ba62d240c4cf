from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.redis._server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One server for the whole run; each test keeps to its own key prefix."""
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def own_redis_server() -> Iterator[RedisServer]:
    """A server of this test's own, for tests that stop or restart it."""
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}:"
