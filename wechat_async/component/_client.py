"""``ComponentClient``: one third-party platform, and a client for each merchant account that
authorised it.

Its state lives in one ``CredentialStore`` shared by the platform's processes (Redis for
more than one), under keys named after the platform's appid:

* ``component-ticket:<platform>``: the last verify ticket, with its 12-hour life;
* ``<platform>``: the component token (the platform's own access token), refreshed once
  for every process under the store's refresh lock;
* ``authorizer:<platform>:<merchant>``: each merchant's access token, the same way;
* ``authorizer-refresh:<platform>:<merchant>``: each merchant's refresh token, a durable
  credential rotated by compare-and-set (``_refresh.py`` says how no crash loses it).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
import httpx

from .. import _config
from .._client import TransportName, WeChatClient
from .._errcodes import VerifyTicketMissingError
from .._errors import ConfigurationError, StoreUnavailableError, WeChatError
from .._paging import OffsetPager, Page
from .._ratelimit import RateLimiter
from .._redact import mask, remember_secret
from .._registry import PlatformNamespaces
from .._retry import RetryPolicy
from .._token import TokenManager
from ..callbacks import CallbackRouter, ComponentVerifyTicket
from ..stores import AccessToken, CredentialStore, MemoryTokenStore
from ..transports._base import Timeouts, Transport
from ._refresh import AuthorizerRefresh, Exchanged
from ._tickets import VerifyTickets
from ._urls import authorization_url, check_redirect_uri, mobile_authorization_url
from .models import AuthorizerListItem, QueryAuthResponse

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..stores.dedupe import DedupeStore
    from . import ComponentNamespace

__all__ = ["ComponentClient"]

logger = logging.getLogger("wechat_async.component")

#: how long a component token fetch waits for the ticket it asked WeChat to push
TICKET_WAIT = 10.0


class ComponentClient(PlatformNamespaces):
    """A third-party platform (第三方平台) acting for the merchants that authorised it.

    >>> platform = ComponentClient(  # doctest: +SKIP
    ...     "wxcomponent", "secret", token="push-token", encoding_aes_key="43 chars...",
    ...     store=RedisTokenStore("redis://..."))
    >>> app = CallbackApp(platform.router)  # the authorisation event URL  # doctest: +SKIP
    >>> merchant = platform.authorizer("wxmerchant")  # doctest: +SKIP
    >>> await merchant.delivery.add_order(...)  # doctest: +SKIP

    ``router`` receives what WeChat pushes to the authorisation event URL: the verify ticket
    is kept for every process (``store``); register handlers for ``Authorized`` and the
    other authorisation events on it. ``component`` holds the platform's own endpoints.
    """

    def __init__(
        self,
        component_appid: str,
        component_appsecret: str,
        *,
        token: str,
        encoding_aes_key: str,
        store: CredentialStore | None = None,
        dedupe: DedupeStore | None = None,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: Transport | TransportName | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | Timeouts | None = None,
        rate_limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not component_appid or not isinstance(component_appid, str):
            raise ConfigurationError("component_appid is required: the platform's appid")
        if not component_appsecret or not isinstance(component_appsecret, str):
            raise ConfigurationError("component_appsecret is required: the platform's AppSecret")
        if not encoding_aes_key:
            raise ConfigurationError(
                "encoding_aes_key is required: WeChat encrypts everything it pushes to a "
                "platform (its EncodingAESKey, in the open platform's console)"
            )
        chosen = store if store is not None else MemoryTokenStore()
        if not isinstance(chosen, CredentialStore):
            raise ConfigurationError(
                f"store must keep durable credentials (MemoryTokenStore, RedisTokenStore), "
                f"got {type(chosen).__name__}"
            )
        remember_secret(component_appsecret)
        self.component_appid = component_appid
        self._store: CredentialStore = chosen
        self._clock = clock
        self._tickets = VerifyTickets(component_appid, chosen, clock=clock)
        #: the platform's own account: pool, retries, rate limits, and the component token
        #: (its token provider) in the store under the platform's appid
        self._api = WeChatClient(
            component_appid,
            component_appsecret,
            base_url=base_url,
            http_client=http_client,
            transport=transport,
            token_store=chosen,
            token_provider=self._fetch_component_token,
            retry=retry,
            timeout=timeout,
            rate_limiter=rate_limiter,
        )
        #: the calls token fetches make: no caller's deadline bounds them (the token
        #: manager gives each fetch a deadline of its own)
        self._fetches: ComponentNamespace = type(self).component.cls(
            self._api.with_options(deadline=math.inf)
        )
        self.router = CallbackRouter(
            token,
            encoding_aes_key=encoding_aes_key,
            app_id=component_appid,
            dedupe=dedupe,
            clock=clock,
        )
        self.router.on(ComponentVerifyTicket)(self._tickets.record)
        #: authorizer clients in use: one per merchant while something holds it
        self._authorizers: weakref.WeakValueDictionary[str, WeChatClient] = (
            weakref.WeakValueDictionary()
        )
        self._refreshes: weakref.WeakValueDictionary[str, AuthorizerRefresh] = (
            weakref.WeakValueDictionary()
        )
        #: refreshes holding a refresh token the store has not taken yet (it was down): kept
        #: until one of their refreshes saves it, whoever holds their client
        self._unsaved: dict[str, AuthorizerRefresh] = {}

    def __repr__(self) -> str:
        return (
            f"ComponentClient(component_appid={self.component_appid!r}, "
            f"secret={mask(self._api._secret)}, authorizers in use={len(self._authorizers)})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the token refreshes in flight and close the connection pool (unless it is
        the caller's own ``http_client`` or ``transport``)."""
        for client in list(self._authorizers.values()):
            await client.tokens.aclose()
        await self._api.aclose()

    @property
    def tokens(self) -> TokenManager:
        """The component token's manager."""
        return self._api.tokens

    # -- authorisation -------------------------------------------------------------------------
    async def authorization_url(
        self,
        redirect_uri: str,
        *,
        mobile: bool = False,
        auth_type: int | None = None,
        biz_appid: str | None = None,
        category_id_list: Iterable[int] | None = None,
    ) -> str:
        """The page where a merchant authorises the platform, with a new pre-auth code: the
        PC page (a QR code its administrator scans), or with ``mobile`` the page opened
        inside WeChat. WeChat then redirects to ``redirect_uri`` with ``auth_code`` (pass it
        to ``query_auth``) and pushes the same code in an ``Authorized`` event."""
        check_redirect_uri(redirect_uri)  # before a pre-auth code is spent on it
        code = (await self.component.get_pre_auth_code()).pre_auth_code
        build = mobile_authorization_url if mobile else authorization_url
        return build(
            self.component_appid,
            code,
            redirect_uri,
            auth_type=auth_type,
            biz_appid=biz_appid,
            category_id_list=category_id_list,
        )

    async def query_auth(self, authorization_code: str) -> QueryAuthResponse:
        """Exchange an authorization code (each works once): the merchant's appid and the
        permission sets it granted. Its refresh token is stored (a new authorisation
        replaces the one before) and its first access token shared, before this returns."""
        reply = await self.component.query_auth(authorization_code=authorization_code)
        info = reply.authorization_info
        appid = info.authorizer_appid
        if info.authorizer_refresh_token:
            refresh = self._refresh_of(appid)
            await refresh.remember(info.authorizer_refresh_token)
            self._keep_if_unsaved(appid, refresh)
        if info.authorizer_access_token and info.expires_in:
            token = AccessToken(info.authorizer_access_token, self._clock() + info.expires_in)
            try:
                await self._store.set(self._token_key(appid), token)
            except StoreUnavailableError as exc:  # the first refresh makes another
                logger.warning("authorizer %s: access token not shared (%s)", appid, exc)
        return reply

    async def iter_authorizers(
        self, *, page_size: int | None = None
    ) -> AsyncIterator[AuthorizerListItem]:
        """Every account that authorised the platform, a page of ``page_size`` (by default
        the most WeChat serves a page, 500) at a time."""
        pager = OffsetPager(self.component.get_authorizer_list)  # pages as iter_orders does
        count = pager.paging.max_count if page_size is None else page_size
        offset = 0
        while True:
            page: Page[AuthorizerListItem] = await pager(offset=offset, count=count)
            items = page.items()
            for item in items:
                yield item
            offset += len(items)
            if not items or offset >= page.total:
                return

    # -- authorizer clients --------------------------------------------------------------------
    def authorizer(self, authorizer_appid: str) -> WeChatClient:
        """The client of a merchant account that authorised the platform: the namespaces of a
        ``WeChatClient`` (``giftcard``, ``invoice``, ``delivery``, ``cityservice``), on this
        client's pool, retry budget and rate limiter, with the merchant's access token.

        The same client while something holds it; memory grows with the merchants in use,
        not with every merchant that ever authorised the platform."""
        if not authorizer_appid or not isinstance(authorizer_appid, str):
            raise ConfigurationError(f"authorizer_appid must be an appid, got {authorizer_appid!r}")
        client = self._authorizers.get(authorizer_appid)
        if client is None:
            client = self._api._for_account(authorizer_appid, self._tokens_of(authorizer_appid))
            self._authorizers[authorizer_appid] = client
        return client

    def _tokens_of(self, appid: str) -> TokenManager:
        refresh = self._refresh_of(appid)

        async def fetch() -> AccessToken:
            try:
                return await refresh()
            finally:
                self._keep_if_unsaved(appid, refresh)

        # Another process's refresh holds the lock (renewed) as long as its fetch may run:
        # waiting that long is what keeps two processes from exchanging one refresh token.
        return TokenManager(
            self._token_key(appid),
            fetch,
            self._store,
            lock_wait=max(_config.TOKEN_LOCK_WAIT, _config.TOKEN_FETCH_DEADLINE),
            fetch_deadline=_config.TOKEN_FETCH_DEADLINE,
        )

    def _refresh_of(self, appid: str) -> AuthorizerRefresh:
        refresh = self._refreshes.get(appid)
        if refresh is None:
            fetches = self._fetches

            async def exchange(refresh_token: str) -> Exchanged:
                started = self._clock()
                reply = await fetches.get_authorizer_access_token(
                    authorizer_appid=appid, authorizer_refresh_token=refresh_token
                )
                return Exchanged(
                    AccessToken(reply.authorizer_access_token, started + reply.expires_in),
                    reply.authorizer_refresh_token or None,
                )

            async def recover() -> str | None:
                info = await fetches.get_authorizer_info(authorizer_appid=appid)
                return info.authorization_info.authorizer_refresh_token or None

            refresh = AuthorizerRefresh(
                appid, self._refresh_key(appid), self._store, exchange, recover
            )
            self._refreshes[appid] = refresh
        return refresh

    def _keep_if_unsaved(self, appid: str, refresh: AuthorizerRefresh) -> None:
        if refresh.unsaved:
            self._unsaved[appid] = refresh
        else:
            self._unsaved.pop(appid, None)

    def _token_key(self, appid: str) -> str:
        return f"authorizer:{self.component_appid}:{appid}"

    def _refresh_key(self, appid: str) -> str:
        return f"authorizer-refresh:{self.component_appid}:{appid}"

    # -- the component token -------------------------------------------------------------------
    async def _fetch_component_token(self) -> AccessToken:
        try:
            ticket = await self._tickets.current()
        except VerifyTicketMissingError as missing:
            ticket = await self._ticket_pushed_now(missing)
        started = self._clock()
        reply = await self._fetches.get_component_access_token(component_verify_ticket=ticket)
        return AccessToken(reply.component_access_token, started + reply.expires_in)

    async def _ticket_pushed_now(self, missing: VerifyTicketMissingError) -> str:
        """No ticket this process or the store knows of (the store lost it, or none came
        yet): ask WeChat to push one now, and wait for the router (in whichever process
        serves the authorisation event URL) to store it."""
        logger.warning(
            "%s: no verify ticket here or in the store; asking WeChat to push one now "
            "(api_start_push_ticket)",
            self.component_appid,
        )
        try:
            await self._fetches.start_push_ticket()
        except WeChatError as exc:
            raise missing from exc
        with anyio.move_on_after(TICKET_WAIT):
            while True:
                with contextlib.suppress(VerifyTicketMissingError):
                    return await self._tickets.current()
                await anyio.sleep(0.2)
        raise VerifyTicketMissingError(
            f"{missing} (WeChat was asked to push one now; none was stored within "
            f"{TICKET_WAIT:g} s)"
        ) from missing
