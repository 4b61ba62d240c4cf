"""An authorizer's refresh token: durable state that rotates.

WeChat hands a platform one ``authorizer_refresh_token`` per authorised account (with
``api_query_auth``) and exchanges it for access tokens (``api_authorizer_token``), which may
answer a new refresh token. Lose it and the merchant must authorise again, unless WeChat still
has it: ``api_get_authorizer_info`` answers the current one (WeChat's own advice for 61023).

``AuthorizerRefresh`` is the fetch of one authorizer's ``TokenManager``, so it runs once at a
time in a process and, with a shared store, under that manager's refresh lock (renewed while
it runs) across processes. Each step is ordered so that no crash loses the refresh token:

1. read the refresh token from the store (put back this process's copy if the store lost it,
   e.g. a Redis restart without persistence);
2. exchange it; a 61023 (refused: rotated by a crash's lost reply, or by another process
   while the store was down) is healed once with WeChat's copy;
3. store the rotated token by compare-and-set over the one exchanged, *then* hand out the new
   access token (the manager stores that after this returns).

A crash between 2 and 3 leaves the old token in the store: the next refresh gets 61023 and
heals from WeChat's copy. Between 3 and the access token's store: one more exchange later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import attrs

from .._errcodes import ReauthorizationRequiredError, RefreshTokenInvalidError
from .._errors import StoreError, StoreUnavailableError
from .._redact import remember_secret
from ..stores import AccessToken, CredentialStore

__all__ = ["AuthorizerRefresh", "Exchanged"]

logger = logging.getLogger("wechat_async.component")


@attrs.frozen
class Exchanged:
    """What ``api_authorizer_token`` answered: the access token, and the refresh token to use
    from now on (None or the one sent: unchanged)."""

    access_token: AccessToken
    refresh_token: str | None = attrs.field(default=None, repr=False)


#: refresh token in, WeChat's answer out (``api_authorizer_token``)
Exchange = Callable[[str], Awaitable[Exchanged]]
#: WeChat's copy of the current refresh token, None when it has none (``api_get_authorizer_info``)
Recover = Callable[[], Awaitable[str | None]]


class AuthorizerRefresh:
    """The access-token fetch of one authorizer (see the module docstring)."""

    __slots__ = (
        "__weakref__",
        "_appid",
        "_exchange",
        "_key",
        "_known",
        "_recover",
        "_store",
        "_unsaved",
        "_unstored",
    )

    def __init__(
        self,
        appid: str,
        key: str,
        store: CredentialStore,
        exchange: Exchange,
        recover: Recover,
    ) -> None:
        self._appid = appid
        self._key = key
        self._store = store
        self._exchange = exchange
        self._recover = recover
        #: the refresh token this process last read or wrote
        self._known: str | None = None
        #: a rotation the store did not take (it was down): (the token it replaced, the new one)
        self._unsaved: tuple[str, str] | None = None
        #: an authorisation's refresh token the store did not take (it was down)
        self._unstored = False

    def __repr__(self) -> str:
        return f"AuthorizerRefresh(appid={self._appid!r})"

    @property
    def unsaved(self) -> bool:
        """This process holds a refresh token the store may not have: keep this object
        until a refresh saves it."""
        return self._unsaved is not None or self._unstored

    async def __call__(self) -> AccessToken:
        current = await self._read()
        if current is None:
            current = await self._recovered(None, "no refresh token in the store")
        try:
            got = await self._exchange(current)
        except RefreshTokenInvalidError:
            current = await self._recovered(current, "refresh token refused (61023)")
            got = await self._exchange(current)
        rotated = got.refresh_token
        if rotated and rotated != current:
            await self._save(current, rotated)
        return got.access_token

    async def remember(self, refresh_token: str) -> None:
        """Store the refresh token ``api_query_auth`` answered (an authorisation, new or
        updated, replaces whatever was there)."""
        remember_secret(refresh_token)
        self._known = refresh_token
        self._unsaved = None
        self._unstored = False
        try:
            for _ in range(_SWAP_ROUNDS):
                stored = await self._store.get_credential(self._key)
                if await self._store.swap_credential(self._key, stored, refresh_token):
                    return
        except StoreUnavailableError as exc:
            # The authorization code is spent: keep the token here (the next refresh puts it
            # in the store), and WeChat keeps its own copy.
            logger.warning(
                "authorizer %s: credential store unavailable (%s): refresh token kept here",
                self._appid,
                exc,
            )
            self._unstored = True
            return
        raise StoreError(f"authorizer {self._appid}: the refresh token kept changing in the store")

    async def _read(self) -> str | None:
        """The refresh token to exchange: the store's, this process's when the store cannot
        answer, and this process's put back when the store lost it."""
        try:
            stored = await self._store.get_credential(self._key)
            unsaved, known = self._unsaved, self._known
            if unsaved is not None and stored == unsaved[0]:
                # Rotated while the store was down, and nobody rotated it since: save it now.
                stored = await self._swap(stored, unsaved[1])
            elif stored is None and known is not None:
                logger.warning(
                    "authorizer %s: the store lost its refresh token; putting back this "
                    "process's copy",
                    self._appid,
                )
                stored = await self._swap(None, known)
        except StoreUnavailableError as exc:
            logger.warning(
                "authorizer %s: credential store unavailable (%s): refreshing with this "
                "process's copy",
                self._appid,
                exc,
            )
            return self._known
        self._unsaved = None
        self._unstored = False
        if stored is not None:
            remember_secret(stored)
            self._known = stored
        return stored

    async def _swap(self, expected: str | None, value: str) -> str | None:
        """Compare-and-set; what the store holds afterwards (another writer's value when it
        lost the race)."""
        if await self._store.swap_credential(self._key, expected, value):
            return value
        return await self._store.get_credential(self._key)

    async def _save(self, exchanged: str, rotated: str) -> None:
        """Store the rotated refresh token before its access token is handed out."""
        remember_secret(rotated)
        self._known = rotated
        try:
            saved = await self._store.swap_credential(self._key, exchanged, rotated)
        except StoreUnavailableError as exc:
            # Rotated again while still down: the store still holds the first one's base.
            base = exchanged if self._unsaved is None else self._unsaved[0]
            self._unsaved = (base, rotated)
            logger.warning(
                "authorizer %s: credential store unavailable (%s): the rotated refresh token "
                "is kept here and saved when the store answers",
                self._appid,
                exc,
            )
            return
        if not saved:
            # Another process rotated it meanwhile (its lock lapsed, or the store was down):
            # keep the store's; if WeChat refuses it, the next refresh heals from WeChat's copy.
            logger.warning(
                "authorizer %s: refresh token changed in the store during this refresh; "
                "keeping the store's",
                self._appid,
            )

    async def _recovered(self, failed: str | None, why: str) -> str:
        """WeChat's copy of the refresh token, stored over ``failed``; raises when WeChat has
        none or only the one refused."""
        copy = await self._recover()
        if not copy or copy == failed:
            if failed is None:
                raise ReauthorizationRequiredError(
                    61023,
                    f"no refresh token for {self._appid}",
                    endpoint=_EXCHANGE_PATH,
                    meaning="no refresh token, here or at WeChat: the merchant must authorise "
                    "the platform (then pass the authorization code to query_auth)",
                )
            raise RefreshTokenInvalidError(
                61023,
                f"refresh_token is invalid for {self._appid}, and WeChat holds no other",
                endpoint=_EXCHANGE_PATH,
                meaning="the refresh token is invalid: the merchant must authorise the "
                "platform again",
            )
        logger.warning(
            "authorizer %s: %s; using WeChat's copy (api_get_authorizer_info)", self._appid, why
        )
        remember_secret(copy)
        self._known = copy
        self._unsaved = None
        try:
            await self._store.swap_credential(self._key, failed, copy)
        except StoreUnavailableError as exc:
            logger.warning("authorizer %s: recovered refresh token kept here: %s", self._appid, exc)
        return copy


_EXCHANGE_PATH = "/cgi-bin/component/api_authorizer_token"
#: compare-and-set rounds before giving up on a store that keeps changing under us
_SWAP_ROUNDS = 5
