"""Instant delivery as a carrier behind WeChat would run it (specs/delivery.md).

Carrier accounts (shopid, app secret) sign every order call (``delivery_sign``); a wrong
signature is answered as carriers answer it: HTTP 200, no errcode, ``resultcode`` 1. Orders
move through the status machine of section 7, driven by ``test_update_order`` (the TEST
carrier), ``realmock_update_order`` (the carriers' test accounts) or
``Emulator.advance_delivery``; every change is pushed as ``update_waybill_status``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from ._app import BadField, Call, EmulatorApp, Reply, error, expect

__all__ = ["TRANSITIONS", "CarrierAccount", "Delivery"]

PREFIX = "/cgi-bin/express/local/business/"

#: status -> the statuses it may move to (section 7); cancellations (501, 502) from any
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


@attrs.frozen
class CarrierAccount:
    shopid: str
    app_secret: str = attrs.field(repr=False)
    delivery_id: str


#: the sandbox account and the carriers' published test accounts (specs/delivery.md, section 0)
DEFAULT_ACCOUNTS = (
    CarrierAccount("test_shop_id", "test_app_secrect", "TEST"),
    CarrierAccount("1534713176", "d80400f91e156f63b38886e616d84590", "SFTC"),
    CarrierAccount("dadaaee18818d97e236", "1c6f40492d6d89caaad80b85f7d31670", "DADA"),
)


def _sign(shopid: str, shop_order_id: str | None, secret: str) -> str:
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


class Delivery:
    def __init__(
        self,
        accounts: tuple[CarrierAccount, ...] = DEFAULT_ACCOUNTS,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts = {a.shopid: a for a in accounts}
        self._clock = clock
        self.opened = False
        self.bound: dict[str, int] = {a.delivery_id: 0 for a in accounts}  # audit results
        #: (shopid, shop_order_id) -> order
        self.orders: dict[tuple[str, str], dict[str, Any]] = {}
        #: awaited with each order whose status changed (the emulator pushes it)
        self.on_status: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    def register(self, app: EmulatorApp) -> None:
        for name, handler in {
            "delivery/getall": self.get_all_delivery,
            "shop/get": self.get_bind_account,
            "open": self.open,
            "shop/add": self.bind_account,
            "order/pre_add": self.pre_add_order,
            "order/add": self.add_order,
            "order/readd": self.re_add_order,
            "order/addtips": self.add_tips,
            "order/get": self.get_order,
            "order/precancel": self.pre_cancel_order,
            "order/cancel": self.cancel_order,
            "order/confirm_return": self.confirm_return,
            "test_update_order": self.mock_update_order,
            "realmock_update_order": self.real_mock_update_order,
        }.items():
            app.route("POST", PREFIX + name, handler)

    # -- checks ------------------------------------------------------------------------------
    def _account(self, body: dict[str, Any], *, signed: bool = True) -> CarrierAccount | Reply:
        shopid = body.get("shopid")
        account = self.accounts.get(shopid) if isinstance(shopid, str) else None
        if account is None:
            return error(930560, "shopid not bound")
        if signed:
            shop_order_id = body.get("shop_order_id")
            if shop_order_id is not None:
                expect(shop_order_id, str, "shop_order_id")
            expected = _sign(account.shopid, shop_order_id, account.app_secret)
            if body.get("delivery_sign") != expected:
                return _carrier(1, "签名校验失败", fee=0, deliverfee=0)
        return account

    def _order(self, body: dict[str, Any]) -> dict[str, Any] | Reply:
        account = self._account(body)
        if not isinstance(account, CarrierAccount):
            return account
        order = self.orders.get((account.shopid, str(body.get("shop_order_id", ""))))
        if order is None:
            return error(930563, "order not exists")
        return order

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

    async def open(self, call: Call) -> Reply:
        if self.opened:
            return error(930569, "already opened, no need to open again")
        self.opened = True
        return _ok()

    async def bind_account(self, call: Call) -> Reply:
        delivery_id = expect(call.body.get("delivery_id"), str, "delivery_id")
        if delivery_id not in _CARRIER_NAMES:
            return error(930561, "args error: delivery_id invalid")
        self.bound.setdefault(str(delivery_id), 1)  # under review until the carrier approves
        return _ok()

    # -- orders ------------------------------------------------------------------------------
    def _quote(self, body: dict[str, Any], account: CarrierAccount) -> dict[str, Any] | Reply:
        if body.get("delivery_id") != account.delivery_id:
            return error(930561, "args error: delivery_id does not match the shopid's carrier")
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

    async def pre_add_order(self, call: Call) -> Reply:
        account = self._account(call.body)
        if not isinstance(account, CarrierAccount):
            return account
        quote = self._quote(call.body, account)
        if not isinstance(quote, dict):
            return quote
        token = f"EMU{secrets.token_hex(8)}" if account.delivery_id in ("DADA", "TEST") else None
        return _ok(**quote, **({"delivery_token": token} if token else {}))

    async def _place(self, call: Call, *, again: bool) -> Reply:
        body = call.body
        account = self._account(body)
        if not isinstance(account, CarrierAccount):
            return account
        key = (account.shopid, str(body.get("shop_order_id", "")))
        existing = self.orders.get(key)
        if existing is not None and not (again and existing["order_status"] in FINAL):
            return error(930562, "order already exists")
        quote = self._quote(body, account)
        if not isinstance(quote, dict):
            return quote
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
        order = self._order(call.body)
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
        order = self._order(call.body)
        if not isinstance(order, dict):
            return order
        if order["order_status"] in FINAL or order["order_status"] >= 300:
            return _carrier(4, "the order can no longer be cancelled")
        return _ok(deduct_fee=self._deduct(order), desc="预计扣除违约金")

    async def cancel_order(self, call: Call) -> Reply:
        order = self._order(call.body)
        if not isinstance(order, dict):
            return order
        status = order["order_status"]
        if status in FINAL or status >= 300:
            return _carrier(4, "the order can no longer be cancelled")
        deduct = self._deduct(order)
        order["order_status"] = 103 if status < 200 else 203
        await self._changed(order, "merchant cancelled")
        return _ok(deduct_fee=deduct, desc="扣除违约金" if deduct else "")

    async def confirm_return(self, call: Call) -> Reply:
        order = self._order(call.body)
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
        """Move ``order`` to ``status`` if section 7 allows it, and push the change."""
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
