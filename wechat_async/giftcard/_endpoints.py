"""Gift-card endpoint descriptors: ``client.giftcard``'s calls, declared as data."""

from __future__ import annotations

from .._endpoint import Endpoint, Namespace, OffsetPaging
from .._models import EmptyResponse
from .models import (
    AddPageRequest,
    AddPageResponse,
    AddPayWhitelistRequest,
    AddPayWhitelistResponse,
    BatchGetOrdersRequest,
    BatchGetOrdersResponse,
    BindSubmchRequest,
    ConsumeCodeRequest,
    ConsumeCodeResponse,
    CreateCardRequest,
    CreateCardResponse,
    DecryptCodeRequest,
    DecryptCodeResponse,
    EmptyRequest,
    GetCodeRequest,
    GetCodeResponse,
    GetOrderRequest,
    GetOrderResponse,
    GetPageRequest,
    GetPageResponse,
    ListPagesResponse,
    RefundOrderRequest,
    SetMaintainRequest,
    SetMaintainResponse,
    SetTestWhitelistRequest,
    SetWxaRequest,
    UpdatePageRequest,
    UpdateUserCardRequest,
    UpdateUserCardResponse,
    UploadImageRequest,
    UploadImageResponse,
)

_GIFT_CARD = "https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/gift_card.html"
_DISTRIBUTING = (
    "https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/"
    "Distributing_Coupons_Vouchers_and_Cards.html"
)
_REDEEMING = (
    "https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/"
    "Redeeming_a_coupon_voucher_or_card.html"
)


class GiftCardEndpoints(Namespace):
    """The gift-card endpoints (``GiftCardNamespace`` adds the helpers)."""

    domain = "giftcard"

    upload_image = Endpoint(
        "POST",
        "/cgi-bin/media/uploadimg",
        UploadImageRequest,
        UploadImageResponse,
        idempotent=True,  # a repeat only uploads the same image again
        body="multipart",
        source=_GIFT_CARD,
    )
    create_card = Endpoint(
        "POST",
        "/card/create",
        CreateCardRequest,
        CreateCardResponse,
        idempotent=False,  # a repeat creates a second card
        source=_GIFT_CARD,
    )
    set_test_whitelist = Endpoint(
        "POST",
        "/card/testwhitelist/set",
        SetTestWhitelistRequest,
        EmptyResponse,
        idempotent=True,  # it sets the whole list: a replay leaves the same one
        source=_DISTRIBUTING,
    )
    add_page = Endpoint(
        "POST",
        "/card/giftcard/page/add",
        AddPageRequest,
        AddPageResponse,
        idempotent=False,  # a repeat creates a second shelf
        source=_GIFT_CARD,
    )
    get_page = Endpoint(
        "POST",
        "/card/giftcard/page/get",
        GetPageRequest,
        GetPageResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    update_page = Endpoint(
        "POST",
        "/card/giftcard/page/update",
        UpdatePageRequest,
        EmptyResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    list_pages = Endpoint(
        "POST",
        "/card/giftcard/page/batchget",
        EmptyRequest,
        ListPagesResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    set_maintain = Endpoint(
        "POST",
        "/card/giftcard/maintain/set",
        SetMaintainRequest,
        SetMaintainResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    add_pay_whitelist = Endpoint(
        "POST",
        "/card/giftcard/pay/whitelist/add",
        AddPayWhitelistRequest,
        AddPayWhitelistResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    bind_submch = Endpoint(
        "POST",
        "/card/giftcard/pay/submch/bind",
        BindSubmchRequest,
        EmptyResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    set_wxa = Endpoint(
        "POST",
        "/card/giftcard/wxa/set",
        SetWxaRequest,
        EmptyResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    get_order = Endpoint(
        "POST",
        "/card/giftcard/order/get",
        GetOrderRequest,
        GetOrderResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    batch_get_orders = Endpoint(
        "POST",
        "/card/giftcard/order/batchget",
        BatchGetOrdersRequest,
        BatchGetOrdersResponse,
        idempotent=True,
        # OrderSync (iter_orders) pages it by this spec.
        paging=OffsetPaging(items="order_list"),
        source=_GIFT_CARD,
    )
    refund_order = Endpoint(
        "POST",
        "/card/giftcard/order/refund",
        RefundOrderRequest,
        EmptyResponse,
        idempotent=False,  # money moves
        source=_GIFT_CARD,
    )
    update_user_card = Endpoint(
        "POST",
        "/card/generalcard/updateuser",
        UpdateUserCardRequest,
        UpdateUserCardResponse,
        # Balance and points are set as full values, so a replay leaves the same state.
        idempotent=True,
        source=_GIFT_CARD,
    )
    consume_code = Endpoint(
        "POST",
        "/card/code/consume",
        ConsumeCodeRequest,
        ConsumeCodeResponse,
        idempotent=False,  # a replay of a consumed code fails with 40099 and hides the outcome
        source=_GIFT_CARD,
    )
    get_code = Endpoint(
        "POST",
        "/card/code/get",
        GetCodeRequest,
        GetCodeResponse,
        idempotent=True,
        source=_GIFT_CARD,
    )
    decrypt_code = Endpoint(
        "POST",
        "/card/code/decrypt",
        DecryptCodeRequest,
        DecryptCodeResponse,
        idempotent=True,
        source=_REDEEMING,
    )
