"""A fake of WeChat's side of authorizer refresh tokens, strict: every exchange rotates the
refresh token and the old one is refused at once (61023), as peers' users report; WeChat's
copy of the current one is what ``api_get_authorizer_info`` answers."""

from __future__ import annotations

import time

from wechat_async import RefreshTokenInvalidError
from wechat_async.component._refresh import Exchanged
from wechat_async.stores import AccessToken


class RefreshAuthority:
    def __init__(self, refresh_token: str = "R0", *, rotate: bool = True) -> None:
        self.current = refresh_token
        self.rotate = rotate
        self.exchanges = 0
        self.refused = 0
        self.recoveries = 0
        self._issued = 0

    async def exchange(self, refresh_token: str) -> Exchanged:
        if refresh_token != self.current:
            self.refused += 1
            raise RefreshTokenInvalidError(
                61023,
                "refresh_token is invalid",
                endpoint="/cgi-bin/component/api_authorizer_token",
            )
        self.exchanges += 1
        self._issued += 1
        if self.rotate:
            self.current = f"R{self._issued}"
        return Exchanged(AccessToken(f"A{self._issued}", time.time() + 7200), self.current)

    async def recover(self) -> str | None:
        self.recoveries += 1
        return self.current
