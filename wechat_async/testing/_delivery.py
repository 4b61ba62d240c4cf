"""Instant delivery as WeChat and the carriers behind it run it.

Two layers answer, as on the real wire: WeChat's platform checks an order call first (a bound
shopid, a carrier it knows, a valid openid, the ``shop`` fields, the cargo categories as raw
UTF-8, the sandbox's daily quota; errcodes 930555 to 930570 and 9300535), then the carrier
(``delivery_sign``, the ``delivery_token`` it handed out, its scheduling window). A carrier
refusal is HTTP 200, no errcode, a non-zero ``resultcode``. Orders move through the status
machine of the order_status table, driven by ``test_update_order`` (the TEST carrier),
``realmock_update_order`` (the carriers' test accounts) or ``Emulator.advance_delivery``; every
change is pushed as ``update_waybill_status``. An ended order answers 930565 to tips,
cancellation and return confirmation. ``CarrierFaults`` adds the environmental failures (930555
to 930558).

The rules follow the official documentation of Mini Program instant delivery
(https://developers.weixin.qq.com/miniprogram/dev/server/API/immediate-delivery/ and the pages
it lists) and what the live API was seen to accept: ``cargo.goods_weight`` 500 or 0,
dimensions 0, no ``shop.wxa_path``, no ``sender.address_detail`` are all placed.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from ._app import BadField, Call, Handler, Reply, error, expect

__all__ = ["SANDBOX_DAILY_ORDERS", "TRANSITIONS", "CarrierAccount", "CarrierFaults", "Delivery"]

PREFIX = "/cgi-bin/express/local/business/"

#: status -> the statuses it may move to (the order_status table); cancellations (501, 502) from any
#: status that is not final.
TRANSITIONS: dict[int, frozenset[int]] = {
    101: frozenset({102, 103}),
    102: frozenset({201, 103}),
    201: frozenset({202, 203, 204, 205}),
    202: frozenset({301}),
    301: frozenset({302, 303, 304, 305}),
    303: frozenset({401}),
    304: frozenset({401}),
    305: frozenset({401}),
}
#: The statuses that end an order. Deliberately declared here and not imported from the SDK
#: (``OrderStatus.is_final``): the emulator plays WeChat, so it derives nothing from the SDK.
FINAL = frozenset({103, 203, 204, 205, 302, 401, 501, 502})
_CARRIER_NAMES = {
    "SFTC": "顺丰同城急送",
    "SS": "闪送",
    "MTPS": "美团配送",
    "DADA": "达达",
    "TEST": "测试",
}
_REALMOCK_STATUSES = {
    "SFTC": frozenset({102, 202, 302}),
    "DADA": frozenset({102, 201, 202, 301, 302, 304, 305}),
}
_CENT = Decimal("0.01")
#: The sandbox (``delivery_id`` TEST) takes at most 500 orders a day, counted by Beijing day.
SANDBOX_DAILY_ORDERS = 500
_BEIJING = 8 * 3600
#: Carriers whose pre_add hands out a ``delivery_token`` (DADA's is valid 3 minutes), which
#: their add then checks; the others return none and ignore one.
_TOKEN_CARRIERS = frozenset({"DADA", "TEST"})
_TOKEN_TTL = 180
#: How far ahead a scheduled order (order_type 1) may be, by carrier: DADA within 72 hours of
#: its expected_delivery_time, SS (闪送) a pickup 2 to 48 hours ahead.
_SCHEDULES = {
    "DADA": ("expected_delivery_time", 0, 72 * 3600),
    "SS": ("expected_pick_time", 2 * 3600, 48 * 3600),
}
#: the paths that reach a carrier (where ``CarrierFaults`` strike)
_CARRIER_CALLS = frozenset(
    {
        "order/pre_add",
        "order/add",
        "order/readd",
        "order/addtips",
        "order/get",
        "order/precancel",
        "order/cancel",
        "order/confirm_return",
    }
)
_URL = re.compile(r"https?://\S+")
# A \uXXXX escape (not an escaped backslash followed by "u"): kept as text by ``_as_sent``.
_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u")


@attrs.frozen
class CarrierAccount:
    """A carrier account WeChat has bound to the Mini Program. Deliberately its own class, not
    the SDK's ``CarrierAccount``: the emulator plays WeChat and derives nothing from the SDK."""

    shopid: str
    app_secret: str = attrs.field(repr=False)
    delivery_id: str


