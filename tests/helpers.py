"""Shared test helpers: a client wired to a respx router, and the recorded-fixture loader."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import respx

from wechat_async import Namespace, RetryPolicy, WeChatClient
from wechat_async._registry import namespaces

BASE = "https://api.weixin.qq.com"
TOKEN = "ACCESS_TOKEN_abc123"
SECRET = "app-secret-xyz789"
APPID = "wx0123456789abcdef"
FIXTURES = Path(__file__).parent / "fixtures"

#: every namespace, by name (the SDK's registry)
NAMESPACES: dict[str, type[Namespace]] = namespaces()


#: One failure of each ambiguous kind: WeChat may or may not have acted on the request.
AMBIGUOUS_FAILURES = pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(502),
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, json={"errcode": -1, "errmsg": "system error"}),
    ],
    ids=["502", "read-timeout", "errcode-1"],
)


async def no_sleep(_: float) -> None:
    return None


def fast_retry(**changes: Any) -> RetryPolicy:
    """Deterministic retries: no real sleeping, jitter fixed at the top of the range."""
    return attrs.evolve(RetryPolicy(sleep=no_sleep, random=lambda: 1.0), **changes)


def mock_token(router: respx.Router, token: str = TOKEN) -> respx.Route:
    return router.post(f"{BASE}/cgi-bin/stable_token").respond(
        json={"access_token": token, "expires_in": 7200}
    )


@asynccontextmanager
async def client_for(router: respx.Router, **options: Any) -> AsyncIterator[WeChatClient]:
    """A WeChatClient whose HTTP goes to ``router`` (no global patching)."""
    options.setdefault("retry", fast_retry())
    transport = httpx.MockTransport(router.async_handler)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        WeChatClient(APPID, SECRET, http_client=http, **options) as client,
    ):
        yield client


@attrs.frozen
class Fixture:
    domain: str
    endpoint: str
    case: str
    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.domain}/{self.endpoint}/{self.case}"

    @property
    def is_error(self) -> bool:
        return "error" in self.data["expect"]


def iter_fixtures() -> Iterator[Fixture]:
    for path in sorted(FIXTURES.glob("*/*/*.json")):
        domain, endpoint = path.parent.parent.name, path.parent.name
        # Decimal, not float: calls carry money, and exact comparisons need exact numbers.
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        yield Fixture(domain, endpoint, path.stem, path, data)
