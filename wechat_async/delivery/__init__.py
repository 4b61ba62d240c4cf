"""``client.delivery``: Mini Program instant delivery, business side.

>>> client.delivery.add_account(shopid="1534713176", app_secret="...")  # doctest: +SKIP
>>> await client.delivery.get_order(shopid="1534713176", shop_order_id="A1")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from .._endpoint import Endpoint
from .._errors import ConfigurationError
from .._redact import remember_secret
from ._endpoints import DeliveryEndpoints
from ._sign import CarrierAccount, delivery_sign
from ._status import OrderStatus
from .models import (
    AddOrderResponse,
    Address,
    AddressParam,
    AuditResult,
    BoundShop,
    CancelReasonId,
    CancelResponse,
    Cargo,
    CargoParam,
    DeliveryCompany,
    DeliveryId,
    GetAllDeliveryResponse,
    GetBindAccountResponse,
    GetOrderResponse,
    Goods,
    GoodsDetail,
    GoodsDetailParam,
    GoodsParam,
    OrderInfo,
    OrderInfoParam,
    PreAddOrderResponse,
    Shop,
    ShopParam,
)

__all__ = [
    "AddOrderResponse",
    "Address",
    "AddressParam",
    "AuditResult",
    "BoundShop",
    "CancelReasonId",
    "CancelResponse",
    "Cargo",
    "CargoParam",
    "CarrierAccount",
    "DeliveryCompany",
    "DeliveryId",
    "DeliveryNamespace",
    "GetAllDeliveryResponse",
    "GetBindAccountResponse",
    "GetOrderResponse",
    "Goods",
    "GoodsDetail",
    "GoodsDetailParam",
    "GoodsParam",
    "OrderInfo",
    "OrderInfoParam",
    "OrderStatus",
    "PreAddOrderResponse",
    "Shop",
    "ShopParam",
    "delivery_sign",
]

_ACCOUNTS = "delivery.accounts"


class DeliveryNamespace(DeliveryEndpoints):
    """``client.delivery``: the endpoints, signed with the carrier accounts added here."""

    @property
    def _accounts(self) -> dict[str, CarrierAccount]:
        # Kept on the client, so with_options() clones sign with the same accounts.
        accounts: dict[str, CarrierAccount] = self._client._state.setdefault(_ACCOUNTS, {})
        return accounts

    def add_account(
        self, *, shopid: str, app_secret: str, delivery_id: str | None = None
    ) -> CarrierAccount:
        """Register a carrier account; ``delivery_sign`` is then computed for its ``shopid``."""
        if not shopid or not app_secret:
            raise ConfigurationError("a carrier account needs shopid and app_secret")
        remember_secret(app_secret)
        account = CarrierAccount(shopid=shopid, app_secret=app_secret, delivery_id=delivery_id)
        self._accounts[shopid] = account
        return account

    def _prepare(self, endpoint: Endpoint[Any, Any, Any], payload: dict[str, Any]) -> None:
        if payload.get("delivery_sign") or "delivery_sign" not in endpoint.request_fields:
            return
        shopid = payload.get("shopid")
        account = self._accounts.get(shopid) if isinstance(shopid, str) else None
        if account is None:
            raise ConfigurationError(
                f"no carrier account for shopid {shopid!r}: call "
                "client.delivery.add_account(shopid=..., app_secret=...) or pass delivery_sign"
            )
        order_id = payload.get("shop_order_id")
        payload["delivery_sign"] = delivery_sign(
            account.shopid, account.app_secret, order_id if isinstance(order_id, str) else None
        )
