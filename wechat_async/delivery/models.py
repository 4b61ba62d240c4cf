"""Instant-delivery models. Money in yuan as Decimal, times in Unix seconds.

Checks follow docs/wire-notes.md ("Client-side checks"): a documented range that live orders
contradict is not refused.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, Literal

import attrs

from .._checks import (
    between,
    max_bytes,
    max_decimal_places,
    max_json_len,
    max_len,
    min_len,
    one_of,
    unix_time,
)
from .._models import EmptyRequest, OpenValues, Response, meta
from . import _dicts
from ._dicts import (
    AddressParam,
    CargoParam,
    GoodsDetailParam,
    GoodsParam,
    OrderInfoParam,
    ShopParam,
)
from ._status import OrderStatus

__all__ = [
    "AddOrderRequest",
    "AddOrderResponse",
    "AddTipsRequest",
    "Address",
    "AddressParam",
    "AuditResult",
    "BindAccountRequest",
    "BoundShop",
    "CancelOrderRequest",
    "CancelReasonId",
    "CancelResponse",
    "Cargo",
    "CargoParam",
    "ConfirmReturnRequest",
    "DeliveryCompany",
    "DeliveryId",
    "EmptyRequest",
    "GetAllDeliveryResponse",
    "GetBindAccountResponse",
    "GetOrderRequest",
    "GetOrderResponse",
    "Goods",
    "GoodsDetail",
    "GoodsDetailParam",
    "GoodsParam",
    "MockUpdateOrderRequest",
    "OrderInfo",
    "OrderInfoParam",
    "PreAddOrderRequest",
    "PreAddOrderResponse",
    "PreCancelOrderRequest",
    "RealMockUpdateOrderRequest",
    "Shop",
    "ShopParam",
]

_FLAG = meta(check=one_of({0, 1}))


def _sign_field() -> Any:
    # Filled in by DeliveryNamespace from the configured carrier account when left unset.
    return attrs.field(default=None, repr=False)


def _yuan(low_open: bool = False, high: int | None = None) -> dict[str, Any]:
    """Money in yuan: in fen (two decimals), not negative (or > 0), optionally capped."""
    return meta(check=(between(0, high, low_open=low_open), max_decimal_places(2)))


class DeliveryId(OpenValues, str, enum.Enum):
    """A carrier's ``delivery_id`` as replies name it. Carriers are added over time, so any
    other id still parses (a member named after it) and requests take any ``str``:
    ``delivery_id=DeliveryId.SFTC`` or ``delivery_id="SFTC"``.

    >>> DeliveryId("DADA") is DeliveryId.DADA, DeliveryId("NEWCO").value
    (True, 'NEWCO')
    """

    #: 顺丰同城急送
    SFTC = "SFTC"
    #: 闪送
    SS = "SS"
    #: 美团配送
    MTPS = "MTPS"
    #: 达达
    DADA = "DADA"
    #: the sandbox
    TEST = "TEST"


class AuditResult(OpenValues, enum.IntEnum):
    """``audit_result`` of a bound carrier account (other codes parse as ``UNKNOWN_<n>``)."""

    APPROVED = 0
    UNDER_REVIEW = 1
    REJECTED = 2


#: ``cancel_reason_id``: 1 not needed now, 2 price, 3 wrong order details, 4 rider late to pick
#: up, 5 rider late to deliver, 6 other (then ``cancel_reason`` text is required)
CancelReasonId = Literal[1, 2, 3, 4, 5, 6]


@attrs.define(kw_only=True)
class DeliveryCompany(Response):
    """One carrier in ``delivery/getall``'s answer: its ``delivery_id`` and name."""

    delivery_id: DeliveryId
    delivery_name: str


@attrs.define(kw_only=True)
class GetAllDeliveryResponse(Response):
    """What ``delivery/getall`` answers: the carriers instant delivery supports (``companies``,
    ``list`` on the wire)."""

    companies: list[DeliveryCompany] = attrs.field(factory=list, metadata=meta(wire="list"))


@attrs.define(kw_only=True)
class BoundShop(Response):
    """A carrier account bound to the Mini Program: its carrier, ``shopid`` and review state
    (``audit_result``)."""

    delivery_id: DeliveryId
    shopid: str
    audit_result: AuditResult | None = None