@attrs.define
class CarrierFaults:
    """Seeded environmental failures of order calls, chances per call
    (``wx.delivery.faults = CarrierFaults(carrier_timeout=0.2, seed=1)``).

    ``platform_error`` answers 930555 and ``carrier_error`` 930557 before anything is applied;
    ``carrier_logic_error`` 930558 likewise. ``carrier_timeout`` answers 930556 *after* the
    carrier applied the call, as a timeout on the way back does: an order placed so exists,
    and placing it again answers 930562.
    """

    platform_error: float = 0.0
    carrier_timeout: float = 0.0
    carrier_error: float = 0.0
    carrier_logic_error: float = 0.0
    seed: int = 0
    _rng: random.Random = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def before(self) -> Reply | None:
        """The failure that stops a call before the carrier applies it, if one strikes."""
        for rate, code, message in (
            (self.platform_error, 930555, "system error"),
            (self.carrier_error, 930557, "delivery system error"),
            (self.carrier_logic_error, 930558, "delivery logic error"),
        ):
            if rate and self._rng.random() < rate:
                return error(code, message)
        return None

    def timed_out(self) -> bool:
        return bool(self.carrier_timeout) and self._rng.random() < self.carrier_timeout


#: the sandbox account and the carriers' test accounts published in the documentation
DEFAULT_ACCOUNTS = (
    CarrierAccount("test_shop_id", "test_app_secrect", "TEST"),
    CarrierAccount("1534713176", "d80400f91e156f63b38886e616d84590", "SFTC"),
    CarrierAccount("dadaaee18818d97e236", "1c6f40492d6d89caaad80b85f7d31670", "DADA"),
)


def _sign(shopid: str, shop_order_id: str | None, secret: str) -> str:
    # The documented rule, written again on purpose rather than taken from the SDK's
    # ``delivery_sign``: a mistake there must not make the emulator agree with it.
    text = shopid + (shop_order_id or "") + secret
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _carrier(code: int, message: str, **zeros: Any) -> Reply:
    return 200, {"resultcode": code, "resultmsg": message, **zeros}


def _ok(**fields: Any) -> Reply:
    return 200, {"errcode": 0, "errmsg": "ok", "resultcode": 0, "resultmsg": "ok", **fields}


def _money(value: Any, field: str) -> Decimal:
    """A JSON number as yuan, or BadField (47001) for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return Decimal(str(value))
    raise BadField(field, "a number")


def _yuan(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _succeeded(reply: dict[str, Any]) -> bool:
    return not reply.get("errcode") and not reply.get("resultcode")


def _as_sent(raw: bytes) -> Any:
    """The body as WeChat's delivery platform reads it: ``\\uXXXX`` escapes kept as text, so
    escaped Chinese never matches a category (errcode 930570; send raw UTF-8)."""
    try:
        return json.loads(_ESCAPE.sub(rb"\1\\\\u", raw))
    except ValueError:
        return None


def _coordinate(value: Any, field: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise BadField(field, "a number")


def _distance(a: Any, b: Any) -> int:
    """Metres between two {lng, lat} points (haversine); 3 km when either is missing."""
    try:
        lng1, lat1, lng2, lat2 = (math.radians(float(p[k])) for p in (a, b) for k in ("lng", "lat"))
    except (TypeError, KeyError, ValueError):
        return 3000
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return int(2 * 6_371_000 * math.asin(math.sqrt(h)))


def _on_earth(place: dict[str, Any], side: str) -> bool:
    """Whether a sender or receiver's coordinates can be a place (swapped ones often cannot)."""
    lng, lat = place.get("lng"), place.get("lat")
    if lng is not None and not -180 <= _coordinate(lng, f"{side}.lng") <= 180:
        return False
    return lat is None or -90 <= _coordinate(lat, f"{side}.lat") <= 90


def _shop_ok(shop: Any) -> bool:
    """The ``shop`` fields WeChat shows in the user's notification: a thumbnail URL, a goods
    name (at most 128 bytes) and a goods count above 0 (9300535 otherwise). ``wxa_path`` is
    documented as required, but orders without it were placed live."""
    if shop is None:
        return False
    shop = expect(shop, dict, "shop")
    img_url, name, count = shop.get("img_url"), shop.get("goods_name"), shop.get("goods_count")
    if img_url is None or name is None or count is None:
        return False
    return (
        _URL.fullmatch(expect(img_url, str, "shop.img_url")) is not None
        and 0 < len(expect(name, str, "shop.goods_name").encode()) <= 128
        and expect(count, int, "shop.goods_count") > 0
    )


