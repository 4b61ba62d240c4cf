"""Cards and their images, and who may test them: ``upload_image``, ``create_card``,
``set_test_whitelist``."""

from __future__ import annotations

import functools
from typing import Literal, get_args

import attrs

from ..._checks import between, matches, max_len, min_len, one_of, unix_time, with_rule
from ..._models import Response, Upload, meta
from .. import _dicts

__all__ = [
    "CODE_TYPES",
    "DATE_TYPES",
    "AdvancedInfo",
    "BaseInfo",
    "Card",
    "CodeType",
    "CreateCardRequest",
    "CreateCardResponse",
    "CustomField",
    "DateInfo",
    "DateType",
    "GeneralCard",
    "GiftCardInfo",
    "SetTestWhitelistRequest",
    "Sku",
    "TextImage",
    "UploadImageRequest",
    "UploadImageResponse",
]


#: ``base_info.code_type``: text, barcode, QR code, QR code or barcode without the number
CodeType = Literal[
    "CODE_TYPE_TEXT",
    "CODE_TYPE_BARCODE",
    "CODE_TYPE_QRCODE",
    "CODE_TYPE_ONLY_QRCODE",
    "CODE_TYPE_ONLY_BARCODE",
]
#: ``date_info.type``: a fixed range, a term after receipt, or permanent
DateType = Literal["DATE_TYPE_FIX_TIME_RANGE", "DATE_TYPE_FIX_TERM", "DATE_TYPE_PERMANENT"]
CODE_TYPES: frozenset[str] = frozenset(get_args(CodeType))
DATE_TYPES: frozenset[str] = frozenset(get_args(DateType))
_MAX_IMAGE = 1024 * 1024  # uploadimg refuses larger files


@functools.partial(with_rule, rule="a .jpg or .png file, not empty, at most 1 MB")
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
    """What ``media/uploadimg`` answers: ``url``, the image on WeChat's CDN, to use as a logo,
    background or picture URL."""

    #: the CDN URL to use as logo_url, background_pic_url...
    url: str


@attrs.define(kw_only=True)
class GiftCardInfo:
    """The gift card's price (``base_info.giftcard_info``)."""

    #: price in fen
    price: int = attrs.field(metadata=meta(check=between(0, low_open=True)))


@attrs.define(kw_only=True)
class DateInfo:
    """When the card can be used (``base_info.date_info``): a fixed range, a number of days after
    it is received, or permanently."""

    type: DateType
    begin_timestamp: int | None = attrs.field(default=None, metadata=meta(check=unix_time()))
    end_timestamp: int | None = attrs.field(default=None, metadata=meta(check=unix_time()))
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
class Sku:
    """The card's stock (``base_info.sku``)."""

    quantity: int = attrs.field(metadata=meta(check=between(0)))


@attrs.define(kw_only=True)
class BaseInfo:
    """The data every card has (``general_card.base_info``): brand, logo, title, colour, notice,
    instructions, validity, stock and price, and the entries shown on it."""

    logo_url: str = attrs.field(metadata=meta(check=min_len(1)))
    brand_name: str = attrs.field(metadata=meta(check=(min_len(1), max_len(12))))
    code_type: CodeType
    title: str = attrs.field(metadata=meta(check=(min_len(1), max_len(9))))
    #: Color010 .. Color100
    color: str = attrs.field(
        metadata=meta(check=matches(r"Color(0[1-9]0|100)", "Color010..Color100"))
    )
    notice: str = attrs.field(metadata=meta(check=(min_len(1), max_len(12))))
    description: str = attrs.field(metadata=meta(check=(min_len(1), max_len(1000))))
    date_info: DateInfo = attrs.field(converter=_dicts.to_date_info)
    sku: Sku = attrs.field(converter=_dicts.to_sku)
    giftcard_info: GiftCardInfo = attrs.field(converter=_dicts.to_gift_card_info)
    max_give_friend_times: int = attrs.field(metadata=meta(check=between(0)))
    service_phone: str | None = None
    location_id_list: list[int] | None = None
    use_all_locations: bool | None = None
    use_custom_code: bool | None = None
    #: ``GET_CUSTOM_CODE_MODE_DEPOSIT``: codes are imported later (card/create's doc; the
    #: gift-card translation leaves it out)
    get_custom_code_mode: str | None = attrs.field(
        default=None, metadata=meta(check=one_of({"GET_CUSTOM_CODE_MODE_DEPOSIT"}))
    )
    bind_openid: bool | None = None
    can_share: bool | None = None
    can_give_friend: bool | None = None
    #: gift cards must use 0
    get_limit: int | None = attrs.field(default=None, metadata=meta(check=one_of({0})))
    #: how many cards one user may use (card/create's doc; not in the translation)
    use_limit: int | None = attrs.field(default=None, metadata=meta(check=between(1)))
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
class TextImage:
    """One picture with its text, describing the goods (``advanced_info.text_image_list``)."""

    image_url: str
    text: str