@attrs.define(kw_only=True)
class GetBindAccountResponse(Response):
    """What ``shop/get`` answers: the carrier accounts bound to the Mini Program (``shop_list``)."""

    shop_list: list[BoundShop] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class BindAccountRequest:
    """Bind an account with carrier ``delivery_id`` (third-party platforms only)."""

    delivery_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class Address:
    """Sender or receiver."""

    name: str = attrs.field(metadata=meta(check=(min_len(1), max_len(256))))
    city: str = attrs.field(metadata=meta(check=min_len(1)))
    address: str = attrs.field(metadata=meta(check=min_len(1)))
    phone: str = attrs.field(metadata=meta(check=(min_len(1), max_len(64))))
    lng: float = attrs.field(metadata=meta(check=between(-180, 180)))
    lat: float = attrs.field(metadata=meta(check=between(-90, 90)))
    #: building, unit, floor. The documents require it; a live order through UU was accepted
    #: without the sender's, so only the receiver's is required (``PreAddOrderRequest``).
    address_detail: str | None = None
    #: 0 GCJ-02 (Amap/Tencent, the default), 1 Baidu
    coordinate_type: int | None = attrs.field(default=None, metadata=meta(check=one_of({0, 1})))


@attrs.define(kw_only=True)
class Goods:
    """One item of ``cargo.goods_detail.goods``: name, count, unit price (yuan) and unit."""

    good_count: int = attrs.field(metadata=meta(check=between(0, low_open=True)))
    good_name: str = attrs.field(metadata=meta(check=min_len(1)))
    good_price: Decimal | None = attrs.field(default=None, metadata=_yuan())
    good_unit: str | None = attrs.field(default=None, metadata=meta(check=max_len(20)))


@attrs.define(kw_only=True)
class GoodsDetail:
    """The items delivered (``cargo.goods_detail``)."""

    goods: list[Goods] = attrs.field(
        converter=_dicts.to_goods_list, metadata=meta(check=min_len(1))
    )


#: Weight and sizes: the documents give (0, 50] kg and (0, 45/65/50] cm, but live orders were
#: accepted with 500 kg (UU) and with 0 for weight and sizes (SFTC). Only negatives are refused.
_MEASURE = meta(check=between(0))


@attrs.define(kw_only=True)
class Cargo:
    """What is delivered (``cargo``): value (yuan), weight and size, categories, items and notes
    for the rider."""

    #: yuan, in (0, 5000]
    goods_value: Decimal = attrs.field(metadata=_yuan(low_open=True, high=5000))
    #: kg (documented (0, 50]; live orders were taken with 500 and with 0)
    goods_weight: float = attrs.field(metadata=_MEASURE)
    cargo_first_class: str = attrs.field(metadata=meta(check=min_len(1)))
    cargo_second_class: str = attrs.field(metadata=meta(check=min_len(1)))
    #: cm (documented (0, 45])
    goods_height: float | None = attrs.field(default=None, metadata=_MEASURE)
    #: cm (documented (0, 65])
    goods_length: float | None = attrs.field(default=None, metadata=_MEASURE)
    #: cm (documented (0, 50])
    goods_width: float | None = attrs.field(default=None, metadata=_MEASURE)
    #: at most 10,240 characters as sent (JSON)
    goods_detail: GoodsDetail | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(_dicts.to_goods_detail),
        metadata=meta(check=max_json_len(10240)),
    )
    goods_pickup_info: str | None = attrs.field(default=None, metadata=meta(check=max_len(100)))
    goods_delivery_info: str | None = attrs.field(default=None, metadata=meta(check=max_len(100)))


_UNIX_TIME = meta(check=unix_time())


@attrs.define(kw_only=True)
class OrderInfo:
    """How to deliver (``order_info``): now or scheduled, notes, insurance, tip, cash on delivery
    or pickup, and pickup or finish codes."""

    delivery_service_code: str | None = None
    #: 0 deliver now, 1 scheduled (then one expected_* time is required)
    order_type: int | None = attrs.field(default=None, metadata=meta(check=one_of({0, 1})))
    expected_delivery_time: int | None = attrs.field(default=None, metadata=_UNIX_TIME)
    expected_finish_time: int | None = attrs.field(default=None, metadata=_UNIX_TIME)
    expected_pick_time: int | None = attrs.field(default=None, metadata=_UNIX_TIME)
    poi_seq: str | None = attrs.field(default=None, metadata=meta(check=max_len(32)))
    note: str | None = attrs.field(default=None, metadata=meta(check=max_len(200)))
    order_time: int | None = attrs.field(default=None, metadata=_UNIX_TIME)
    is_insured: int | None = attrs.field(default=None, metadata=_FLAG)
    declared_value: Decimal | None = attrs.field(default=None, metadata=_yuan())
    tips: Decimal | None = attrs.field(default=None, metadata=_yuan())
    is_direct_delivery: int | None = attrs.field(default=None, metadata=_FLAG)
    cash_on_delivery: Decimal | None = attrs.field(default=None, metadata=_yuan())
    cash_on_pickup: Decimal | None = attrs.field(default=None, metadata=_yuan())
    #: 1 store to user, 2 user to store
    rider_pick_method: int | None = attrs.field(default=None, metadata=meta(check=one_of({1, 2})))
    is_finish_code_needed: int | None = attrs.field(default=None, metadata=_FLAG)
    is_pickup_code_needed: int | None = attrs.field(default=None, metadata=_FLAG)

    def _check_fields(self) -> list[tuple[str, str]]:
        expected = (self.expected_delivery_time, self.expected_finish_time, self.expected_pick_time)
        if self.order_type == 1 and all(t is None for t in expected):
            return [
                (
                    "order_type",
                    "a scheduled order (1) needs expected_delivery_time, expected_finish_time "
                    "or expected_pick_time",
                )
            ]
        return []


