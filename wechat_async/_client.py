"""WeChatClient: owns the HTTP pool, the token manager and the retry loop."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from . import _config
from ._auth import AuthNamespace, TokenEndpointName
from ._endpoint import Endpoint, Namespace, RawResponse
from ._errcodes import TOKEN_ERRCODES, error_for
from ._errors import CarrierError, ConfigurationError, TransportError, WeChatError
from ._redact import install_log_redaction, mask
from ._request import build_payload, build_url, decode_json, encode, parse_response
from ._retry import (
    Failure,
    RetryBudget,
    RetryPolicy,
    classify_errcode,
    classify_exception,
    classify_status,
)
from ._token import TokenManager
from .stores import AccessToken, MemoryTokenStore, TokenStore

if TYPE_CHECKING:
    from typing_extensions import Self

    from .cityservice import CityServiceNamespace
    from .delivery import DeliveryNamespace
    from .giftcard import GiftCardNamespace
    from .invoice import InvoiceNamespace

__all__ = ["TokenProvider", "WeChatClient"]

logger = logging.getLogger("wechat_async")

#: A user's own token source: returns a token string or an AccessToken with its expiry.
TokenProvider = Callable[[], Awaitable["str | AccessToken"]]

_UNSET: Any = object()


class WeChatClient:
    """Async client for WeChat's server APIs.

    >>> async with WeChatClient(appid="wx123", secret="...") as client:  # doctest: +SKIP
    ...     order = await client.giftcard.get_order(order_id="Z2y2rY74ksZX1ceuGA")
    """

    def __init__(
        self,
        appid: str,
        secret: str | None = None,
        *,
        base_url: str = _config.DEFAULT_BASE_URL,
        http_client: httpx.AsyncClient | None = None,
        token_store: TokenStore | None = None,
        token_provider: TokenProvider | None = None,
        token_endpoint: TokenEndpointName = "stable",
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> None:
        if not appid or not isinstance(appid, str):
            raise ConfigurationError("appid is required")
        if secret is None and token_provider is None:
            raise ConfigurationError("pass secret, or token_provider to supply tokens yourself")
        if token_endpoint not in ("stable", "token"):
            raise ConfigurationError(
                f"token_endpoint must be 'stable' or 'token', got {token_endpoint!r}"
            )
        install_log_redaction()
        self.appid = appid
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._timeout = _as_timeout(timeout)
        self._retry = retry or RetryPolicy()
        self._budget = RetryBudget()
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=self._timeout,
            limits=httpx.Limits(
                max_connections=_config.DEFAULT_MAX_CONNECTIONS,
                max_keepalive_connections=_config.DEFAULT_MAX_KEEPALIVE,
            ),
        )
        # Per-namespace settings (e.g. delivery carrier accounts), shared with with_options clones.
        self._state: dict[str, Any] = {}
        self._token_endpoint = token_endpoint
        self._token_provider = token_provider
        self._tokens = TokenManager(appid, self._fetch_token, token_store or MemoryTokenStore())

    # -- lifecycle -------------------------------------------------------------------------
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
        """Close the HTTP pool, unless the user passed their own ``http_client``."""
        if self._owns_http:
            await self._http.aclose()

    def __repr__(self) -> str:
        return (
            f"WeChatClient(appid={self.appid!r}, secret={mask(self._secret)}, "
            f"base_url={self._base_url!r})"
        )

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = _UNSET,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> WeChatClient:
        """A client sharing this one's pool, tokens and retry budget, with other settings.

        >>> fast = client.with_options(timeout=2, max_retries=0)  # doctest: +SKIP
        """
        clone = object.__new__(type(self))
        clone.__dict__.update(
            {k: v for k, v in self.__dict__.items() if not isinstance(v, Namespace)}
        )
        clone._owns_http = False  # the original closes the pool
        if timeout is not _UNSET:
            clone._timeout = _as_timeout(timeout)
        policy = retry or self._retry
        if max_retries is not None:
            import attrs

            policy = attrs.evolve(policy, max_retries=max_retries)
        clone._retry = policy
        return clone

    # -- namespaces --------------------------------------------------------------------------
    @cached_property
    def cityservice(self) -> CityServiceNamespace:
        from .cityservice import CityServiceNamespace

        return CityServiceNamespace(self)

    @cached_property
    def giftcard(self) -> GiftCardNamespace:
        from .giftcard import GiftCardNamespace

        return GiftCardNamespace(self)

    @cached_property
    def invoice(self) -> InvoiceNamespace:
        from .invoice import InvoiceNamespace

        return InvoiceNamespace(self)

    @cached_property
    def delivery(self) -> DeliveryNamespace:
        from .delivery import DeliveryNamespace

        return DeliveryNamespace(self)

    @cached_property
    def _auth(self) -> AuthNamespace:
        return AuthNamespace(self)

    # -- tokens --------------------------------------------------------------------------------
    @property
    def tokens(self) -> TokenManager:
        return self._tokens

    async def _fetch_token(self) -> AccessToken:
        if self._token_provider is not None:
            supplied = await self._token_provider()
            if isinstance(supplied, AccessToken):
                return supplied
            return AccessToken(supplied, time.time() + _config.TOKEN_PROVIDER_DEFAULT_TTL)
        assert self._secret is not None
        started = time.time()
        if self._token_endpoint == "stable":
            reply = await self._auth.stable_token(appid=self.appid, secret=self._secret)
        else:
            reply = await self._auth.token(appid=self.appid, secret=self._secret)
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
                status_code=response.status_code,
                headers=dict(response.headers),
                json=data,
                parsed=parsed,
            )
        return parsed

    async def _send(
        self, endpoint: Endpoint[Any, Any, Any], payload: dict[str, Any]
    ) -> tuple[httpx.Response, dict[str, Any]]:
        encoded = encode(endpoint, payload)
        policy = self._retry
        deadline = time.monotonic() + policy.deadline
        attempt = 0
        replayed_token = False
        while True:
            token = await self._tokens.get() if endpoint.auth else None
            url = build_url(self._base_url, endpoint, encoded.query, token)
            remaining = deadline - time.monotonic()
            try:
                request = self._http.build_request(
                    endpoint.method,
                    url,
                    content=encoded.content,
                    data=encoded.data,
                    files=encoded.files,
                    headers=encoded.headers,
                    timeout=_cap_timeout(self._timeout, remaining),
                )
                if encoded.content is not None:
                    request.stream = _Body(encoded.content)
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                failure = classify_exception(exc)
                error_text = f"{type(exc).__name__}: {exc}"
                if await self._should_retry(policy, failure, endpoint, attempt, deadline, None):
                    attempt += 1
                    continue
                raise TransportError(
                    error_text,
                    endpoint=endpoint.path,
                    may_have_been_applied=failure is not Failure.NEVER_SENT,
                ) from None
            status_failure = classify_status(response.status_code)
            if status_failure is not None:
                retry_after = response.headers.get("retry-after")
                if await self._should_retry(
                    policy, status_failure, endpoint, attempt, deadline, retry_after
                ):
                    attempt += 1
                    continue
                raise TransportError(
                    f"HTTP {response.status_code}",
                    endpoint=endpoint.path,
                    may_have_been_applied=True,
                )
            data = decode_json(endpoint, response.status_code, response.content)
            errcode = data.get("errcode", 0)
            if errcode.__class__ is not int:
                errcode = _coerce_errcode(errcode)  # "0" or 0.0 from a proxy still means ok
            if errcode:
                failure = classify_errcode(errcode, TOKEN_ERRCODES)
                if failure is Failure.TOKEN and token is not None and not replayed_token:
                    # Replayed once, outside the retry count: peers that recurse here loop forever.
                    replayed_token = True
                    await self._tokens.invalidate(token)
                    continue
                if await self._should_retry(policy, failure, endpoint, attempt, deadline, None):
                    attempt += 1
                    continue
                raise error_for(
                    errcode,
                    str(data.get("errmsg", "")),
                    endpoint=endpoint.path,
                    overrides=endpoint.errors,
                    may_have_been_applied=failure is Failure.AMBIGUOUS and not endpoint.idempotent,
                )
            if "resultcode" in endpoint.layers:
                resultcode = data.get("resultcode", 0)
                if resultcode.__class__ is not int:
                    resultcode = _coerce_errcode(resultcode)
                if resultcode:
                    raise CarrierError(
                        resultcode, str(data.get("resultmsg", "")), endpoint=endpoint.path
                    )
            if attempt == 0:
                self._budget.on_first_try_success()
            return response, data

    async def _should_retry(
        self,
        policy: RetryPolicy,
        failure: Failure,
        endpoint: Endpoint[Any, Any, Any],
        attempt: int,
        deadline: float,
        retry_after: str | None,
    ) -> bool:
        if not policy.should_retry(failure, idempotent=endpoint.idempotent, attempt=attempt):
            return False
        delay = policy.delay(attempt, retry_after)
        if time.monotonic() + delay >= deadline:
            return False
        if not self._budget.try_spend():
            logger.warning("retry budget exhausted; not retrying %s", endpoint.path)
            return False
        logger.debug(
            "retrying %s in %.2fs (retry %d, %s)", endpoint.path, delay, attempt + 1, failure.value
        )
        await policy.sleep(delay)
        return True


class _Body(httpx.AsyncByteStream):
    """A request body sent as one chunk by a plain iterator. httpx's own is an async
    generator, which trio reports (ResourceWarning) when a request is cancelled mid-send,
    e.g. when a task group cancels its other fetches (encode/httpx#3686)."""

    def __init__(self, content: bytes) -> None:
        self._content = content
        self._sent = False

    def __aiter__(self) -> _Body:
        self._sent = False
        return self

    async def __anext__(self) -> bytes:
        if self._sent:
            raise StopAsyncIteration
        self._sent = True
        return self._content


def _as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        return _config.DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout)


def _cap_timeout(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """Shrink the per-attempt timeout so the last attempt cannot outlive the call's deadline."""
    if remaining <= 0:
        remaining = 0.001
    values = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    if all(v is not None and v <= remaining for v in values):
        return timeout
    return httpx.Timeout(
        connect=_min(timeout.connect, remaining),
        read=_min(timeout.read, remaining),
        write=_min(timeout.write, remaining),
        pool=_min(timeout.pool, remaining),
    )


def _min(value: float | None, cap: float) -> float:
    return cap if value is None else min(value, cap)


def _coerce_errcode(value: Any) -> int:
    if value is None:
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WeChatError(f"errcode is not a number: {value!r}") from None
    if not number.is_integer():
        raise WeChatError(f"errcode is not a whole number: {value!r}")
    return int(number)
