"""``Emulator``: a local WeChat for every endpoint the SDK covers, and the pushes it sends.

Three ways to use it:

* in-process: ``Emulator(...).app`` is an ASGI app (``httpx.ASGITransport``), or
  ``wx.client()`` before the emulator is started;
* on a loopback port: ``async with Emulator(orders=5000, seed=1) as wx:`` serves it with
  uvicorn (asyncio) or hypercorn (trio) and gives ``wx.base_url``, ``wx.appid``,
  ``wx.secret``, ``wx.start_time``/``wx.end_time`` and ``wx.client(**options)``;
* from the shell: ``wechat-async emulator serve --port 8080 --orders 50000 --seed 1``.

Scenario methods make things happen as a user would (``pay_gift_card``, ``accept_gift``,
``authorize_invoice``, ``advance_delivery``, ``visit_city_service``...); with
``push_to(url, token, ...)`` set, the pushing ones send their event to your app, plain or
encrypted, retried until your app answers what WeChat expects. ``wx.push_log`` records every
attempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import httpx

from ._app import Call, EmulatorApp, Faults, Quota, RecordedRequest, Reply
from ._catalog import stock
from ._cityservice import CityService
from ._delivery import DEFAULT_ACCOUNTS, CarrierAccount, Delivery
from ._giftcard import GiftCards
from ._invoice import Invoicing
from ._orders import OrderBook
from ._pushes import DEFAULT_SCHEDULE, PushAttempt, Pusher, PushTarget
from ._serve import AsgiServer
from ._tokens import TokenAuthority

if TYPE_CHECKING:
    from .._client import WeChatClient

__all__ = ["STATS_PATH", "Emulator"]

#: request counts by path, readable across processes (benchmarks and multi-process tests)
STATS_PATH = "/__emulator__/stats"
_WECHAT_TEAM = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


class Emulator:
    """A local WeChat. See the module docstring.

    >>> async with Emulator(orders=500, seed=1) as wx:  # doctest: +SKIP
    ...     async with wx.client() as client:
    ...         orders = [o async for o in client.giftcard.iter_orders(wx.start_time, wx.end_time)]
    """

    def __init__(
        self,
        *,
        orders: int | OrderBook = 0,
        start_time: int = 1_767_225_600,  # 2026-01-01 00:00 UTC
        days: int = 100,
        seed: int = 0,
        orders_per_second: float = 0.0,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        faults: Faults | None = None,
        path_faults: Mapping[str, Faults] | None = None,
        quota: Quota | None = None,
        token_ttl: int = 7200,
        token_grace: float = 300.0,
        appid: str = "wxemulator000000",
        secret: str = "emulator-app-secret",
        carrier_accounts: Sequence[CarrierAccount] = DEFAULT_ACCOUNTS,
        push_schedule: Sequence[float] = DEFAULT_SCHEDULE,
        request_log: int = 1000,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        book = (
            orders
            if isinstance(orders, OrderBook)
            else OrderBook.generate(orders, start=start_time, days=days, seed=seed)
        )
        self.appid, self.secret = appid, secret
        self.start_time, self.days = start_time, days
        self._clock = clock
        self.tokens = TokenAuthority(appid, secret, ttl=token_ttl, grace=token_grace, clock=clock)
        self.giftcards = GiftCards(
            book, orders_per_second=orders_per_second, seed=seed, clock=clock
        )
        self.invoice = Invoicing(clock=clock)
        self.cityservice = CityService(clock=clock)
        self.delivery = Delivery(tuple(carrier_accounts), clock=clock)
        self.pusher = Pusher(schedule=push_schedule, clock=clock)
        self.delivery.on_status = self._push_waybill
        if faults is None:
            faults = Faults(
                latency=latency, system_error=fault_rate / 2, bad_gateway=fault_rate / 2
            )
        self.app = EmulatorApp(
            check_token=self.tokens.check,
            faults=faults,
            path_faults=path_faults or {},
            quota=quota or Quota(),
            seed=seed,
            clock=clock,
            request_log=request_log,
        )
        self.app.route("POST", "/cgi-bin/stable_token", self.tokens.stable_token, auth=False)
        self.app.route("GET", "/cgi-bin/token", self.tokens.token, auth=False)
        self.app.route("GET", STATS_PATH, self._stats, auth=False)
        self.giftcards.register(self.app)
        self.invoice.register(self.app)
        self.cityservice.register(self.app)
        self.delivery.register(self.app)
        stock(self.giftcards, book.orders())
        self._host, self._port = host, port
        self._url = "http://<not started>"
        self._server: AsgiServer | None = None
        self._pending = 0  # background pushes not delivered or given up yet
        self._idle: anyio.Event | None = None  # set when they reach 0 (``settle``)

    def __repr__(self) -> str:
        return f"Emulator(base_url={self._url!r}, orders={len(self.book)})"

    # -- what tests read ----------------------------------------------------------------------
    @property
    def book(self) -> OrderBook:
        return self.giftcards.book

    @property
    def end_time(self) -> int:
        """The end of the generated orders' period (Unix seconds)."""
        return self.start_time + self.days * 86400

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` once started (kept after it stops, for reprs)."""
        return self._url

    @property
    def requests(self) -> dict[str, int]:
        """How many requests each routed path got (unknown paths count under
        ``"<unrouted>"``)."""
        return self.app.requests

    @property
    def request_log(self) -> Sequence[RecordedRequest]:
        """The last ``request_log`` requests (1,000 by default), oldest first: method, path,
        query and JSON body with secrets masked, status and errcode."""
        return self.app.request_log

    @property
    def on_request(self) -> Callable[[str, Any], None] | None:
        """Called with (path, JSON body) before each token-checked route runs: change the
        state between two requests (e.g. add orders while a sync reads them)."""
        return self.app.on_request

    @on_request.setter
    def on_request(self, hook: Callable[[str, Any], None] | None) -> None:
        self.app.on_request = hook

    @property
    def push_log(self) -> list[PushAttempt]:
        return self.pusher.log

    async def _stats(self, call: Call) -> Reply:
        return 200, {
            "requests": self.app.requests,
            "orders": len(self.book),
            "tokens_issued": self.tokens.issued,
        }

    def client(self, **options: Any) -> WeChatClient:
        """A ``WeChatClient`` bound to this emulator: over its port once started, else
        in-process through its ASGI app (``http_client=`` then is an ASGI-bound httpx client)."""
        from .._client import WeChatClient

        if self._server is None and "http_client" not in options and "transport" not in options:
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app))
            return WeChatClient(
                self.appid, self.secret, base_url="http://emulator", http_client=http, **options
            )
        return WeChatClient(self.appid, self.secret, base_url=self._url, **options)

    # -- serving -------------------------------------------------------------------------------
    async def __aenter__(self) -> Emulator:
        self._server = AsgiServer(self.app, host=self._host, port=self._port)
        await self._server.__aenter__()
        self._url = self._server.base_url
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.__aexit__(exc_type, exc, tb)

    async def serve_forever(self) -> None:
        async with self:
            await anyio.sleep_forever()

    # -- pushes and scenarios --------------------------------------------------------------------
    def push_to(
        self,
        url: str,
        token: str,
        *,
        encoding_aes_key: str | None = None,
        app_id: str | None = None,
    ) -> None:
        """Deliver pushes to ``url`` (your app's message URL), signed with ``token``, and in
        safe mode encrypted with ``encoding_aes_key``."""
        self.pusher.target = PushTarget(url, token, encoding_aes_key, app_id or self.appid)

    def _fields(self, event: str, **fields: Any) -> dict[str, Any]:
        return {
            "ToUserName": "gh_emulator",
            "FromUserName": _WECHAT_TEAM,
            "CreateTime": int(self._clock()),
            "MsgType": "event",
            "Event": event,
            **{k: v for k, v in fields.items() if v is not None},
        }

    async def pay_gift_card(
        self, *, card_id: str, price: int, openid: str, page_id: str | None = None
    ) -> dict[str, Any]:
        """A user buys a gift card: the order (and its code) exist at once, and
        ``giftcard_pay_done`` is pushed. Returns the order as ``order/get`` shows it."""
        order = self.giftcards.buy(card_id=card_id, price=price, openid=openid, page_id=page_id)
        stock(self.giftcards, [order])
        fields = self._fields(
            "giftcard_pay_done", PageId=order.get("page_id"), OrderId=order["order_id"]
        )
        await self.pusher.deliver(fields)
        return order

    async def send_to_friend(self, order_id: str, *, chat_room: bool = False) -> None:
        order = self._order(order_id)
        fields = self._fields(
            "giftcard_send_to_friend",
            PageId=order.get("page_id"),
            OrderId=order_id,
            IsChatRoom="true" if chat_room else "false",
            IsReturnBack="false",
        )
        await self.pusher.deliver(fields)

    async def accept_gift(self, order_id: str, *, openid: str = "oEMUfriend") -> None:
        """The friend accepts the gift: ``accepter_openid`` appears on the order and
        ``giftcard_user_accept`` is pushed."""
        order = self._order(order_id)
        order["accepter_openid"] = openid
        for card in order.get("card_list", []):
            card["accepter_openid"] = openid
        fields = self._fields(
            "giftcard_user_accept",
            PageId=order.get("page_id"),
            OrderId=order_id,
            IsChatRoom="false",
        )
        await self.pusher.deliver(fields)

    def visit_city_service(self, openid: str) -> None:
        """The user opens your service from City Service: ``send_msg_data`` to them is allowed
        for 30 days, within WeChat's limits. Send with ``wx.cityservice.template_id`` and its
        ``wx.cityservice.style_ids``."""
        self.cityservice.visit(openid)

    async def authorize_invoice(
        self, order_id: str, *, s_pappid: str, title: str, tax_no: str | None = None
    ) -> None:
        """The user fills the invoice form: ``get_auth_data`` answers it from now on, and
        ``user_authorize_invoice`` is pushed."""
        self.invoice.authorize(s_pappid, order_id, title=title, tax_no=tax_no)
        fields = self._fields(
            "user_authorize_invoice", SuccOrderId=order_id, AppId=s_pappid, Source="web"
        )
        await self.pusher.deliver(fields)

    async def advance_delivery(
        self, shopid: str, shop_order_id: str, status: int, message: str = ""
    ) -> None:
        """The carrier moves a delivery order (section 7's rules); the change is pushed."""
        order = self.delivery.orders.get((shopid, shop_order_id))
        if order is None:
            raise KeyError(f"no delivery order {shop_order_id!r} for shop {shopid!r}")
        _, reply = await self.delivery.advance(order, status, message)
        if reply.get("resultcode") or reply.get("errcode"):
            raise ValueError(reply.get("resultmsg") or reply.get("errmsg"))

    async def _push_waybill(self, order: dict[str, Any]) -> None:
        # WeChat pushes after answering the API call that caused it: in the background when
        # serving (``settle()`` waits for them), inline in-process.
        group = self._server.task_group if self._server is not None else None
        if group is not None:
            self._pending += 1
            group.start_soon(self._push_in_background, dict(order))
        else:
            await self._deliver_waybill(order)

    async def settle(self) -> None:
        """Wait until the pushes started in the background were delivered or gave up
        (bound it with ``anyio.fail_after``)."""
        while self._pending:
            if self._idle is None:
                self._idle = anyio.Event()
            await self._idle.wait()

    async def _push_in_background(self, order: dict[str, Any]) -> None:
        try:
            await self._deliver_waybill(order)
        finally:
            self._pending -= 1
            if not self._pending and self._idle is not None:
                self._idle.set()
                self._idle = None

    async def _deliver_waybill(self, order: dict[str, Any]) -> None:
        fields = self._fields(
            "update_waybill_status",
            shopid=order["shopid"],
            shop_order_id=order["shop_order_id"],
            shop_no=order.get("shop_no", ""),
            waybill_id=order["waybill_id"],
            action_time=order["action_time"],
            order_status=order["order_status"],
            action_msg=order.get("action_msg", ""),
        )
        await self.pusher.deliver(fields, as_json=True)

    def encrypt_code(self, code: str) -> str:
        """The ``encrypt_code`` a jump URL carries for ``code`` (``decrypt_code`` inverts it)."""
        return self.giftcards.encrypt_code(code)

    def _order(self, order_id: str) -> dict[str, Any]:
        order = self.book.get(order_id)
        if order is None:
            raise KeyError(f"no gift-card order {order_id!r}")
        return order
