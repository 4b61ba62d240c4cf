"""Raw HTTP to the emulator's ASGI app: what a client other than this SDK sends (a user's own
client, another language, a test that bypasses the SDK's checks)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx

from wechat_async.testing import Emulator


@attrs.frozen
class Raw:
    http: httpx.AsyncClient
    token: str

    async def post(
        self,
        path: str,
        body: Any = None,
        *,
        content: bytes | None = None,
        query: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST ``body`` as raw UTF-8 JSON (or ``content`` as given); the decoded reply."""
        if content is None:
            content = json.dumps(body, ensure_ascii=False).encode()
        reply = await self.http.post(
            path,
            params={**(query or {}), "access_token": self.token},
            content=content,
            headers={"content-type": "application/json"},
        )
        assert reply.status_code == 200, reply.text
        data: dict[str, Any] = reply.json()
        return data


@asynccontextmanager
async def raw_http(wx: Emulator) -> AsyncIterator[Raw]:
    """An httpx client on ``wx``'s ASGI app, with a token from ``stable_token``."""
    transport = httpx.ASGITransport(app=wx.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        grant = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
        token = (await http.post("/cgi-bin/stable_token", json=grant)).json()["access_token"]
        yield Raw(http, token)


def failed(reply: Mapping[str, Any]) -> int:
    """The errcode, else the carrier's resultcode, of a reply (0: it succeeded)."""
    return int(reply.get("errcode") or reply.get("resultcode") or 0)
