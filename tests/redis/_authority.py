"""A token authority for respx routes: ``cgi-bin/token`` issuing short-lived tokens, where a
new token ends the previous one after ``grace`` seconds, and an API route that answers 40001
to a token that is not (or no longer) valid. Time is the real wall clock."""

from __future__ import annotations

import time

import httpx
import respx

from tests.helpers import BASE

SEND = f"{BASE}/cityservice/sendmsgdata"
CALL = {"openid": "o", "biz_template_id": "t", "order_no": "1", "data": {"k": {"value": "v"}}}


class TokenAuthority:
    def __init__(self, *, life: float, grace: float) -> None:
        self.life = life
        self.grace = grace
        self.issued = 0
        self.rejected = 0
        self.served = 0
        self._valid_until: dict[str, float] = {}
        self._latest: str | None = None

    def install(self, router: respx.Router) -> None:
        router.get(f"{BASE}/cgi-bin/token").mock(side_effect=self._token)
        router.post(SEND).mock(side_effect=self._send)

    def _token(self, request: httpx.Request) -> httpx.Response:
        now = time.time()
        self.issued += 1
        if self._latest is not None:
            ends = min(self._valid_until[self._latest], now + self.grace)
            self._valid_until[self._latest] = ends
        token = f"T{self.issued}"
        self._latest = token
        self._valid_until[token] = now + self.life
        # expires_in is whole seconds in WeChat's replies; the fake's lives may be shorter.
        return httpx.Response(200, json={"access_token": token, "expires_in": self.life})

    def _send(self, request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("access_token", "")
        if time.time() >= self._valid_until.get(token, 0.0):
            self.rejected += 1
            return httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid credential"})
        self.served += 1
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})
