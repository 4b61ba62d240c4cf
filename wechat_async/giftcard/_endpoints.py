"""Gift-card endpoint descriptors (seed 001); names and retry safety from specs/endpoints.md."""

from __future__ import annotations

from .._endpoint import Endpoint, OffsetPaging
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
    SetWxaRequest,
    UpdatePageRequest,
    UpdateUserCardRequest,
    UpdateUserCardResponse,
    UploadImageRequest,
    UploadImageResponse,
)

upload_image = Endpoint(
    "POST",
    "/cgi-bin/media/uploadimg",
    UploadImageRequest,
    UploadImageResponse,
    idempotent=True,  # a repeat only uploads the same image again
    body="multipart",
    source="seed 001, section 6.1",
)
create_card = Endpoint(
    "POST",
    "/card/create",
    CreateCardRequest,
    CreateCardResponse,
    idempotent=False,  # a repeat creates a second card
    source="seed 001, section 6.3",
)
add_page = Endpoint(
    "POST",
    "/card/giftcard/page/add",
    AddPageRequest,
    AddPageResponse,
    idempotent=False,  # a repeat creates a second shelf
    source="seed 001, section 7.2",
)
get_page = Endpoint(
    "POST",
    "/card/giftcard/page/get",
    GetPageRequest,
    GetPageResponse,
    idempotent=True,
    source="seed 001, section 7.3",
)
update_page = Endpoint(
    "POST",
    "/card/giftcard/page/update",
    UpdatePageRequest,
    EmptyResponse,
    idempotent=True,
    source="seed 001, section 7.4",
)
list_pages = Endpoint(
    "POST",
    "/card/giftcard/page/batchget",
    EmptyRequest,
    ListPagesResponse,
    idempotent=True,
    source="seed 001, section 7.5",
)
set_maintain = Endpoint(
    "POST",
    "/card/giftcard/maintain/set",
    SetMaintainRequest,
    SetMaintainResponse,
    idempotent=True,
    source="seed 001, section 7.6",
)
add_pay_whitelist = Endpoint(
    "POST",
    "/card/giftcard/pay/whitelist/add",
    AddPayWhitelistRequest,
    AddPayWhitelistResponse,
    idempotent=True,
    source="seed 001, section 8.1.1",
)
bind_submch = Endpoint(
    "POST",
    "/card/giftcard/pay/submch/bind",
    BindSubmchRequest,
    EmptyResponse,
    idempotent=True,
    source="seed 001, section 8.2",
)
set_wxa = Endpoint(
    "POST",
    "/card/giftcard/wxa/set",
    SetWxaRequest,
    EmptyResponse,
    idempotent=True,
    source="seed 001, section 8.3.1",
)
get_order = Endpoint(
    "POST",
    "/card/giftcard/order/get",
    GetOrderRequest,
    GetOrderResponse,
    idempotent=True,
    source="seed 001, section 9.1",
)
batch_get_orders = Endpoint(
    "POST",
    "/card/giftcard/order/batchget",
    BatchGetOrdersRequest,
    BatchGetOrdersResponse,
    idempotent=True,
    paging=OffsetPaging(items="order_list"),
    source="seed 001, section 9.2",
)
refund_order = Endpoint(
    "POST",
    "/card/giftcard/order/refund",
    RefundOrderRequest,
    EmptyResponse,
    idempotent=False,  # money moves
    source="seed 001, section 12.2.1",
)
update_user_card = Endpoint(
    "POST",
    "/card/generalcard/updateuser",
    UpdateUserCardRequest,
    UpdateUserCardResponse,
    # Balance and points are set as full values, so a replay leaves the same state.
    idempotent=True,
    source="seed 001, section 11.2",
)
consume_code = Endpoint(
    "POST",
    "/card/code/consume",
    ConsumeCodeRequest,
    ConsumeCodeResponse,
    idempotent=False,  # a replay of a consumed code fails with 40099 and hides the outcome
    source="seed 001, section 11.3",
)
get_code = Endpoint(
    "POST",
    "/card/code/get",
    GetCodeRequest,
    GetCodeResponse,
    idempotent=True,
    source="seed 001, section 11.4",
)
decrypt_code = Endpoint(
    "POST",
    "/card/code/decrypt",
    DecryptCodeRequest,
    DecryptCodeResponse,
    idempotent=True,
    source="seed 001, section 14.1 (and seeds/README.md)",
)
