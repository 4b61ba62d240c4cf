"""``client.giftcard``: gift cards, shelves, orders, and card codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .._paging import OffsetPager
from ._endpoints import GiftCardEndpoints
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
    CodeType,
    ConsumeCodeResponse,
    ControlInfo,
    CreateCardResponse,
    CustomField,
    CustomFieldParam,
    DateInfo,
    DateInfoParam,
    DateType,
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
    PageControlType,
    PageItem,
    PageItemParam,
    PageParam,
    PicItem,
    PicItemParam,
    SetMaintainResponse,
    Sku,
    SkuParam,
    SortType,
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
    "CodeType",
    "ConsumeCodeResponse",
    "ControlInfo",
    "CreateCardResponse",
    "CustomField",
    "CustomFieldParam",
    "DateInfo",
    "DateInfoParam",
    "DateType",
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
    "PageControlType",
    "PageItem",
    "PageItemParam",
    "PageParam",
    "PicItem",
    "PicItemParam",
    "SetMaintainResponse",
    "Sku",
    "SkuParam",
    "SortType",
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


class GiftCardNamespace(GiftCardEndpoints):
    """``client.giftcard``: the endpoints, and ``iter_orders`` over ``batch_get_orders``."""

    def iter_orders(
        self,
        begin_time: int | dt.datetime,
        end_time: int | dt.datetime,
        *,
        sort_type: SortType = "ASC",
        concurrency: int = 8,
        page_size: int = 100,
        checkpoint: SyncCheckpoint | None = None,
        progress: Callable[[SyncProgress], None] | None = None,
        max_window_orders: int = MAX_WINDOW_ORDERS,
    ) -> OrderSync:
        """Every order created in ``[begin_time, end_time]``, each exactly once.

        ``concurrency`` requests stay in flight while orders are read: inside ``async with``
        in a task group that the block's exit cancels; with ``async for`` alone in a task of
        its own that stops when the loop ends, fails or is left by ``break``. A window
        claiming more than ``max_window_orders`` orders is a ``ResponseValidationError``
        (memory holds one window's order ids).

        >>> async with client.giftcard.iter_orders(b, e) as orders:  # doctest: +SKIP
        ...     async for order in orders:
        ...         save(order)
        >>> async for order in client.giftcard.iter_orders(b, e):  # doctest: +SKIP
        ...     save(order)
        """
        return OrderSync(
            # page after page of one range: checked once, each page's orders built as it is read
            OffsetPager(self.batch_get_orders),
            begin_time,
            end_time,
            sort_type=sort_type,
            concurrency=concurrency,
            page_size=page_size,
            checkpoint=checkpoint,
            progress=progress,
            max_window_orders=max_window_orders,
        )
