"""WeChatClient: owns the transport, the token manager and the retry loop."""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import anyio
import attrs
import httpx

from . import _config
from ._auth import AuthNamespace, TokenEndpointName
from ._endpoint import Endpoint, Namespace, RawResponse
from ._errors import ConfigurationError, TransportError
from ._observe import Observer, Watch, debug_observer, token_log
from ._ratelimit import RateLimiter
from ._redact import install_log_redaction, mask, remember_secret
from ._registry import Namespaces
from ._reply import Body, as_json, parse_response, read_reply
from ._request import EncodedRequest, build_payload, build_url, encode
from ._retry import RetryBudget, RetryPolicy
from ._token import TokenManager
from .hooks import Hooks
from .stores import AccessToken, MemoryTokenStore, TokenStore
from .transports._base import (
    Failure,
    PoolGuard,
    SendError,
    Timeouts,
    Transport,
    TransportResponse,
    on_asyncio,
)
from .transports.httpx import HttpxTransport

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["TokenProvider", "TransportName", "WeChatClient"]

logger = logging.getLogger("wechat_async")

#: A user's own token source: returns a token string or an AccessToken with its expiry.
TokenProvider = Callable[[], Awaitable["str | AccessToken"]]
#: A transport chosen by name: ``"httpx"`` (always there) or ``"aiohttp"`` (the ``fast`` extra).
TransportName = Literal["httpx", "aiohttp"]

_UNSET: Any = object()
#: Token rejections replayed per call; each needs a token not rejected before.
_MAX_TOKEN_REPLAYS = 3


