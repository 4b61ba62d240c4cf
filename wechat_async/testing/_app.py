"""The emulator's HTTP face: an ASGI app that reads a request, checks what WeChat checks
(token, quotas), injects the configured faults, and hands the call to its route.

Routes are keyed by method, path and fixed query (``setbizattr?action=...`` is four routes), as
the SDK's endpoint registry declares them: ``app.serve_namespace(GiftCardNamespace, handlers)``
routes each endpoint to the handler method named like it. That is all the emulator reads from
the SDK (how WeChat is reached); what WeChat does there is the emulator's own. A handler takes a
``Call`` and returns ``(HTTP status, JSON object)``. Errors are shaped as WeChat
shapes them: ``{"errcode": ..., "errmsg": "... rid: ..."}`` (``hint: [...]`` on the card, gift-card
and delivery APIs, which still answer in that older form).
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

import anyio
import attrs
import httpx

from .._redact import redact_data

if TYPE_CHECKING:
    from .._endpoint import Endpoint, Namespace

__all__ = [
    "BadField",
    "Call",
    "DroppedConnection",
    "EmulatorApp",
    "Faults",
    "Quota",
    "RecordedRequest",
    "Reply",
    "error",
    "expect",
    "ok",
]

Reply = tuple[int, dict[str, Any]]
Handler = Callable[["Call"], Awaitable[Reply]]
#: A route's fixed query, as sorted ``(key, value)`` pairs (``()`` when none)
Query = tuple[tuple[str, str], ...]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: A 1 MB image (uploadimg's limit) and its multipart framing fit; anything larger is refused
#: before it is read whole.
MAX_BODY = 2 << 20

try:  # the emulator is a benchmark's server: the fast JSON writer when it is there
    from orjson import dumps as _orjson_dumps

    def _dumps(data: Any) -> bytes:
        return _orjson_dumps(data)

except ImportError:  # pragma: no cover - depends on the install

    def _dumps(data: Any) -> bytes:
        return json.dumps(data, ensure_ascii=False).encode()


def error(code: int, message: str) -> Reply:
    """A WeChat error reply; the app adds the request id the real ones end with."""
    return 200, {"errcode": code, "errmsg": message}


#: APIs that still end errmsg with the older ``hint: [...]`` form (card, gift card, delivery).
_HINT_PREFIXES = ("/card/", "/cgi-bin/express/")
_HINT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _with_request_id(path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """End an error's errmsg with a request id in the form this API uses on the real wire:
    ``rid: 61b7289f-6875924d-25b4d70a``, or ``hint: [StC5vA0024r283]`` for the older APIs."""
    message = payload.get("errmsg")
    if not payload.get("errcode") or not isinstance(message, str):
        return payload
    if path.startswith(_HINT_PREFIXES):
        hint = "".join(secrets.choice(_HINT_ALPHABET) for _ in range(14))
        return {**payload, "errmsg": f"{message} hint: [{hint}]"}
    rid = "-".join(secrets.token_hex(4) for _ in range(3))
    return {**payload, "errmsg": f"{message} rid: {rid}"}


_T = TypeVar("_T")


class BadField(Exception):
    """A request field of the wrong JSON type: the app answers 47001 naming it, as WeChat's
    parser refuses a body it cannot read (raise it from any route)."""

    def __init__(self, field: str, expected: str) -> None:
        super().__init__(f"data format error: {field} must be {expected}")
        self.field = field


_JSON_TYPE_NAMES = {str: "a string", int: "an integer", dict: "an object", list: "an array"}


def expect(value: Any, kind: type[_T], field: str) -> _T:
    """``value`` if it is of JSON type ``kind`` (a bool is no integer), else ``BadField``."""
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise BadField(field, _JSON_TYPE_NAMES.get(kind, kind.__name__))


def ok(**fields: Any) -> Reply:
    return 200, {"errcode": 0, "errmsg": "ok", **fields}


@attrs.frozen
class Call:
    """One request as a route sees it."""

    method: str
    path: str
    query: Mapping[str, str]
    body: dict[str, Any]
    raw: bytes
    headers: Mapping[str, str]
    #: the appid the access_token belongs to (None on token endpoints)
    appid: str | None = None


@attrs.define
class Faults:
    """Seeded misbehaviour, for every route (``Emulator(faults=Faults(...))``) or per path
    (``Emulator(path_faults={"/card/giftcard/order/get": Faults(...)})``).

    Rates are chances per request: ``system_error`` answers errcode -1, ``bad_gateway`` HTTP
    502, ``drop`` reads the request then breaks the connection mid-reply (the caller cannot
    know whether it was applied), ``slow_body`` sends the reply a few bytes at a time over
    ``slow_body_seconds``. ``latency`` is added to every request.
    """

    latency: float = 0.0
    system_error: float = 0.0
    bad_gateway: float = 0.0
    drop: float = 0.0
    slow_body: float = 0.0
    slow_body_seconds: float = 1.0


@attrs.define
class Quota:
    """Per-appid call limits: more than ``per_minute`` calls in a minute answer 45011, more
    than ``per_day`` in a day 45009 (None: no limit)."""

    per_minute: int | None = None
    per_day: int | None = None


#: Requests to paths no route serves are counted under this one key, whatever the path: a
#: client probing 2,000 made-up paths must not grow ``requests`` by 2,000 keys.
UNROUTED = "<unrouted>"
#: Paths longer than this are cut in the request log (the whole path is never needed there).
_MAX_LOGGED_PATH = 256
#: Bodies longer than this are not kept in the request log (``RecordedRequest.body`` is None).
_MAX_LOGGED_BODY = 16 * 1024


@attrs.frozen
class RecordedRequest:
    """One request the emulator answered, as ``Emulator.request_log`` keeps it.

    ``query`` and ``body`` (the decoded JSON body) come with secrets masked (``access_token``,
    ``secret``, ``delivery_sign``... and any secret the SDK holds).
    """

    method: str
    path: str
    query: Mapping[str, str]
    #: the HTTP status answered (None when the connection was dropped on purpose)
    status: int | None
    #: the reply's errcode (or resultcode for carrier replies), when it had one
    errcode: int | None
    _raw: bytes | None = attrs.field(repr=False, alias="raw")

    @property
    def body(self) -> Any:
        """The JSON body, secrets masked; None when there was none, it was not JSON, or it
        was over 16 KiB."""
        if not self._raw:
            return None
        try:
            return redact_data(json.loads(self._raw))
        except (ValueError, RecursionError):
            return None


@attrs.frozen
class _Route:
    handler: Handler
    auth: bool


class DroppedConnection(httpx.RemoteProtocolError):
    """Break the connection after the request was read.

    Under a server the client sees the connection break mid-reply (httpx raises
    ``RemoteProtocolError``); in-process, ``httpx.ASGITransport`` hands the client this
    exception itself, so it is that same error and the SDK classifies both alike.
    """


class EmulatorApp:
    """The ASGI callable; ``Emulator.app`` is one."""

    def __init__(
        self,
        *,
        check_token: Callable[[str | None], tuple[str | None, Reply | None]],
        faults: Faults,
        path_faults: Mapping[str, Faults],
        quota: Quota,
        seed: int,
        clock: Callable[[], float] = time.time,
        request_log: int = 1000,
    ) -> None:
        #: (method, path) -> its routes by fixed query, the most specific first
        self._routes: dict[tuple[str, str], list[tuple[Query, _Route]]] = {}
        self._check_token = check_token
        self.faults = faults
        self.path_faults = dict(path_faults)
        self.quota = quota
        self._rng = random.Random(seed)
        self._clock = clock
        self._minute: dict[tuple[str, int], int] = {}
        self._day: dict[tuple[str, int], int] = {}
        #: requests served, by routed path (the rest under ``UNROUTED``); the stats route
        #: reports them across processes
        self.requests: dict[str, int] = {}
        #: the last ``request_log`` requests, oldest first (``RecordedRequest``)
        self.request_log: deque[RecordedRequest] = deque(maxlen=request_log)
        #: called with (path, JSON body) before a token-checked route runs (tests use it to
        #: change the state between two requests, e.g. insert orders mid-sync)
        self.on_request: Callable[[str, Any], None] | None = None
        #: for a token of another account (a third-party platform's authorizer): the app
        #: holding that account's state, or the refusal of this path; None: this app's own
        self.accounts: Callable[[str, str], EmulatorApp | Reply | None] | None = None

    def route(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        auth: bool = True,
        query: Mapping[str, str] | None = None,
    ) -> None:
        """Serve ``path`` with ``query`` (its fixed part, e.g. ``{"action": "get_pay_mch"}``):
        one handler each (a second registration is a bug)."""
        fixed: Query = tuple(sorted((query or {}).items()))
        if any(p == path and q == fixed for _, p, q in self.routes):
            raise ValueError(f"{path} {dict(fixed) or ''} is already routed")
        routes = self._routes.setdefault((method, path), [])
        routes.append((fixed, _Route(handler, auth)))
        routes.sort(key=lambda item: -len(item[0]))

    def serve(
        self, endpoint: Endpoint[Any, Any, Any], handler: Handler, *, auth: bool | None = None
    ) -> None:
        """Serve an SDK endpoint where its descriptor says WeChat serves it; ``auth=False``:
        its handler checks the token itself (a platform's component token)."""
        self.route(
            endpoint.method,
            endpoint.path,
            handler,
            auth=endpoint.auth if auth is None else auth,
            query=endpoint.query,
        )

    def serve_namespace(
        self,
        namespace: type[Namespace],
        handlers: object,
        wrap: Callable[[str, Handler], Handler] | None = None,
        *,
        auth: bool | None = None,
    ) -> None:
        """Serve each endpoint of ``namespace`` with the method of ``handlers`` named like it
        (passed through ``wrap(path, handler)`` when given); one without a method stays
        unrouted, and tests/emulator/test_coverage.py names it."""
        for endpoint in namespace.endpoints():
            handler = getattr(handlers, endpoint.name, None)
            if handler is not None:
                self.serve(endpoint, wrap(endpoint.path, handler) if wrap else handler, auth=auth)

    @property
    def routes(self) -> list[tuple[str, str, Query]]:
        """Every route as (method, path, fixed query)."""
        return sorted((m, p, q) for (m, p), routes in self._routes.items() for q, _ in routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _respond(send, 413, {"errcode": 47001, "errmsg": "body over 2 MiB"})
                return
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        raw = bytes(body)
        try:
            status, payload, slow = await self._dispatch(
                scope["method"], scope["path"], query, raw, headers
            )
        except DroppedConnection:
            self._record(scope["method"], scope["path"], query, raw, None, None)
            # Half a reply, then the connection breaks: the request was read and applied.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"1000"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"errcode":0,', "more_body": True})
            raise
        except Exception as exc:  # a route's bug answers 500; serving goes on
            status, payload, slow = 500, {"errcode": -1, "errmsg": f"emulator error: {exc!r}"}, 0.0
        if status == 200:
            payload = _with_request_id(scope["path"], payload)
        self._record(scope["method"], scope["path"], query, raw, status, payload)
        await _respond(send, status, payload, slow)

    def _record(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        raw: bytes,
        status: int | None,
        payload: dict[str, Any] | None,
    ) -> None:
        code = None
        if payload is not None:
            code = payload.get("errcode", payload.get("resultcode"))
        self.request_log.append(
            RecordedRequest(
                method,
                path[:_MAX_LOGGED_PATH],
                redact_data(query) if query else {},
                status,
                code if isinstance(code, int) else None,
                raw if len(raw) <= _MAX_LOGGED_BODY else None,
            )
        )

    async def _dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        raw: bytes,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, Any], float]:
        routes = self._routes.get((method, path))
        if routes is None:
            other = "GET" if method == "POST" else "POST"
            if (other, path) in self._routes:  # WeChat names the method the path wants
                self._count_path(path)
                return (*error(43001 if other == "GET" else 43002, f"require {other} method"), 0.0)
            self._count_path(UNROUTED)
            return (404, error(40066, f"invalid url {path[:_MAX_LOGGED_PATH]}")[1], 0.0)
        route = _match(routes, query)
        self._count_path(path)
        faults = self.path_faults.get(path, self.faults)
        if faults.latency:
            await anyio.sleep(faults.latency)
        body: Any = {}
        if raw and not headers.get("content-type", "").startswith("multipart/"):
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):  # RecursionError: nesting 1,000 deep
                return (*error(47001, "data format error"), 0.0)
            if not isinstance(body, dict):
                return (*error(47001, "data format error: expected a JSON object"), 0.0)
        appid: str | None = None
        if route.auth:
            appid, refused = self._check_token(query.get("access_token"))
            if refused is not None:
                return (*refused, 0.0)
            assert appid is not None
            limited = self._count(appid)
            if limited is not None:
                return (*limited, 0.0)
            rng = self._rng
            if faults.system_error and rng.random() < faults.system_error:
                return (*error(-1, "system error"), 0.0)
            if faults.bad_gateway and rng.random() < faults.bad_gateway:
                return 502, {"errcode": -1, "errmsg": "bad gateway"}, 0.0
            if self.on_request is not None:
                self.on_request(path, body)
        handler = route.handler
        if appid is not None and self.accounts is not None:
            account = self.accounts(appid, path)
            if isinstance(account, tuple):
                return (*account, 0.0)
            if account is not None:
                handler = _match(account._routes[(method, path)], query).handler
        call = Call(method, path, query, body, raw, headers, appid)
        try:
            status, payload = await handler(call)
        except BadField as bad:
            return (*error(47001, str(bad)), 0.0)
        if route.auth:
            if faults.drop and self._rng.random() < faults.drop:
                raise DroppedConnection(
                    "emulator fault: the connection was dropped after the request"
                )
            if faults.slow_body and self._rng.random() < faults.slow_body:
                return status, payload, faults.slow_body_seconds
        return status, payload, 0.0

    def _count_path(self, path: str) -> None:
        self.requests[path] = self.requests.get(path, 0) + 1

    def _count(self, appid: str) -> Reply | None:
        quota = self.quota
        if quota.per_minute is None and quota.per_day is None:
            return None
        now = int(self._clock())
        minute, day = (appid, now // 60), (appid, now // 86400)
        if minute not in self._minute:  # a new minute: the counts of past ones are done with
            _forget_before(self._minute, minute[1])
        if day not in self._day:
            _forget_before(self._day, day[1])
        self._minute[minute] = self._minute.get(minute, 0) + 1
        self._day[day] = self._day.get(day, 0) + 1
        if quota.per_day is not None and self._day[day] > quota.per_day:
            return error(45009, "reach max api daily quota limit")
        if quota.per_minute is not None and self._minute[minute] > quota.per_minute:
            return error(45011, "api minute-quota reach limit, must slower, retry next minute")
        return None


def _match(routes: list[tuple[Query, _Route]], query: Mapping[str, str]) -> _Route:
    """The route whose fixed query the request carries; none is a call of an action the path
    does not have, which WeChat refuses as an invalid argument (after the token checks)."""
    for fixed, route in routes:
        if all(query.get(key) == value for key, value in fixed):
            return route
    key = routes[0][0][0][0]  # no route matched: every one fixes a query
    refusal = error(40097, f"invalid args: {key} {query.get(key)!r}")

    async def refuse(call: Call) -> Reply:
        return refusal

    return _Route(refuse, any(route.auth for _, route in routes))


def _forget_before(counts: dict[tuple[str, int], int], period: int) -> None:
    for key in [k for k in counts if k[1] < period]:
        del counts[key]


async def _respond(send: Send, status: int, payload: dict[str, Any], slow: float = 0.0) -> None:
    data = _dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    if not slow:
        await send({"type": "http.response.body", "body": data})
        return
    chunks = [data[i : i + 8] for i in range(0, len(data), 8)]
    pause = slow / max(len(chunks), 1)
    for i, chunk in enumerate(chunks):
        await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})
        await anyio.sleep(pause)