@attrs.define(kw_only=True)
class Shop:
    """Shown to the user in WeChat's delivery notifications."""

    img_url: str = attrs.field(metadata=meta(check=min_len(1)))
    goods_name: str = attrs.field(metadata=meta(check=(min_len(1), max_bytes(128))))
    goods_count: int = attrs.field(metadata=meta(check=between(0, low_open=True)))
    #: the Mini Program page the notification opens. Documented as required, but a live order
    #: through UU was accepted without it.
    wxa_path: str | None = None
    wxa_appid: str | None = None


@attrs.define(kw_only=True)
class PreAddOrderRequest:
    """The order body of ``order/pre_add``; ``delivery_sign`` is filled in from the carrier
    account configured on ``client.delivery``."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=(min_len(1), max_bytes(128))))
    delivery_id: str = attrs.field(metadata=meta(check=min_len(1)))
    openid: str = attrs.field(metadata=meta(check=min_len(1)))
    receiver: Address = attrs.field(converter=_dicts.to_address)
    cargo: Cargo = attrs.field(converter=_dicts.to_cargo)
    order_info: OrderInfo = attrs.field(converter=_dicts.to_order_info)
    shop: Shop = attrs.field(converter=_dicts.to_shop)
    sender: Address | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_address)
    )
    shop_no: str | None = None
    sub_biz_id: str | None = None
    delivery_sign: str | None = _sign_field()

    def _check_fields(self) -> list[tuple[str, str]]:
        # The documents require address_detail of both; only the sender's was seen missing
        # on an accepted order.
        if not self.receiver.address_detail:
            return [("receiver.address_detail", "required")]
        return []


@attrs.define(kw_only=True)
class AddOrderRequest(PreAddOrderRequest):
    """``order/add`` and ``order/readd``: the pre_add body plus its ``delivery_token``."""

    delivery_token: str | None = None


@attrs.define(kw_only=True)
class FeeResponse(Response):
    """Fees in yuan. Both spellings the docs use are read (``couponFee``, ``insurancfee``)."""

    fee: Decimal | None = None
    deliverfee: Decimal | None = None
    couponfee: Decimal | None = attrs.field(default=None, metadata=meta(aliases=("couponFee",)))
    tips: Decimal | None = None
    insurancefee: Decimal | None = attrs.field(
        default=None, metadata=meta(aliases=("insurancfee",))
    )
    #: metres
    distance: int | None = None
    #: seconds until a rider is expected to accept; 0 when unknown
    dispatch_duration: int | None = None


@attrs.define(kw_only=True)
class PreAddOrderResponse(FeeResponse):
    """What ``order/pre_add`` answers: the quote (``fee`` and its parts, in yuan), ``distance``,
    ``dispatch_duration`` and, from some carriers, the ``delivery_token`` to pass to
    ``add_order``."""

    #: some carriers only (DADA: valid 3 minutes); pass it to add_order
    delivery_token: str | None = None


@attrs.define(kw_only=True)
class AddOrderResponse(FeeResponse):
    """Every field may be absent: the sandbox (``TEST``) answers only ``fee``, ``waybill_id``,
    ``order_status`` and ``dispatch_duration`` (its waybill_id differs in form from the one in
    the status push that follows), and a live reply was seen without ``insurancefee``."""

    waybill_id: str | None = None
    #: a live reply carried 1, outside the documented table (kept as ``UNKNOWN_1``)
    order_status: OrderStatus | None = None
    finish_code: int | None = None
    pickup_code: int | None = None
    #: undocumented, seen in live replies
    sender_lng: float | None = None
    sender_lat: float | None = None
    #: undocumented, seen in a live reply (the carrier's signature of the order)
    delivery_sign: str | None = attrs.field(default=None, repr=False)


@attrs.define(kw_only=True)
class AddTipsRequest:
    """Raise the tip of an order still waiting for a rider; ``tips`` replaces the previous tip."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=min_len(1)))
    waybill_id: str = attrs.field(metadata=meta(check=min_len(1)))
    #: yuan; replaces the previous tip, so each call must exceed the last
    tips: Decimal = attrs.field(metadata=_yuan(low_open=True))
    remark: str
    shop_no: str | None = None
    openid: str | None = None
    delivery_sign: str | None = _sign_field()


