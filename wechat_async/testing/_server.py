"""FakeWeChat: a local HTTP stand-in for api.weixin.qq.com (tokens and gift-card orders).

Runs on 127.0.0.1 over real sockets (anyio + h11, both already httpx dependencies), under
asyncio or trio. It is the seed of the full emulator: add a route to ``_ROUTES`` per endpoint.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.abc
import anyio.streams.stapled
import h11

from ..giftcard import MAX_ORDER_WINDOW
from ._orders import OrderBook

__all__ = ["FakeWeChat"]

Reply = tuple[int, dict[str, Any]]
#: a route: (server, query, JSON body object) -> (HTTP status, JSON reply)
Handler = Callable[["FakeWeChat", dict[str, str], dict[str, Any]], Awaitable[Reply]]

_MAX_BODY = 1 << 20
#: paths answered without an access_token (and never failed by fault injection)
_NO_TOKEN = ("/cgi-bin/", "/__fake__/")


def _error(code: int, message: str) -> Reply:
    return 200, {"errcode": code, "errmsg": f"{message} rid: fake-{secrets.token_hex(4)}"}


class FakeWeChat:
    """A fake WeChat server for tests, demos and benchmarks.

    >>> async with FakeWeChat(orders=1000) as wx:  # doctest: +SKIP
    ...     client = WeChatClient(wx.appid, wx.secret, base_url=wx.base_url)
    """

    def __init__(
        self,
        *,
        orders: int | OrderBook = 0,
        start_time: int = 1_767_225_600,  # 2026-01-01 00:00 UTC
        days: int = 100,
        seed: int = 0,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        appid: str = "wxfake0000000000",
        secret: str = "fake-app-secret",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.book = (
            orders
            if isinstance(orders, OrderBook)
            else OrderBook.generate(orders, start=start_time, days=days, seed=seed)
        )
        self.start_time = start_time
        self.days = days
        self.latency = latency
        self.fault_rate = fault_rate
        self.appid = appid
        self.secret = secret
        self._rng = random.Random(seed)
        self._host = host
        self._port = port
        self._tokens: set[str] = set()
        self._listener: anyio.streams.stapled.MultiListener[anyio.abc.SocketStream] | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._url = "http://<not started>"
        #: requests served, by path
        self.requests: dict[str, int] = {}
        #: called with (path, json body) before each order request is answered (tests use it
        #: to insert orders mid-sync)
        self.on_request: Callable[[str, Any], None] | None = None

    def __repr__(self) -> str:
        return f"FakeWeChat(base_url={self.base_url!r}, orders={len(self.book)})"

    @property
    def end_time(self) -> int:
        """The end of the generated orders' time range (Unix seconds)."""
        return self.start_time + self.days * 86400

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` once started (kept after the server stops, for reprs)."""
        return self._url

    async def __aenter__(self) -> FakeWeChat:
        self._listener = await anyio.create_tcp_listener(
            local_host=self._host, local_port=self._port
        )
        port = self._listener.listeners[0].extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
        self._url = f"http://{self._host}:{port}"
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._listener.serve, self._serve_connection)
        # The listener is ready: requests can be made as soon as this returns.
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tg is not None
        assert self._listener is not None
        self._tg.cancel_scope.cancel()
        await self._tg.__aexit__(None, None, None)
        await self._listener.aclose()

    async def serve_forever(self) -> None:
        """Run until cancelled (the standalone entry point)."""
        async with self:
            await anyio.sleep_forever()

    # -- HTTP ---------------------------------------------------------------------------------
    async def _serve_connection(self, stream: anyio.abc.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_BODY)
        async with stream:
            while True:
                try:
                    request, body = await self._read_request(conn, stream)
                except (anyio.EndOfStream, anyio.BrokenResourceError, h11.RemoteProtocolError):
                    return
                if request is None:
                    return
                if body is None:  # too large: answered, then the connection is closed
                    status, payload = 413, {"errcode": 47001, "errmsg": "body over 1 MiB"}
                else:
                    try:
                        status, payload = await self._dispatch(request, body)
                    except Exception as exc:  # a route's bug answers 500; serving goes on
                        status, payload = 500, {"errcode": -1, "errmsg": f"fake error: {exc!r}"}
                data = json.dumps(payload, ensure_ascii=False).encode()
                headers = [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(data)).encode()),
                ]
                try:
                    await stream.send(conn.send(h11.Response(status_code=status, headers=headers)))
                    await stream.send(
                        conn.send(h11.Data(data=data)) + conn.send(h11.EndOfMessage())
                    )
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    return
                if conn.our_state is h11.MUST_CLOSE:
                    return
                try:
                    conn.start_next_cycle()
                except h11.LocalProtocolError:
                    return

    async def _read_request(
        self, conn: h11.Connection, stream: anyio.abc.SocketStream
    ) -> tuple[h11.Request | None, bytes | None]:
        """The next request and its body (None when over ``_MAX_BODY``); no request at EOF."""
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive(65536))
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > _MAX_BODY:
                    return request, None
            elif isinstance(event, h11.EndOfMessage):
                return request, bytes(body)
            else:  # ConnectionClosed
                return None, b""

    async def _dispatch(self, request: h11.Request, body: bytes) -> Reply:
        url = urlsplit(request.target.decode("ascii", "replace"))
        path = url.path
        self.requests[path] = self.requests.get(path, 0) + 1
        query = dict(parse_qsl(url.query))
        handler = _ROUTES.get((request.method.decode(), path))
        if handler is None:
            return 404, {"errcode": 40066, "errmsg": f"invalid url {path}"}
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _error(47001, "data format error")
        if not isinstance(data, dict):
            return _error(47001, "data format error: expected a JSON object")
        if self.latency:
            await anyio.sleep(self.latency)
        if not path.startswith(_NO_TOKEN):
            if query.get("access_token") not in self._tokens:
                return _error(40001, "invalid credential, access_token is invalid or not latest")
            if self.fault_rate and self._rng.random() < self.fault_rate:
                if self._rng.random() < 0.5:
                    return 502, {"errcode": -1, "errmsg": "bad gateway"}
                return _error(-1, "system error")
            if self.on_request is not None:
                self.on_request(path, data)
        return await handler(self, query, data)

    # -- routes -------------------------------------------------------------------------------
    async def _stats(self, query: dict[str, str], data: dict[str, Any]) -> Reply:
        """Requests served so far, by path (benchmarks read it across processes)."""
        return 200, {"requests": self.requests, "orders": len(self.book)}

    def _issue_token(self, appid: str | None, secret: str | None) -> Reply:
        if appid != self.appid:
            return _error(40013, "invalid appid")
        if secret != self.secret:
            return _error(40125, "invalid appsecret")
        token = f"FAKE_TOKEN_{secrets.token_urlsafe(16)}"
        self._tokens.add(token)
        return 200, {"access_token": token, "expires_in": 7200}

    async def _stable_token(self, query: dict[str, str], data: dict[str, Any]) -> Reply:
        if data.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        return self._issue_token(data.get("appid"), data.get("secret"))

    async def _token(self, query: dict[str, str], data: dict[str, Any]) -> Reply:
        if query.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        return self._issue_token(query.get("appid"), query.get("secret"))

    async def _order_get(self, query: dict[str, str], data: dict[str, Any]) -> Reply:
        order = self.book.get(str(data.get("order_id", "")))
        if order is None:
            return _error(40097, "invalid args: order not exists")
        return 200, {"errcode": 0, "errmsg": "ok", "order": order}

    async def _order_batchget(self, query: dict[str, str], data: dict[str, Any]) -> Reply:
        try:
            begin, end = int(data["begin_time"]), int(data["end_time"])
            offset, count = int(data.get("offset", 0)), int(data["count"])
            sort_type = data.get("sort_type", "ASC")
        except (KeyError, TypeError, ValueError, OverflowError):
            return _error(47001, "data format error")
        if not 0 < count <= 100 or offset < 0 or sort_type not in ("ASC", "DESC"):
            return _error(40097, "invalid args: count 1..100, offset >= 0, sort_type ASC|DESC")
        if end < begin or end - begin > MAX_ORDER_WINDOW:
            return _error(40097, "invalid args: time range over 31 days")
        total, orders = self.book.page(
            begin, end, descending=sort_type == "DESC", offset=offset, count=count
        )
        return 200, {"errcode": 0, "errmsg": "ok", "total_count": total, "order_list": orders}


_ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/cgi-bin/stable_token"): FakeWeChat._stable_token,
    ("GET", "/cgi-bin/token"): FakeWeChat._token,
    ("POST", "/card/giftcard/order/get"): FakeWeChat._order_get,
    ("POST", "/card/giftcard/order/batchget"): FakeWeChat._order_batchget,
    ("GET", "/__fake__/stats"): FakeWeChat._stats,
}
