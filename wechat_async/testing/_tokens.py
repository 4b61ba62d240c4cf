"""Access tokens as WeChat issues them.

``cgi-bin/token`` issues a new token on every call; the previous one keeps working for
``grace`` seconds (WeChat documents five minutes), then answers 40001. ``stable_token`` hands
back the live token until it expires, and a new one with ``force_refresh``. The two endpoints
keep separate tokens, as WeChat documents: a ``cgi-bin/token`` call never supersedes the stable
token other processes share. An expired token answers 42001, a token never issued 40001, no
token 41001, a wrong appid or secret 40013 / 40125.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Literal

from ._app import Call, Reply, error, ok

__all__ = ["TokenAuthority"]

#: which endpoint issued a token: WeChat keeps the two apart
_Line = Literal["token", "stable"]


class TokenAuthority:
    def __init__(
        self,
        appid: str,
        secret: str,
        *,
        ttl: int = 7200,
        grace: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.appid = appid
        self.secret = secret
        self.ttl = ttl
        self.grace = grace
        self._clock = clock
        #: token -> (expires at, superseded at or None)
        self._tokens: dict[str, tuple[float, float | None]] = {}
        self._live: dict[_Line, str] = {}
        #: how many tokens were issued (tests and benchmarks count refreshes with it)
        self.issued = 0

    def _issue(self, line: _Line) -> Reply:
        now = self._clock()
        self._forget_dead(now)
        previous = self._live.get(line)
        if previous is not None:
            expires, _ = self._tokens[previous]
            self._tokens[previous] = (expires, now)
        token = f"EMU_TOKEN_{secrets.token_urlsafe(24)}"
        self._tokens[token] = (now + self.ttl, None)
        self._live[line] = token
        self.issued += 1
        return ok(access_token=token, expires_in=self.ttl)

    def _forget_dead(self, now: float) -> None:
        # A superseded token past its grace can only ever answer 40001, as a
        # token never issued does: forget it, so a long run of refreshes holds O(1) tokens.
        dead = [
            token
            for token, (expires, superseded) in self._tokens.items()
            if superseded is not None and now >= superseded + self.grace
        ]
        for token in dead:
            del self._tokens[token]

    def _credentials(self, appid: object, secret: object, grant_type: object) -> Reply | None:
        if grant_type != "client_credential":
            return error(40002, "invalid grant_type")
        if appid != self.appid:
            return error(40013, "invalid appid")
        if secret != self.secret:
            return error(40125, "invalid appsecret")
        return None

    async def token(self, call: Call) -> Reply:
        """``GET /cgi-bin/token``: always a new token."""
        q = call.query
        refused = self._credentials(q.get("appid"), q.get("secret"), q.get("grant_type"))
        return refused or self._issue("token")

    async def stable_token(self, call: Call) -> Reply:
        """``POST /cgi-bin/stable_token``: the live token while it lives."""
        b = call.body
        refused = self._credentials(b.get("appid"), b.get("secret"), b.get("grant_type"))
        if refused:
            return refused
        force = b.get("force_refresh", False)
        if not isinstance(force, bool):
            return error(47001, "data format error: force_refresh must be true or false")
        live = self._live.get("stable")
        if live is not None and not force:
            expires, _ = self._tokens[live]
            remaining = int(expires - self._clock())
            if remaining > 0:
                return ok(access_token=live, expires_in=remaining)
        return self._issue("stable")

    def check(self, token: str | None) -> tuple[str | None, Reply | None]:
        """(appid, None) for a token that works now, else (None, the error reply)."""
        if not token:
            return None, error(41001, "access_token missing")
        entry = self._tokens.get(token)
        if entry is None:
            return None, error(40001, "invalid credential, access_token is invalid or not latest")
        now = self._clock()
        expires, superseded = entry
        if superseded is not None and now >= superseded + self.grace:
            return None, error(40001, "invalid credential, access_token is invalid or not latest")
        if now >= expires:
            return None, error(42001, "access_token expired")
        return self.appid, None
