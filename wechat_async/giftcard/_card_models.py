"""Gift card creation and image upload (seed 001, section 6). Prices in fen (int)."""

from __future__ import annotations

import attrs

from .._checks import between, matches, max_len, min_len, one_of
from .._models import Response, Upload, meta

__all__ = [
    "CODE_TYPES",
    "DATE_TYPES",
    "AdvancedInfo",
    "BaseInfo",
    "Card",
    "CreateCardRequest",
    "CreateCardResponse",
    "CustomField",
    "DateInfo",
    "GeneralCard",
    "GiftCardInfo",
    "Sku",
    "TextImage",
    "UploadImageRequest",
    "UploadImageResponse",
]

CODE_TYPES = frozenset(
    {
        "CODE_TYPE_TEXT",
        "CODE_TYPE_BARCODE",
        "CODE_TYPE_QRCODE",
        "CODE_TYPE_ONLY_QRCODE",
        "CODE_TYPE_ONLY_BARCODE",
    }
)
DATE_TYPES = frozenset({"DATE_TYPE_FIX_TIME_RANGE", "DATE_TYPE_FIX_TERM", "DATE_TYPE_PERMANENT"})
_MAX_IMAGE = 1024 * 1024  # uploadimg refuses larger files


def _image(upload: Upload | None) -> str | None:
    if upload is None:
        return None
    if not upload.filename.lower().endswith((".jpg", ".jpeg", ".png")):
        return f"must be a .jpg or .png file, got {upload.filename!r}"
    if len(upload.content) > _MAX_IMAGE:
        return f"at most 1 MB, got {len(upload.content)} bytes"
    if not upload.content:
        return "is empty"
    return None


@attrs.define(kw_only=True)
class UploadImageRequest:
    """``POST /cgi-bin/media/uploadimg``, multipart part ``buffer``."""

    buffer: Upload = attrs.field(metadata=meta(check=_image))


@attrs.define(kw_only=True)
class UploadImageResponse(Response):
    #: the CDN URL to use as logo_url, background_pic_url...
    url: str


@attrs.define(kw_only=True)
class GiftCardInfo(Response):
    #: price in fen
    price: int = attrs.field(metadata=meta(check=between(0, low_open=True)))


@attrs.define(kw_only=True)
class DateInfo(Response):
    type: str = attrs.field(metadata=meta(check=one_of(DATE_TYPES)))
    begin_timestamp: int | None = None
    end_timestamp: int | None = None
    #: days after the card is received (0: valid on the day)
    fixed_term: int | None = attrs.field(default=None, metadata=meta(check=between(0)))
    fixed_begin_term: int | None = attrs.field(default=None, metadata=meta(check=between(0)))

    def _check_fields(self) -> list[tuple[str, str]]:
        if self.type == "DATE_TYPE_FIX_TIME_RANGE":
            if self.begin_timestamp is None or self.end_timestamp is None:
                return [("end_timestamp", "begin_timestamp and end_timestamp are required")]
            if self.end_timestamp <= self.begin_timestamp:
                return [("end_timestamp", "must be after begin_timestamp")]
        if self.type == "DATE_TYPE_FIX_TERM" and self.fixed_term is None:
            return [("fixed_term", "required for DATE_TYPE_FIX_TERM")]
        return []


@attrs.define(kw_only=True)
class Sku(Response):
    quantity: int = attrs.field(metadata=meta(check=between(0)))


@attrs.define(kw_only=True)
class BaseInfo(Response):
    logo_url: str = attrs.field(metadata=meta(check=min_len(1)))
    brand_name: str = attrs.field(metadata=meta(check=(min_len(1), max_len(12))))
    code_type: str = attrs.field(metadata=meta(check=one_of(CODE_TYPES)))
    title: str = attrs.field(metadata=meta(check=(min_len(1), max_len(9))))
    #: Color010 .. Color100
    color: str = attrs.field(
        metadata=meta(check=matches(r"Color(0[1-9]0|100)", "Color010..Color100"))
    )
    notice: str = attrs.field(metadata=meta(check=(min_len(1), max_len(12))))
    description: str = attrs.field(metadata=meta(check=(min_len(1), max_len(1000))))
    date_info: DateInfo
    sku: Sku
    giftcard_info: GiftCardInfo
    max_give_friend_times: int = attrs.field(metadata=meta(check=between(0)))
    service_phone: str | None = None
    location_id_list: list[int] | None = None
    use_all_locations: bool | None = None
    use_custom_code: bool | None = None
    bind_openid: bool | None = None
    can_share: bool | None = None
    can_give_friend: bool | None = None
    #: gift cards must use 0
    get_limit: int | None = attrs.field(default=None, metadata=meta(check=one_of({0})))
    center_title: str | None = None
    center_sub_title: str | None = None
    center_url: str | None = None
    center_app_brand_user_name: str | None = None
    center_app_brand_pass: str | None = None
    custom_url_name: str | None = attrs.field(default=None, metadata=meta(check=max_len(5)))
    custom_url: str | None = None
    custom_url_sub_title: str | None = attrs.field(default=None, metadata=meta(check=max_len(6)))
    custom_app_brand_user_name: str | None = None
    custom_app_brand_pass: str | None = None
    promotion_url_name: str | None = None
    promotion_url: str | None = None
    promotion_app_brand_user_name: str | None = None
    promotion_app_brand_pass: str | None = None
    need_push_on_view: bool | None = None


@attrs.define(kw_only=True)
class TextImage(Response):
    image_url: str
    text: str


@attrs.define(kw_only=True)
class AdvancedInfo(Response):
    text_image_list: list[TextImage] | None = None


@attrs.define(kw_only=True)
class CustomField(Response):
    """A custom info cell shown on the card after activation."""

    name: str = attrs.field(metadata=meta(check=min_len(1)))
    url: str | None = None
    app_brand_user_name: str | None = None
    app_brand_pass: str | None = None


@attrs.define(kw_only=True)
class GeneralCard(Response):
    base_info: BaseInfo
    sub_card_type: str = attrs.field(
        default="GIFT_CARD", metadata=meta(check=one_of({"GIFT_CARD"}))
    )
    background_pic_url: str | None = None
    advanced_info: AdvancedInfo | None = None
    auto_activate: bool | None = None
    supply_bonus: bool | None = None
    supply_balance: bool | None = None
    #: balance shown after purchase, in fen
    init_balance: int | None = attrs.field(default=None, metadata=meta(check=between(0)))
    prerogative: str | None = None
    custom_field1: CustomField | None = None
    custom_field2: CustomField | None = None
    custom_field3: CustomField | None = None
    need_push_on_view: bool | None = None

    def _check_fields(self) -> list[tuple[str, str]]:
        # "Developers can only fill in supply_balance and custom_field1..3 at most": the three
        # custom slots are the model's own limit, points are the one extra to refuse.
        if self.supply_bonus:
            return [("supply_bonus", "at most supply_balance plus three custom fields")]
        return []


@attrs.define(kw_only=True)
class Card(Response):
    general_card: GeneralCard
    card_type: str = attrs.field(
        default="GENERAL_CARD", metadata=meta(check=one_of({"GENERAL_CARD"}))
    )


@attrs.define(kw_only=True)
class CreateCardRequest:
    """``POST /card/create`` with ``card_type: GENERAL_CARD`` and ``sub_card_type: GIFT_CARD``."""

    card: Card


@attrs.define(kw_only=True)
class CreateCardResponse(Response):
    card_id: str