class WeChatClient(Namespaces):
    """Async client for WeChat's server APIs; its namespaces (``client.giftcard``...) come
    from ``Namespaces``.

    >>> async with WeChatClient(appid="wx123", secret="...") as client:  # doctest: +SKIP
    ...     order = await client.giftcard.get_order(order_id="Z2y2rY74ksZX1ceuGA")
    """

    def __init__(
        self,
        appid: str | None = None,
        secret: str | None = None,
        *,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: Transport | TransportName | None = None,
        token_store: TokenStore | None = None,
        token_provider: TokenProvider | None = None,
        token_endpoint: TokenEndpointName = "stable",
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | Timeouts | None = None,
        rate_limiter: RateLimiter | None = None,
        hooks: Hooks | Sequence[Hooks] | None = None,
    ) -> None:
        # Read from the environment when not given, as openai's and stripe's clients do.
        if appid is None:
            appid = os.environ.get(_config.ENV_APPID) or None
        if secret is None and token_provider is None:
            secret = os.environ.get(_config.ENV_SECRET) or None
        if base_url is None:
            base_url = os.environ.get(_config.ENV_BASE_URL) or _config.DEFAULT_BASE_URL
        if not appid or not isinstance(appid, str):
            raise ConfigurationError(f"appid is required: pass appid= or set {_config.ENV_APPID}")
        if secret is None and token_provider is None:
            raise ConfigurationError(
                f"secret is required: pass secret= or set {_config.ENV_SECRET} (or pass "
                "token_provider= to supply tokens yourself)"
            )
        if token_endpoint not in ("stable", "token"):
            raise ConfigurationError(
                f"token_endpoint must be 'stable' or 'token', got {token_endpoint!r}"
            )
        if transport is not None and not isinstance(transport, Transport):
            if transport not in ("httpx", "aiohttp"):
                raise ConfigurationError(
                    f"transport must be 'httpx', 'aiohttp' or a Transport, got {transport!r}"
                )
            if transport == "aiohttp" and http_client is not None:
                raise ConfigurationError(
                    "http_client is an httpx client: it needs transport='httpx'"
                )
        if isinstance(transport, Transport) and http_client is not None:
            raise ConfigurationError("pass http_client or transport, not both")
        install_log_redaction()
        remember_secret(secret)
        self.appid = appid
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._timeouts = Timeouts.from_value(timeout)
        self._retry = retry or RetryPolicy()
        self._budget = RetryBudget()
        self._transport = _TransportSlot(transport, http_client)
        self._rate_limiter = rate_limiter
        #: the hooks to run (None without any: the call path then skips observing)
        self._observer = Observer.of(hooks)
        # Per-namespace settings (e.g. delivery carrier accounts), shared with with_options clones.
        self._state: dict[str, Any] = {}
        self._token_endpoint = token_endpoint
        self._token_provider = token_provider
        # Another process's refresh holds the shared lock (renewed) for as long as its fetch
        # can run: waiting that long is waiting for its token.
        self._tokens = TokenManager(
            appid,
            self._fetch_token,
            token_store or MemoryTokenStore(),
            lock_wait=max(_config.TOKEN_LOCK_WAIT, _config.TOKEN_FETCH_DEADLINE),
            fetch_deadline=_config.TOKEN_FETCH_DEADLINE,
        )
        self._is_clone = False

    # -- lifecycle -------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        self._transport.check()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool, unless it is the user's own (``http_client``,
        ``transport``); calls made after raise ``ClientClosedError``. Clones from
        ``with_options`` leave it to the original, and are closed with it."""
        if not self._is_clone:
            await self._tokens.aclose()
            await self._transport.aclose()

    @property
    def transport(self) -> Transport:
        """The send layer in use (chosen on first use when not given)."""
        return self._transport.get()

    def __repr__(self) -> str:
        return (
            f"WeChatClient(appid={self.appid!r}, secret={mask(self._secret)}, "
            f"base_url={self._base_url!r})"
        )

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | Timeouts | None = _UNSET,
        max_retries: int | None = None,
        deadline: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> WeChatClient:
        """A client sharing this one's pool, tokens and retry budget, with other settings.

        >>> fast = client.with_options(timeout=2, max_retries=0, deadline=5)  # doctest: +SKIP
        """
        clone = object.__new__(type(self))
        clone.__dict__.update(
            {k: v for k, v in self.__dict__.items() if not isinstance(v, Namespace)}
        )
        clone._is_clone = True  # the original closes the pool
        if timeout is not _UNSET:
            clone._timeouts = Timeouts.from_value(timeout)
        policy = retry or self._retry
        if max_retries is not None:
            policy = attrs.evolve(policy, max_retries=max_retries)
        if deadline is not None:
            policy = attrs.evolve(policy, deadline=deadline)
        clone._retry = policy
        return clone

    def _for_account(self, appid: str, tokens: TokenManager) -> WeChatClient:
        """A client of another account on this one's connection pool, retry budget, rate
        limiter and settings, whose access tokens come from ``tokens`` (a third-party
        platform's authorizer clients). Closing it leaves the pool to this client."""
        clone = self.with_options()
        clone.appid = appid
        clone._tokens = tokens
        clone._secret = None
        clone._token_provider = None
        clone._state = {}  # per-account namespace settings (delivery carrier accounts)
        return clone

    # -- the token endpoints (the public namespaces are ``Namespaces``') ----------------------
    @cached_property
    def _auth(self) -> AuthNamespace:
        return AuthNamespace(self)

    # -- tokens --------------------------------------------------------------------------------
    @property
    def tokens(self) -> TokenManager:
        return self._tokens

    async def _fetch_token(self) -> AccessToken:
        observer = self._observer or debug_observer(token_log)
        if observer is None:
            return await self._fetch_token_now()
        if self._token_provider is not None:
            source = "provider"
        else:
            source = "stable_token" if self._token_endpoint == "stable" else "token"
        return await observer.token_refresh_of(self.appid, source, self._fetch_token_now)

    async def _fetch_token_now(self) -> AccessToken:
        if self._token_provider is not None:
            supplied = await self._token_provider()
            if isinstance(supplied, AccessToken):
                return supplied
            return AccessToken(supplied, time.time() + _config.TOKEN_PROVIDER_DEFAULT_TTL)
        assert self._secret is not None
        started = time.time()
        # The fetch serves every caller, so no caller's deadline bounds it: the TokenManager
        # gives it a deadline of its own.
        auth = self.with_options(deadline=math.inf)._auth
        if self._token_endpoint == "stable":
            reply = await auth.stable_token(appid=self.appid, secret=self._secret)
        else:
            reply = await auth.token(appid=self.appid, secret=self._secret)
        return AccessToken(reply.access_token, started + reply.expires_in)

    # -- the call path ---------------------------------------------------------------------------
    async def _invoke(
        self,
        endpoint: Endpoint[Any, Any, Any],
        namespace: Namespace,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        raw: bool,
    ) -> Any:
        payload = build_payload(endpoint, namespace, args, kwargs)
        response, data = await self._send(endpoint, payload)
        parsed = parse_response(endpoint, data)
        if raw:
            return RawResponse(
                status_code=response.status,
                headers=dict(response.headers),
                json=as_json(endpoint, data),
                parsed=parsed,
            )
        return parsed

    async def _send(
        self, endpoint: Endpoint[Any, Any, Any], payload: dict[str, Any]
    ) -> tuple[TransportResponse, Body]:
        return await self._send_encoded(endpoint, encode(endpoint, payload))

    async def _send_encoded(
        self, endpoint: Endpoint[Any, Any, Any], encoded: EncodedRequest
    ) -> tuple[TransportResponse, Body]:
        """One call of a request already checked and encoded (``_paging`` sends its pages
        here), with its deadline, retries and hooks."""
        observer = self._observer or debug_observer()
        if observer is None:
            return await self._within_deadline(endpoint, encoded, _Call(self._retry.deadline))
        watch = observer.watch(endpoint)
        call = _Call(self._retry.deadline, watch)
        return await watch.observe(self._within_deadline(endpoint, encoded, call))

    async def _within_deadline(
        self, endpoint: Endpoint[Any, Any, Any], encoded: EncodedRequest, call: _Call
    ) -> tuple[TransportResponse, Body]:
        # The deadline is a cancel scope around everything the call awaits (token fetch, every
        # attempt, every byte, backoff): a server trickling bytes cannot stretch it.
        with anyio.move_on_after(self._retry.deadline):
            return await self._attempts(endpoint, encoded, call)
        raise TransportError(
            f"the call's {self._retry.deadline:g} s deadline passed"
            + (" while waiting for WeChat's answer" if call.in_flight else ""),
            endpoint=endpoint.path,
            may_have_been_applied=call.maybe_applied,
        )

    async def _attempts(
        self, endpoint: Endpoint[Any, Any, Any], encoded: EncodedRequest, call: _Call
    ) -> tuple[TransportResponse, Body]:
        policy = self._retry
        transport = self._transport.for_call()
        limiter = self._rate_limiter
        attempt = 0
        # Tokens rejected so far: each is replayed once, outside the retry count (peers that
        # recurse here loop forever). A rejection of a token already replaced by a newer one
        # (another refresh superseded it mid-flight) earns one more replay, up to a bound.
        rejected_tokens: set[str] = set()
        watch = call.watch
        while True:
            token = await self._tokens.get() if endpoint.auth else None
            url = build_url(self._base_url, endpoint, encoded.query, token)
            if limiter is not None:
                await limiter.acquire(self.appid, endpoint.path)
            if watch is not None:
                await watch.request(url)
            call.in_flight = True
            try:
                response = await transport.send(
                    endpoint.method, url, encoded.headers, encoded.content, self._timeouts
                )
            except SendError as exc:
                call.in_flight = False
                call.note(exc.failure)
                if watch is not None:
                    await watch.failed(exc)
                if await self._should_retry(policy, exc.failure, endpoint, attempt, call, None):
                    attempt += 1
                    continue
                raise TransportError(
                    str(exc), endpoint=endpoint.path, may_have_been_applied=call.maybe_applied
                ) from None
            call.in_flight = False
            if watch is None:
                reply = read_reply(endpoint, response.status, response.headers, response.content)
            else:
                reply = await watch.read(response)
            if reply.failure is None:
                if attempt == 0:
                    self._budget.on_first_try_success()
                return response, reply.data
            if (
                reply.failure is Failure.TOKEN
                and token is not None
                and token not in rejected_tokens
                and len(rejected_tokens) < _MAX_TOKEN_REPLAYS
            ):
                rejected_tokens.add(token)
                await self._tokens.invalidate(token)
                if watch is not None:
                    await watch.retry(Failure.TOKEN, 0.0)
                continue
            call.note(reply.failure)
            if await self._should_retry(
                policy, reply.failure, endpoint, attempt, call, reply.retry_after
            ):
                attempt += 1
                continue
            raise reply.error(maybe_applied=call.maybe_applied)

    async def _should_retry(
        self,
        policy: RetryPolicy,
        failure: Failure,
        endpoint: Endpoint[Any, Any, Any],
        attempt: int,
        call: _Call,
        retry_after: str | None,
    ) -> bool:
        if not policy.should_retry(failure, idempotent=endpoint.idempotent, attempt=attempt):
            return False
        delay = policy.delay(attempt, retry_after, failure)
        if delay >= call.remaining():
            return False
        if not self._budget.try_spend():
            logger.warning("retry budget exhausted; not retrying %s", endpoint.path)
            return False
        logger.debug(
            "retrying %s in %.2fs (retry %d, %s)", endpoint.path, delay, attempt + 1, failure.value
        )
        if call.watch is not None:
            await call.watch.retry(failure, delay)
        await policy.sleep(delay)
        return True


class _Call:
    """What one logical call has been through, for the error its deadline raises."""

    __slots__ = ("deadline_at", "in_flight", "maybe_applied_before", "watch")

    def __init__(self, deadline: float, watch: Watch | None = None) -> None:
        self.deadline_at = time.monotonic() + deadline
        #: hooks and DEBUG records of this call (None: nobody listens)
        self.watch = watch
        #: an attempt is on the wire: a deadline striking now may leave it applied
        self.in_flight = False
        #: an earlier attempt failed in a way that may have reached WeChat
        self.maybe_applied_before = False

    @property
    def maybe_applied(self) -> bool:
        return self.in_flight or self.maybe_applied_before

    def note(self, failure: Failure) -> None:
        if failure is Failure.AMBIGUOUS:
            self.maybe_applied_before = True

    def remaining(self) -> float:
        return self.deadline_at - time.monotonic()


class _TransportSlot:
    """The client's transport, made on first use (the running event loop decides which one
    can run) and shared by every ``with_options`` clone: closed for all of them at once, and
    bound to the event loop of the first call (the token manager's waiters are too)."""

    def __init__(
        self, choice: Transport | TransportName | None, http: httpx.AsyncClient | None
    ) -> None:
        given = choice if isinstance(choice, Transport) else None
        self._choice = choice
        self._http = http
        self._transport: Transport | None = given
        #: a transport or http_client the user passed stays open: it is theirs
        self._owned = given is None and http is None
        self._guard = PoolGuard("client")

    def get(self) -> Transport:
        self._guard.check_open()
        transport = self._transport
        if transport is None:
            transport = self._transport = _make_transport(self._choice, self._http)
        return transport

    def check(self) -> None:
        """Refuse a closed client, and a call from another event loop than the first's."""
        self._guard.check()

    def for_call(self) -> Transport:
        self._guard.check()
        return self.get()

    async def aclose(self) -> None:
        if not self._guard.close():
            return
        transport = self._transport
        if transport is not None and self._owned:
            await transport.aclose()


def _make_transport(
    choice: Transport | TransportName | None, http: httpx.AsyncClient | None
) -> Transport:
    if isinstance(choice, Transport):
        return choice
    if http is not None:
        return HttpxTransport(http)
    if choice == "aiohttp" or (choice is None and _aiohttp_fits()):
        from .transports.aiohttp import AiohttpTransport

        return AiohttpTransport(max_connections=_config.DEFAULT_MAX_CONNECTIONS)
    return HttpxTransport()


def _aiohttp_fits() -> bool:
    """aiohttp is the default where it can run: on asyncio, when installed."""
    return on_asyncio() and importlib.util.find_spec("aiohttp") is not None
