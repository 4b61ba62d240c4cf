"""``client.giftcard``: gift cards, shelves, orders, and card codes (seed 001)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .._endpoint import Namespace
from . import _endpoints
from ._links import JumpParams, parse_jump, shelf_url
from ._sync import (
    MAX_WINDOW_ORDERS,
    OrderSync,
    SyncCheckpoint,
    SyncInUseError,
    SyncProgress,
    UnreadOrder,
    UnreadOrdersError,
    split_windows,
)
from .models import (
    MAX_ORDER_WINDOW,
    AddPageResponse,
    AddPayWhitelistResponse,
    AdvancedInfo,
    AdvancedInfoParam,
    BaseInfo,
    BaseInfoParam,
    BatchGetOrdersRequest,
    BatchGetOrdersResponse,
    Card,
    CardParam,
    Category,
    CategoryParam,
    Cell,
    CellParam,
    CodeCard,
    ConsumeCodeResponse,
    ControlInfo,
    CreateCardResponse,
    CustomField,
    CustomFieldParam,
    DateInfo,
    DateInfoParam,
    DecryptCodeResponse,
    GeneralCard,
    GeneralCardParam,
    GetCodeResponse,
    GetOrderRequest,
    GetOrderResponse,
    GetPageResponse,
    GiftCardInfo,
    GiftCardInfoParam,
    ListPagesResponse,
    Order,
    OrderCard,
    Page,
    PageControl,
    PageItem,
    PageItemParam,
    PageParam,
    PicItem,
    PicItemParam,
    SetMaintainResponse,
    Sku,
    SkuParam,
    TextImage,
    TextImageParam,
    Theme,
    ThemeParam,
    UpdateUserCardResponse,
    UploadImageResponse,
    UserCardStatus,
)

__all__ = [
    "MAX_ORDER_WINDOW",
    "MAX_WINDOW_ORDERS",
    "AddPageResponse",
    "AddPayWhitelistResponse",
    "AdvancedInfo",
    "AdvancedInfoParam",
    "BaseInfo",
    "BaseInfoParam",
    "BatchGetOrdersRequest",
    "BatchGetOrdersResponse",
    "Card",
    "CardParam",
    "Category",
    "CategoryParam",
    "Cell",
    "CellParam",
    "CodeCard",
    "ConsumeCodeResponse",
    "ControlInfo",
    "CreateCardResponse",
    "CustomField",
    "CustomFieldParam",
    "DateInfo",
    "DateInfoParam",
    "DecryptCodeResponse",
    "GeneralCard",
    "GeneralCardParam",
    "GetCodeResponse",
    "GetOrderRequest",
    "GetOrderResponse",
    "GetPageResponse",
    "GiftCardInfo",
    "GiftCardInfoParam",
    "GiftCardNamespace",
    "JumpParams",
    "ListPagesResponse",
    "Order",
    "OrderCard",
    "OrderSync",
    "Page",
    "PageControl",
    "PageItem",
    "PageItemParam",
    "PageParam",
    "PicItem",
    "PicItemParam",
    "SetMaintainResponse",
    "Sku",
    "SkuParam",
    "SyncCheckpoint",
    "SyncInUseError",
    "SyncProgress",
    "TextImage",
    "TextImageParam",
    "Theme",
    "ThemeParam",
    "UnreadOrder",
    "UnreadOrdersError",
    "UpdateUserCardResponse",
    "UploadImageResponse",
    "UserCardStatus",
    "parse_jump",
    "shelf_url",
    "split_windows",
]


class GiftCardNamespace(Namespace):
    domain = "giftcard"
    upload_image = _endpoints.upload_image
    create_card = _endpoints.create_card
    add_page = _endpoints.add_page
    get_page = _endpoints.get_page
    update_page = _endpoints.update_page
    list_pages = _endpoints.list_pages
    set_maintain = _endpoints.set_maintain
    add_pay_whitelist = _endpoints.add_pay_whitelist
    bind_submch = _endpoints.bind_submch
    set_wxa = _endpoints.set_wxa
    get_order = _endpoints.get_order
    batch_get_orders = _endpoints.batch_get_orders
    refund_order = _endpoints.refund_order
    update_user_card = _endpoints.update_user_card
    consume_code = _endpoints.consume_code
    get_code = _endpoints.get_code
    decrypt_code = _endpoints.decrypt_code

    def iter_orders(
        self,
        begin_time: int | dt.datetime,
        end_time: int | dt.datetime,
        *,
        sort_type: str = "ASC",
        concurrency: int = 8,
        page_size: int = 100,
        checkpoint: SyncCheckpoint | None = None,
        progress: Callable[[SyncProgress], None] | None = None,
        max_window_orders: int = MAX_WINDOW_ORDERS,
    ) -> OrderSync:
        """Every order created in ``[begin_time, end_time]``, each exactly once.

        Inside ``async with``, a task group that the block's exit cancels keeps
        ``concurrency`` requests in flight while orders are read (the fast way); ``async for``
        alone fetches ``concurrency`` pages whenever it runs dry. A window claiming more than
        ``max_window_orders`` orders is a ``ResponseValidationError`` (memory holds one
        window's order ids).

        >>> async with client.giftcard.iter_orders(b, e) as orders:  # doctest: +SKIP
        ...     async for order in orders:
        ...         save(order)
        >>> async for order in client.giftcard.iter_orders(b, e):  # doctest: +SKIP
        ...     save(order)
        """
        return OrderSync(
            self.batch_get_orders,
            begin_time,
            end_time,
            sort_type=sort_type,
            concurrency=concurrency,
            page_size=page_size,
            checkpoint=checkpoint,
            progress=progress,
            max_window_orders=max_window_orders,
        )
