"""``Emulator``: a local WeChat for every endpoint the SDK covers, and the pushes it sends.

Three ways to use it:

* in-process: ``Emulator(...).app`` is an ASGI app (``httpx.ASGITransport``), or
  ``wx.client()`` before the emulator is started;
* on a loopback port: ``async with Emulator(orders=5000, seed=1) as wx:`` serves it with
  uvicorn (asyncio) or hypercorn (trio) and gives ``wx.base_url``, ``wx.appid``,
  ``wx.secret``, ``wx.start_time``/``wx.end_time`` and ``wx.client(**options)``;
* from the shell: ``wechat-async emulator serve --port 8080 --orders 50000 --seed 1``.

Scenario methods make things happen as a user or a carrier would (``pay_gift_card``,
``accept_gift``, ``give_card``, ``authorize_invoice``, ``advance_delivery``,
``visit_city_service``...). With ``push_to(url, token)`` (your app over HTTP) or
``push_to(app=your_asgi_app, token=...)`` (in-process, no port) set, the ones that make WeChat
push send their event to your app, plain or encrypted.

One rule for every push, whatever caused it (a scenario method, or an API call such as
``test_update_order`` or ``order/cancel``): the call returns once your app answered the push's
first delivery. If that answer was not the acknowledgement WeChat wants, WeChat's retries follow
on ``push_schedule``: in the background of a started emulator (``await wx.settle()`` waits until
every push was acknowledged or given up), or before the call returns when it is not started.
``wx.push_log`` records every attempt with WeChat's verdict; ``wx.redeliver(attempt)`` sends a
past push again, as a WeChat retry would.

The emulator reads one thing from the SDK: its endpoint registry, for where WeChat answers
(methods, paths, the ``action`` queries). Every rule behind those routes is its own, restated
from WeChat's documents and the wire, never imported from the SDK's models or checks (the order
window, the final delivery statuses, carrier accounts and signatures are declared again on
purpose): the SDK's tests against it then test something.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import httpx

from .._auth import AuthNamespace
from ..callbacks import CallbackApp
from ..cityservice import CityServiceNamespace
from ..component import ComponentClient, ComponentNamespace
from ..delivery import DeliveryNamespace
from ..giftcard import GiftCardNamespace
from ..invoice import InvoiceNamespace
from ._app import Call, EmulatorApp, Faults, Quota, RecordedRequest, Reply
from ._catalog import stock
from ._cityservice import CityService
from ._delivery import DEFAULT_ACCOUNTS, CarrierAccount, Delivery
from ._giftcard import GiftCards
from ._invoice import Invoicing
from ._orders import OrderBook
from ._platform import DEFAULT_COMPONENT_APPID, DEFAULT_COMPONENT_SECRET, Platform
from ._pushes import (
    DEFAULT_SCHEDULE,
    ORIGINAL_ID,
    WECHAT_TEAM,
    DataFormat,
    PushAttempt,
    Pusher,
    PushTarget,
)
from ._serve import AsgiServer
from ._tokens import TokenAuthority

if TYPE_CHECKING:
    from .._client import WeChatClient

__all__ = ["STATS_PATH", "Emulator"]

#: request counts by path, readable across processes (benchmarks and multi-process tests)
STATS_PATH = "/__emulator__/stats"
#: the emulated app's appid unless one is given
DEFAULT_APPID = "wxemulator000000"
#: the authorisation event URL's push token and EncodingAESKey ``component_client`` uses
PLATFORM_PUSH_TOKEN = "platform-push-token"
PLATFORM_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


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
        appid: str = DEFAULT_APPID,
        secret: str = "emulator-app-secret",
        carrier_accounts: Sequence[CarrierAccount] = DEFAULT_ACCOUNTS,
        push_schedule: Sequence[float] = DEFAULT_SCHEDULE,
        request_log: int = 1000,
        component_appid: str = DEFAULT_COMPONENT_APPID,
        component_secret: str = DEFAULT_COMPONENT_SECRET,
        rotate_refresh_tokens: bool = True,
        ticket_interval: float = 600.0,
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
        self._carrier_accounts = tuple(carrier_accounts)
        self._seed = seed
        self.app = EmulatorApp(
            check_token=self._check_token,
            faults=faults,
            path_faults=path_faults or {},
            quota=quota or Quota(),
            seed=seed,
            clock=clock,
            request_log=request_log,
        )
        self.app.serve_namespace(AuthNamespace, self.tokens)
        self.app.route("GET", STATS_PATH, self._stats, auth=False)
        _serve_domains(self.app, self.giftcards, self.invoice, self.cityservice, self.delivery)
        stock(self.giftcards, book.orders())
        #: the open platform, for one third-party platform (``wx.platform.authorize(...)``)
        self.platform = Platform(
            component_appid=component_appid,
            component_secret=component_secret,
            new_account=self._new_account,
            token_ttl=token_ttl,
            token_grace=token_grace,
            rotate_refresh_tokens=rotate_refresh_tokens,
            ticket_interval=ticket_interval,
            push_schedule=push_schedule,
            clock=clock,
        )
        self.app.serve_namespace(ComponentNamespace, self.platform, auth=False)
        self.app.accounts = self.platform.account_for
        self._host, self._port = host, port
        self._url = "http://<not started>"
        self._server: AsgiServer | None = None
        self._entered = 0  # ``async with`` depth: only the outermost starts and stops
        self._background: anyio.abc.TaskGroup | None = None  # retries of a started emulator
        self._pending = 0  # background retries not acknowledged or given up yet
        self._idle: anyio.Event | None = None  # set when they reach 0 (``settle``)
        #: code -> (giver, friend, chat room) while a card is being given (``give_card``)
        self._gifts: dict[str, tuple[str, str, bool]] = {}

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
        """Every push delivery attempt (the last 10,000), oldest first."""
        return self.pusher.log

    async def _stats(self, call: Call) -> Reply:
        return 200, {
            "requests": self.app.requests,
            "orders": len(self.book),
            "tokens_issued": self.tokens.issued,
            "platform": self.platform.stats,
        }

    def _check_token(self, token: str | None) -> tuple[str | None, Reply | None]:
        """The account's own tokens, then the platform's authorizer tokens."""
        checked = self.tokens.check(token)
        if checked[0] is None and token:
            return self.platform.check_authorizer(token) or checked
        return checked

    def _new_account(self, appid: str, orders: int) -> tuple[EmulatorApp, dict[str, Any]]:
        """The state of another account (a platform's authorizer), on routes of its own: its
        gift-card orders, invoicing, City Service and delivery (the same carrier test
        accounts; ``open`` and ``shop/add`` answer it, as they answer platforms only)."""
        app = EmulatorApp(
            check_token=self._check_token,
            faults=self.app.faults,
            path_faults={},
            quota=self.app.quota,
            seed=self._seed,
            clock=self._clock,
            request_log=0,
        )
        seed = self._seed + sum(appid.encode())
        book = OrderBook.generate(orders, start=self.start_time, days=self.days, seed=seed)
        domains: dict[str, Any] = {
            "giftcards": GiftCards(book, seed=seed, clock=self._clock),
            "invoice": Invoicing(clock=self._clock),
            "cityservice": CityService(clock=self._clock),
            "delivery": Delivery(self._carrier_accounts, clock=self._clock, via_platform=True),
        }
        _serve_domains(app, **domains)
        stock(domains["giftcards"], book.orders())
        return app, domains

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

    def component_client(self, **options: Any) -> ComponentClient:
        """A ``ComponentClient`` of the emulated third-party platform, bound to this emulator
        as ``client()`` is; unless ``wx.platform.push_to`` was set, the platform's pushes
        (tickets, authorisations) go to its router in-process. ``token`` and
        ``encoding_aes_key`` (the authorisation event URL's) have test defaults."""
        options.setdefault("token", PLATFORM_PUSH_TOKEN)
        options.setdefault("encoding_aes_key", PLATFORM_AES_KEY)
        if self._server is None and "http_client" not in options and "transport" not in options:
            options["http_client"] = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app))
            options.setdefault("base_url", "http://emulator")
        options.setdefault("base_url", self._url)
        platform = ComponentClient(
            self.platform.component_appid, self.platform.component_secret, **options
        )
        if self.platform.pusher.target is None:
            self.platform.push_to(
                token=options["token"],
                encoding_aes_key=options["encoding_aes_key"],
                app=CallbackApp(platform.router),
            )
        return platform

    # -- serving -------------------------------------------------------------------------------
    async def __aenter__(self) -> Emulator:
        """Serve on 127.0.0.1; entering an emulator already started (the pytest fixture's)
        only returns it."""
        self._entered += 1
        if self._entered > 1:
            return self
        try:
            server = AsgiServer(self.app, host=self._host, port=self._port)
            await server.__aenter__()
            self._server = server
            self._url = server.base_url
            self._background = anyio.create_task_group()
            await self._background.__aenter__()
            self.platform.spawn = self._spawn
            self._background.start_soon(self.platform.push_tickets_forever)
        except BaseException:
            await self._stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._entered > 1:
            self._entered -= 1
            return
        await self._stop()

    async def _stop(self) -> None:
        self._entered = 0
        background, self._background = self._background, None
        self.platform.spawn = None
        if background is not None:
            # Retries still waiting are dropped with the emulator (``settle()`` first to see
            # them through).
            background.cancel_scope.cancel()
            await background.__aexit__(None, None, None)
        server, self._server = self._server, None
        if server is not None:
            await server.__aexit__(None, None, None)

    async def serve_forever(self) -> None:
        async with self:
            await anyio.sleep_forever()

    # -- pushes ------------------------------------------------------------------------------
    def push_to(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        app: Any = None,
        encoding_aes_key: str | None = None,
        app_id: str | None = None,
        data_format: DataFormat | None = None,
    ) -> None:
        """Deliver pushes to your app, signed with ``token`` (the push token configured at
        WeChat) and, in safe mode, encrypted with ``encoding_aes_key`` for ``app_id`` (the
        emulator's appid by default).

        ``url`` is your app's message URL; with ``app`` (an ASGI app: ``CallbackApp``, a
        Starlette or FastAPI app...) pushes go to it in-process, no port, and ``url`` is the
        path to ask it for (``/`` by default; its lifespan is not run). ``data_format`` is the
        Mini Program's data format setting (``"JSON"`` or ``"XML"``); by default each push
        comes in its usual one (JSON for ``update_waybill_status``, XML for the rest).
        """
        if not token:
            raise ValueError("token is required: the push token your app checks")
        if app is None and not url:
            raise ValueError("push_to needs url= (your app's message URL) or app= (an ASGI app)")
        self.pusher.target = PushTarget(
            url or "/",
            token,
            encoding_aes_key,
            app_id or self.appid,
            app=app,
            data_format=data_format,
        )

    async def redeliver(self, attempt: PushAttempt) -> PushAttempt:
        """Send a past push again, once, as a WeChat retry does: the same fields (its
        ``CreateTime`` too), freshly signed. Returns the new attempt; your dedupe should
        acknowledge it without running the handler twice."""
        number = 1 + max((a.attempt for a in self.push_log if a.key == attempt.key), default=0)
        return await self.pusher.attempt(attempt.fields, number, attempt.data_format)

    async def settle(self) -> None:
        """Wait until the retries running in the background were acknowledged or gave up
        (bound it with ``anyio.fail_after``)."""
        while self._pending:
            if self._idle is None:
                self._idle = anyio.Event()
            await self._idle.wait()

    async def _push(self, event: str, sender: str, **fields: Any) -> None:
        """Push ``event`` from ``sender`` (its FromUserName): returns once the first attempt
        was answered; retries follow in the background (see the module docstring)."""
        if self.pusher.target is None:
            return
        pushed = {
            "ToUserName": ORIGINAL_ID,
            "FromUserName": sender,
            "CreateTime": int(self._clock()),
            "MsgType": "event",
            "Event": event,
            **{k: v for k, v in fields.items() if v is not None},
        }
        if (await self.pusher.attempt(pushed, 0)).accepted or not self.pusher.schedule:
            return
        if self._background is None:
            await self.pusher.retry(pushed)
            return
        self._pending += 1
        self._background.start_soon(self._retry_in_background, pushed)

    async def _retry_in_background(self, fields: dict[str, Any]) -> None:
        await self._tracked(lambda: self.pusher.retry(fields))

    def _spawn(self, work: Callable[[], Awaitable[object]]) -> None:
        """Run ``work`` in the background of the started emulator (``settle`` waits for it)."""
        assert self._background is not None
        self._pending += 1
        self._background.start_soon(self._tracked, work)

    async def _tracked(self, work: Callable[[], Awaitable[object]]) -> None:
        try:
            await work()
        finally:
            self._pending -= 1
            if not self._pending and self._idle is not None:
                self._idle.set()
                self._idle = None

    # -- gift-card scenarios -----------------------------------------------------------------
    async def pay_gift_card(
        self, *, card_id: str, price: int, openid: str, page_id: str | None = None
    ) -> dict[str, Any]:
        """User ``openid`` buys a gift card: the order (and its code) exist at once, and
        ``giftcard_pay_done`` is pushed. Returns the order as ``order/get`` shows it."""
        order = self.giftcards.buy(card_id=card_id, price=price, openid=openid, page_id=page_id)
        stock(self.giftcards, [order])
        await self._push(
            "giftcard_pay_done", openid, PageId=order.get("page_id"), OrderId=order["order_id"]
        )
        return order

    async def send_to_friend(self, order_id: str, *, chat_room: bool = False) -> None:
        """The buyer sends the order's cards to a friend (or a group chat):
        ``giftcard_send_to_friend`` is pushed."""
        order = self._order(order_id)
        await self._push(
            "giftcard_send_to_friend",
            str(order.get("open_id") or ""),
            PageId=order.get("page_id"),
            OrderId=order_id,
            IsChatRoom="true" if chat_room else "false",
            IsReturnBack="false",
        )

    async def accept_gift(self, order_id: str, *, openid: str = "oEMUfriend") -> None:
        """Friend ``openid`` accepts the gift: ``accepter_openid`` appears on the order, its
        codes are the friend's, and ``giftcard_user_accept`` is pushed, then ``user_get_card``
        for each card (``SourceScene`` ``SOURCE_SCENE_USER_ACCEPT_GIFTCARD``, as seen live)."""
        order = self._order(order_id)
        buyer = str(order.get("open_id") or "")
        order["accepter_openid"] = openid
        for card in order.get("card_list", []):
            card["accepter_openid"] = openid
            entry = self.giftcards.code_entry(str(card.get("code", "")))
            if entry is not None:
                entry["openid"] = openid
        await self._push(
            "giftcard_user_accept",
            openid,
            PageId=order.get("page_id"),
            OrderId=order_id,
            IsChatRoom="false",
        )
        for card in order.get("card_list", []):
            await self._push(
                "user_get_card",
                openid,
                CardId=card.get("card_id"),
                IsGiveByFriend=1,
                UserCardCode=card.get("code"),
                FriendUserName=buyer,
                OldUserCardCode="",
                SourceScene="SOURCE_SCENE_USER_ACCEPT_GIFTCARD",
            )

    async def give_card(self, code: str, *, to_openid: str, chat_room: bool = False) -> None:
        """The holder of ``code`` gives the card to ``to_openid`` (or a group chat): the code
        is ``GIFTING`` (it cannot be consumed) and ``user_gifting_card`` is pushed. The friend
        takes it with ``accept_card``; unclaimed for 24 hours, ``return_unclaimed_card``."""
        entry = self._code(code)
        if entry["status"] != "NORMAL" or code in self._gifts:
            raise ValueError(f"code {code!r} is {entry['status']}: it cannot be given")
        giver = str(entry.get("openid") or "")
        entry["status"] = "GIFTING"
        self._gifts[code] = (giver, to_openid, chat_room)
        await self._push(
            "user_gifting_card",
            giver,
            CardId=entry["card_id"],
            UserCardCode=code,
            IsReturnBack=0,
            FriendUserName=to_openid,
            IsChatRoom=int(chat_room),
        )

    async def accept_card(self, code: str) -> None:
        """The friend takes the card ``give_card`` sent: the code is theirs, and
        ``user_get_card`` is pushed (``IsGiveByFriend`` 1, ``FriendUserName`` the giver)."""
        giver, friend, _ = self._gift(code)
        entry = self._code(code)
        entry.update(status="NORMAL", openid=friend)
        await self._push(
            "user_get_card",
            friend,
            CardId=entry["card_id"],
            IsGiveByFriend=1,
            UserCardCode=code,
            FriendUserName=giver,
            OldUserCardCode="",
        )

    async def return_unclaimed_card(self, code: str) -> None:
        """24 hours passed and the friend did not take the card: it goes back to the giver's
        card bag. ``user_gifting_card`` (``IsReturnBack`` 1) is pushed, then the giver's
        ``user_get_card`` (``IsGiveByFriend`` 0)."""
        giver, friend, chat_room = self._gift(code)
        entry = self._code(code)
        entry.update(status="NORMAL", openid=giver)
        await self._push(
            "user_gifting_card",
            giver,
            CardId=entry["card_id"],
            UserCardCode=code,
            IsReturnBack=1,
            FriendUserName=friend,
            IsChatRoom=int(chat_room),
        )
        await self._push(
            "user_get_card",
            giver,
            CardId=entry["card_id"],
            IsGiveByFriend=0,
            UserCardCode=code,
            FriendUserName="",
            OldUserCardCode="",
        )

    def _code(self, code: str) -> dict[str, Any]:
        entry = self.giftcards.code_entry(code)
        if entry is None:
            raise KeyError(f"no card code {code!r}")
        return entry

    def _gift(self, code: str) -> tuple[str, str, bool]:
        gift = self._gifts.pop(code, None)
        if gift is None:
            raise ValueError(f"code {code!r} is not being given (give_card first)")
        return gift

    # -- other scenarios ---------------------------------------------------------------------
    def visit_city_service(self, openid: str) -> None:
        """The user opens your service from City Service: ``send_msg_data`` to them is allowed
        for 30 days, within WeChat's limits. Send with ``wx.cityservice.template_id`` and its
        ``wx.cityservice.style_ids``."""
        self.cityservice.visit(openid)

    async def authorize_invoice(
        self,
        order_id: str,
        *,
        s_pappid: str,
        title: str,
        tax_no: str | None = None,
        openid: str | None = None,
    ) -> None:
        """User ``openid`` fills the invoice form (by default the buyer, when ``order_id`` is
        a gift-card order): ``get_auth_data`` answers it from now on, and
        ``user_authorize_invoice`` is pushed."""
        self.invoice.authorize(s_pappid, order_id, title=title, tax_no=tax_no)
        if openid is None:
            order = self.book.get(order_id)
            openid = str(order.get("open_id") or "") if order else "oEMUuser"
        await self._push(
            "user_authorize_invoice", openid, SuccOrderId=order_id, AppId=s_pappid, Source="web"
        )

    async def advance_delivery(
        self, shopid: str, shop_order_id: str, status: int, message: str = ""
    ) -> None:
        """The carrier moves a delivery order (the status machine's rules);
        ``update_waybill_status`` is pushed."""
        order = self.delivery.orders.get((shopid, shop_order_id))
        if order is None:
            raise KeyError(f"no delivery order {shop_order_id!r} for shop {shopid!r}")
        _, reply = await self.delivery.advance(order, status, message)
        if reply.get("resultcode") or reply.get("errcode"):
            raise ValueError(reply.get("resultmsg") or reply.get("errmsg"))

    async def _push_waybill(self, order: dict[str, Any]) -> None:
        # Every status change, from a scenario or an API call (test_update_order, cancel...).
        await self._push(
            "update_waybill_status",
            WECHAT_TEAM,  # the delivery pushes' documented sender
            shopid=order["shopid"],
            shop_order_id=order["shop_order_id"],
            shop_no=order.get("shop_no", ""),
            waybill_id=order["waybill_id"],
            action_time=order["action_time"],
            order_status=order["order_status"],
            action_msg=order.get("action_msg", ""),
            agent=_rider(order),
        )

    def encrypt_code(self, code: str) -> str:
        """The ``encrypt_code`` a jump URL carries for ``code`` (``decrypt_code`` inverts it)."""
        return self.giftcards.encrypt_code(code)

    def _order(self, order_id: str) -> dict[str, Any]:
        order = self.book.get(order_id)
        if order is None:
            raise KeyError(f"no gift-card order {order_id!r}")
        return order


def _serve_domains(
    app: EmulatorApp,
    giftcards: GiftCards,
    invoice: Invoicing,
    cityservice: CityService,
    delivery: Delivery,
) -> None:
    """One account's domain endpoints, where the SDK's registry says WeChat serves them."""
    app.serve_namespace(GiftCardNamespace, giftcards)
    app.serve_namespace(InvoiceNamespace, invoice)
    app.serve_namespace(CityServiceNamespace, cityservice)
    app.serve_namespace(DeliveryNamespace, delivery, delivery.wrap)


#: Statuses with a rider on the order: taken (102) until the end, unless cancelled before.
_NO_RIDER = frozenset({101, 103})
_DELIVERING = 301


def _rider(order: dict[str, Any]) -> dict[str, Any] | None:
    """The push's ``agent``: the rider once one took the order; ``reach_time`` (expected
    arrival, Unix seconds) only while delivering."""
    if order["order_status"] in _NO_RIDER:
        return None
    agent: dict[str, Any] = {"name": "骑手", "phone": "13800000000"}
    if order["order_status"] == _DELIVERING:
        agent["reach_time"] = int(order["action_time"]) + 300
    return agent