@attrs.define(kw_only=True)
class AdvancedInfo:
    """Pictures with text describing the goods (``general_card.advanced_info``)."""

    text_image_list: list[TextImage] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_text_image_list)
    )


@attrs.define(kw_only=True)
class CustomField:
    """A custom info cell shown on the card after activation."""

    name: str = attrs.field(metadata=meta(check=min_len(1)))
    url: str | None = None
    app_brand_user_name: str | None = None
    app_brand_pass: str | None = None


#: supply_balance and custom_field1..3 share the card face's three cells
_MAX_CARD_CELLS = 3


@attrs.define(kw_only=True)
class GeneralCard:
    """The gift card (``card.general_card``): its ``base_info``, background, balance and points,
    and up to three cells on its face."""

    base_info: BaseInfo = attrs.field(converter=_dicts.to_base_info)
    sub_card_type: str = attrs.field(
        default="GIFT_CARD", metadata=meta(check=one_of({"GIFT_CARD"}))
    )
    background_pic_url: str | None = None
    advanced_info: AdvancedInfo | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_advanced_info)
    )
    auto_activate: bool | None = None
    supply_bonus: bool | None = None
    supply_balance: bool | None = None
    #: balance shown after purchase, in fen
    init_balance: int | None = attrs.field(default=None, metadata=meta(check=between(0)))
    prerogative: str | None = None
    custom_field1: CustomField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_custom_field)
    )
    custom_field2: CustomField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_custom_field)
    )
    custom_field3: CustomField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_custom_field)
    )
    need_push_on_view: bool | None = None

    def _check_fields(self) -> list[tuple[str, str]]:
        # The card face has three cells: "at most three of supply_balance and custom_field1,
        # custom_field2, custom_field3, otherwise an error is reported" (section 6.3).
        used = [
            name
            for name in ("supply_balance", "custom_field1", "custom_field2", "custom_field3")
            if getattr(self, name) not in (None, False)
        ]
        if len(used) > _MAX_CARD_CELLS:
            return [(used[-1], f"at most {_MAX_CARD_CELLS} of {', '.join(used)}")]
        return []


@attrs.define(kw_only=True)
class Card:
    """The ``card`` that ``card/create`` takes: a ``GENERAL_CARD`` holding its ``general_card``."""

    general_card: GeneralCard = attrs.field(converter=_dicts.to_general_card)
    card_type: str = attrs.field(
        default="GENERAL_CARD", metadata=meta(check=one_of({"GENERAL_CARD"}))
    )


@attrs.define(kw_only=True)
class CreateCardRequest:
    """``POST /card/create`` with ``card_type: GENERAL_CARD`` and ``sub_card_type: GIFT_CARD``."""

    card: Card = attrs.field(converter=_dicts.to_card)


@attrs.define(kw_only=True)
class CreateCardResponse(Response):
    """What ``card/create`` answers: the new card's ``card_id``, which a shelf's ``item_list``
    puts on sale."""

    card_id: str


#: "at most 10 in all" for the two lists together (the test whitelist's notes)
_MAX_TESTERS = 10


@attrs.define(kw_only=True)
class SetTestWhitelistRequest:
    """``POST /card/testwhitelist/set``: the accounts that may receive cards, and open shelves,
    still under review. Each call sets the whole list: an account left out is removed."""

    #: testers by openid
    openid: list[str] | None = None
    #: testers by WeChat id
    username: list[str] | None = None

    def _check_fields(self) -> list[tuple[str, str]]:
        count = len(self.openid or ()) + len(self.username or ())
        if count > _MAX_TESTERS:
            field = "username" if self.username else "openid"
            return [(field, f"at most {_MAX_TESTERS} testers in all, got {count}")]
        return []