def _categories_ok(body: dict[str, Any], raw: bytes) -> bool:
    """Both cargo categories given, and sent as raw UTF-8 text: WeChat does not unescape
    ``\\uXXXX``, so an escaped category matches nothing in its table (930570)."""
    cargo = body.get("cargo")
    if cargo is None:
        return False
    cargo = expect(cargo, dict, "cargo")
    sent = _as_sent(raw)
    sent_cargo = sent.get("cargo") if isinstance(sent, dict) else None
    for name in ("cargo_first_class", "cargo_second_class"):
        value = cargo.get(name)
        if not value or not expect(value, str, f"cargo.{name}"):
            return False
        if not isinstance(sent_cargo, dict) or sent_cargo.get(name) != value:
            return False
    return True


@attrs.frozen
class _Quoted:
    account: CarrierAccount
    quote: dict[str, Any]


class Delivery:
    def __init__(
        self,
        accounts: tuple[CarrierAccount, ...] = DEFAULT_ACCOUNTS,
        *,
        clock: Callable[[], float] = time.time,
        via_platform: bool = False,
    ) -> None:
        self.accounts = {a.shopid: a for a in accounts}
        #: whether calls come from a third-party platform (authorizer tokens): ``open`` and
        #: ``shop/add`` answer only those, 86000 to the Mini Program's own token
        self.via_platform = via_platform
        self._clock = clock
        self.opened = False
        self.bound: dict[str, int] = {a.delivery_id: 0 for a in accounts}  # audit results
        #: (shopid, shop_order_id) -> order
        self.orders: dict[tuple[str, str], dict[str, Any]] = {}
        #: awaited with each order whose status changed (the emulator pushes it)
        self.on_status: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        #: The Mini Program's administrators, operators and developers: the only openids the
        #: sandbox (TEST) delivers to; others answer 930559. None: the emulator does not know
        #: your team, and takes any openid.
        self.testers: set[str] | None = None
        #: environmental failures of order calls (None: none)
        self.faults: CarrierFaults | None = None
        #: delivery_token -> ((shopid, shop_order_id) it was quoted for, expiry)
        self._tokens: dict[str, tuple[tuple[str, str], float]] = {}
        #: (Beijing day, sandbox orders placed that day)
        self._sandbox_day = (0, 0)

    def wrap(self, path: str, handler: Handler) -> Handler:
        """The order calls reach a carrier: ``CarrierFaults`` strike around them."""
        if path.removeprefix(PREFIX) in _CARRIER_CALLS:
            return self._through_carrier(handler)
        return handler

    def _through_carrier(self, handler: Handler) -> Handler:
        async def call_carrier(call: Call) -> Reply:
            faults = self.faults
            failed = faults.before() if faults is not None else None
            if failed is not None:
                return failed
            status, reply = await handler(call)
            if faults is not None and _succeeded(reply) and faults.timed_out():
                return error(930556, "delivery company timeout")
            return status, reply

        return call_carrier

    # -- checks ------------------------------------------------------------------------------
    def _account(self, body: dict[str, Any]) -> CarrierAccount | Reply:
        shopid = body.get("shopid")
        account = self.accounts.get(shopid) if isinstance(shopid, str) else None
        if account is None:
            return error(930560, "shopid not bound")
        return account

    def _signature(self, body: dict[str, Any], account: CarrierAccount) -> Reply | None:
        """The carrier checks ``delivery_sign``; a wrong one is its refusal, not WeChat's."""
        shop_order_id = body.get("shop_order_id")
        if shop_order_id is not None:
            expect(shop_order_id, str, "shop_order_id")
        if body.get("delivery_sign") != _sign(account.shopid, shop_order_id, account.app_secret):
            return _carrier(1, "签名校验失败", fee=0, deliverfee=0)
        return None

    def _order(self, body: dict[str, Any]) -> dict[str, Any] | Reply:
        account = self._account(body)
        if not isinstance(account, CarrierAccount):
            return account
        refused = self._signature(body, account)
        if refused is not None:
            return refused
        order = self.orders.get((account.shopid, str(body.get("shop_order_id", ""))))
        if order is None:
            return error(930563, "order not exists")
        return order

    def _live_order(self, body: dict[str, Any]) -> dict[str, Any] | Reply:
        """The order, unless it has ended: WeChat answers 930565 before asking the carrier."""
        order = self._order(body)
        if isinstance(order, dict) and order["order_status"] in FINAL:
            return error(930565, "order has ended")
        return order

    def _platform_refusal(self, call: Call, account: CarrierAccount) -> Reply | None:
        """What WeChat's platform refuses in an order body (pre_add, add, readd) before the
        carrier sees it."""
        body = call.body
        delivery_id = body.get("delivery_id")
        if delivery_id is None:
            return error(930561, "args error: delivery_id")
        if expect(delivery_id, str, "delivery_id") not in _CARRIER_NAMES:
            # An id WeChat does not know (SCTC) was answered with a platform error live.
            return error(930555, "system error")
        if delivery_id != account.delivery_id:
            return error(930561, "args error: delivery_id does not match the shopid's carrier")
        openid = body.get("openid")
        if not openid or not isinstance(openid, str):
            return error(930559, "openid invalid")
        if delivery_id == "TEST" and self.testers is not None and openid not in self.testers:
            return error(930559, "openid invalid: the sandbox delivers to the team only")
        if body.get("receiver") is None:
            return error(930561, "args error: receiver")
        for side in ("sender", "receiver"):
            place = body.get(side)
            if place is not None and not _on_earth(expect(place, dict, side), side):
                # lng and lat swapped (a latitude of 113) was answered so live
                return error(930555, "system error")
        if not _shop_ok(body.get("shop")):
            return error(
                9300535, "shop goods img_url or goods_name empty or illegal, or goods_count 0"
            )
        if not _categories_ok(body, call.raw):
            return error(930570, "cargo_first_class or cargo_second_class invalid")
        return None

    def _carrier_refusal(self, body: dict[str, Any], account: CarrierAccount) -> Reply | None:
        """The carrier's own rules for a scheduled order (add's documentation)."""
        window = _SCHEDULES.get(account.delivery_id)
        info = body.get("order_info")
        if window is None or not isinstance(info, dict) or info.get("order_type") != 1:
            return None
        field, earliest, latest = window
        when = info.get(field)
        if when is None:
            return None
        ahead = expect(when, int, f"order_info.{field}") - self._clock()
        if not earliest <= ahead <= latest:
            return error(930558, f"delivery logic error: {field} outside the carrier's window")
        return None

    # -- account endpoints -------------------------------------------------------------------
    async def get_all_delivery(self, call: Call) -> Reply:
        carriers = sorted({a.delivery_id for a in self.accounts.values()} | {"SS", "MTPS"})
        listed = [{"delivery_id": c, "delivery_name": _CARRIER_NAMES.get(c, c)} for c in carriers]
        return _ok(list=listed)

    async def get_bind_account(self, call: Call) -> Reply:
        shops = [
            {"delivery_id": a.delivery_id, "shopid": a.shopid, "audit_result": self.bound[d]}
            for d, a in ((a.delivery_id, a) for a in self.accounts.values())
            if d in self.bound
        ]
        return _ok(shop_list=shops)

    def _third_party_only(self) -> Reply | None:
        if self.via_platform:
            return None
        return error(86000, "should be called only from third party")

    async def open(self, call: Call) -> Reply:
        refused = self._third_party_only()
        if refused is not None:
            return refused
        if self.opened:
            return error(930569, "already opened, no need to open again")
        self.opened = True
        return _ok()

    async def bind_account(self, call: Call) -> Reply:
        refused = self._third_party_only()
        if refused is not None:
            return refused
        delivery_id = expect(call.body.get("delivery_id"), str, "delivery_id")
        if delivery_id not in _CARRIER_NAMES:
            return error(930561, "args error: delivery_id invalid")
        self.bound.setdefault(str(delivery_id), 1)  # under review until the carrier approves
        return _ok()

    # -- orders ------------------------------------------------------------------------------
    def _quote(self, body: dict[str, Any]) -> dict[str, Any]:
        cargo: dict[str, Any] = body["cargo"] if isinstance(body.get("cargo"), dict) else {}
        info: dict[str, Any] = (
            body["order_info"] if isinstance(body.get("order_info"), dict) else {}
        )
        distance = _distance(body.get("sender"), body.get("receiver"))
        deliver = Decimal(5) + Decimal(distance) / 1000 * 2
        insurance = Decimal(0)
        if info.get("is_insured"):
            insurance = _money(
                info.get("declared_value") or cargo.get("goods_value") or 0, "declared_value"
            )
            insurance = insurance / 100
        tips = _money(info.get("tips") or 0, "order_info.tips")
        return {
            "fee": _yuan(deliver + insurance + tips),
            "deliverfee": _yuan(deliver),
            "couponfee": 0,
            "tips": _yuan(tips),
            "insurancefee": _yuan(insurance),
            "distance": distance,
            "dispatch_duration": 300,
        }

    def _checked_quote(self, call: Call) -> _Quoted | Reply:
        """Both layers' checks of an order body, then the carrier's quote."""
        account = self._account(call.body)
        if not isinstance(account, CarrierAccount):
            return account
        refused = (
            self._platform_refusal(call, account)
            or self._signature(call.body, account)
            or self._carrier_refusal(call.body, account)
        )
        if refused is not None:
            return refused
        return _Quoted(account, self._quote(call.body))

    async def pre_add_order(self, call: Call) -> Reply:
        checked = self._checked_quote(call)
        if not isinstance(checked, _Quoted):
            return checked
        account, quote = checked.account, checked.quote
        if account.delivery_id not in _TOKEN_CARRIERS:
            return _ok(**quote)
        now = self._clock()
        self._tokens = {t: held for t, held in self._tokens.items() if held[1] > now}
        token = f"EMU{secrets.token_hex(8)}"
        key = (account.shopid, str(call.body.get("shop_order_id", "")))
        self._tokens[token] = (key, now + _TOKEN_TTL)
        return _ok(**quote, delivery_token=token)

    def _token_refusal(self, body: dict[str, Any], key: tuple[str, str]) -> Reply | None:
        """A carrier that quotes with tokens takes only its own, for this order, in time (an
        empty or absent token: no quote was asked for)."""
        token = body.get("delivery_token")
        if not token:
            return None
        held = self._tokens.get(expect(token, str, "delivery_token"))
        if held is None or held[0] != key or held[1] <= self._clock():
            # DADA's answer to an expired quote, in its own words (a full-width comma)
            expired = "订单价格信息已过期，请重新查询后发单"  # noqa: RUF001
            return _carrier(2062, expired, fee=0, deliverfee=0)
        return None

    def _sandbox_quota(self, account: CarrierAccount) -> Reply | None:
        if account.delivery_id != "TEST":
            return None
        day = int(self._clock() + _BEIJING) // 86400
        if self._sandbox_day[0] != day:
            self._sandbox_day = (day, 0)
        if self._sandbox_day[1] >= SANDBOX_DAILY_ORDERS:
            return error(930564, "no quota: the sandbox takes 500 orders a day")
        return None

    async def _place(self, call: Call, *, again: bool) -> Reply:
        body = call.body
        checked = self._checked_quote(call)
        if not isinstance(checked, _Quoted):
            return checked
        account, quote = checked.account, checked.quote
        key = (account.shopid, str(body.get("shop_order_id", "")))
        existing = self.orders.get(key)
        if existing is not None and not (again and existing["order_status"] in FINAL):
            return error(930562, "order already exists")
        refused = self._sandbox_quota(account) or (
            self._token_refusal(body, key) if account.delivery_id in _TOKEN_CARRIERS else None
        )
        if refused is not None:
            return refused
        if account.delivery_id == "TEST":
            day, placed = self._sandbox_day
            self._sandbox_day = (day, placed + 1)
        order = {
            **quote,
            "shopid": account.shopid,
            "shop_order_id": key[1],
            "shop_no": body.get("shop_no", ""),
            "delivery_id": account.delivery_id,
            "openid": body.get("openid"),
            "waybill_id": f"EMU{secrets.randbelow(10**12):012d}",
            "order_status": 101,
            "finish_code": secrets.randbelow(9000) + 1000,
            "pickup_code": secrets.randbelow(9000) + 1000,
            "goods_value": (body.get("cargo") or {}).get("goods_value"),
        }
        self.orders[key] = order
        order["action_time"], order["action_msg"] = int(self._clock()), "order placed"
        return _ok(
            **{
                k: order[k]
                for k in (*quote, "waybill_id", "order_status", "finish_code", "pickup_code")
            }
        )

    async def add_order(self, call: Call) -> Reply:
        return await self._place(call, again=False)

    async def re_add_order(self, call: Call) -> Reply:
        return await self._place(call, again=True)

    async def get_order(self, call: Call) -> Reply:
        order = self._order(call.body)
        if not isinstance(order, dict):
            return order
        fields = {k: order[k] for k in ("order_status", "waybill_id")}
        if order["order_status"] >= 102 and order["order_status"] not in (103,):
            fields.update(rider_name="骑手", rider_phone="13800000000")
        if order["order_status"] == 301:
            fields.update(rider_lng=116.32, rider_lat=39.97, reach_time=300)
        return _ok(**fields)

    async def add_tips(self, call: Call) -> Reply:
        order = self._live_order(call.body)
        if not isinstance(order, dict):
            return order
        if order["order_status"] != 101:
            return _carrier(3, "tips only while waiting for a rider")
        tips = _money(call.body.get("tips", 0), "tips")
        if tips <= Decimal(str(order["tips"])):
            return _carrier(3, "a new tip must exceed the previous one")
        order["tips"] = _yuan(tips)
        return _ok()

    def _deduct(self, order: dict[str, Any]) -> float:
        return 0.0 if order["order_status"] == 101 else 2.0

    async def pre_cancel_order(self, call: Call) -> Reply:
        order = self._live_order(call.body)
        if not isinstance(order, dict):
            return order
        if order["order_status"] >= 300:
            return _carrier(4, "the order can no longer be cancelled")
        return _ok(deduct_fee=self._deduct(order), desc="预计扣除违约金")

    async def cancel_order(self, call: Call) -> Reply:
        order = self._live_order(call.body)
        if not isinstance(order, dict):
            return order
        status = order["order_status"]
        if status >= 300:
            return _carrier(4, "the order can no longer be cancelled")
        deduct = self._deduct(order)
        order["order_status"] = 103 if status < 200 else 203
        await self._changed(order, "merchant cancelled")
        return _ok(deduct_fee=deduct, desc="扣除违约金" if deduct else "")

    async def confirm_return(self, call: Call) -> Reply:
        order = self._live_order(call.body)
        if not isinstance(order, dict):
            return order
        if order["order_status"] not in (303, 304, 305):
            return _carrier(5, "nothing is being returned")
        order["order_status"] = 401
        await self._changed(order, "goods returned")
        return _ok()

    async def mock_update_order(self, call: Call) -> Reply:
        body = call.body
        shop_order_id = expect(body.get("shop_order_id", ""), str, "shop_order_id")
        order = self.orders.get(("test_shop_id", shop_order_id))
        if body.get("shopid") != "test_shop_id" or order is None:
            if body.get("shopid") == "test_shop_id":
                return error(930563, "order not exists")
            return error(930561, "args error: test_update_order needs the TEST carrier")
        return await self.advance(order, body.get("order_status"), body.get("action_msg"))

    async def real_mock_update_order(self, call: Call) -> Reply:
        order = self._order(call.body)
        if not isinstance(order, dict):
            return order
        allowed = _REALMOCK_STATUSES.get(order["delivery_id"])
        if allowed is None or call.body.get("order_status") not in allowed:
            return error(930561, "args error: status not available in this carrier's test env")
        return await self.advance(order, call.body.get("order_status"), call.body.get("action_msg"))

    async def advance(self, order: dict[str, Any], status: Any, message: Any = None) -> Reply:
        """Move ``order`` to ``status`` if the order_status table allows it; push the change."""
        current = order["order_status"]
        if not isinstance(status, int) or isinstance(status, bool):
            return error(930561, "args error: order_status")
        allowed = TRANSITIONS.get(current, frozenset())
        if current not in FINAL:
            allowed |= {501, 502}
        if status not in allowed:
            return _carrier(5, f"cannot move from {current} to {status}")
        order["order_status"] = status
        await self._changed(order, str(message or ""))
        return _ok()

    async def _changed(self, order: dict[str, Any], message: str) -> None:
        order["action_time"] = int(self._clock())
        order["action_msg"] = message
        if self.on_status is not None:
            await self.on_status(order)