@attrs.define(kw_only=True)
class GetOrderRequest:
    """Read an order's status and rider, by the merchant's ``shop_order_id``."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_no: str | None = None
    delivery_sign: str | None = _sign_field()


@attrs.define(kw_only=True)
class GetOrderResponse(Response):
    """Live replies carry more than the documented table (the fields after ``reach_time``);
    ``order_status`` 0 was seen with the rider already named."""

    order_status: OrderStatus | None = None
    waybill_id: str | None = None
    rider_name: str | None = None
    rider_phone: str | None = None
    rider_lng: float | None = None
    rider_lat: float | None = None
    #: seconds left until delivery, while delivering
    reach_time: int | None = None
    #: the carrier's text for the last status change
    action_msg: str | None = None
    #: the riders, as the carrier describes them (an array; its items' shape is undocumented,
    #: so they are kept as sent)
    agent_info: list[Any] | None = None
    order_token: str | None = None
    delivery_id: DeliveryId | None = None
    delivery_name: str | None = None


def _needs_text(reason_id: int | None, reason: str | None) -> list[tuple[str, str]]:
    if reason_id == 6 and not reason:
        return [("cancel_reason", "required when cancel_reason_id is 6 (other)")]
    return []


@attrs.define(kw_only=True)
class PreCancelOrderRequest:
    """Ask what cancelling an order would deduct (``deduct_fee``), without cancelling it."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=min_len(1)))
    delivery_id: str = attrs.field(metadata=meta(check=min_len(1)))
    waybill_id: str = attrs.field(metadata=meta(check=min_len(1)))
    cancel_reason_id: CancelReasonId | None = None
    cancel_reason: str | None = None
    shop_no: str | None = None
    delivery_sign: str | None = _sign_field()

    def _check_fields(self) -> list[tuple[str, str]]:
        return _needs_text(self.cancel_reason_id, self.cancel_reason)


@attrs.define(kw_only=True)
class CancelOrderRequest:
    """Cancel an order; ``cancel_reason`` text is required with reason 6 (other)."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=min_len(1)))
    delivery_id: str = attrs.field(metadata=meta(check=min_len(1)))
    cancel_reason_id: CancelReasonId
    cancel_reason: str | None = None
    #: required by SFTC
    waybill_id: str | None = None
    shop_no: str | None = None
    delivery_sign: str | None = _sign_field()

    def _check_fields(self) -> list[tuple[str, str]]:
        return _needs_text(self.cancel_reason_id, self.cancel_reason)


@attrs.define(kw_only=True)
class CancelResponse(Response):
    """What ``order/precancel`` and ``order/cancel`` answer: ``deduct_fee`` (yuan; an estimate
    for precancel) and ``desc``."""

    #: yuan deducted (an estimate for pre_cancel)
    deduct_fee: Decimal | None = None
    desc: str | None = None


@attrs.define(kw_only=True)
class ConfirmReturnRequest:
    """Confirm that the goods of an abnormal delivery came back to the store."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=min_len(1)))
    waybill_id: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_no: str | None = None
    remark: str | None = None
    delivery_sign: str | None = _sign_field()


@attrs.define(kw_only=True)
class MockUpdateOrderRequest:
    """Sandbox only: ``shopid`` is ``test_shop_id`` and the order was placed with ``TEST``."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=min_len(1)))
    order_status: OrderStatus
    action_time: int = attrs.field(metadata=_UNIX_TIME)
    action_msg: str | None = None
    waybill_id: str | None = None


@attrs.define(kw_only=True)
class RealMockUpdateOrderRequest:
    """Carrier test environment only (SFTC and DADA test accounts): move an order to
    ``order_status`` as the carrier would."""

    shopid: str = attrs.field(metadata=meta(check=min_len(1)))
    shop_order_id: str = attrs.field(metadata=meta(check=min_len(1)))
    order_status: OrderStatus
    action_time: int = attrs.field(metadata=_UNIX_TIME)
    action_msg: str | None = None
    delivery_sign: str | None = _sign_field()
