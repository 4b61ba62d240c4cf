"""Gift-card models: cards and images, codes, shelves (pages) and payment setup, orders.

Money in fen (int), times in Unix seconds.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Literal, TypedDict, get_args

import attrs

from .._checks import between, matches, max_bytes, max_len, min_len, one_of, unix_time
from .._models import LooseBool, OpenValues, Response, Upload, meta
from .._params import to_model, to_models

if TYPE_CHECKING:
    from collections.abc import Sequence

    from typing_extensions import NotRequired

__all__ = [
    "CODE_TYPES",
    "DATE_TYPES",
    "MAX_ORDER_WINDOW",
    "AddPageRequest",
    "AddPageResponse",
    "AddPayWhitelistRequest",
    "AddPayWhitelistResponse",
    "AdvancedInfo",
    "AdvancedInfoParam",
    "BaseInfo",
    "BaseInfoParam",
    "BatchGetOrdersRequest",
    "BatchGetOrdersResponse",
    "BindSubmchRequest",
    "Card",
    "CardParam",
    "Category",
    "CategoryParam",
    "Cell",
    "CellParam",
    "CodeCard",
    "CodeType",
    "ConsumeCodeRequest",
    "ConsumeCodeResponse",
    "ControlInfo",
    "CreateCardRequest",
    "CreateCardResponse",
    "CustomField",
    "CustomFieldParam",
    "DateInfo",
    "DateInfoParam",
    "DateType",
    "DecryptCodeRequest",
    "DecryptCodeResponse",
    "EmptyRequest",
    "GeneralCard",
    "GeneralCardParam",
    "GetCodeRequest",
    "GetCodeResponse",
    "GetOrderRequest",
    "GetOrderResponse",
    "GetPageRequest",
    "GetPageResponse",
    "GiftCardInfo",
    "GiftCardInfoParam",
    "ListPagesResponse",
    "Order",
    "OrderCard",
    "Page",
    "PageControl",
    "PageControlType",
    "PageItem",
    "PageItemParam",
    "PageParam",
    "PicItem",
    "PicItemParam",
    "RefundOrderRequest",
    "SetMaintainRequest",
    "SetMaintainResponse",
    "SetWxaRequest",
    "Sku",
    "SkuParam",
    "SortType",
    "TextImage",
    "TextImageParam",
    "Theme",
    "ThemeParam",
    "UpdatePageRequest",
    "UpdateUserCardRequest",
    "UpdateUserCardResponse",
    "UploadImageRequest",
    "UploadImageResponse",
    "UserCardStatus",
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
#: ``order/batchget``'s order by creation time
SortType = Literal["ASC", "DESC"]
CODE_TYPES: frozenset[str] = frozenset(get_args(CodeType))
DATE_TYPES: frozenset[str] = frozenset(get_args(DateType))
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


class GiftCardInfoParam(TypedDict):
    """``GiftCardInfo`` as a plain dict (keys are wire names)."""

    price: int


def _to_gift_card_info(value: GiftCardInfo | GiftCardInfoParam) -> GiftCardInfo:
    return to_model(GiftCardInfo, value)


@attrs.define(kw_only=True)
class DateInfo(Response):
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


class DateInfoParam(TypedDict):
    """``DateInfo`` as a plain dict (keys are wire names)."""

    type: DateType
    begin_timestamp: NotRequired[int | None]
    end_timestamp: NotRequired[int | None]
    fixed_term: NotRequired[int | None]
    fixed_begin_term: NotRequired[int | None]


def _to_date_info(value: DateInfo | DateInfoParam) -> DateInfo:
    return to_model(DateInfo, value)


@attrs.define(kw_only=True)
class Sku(Response):
    quantity: int = attrs.field(metadata=meta(check=between(0)))


class SkuParam(TypedDict):
    """``Sku`` as a plain dict (keys are wire names)."""

    quantity: int


def _to_sku(value: Sku | SkuParam) -> Sku:
    return to_model(Sku, value)


@attrs.define(kw_only=True)
class BaseInfo(Response):
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
    date_info: DateInfo = attrs.field(converter=_to_date_info)
    sku: Sku = attrs.field(converter=_to_sku)
    giftcard_info: GiftCardInfo = attrs.field(converter=_to_gift_card_info)
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


class BaseInfoParam(TypedDict):
    """``BaseInfo`` as a plain dict (keys are wire names)."""

    logo_url: str
    brand_name: str
    code_type: CodeType
    title: str
    color: str
    notice: str
    description: str
    date_info: DateInfo | DateInfoParam
    sku: Sku | SkuParam
    giftcard_info: GiftCardInfo | GiftCardInfoParam
    max_give_friend_times: int
    service_phone: NotRequired[str | None]
    location_id_list: NotRequired[Sequence[int] | None]
    use_all_locations: NotRequired[bool | None]
    use_custom_code: NotRequired[bool | None]
    get_custom_code_mode: NotRequired[str | None]
    bind_openid: NotRequired[bool | None]
    can_share: NotRequired[bool | None]
    can_give_friend: NotRequired[bool | None]
    get_limit: NotRequired[int | None]
    use_limit: NotRequired[int | None]
    center_title: NotRequired[str | None]
    center_sub_title: NotRequired[str | None]
    center_url: NotRequired[str | None]
    center_app_brand_user_name: NotRequired[str | None]
    center_app_brand_pass: NotRequired[str | None]
    custom_url_name: NotRequired[str | None]
    custom_url: NotRequired[str | None]
    custom_url_sub_title: NotRequired[str | None]
    custom_app_brand_user_name: NotRequired[str | None]
    custom_app_brand_pass: NotRequired[str | None]
    promotion_url_name: NotRequired[str | None]
    promotion_url: NotRequired[str | None]
    promotion_app_brand_user_name: NotRequired[str | None]
    promotion_app_brand_pass: NotRequired[str | None]
    need_push_on_view: NotRequired[bool | None]


def _to_base_info(value: BaseInfo | BaseInfoParam) -> BaseInfo:
    return to_model(BaseInfo, value)


@attrs.define(kw_only=True)
class TextImage(Response):
    image_url: str
    text: str


class TextImageParam(TypedDict):
    """``TextImage`` as a plain dict (keys are wire names)."""

    image_url: str
    text: str


def _to_text_images(values: Sequence[TextImage | TextImageParam]) -> list[TextImage]:
    return to_models(TextImage, values)


@attrs.define(kw_only=True)
class AdvancedInfo(Response):
    text_image_list: list[TextImage] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_text_images)
    )


class AdvancedInfoParam(TypedDict):
    """``AdvancedInfo`` as a plain dict (keys are wire names)."""

    text_image_list: NotRequired[Sequence[TextImage | TextImageParam] | None]


def _to_advanced_info(value: AdvancedInfo | AdvancedInfoParam) -> AdvancedInfo:
    return to_model(AdvancedInfo, value)


@attrs.define(kw_only=True)
class CustomField(Response):
    """A custom info cell shown on the card after activation."""

    name: str = attrs.field(metadata=meta(check=min_len(1)))
    url: str | None = None
    app_brand_user_name: str | None = None
    app_brand_pass: str | None = None


class CustomFieldParam(TypedDict):
    """``CustomField`` as a plain dict (keys are wire names)."""

    name: str
    url: NotRequired[str | None]
    app_brand_user_name: NotRequired[str | None]
    app_brand_pass: NotRequired[str | None]


def _to_custom_field(value: CustomField | CustomFieldParam) -> CustomField:
    return to_model(CustomField, value)


#: supply_balance and custom_field1..3 share the card face's three cells
_MAX_CARD_CELLS = 3


@attrs.define(kw_only=True)
class GeneralCard(Response):
    base_info: BaseInfo = attrs.field(converter=_to_base_info)
    sub_card_type: str = attrs.field(
        default="GIFT_CARD", metadata=meta(check=one_of({"GIFT_CARD"}))
    )
    background_pic_url: str | None = None
    advanced_info: AdvancedInfo | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_advanced_info)
    )
    auto_activate: bool | None = None
    supply_bonus: bool | None = None
    supply_balance: bool | None = None
    #: balance shown after purchase, in fen
    init_balance: int | None = attrs.field(default=None, metadata=meta(check=between(0)))
    prerogative: str | None = None
    custom_field1: CustomField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_custom_field)
    )
    custom_field2: CustomField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_custom_field)
    )
    custom_field3: CustomField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_custom_field)
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


class GeneralCardParam(TypedDict):
    """``GeneralCard`` as a plain dict (keys are wire names)."""

    base_info: BaseInfo | BaseInfoParam
    sub_card_type: NotRequired[str]
    background_pic_url: NotRequired[str | None]
    advanced_info: NotRequired[AdvancedInfo | AdvancedInfoParam | None]
    auto_activate: NotRequired[bool | None]
    supply_bonus: NotRequired[bool | None]
    supply_balance: NotRequired[bool | None]
    init_balance: NotRequired[int | None]
    prerogative: NotRequired[str | None]
    custom_field1: NotRequired[CustomField | CustomFieldParam | None]
    custom_field2: NotRequired[CustomField | CustomFieldParam | None]
    custom_field3: NotRequired[CustomField | CustomFieldParam | None]
    need_push_on_view: NotRequired[bool | None]


def _to_general_card(value: GeneralCard | GeneralCardParam) -> GeneralCard:
    return to_model(GeneralCard, value)


@attrs.define(kw_only=True)
class Card(Response):
    general_card: GeneralCard = attrs.field(converter=_to_general_card)
    card_type: str = attrs.field(
        default="GENERAL_CARD", metadata=meta(check=one_of({"GENERAL_CARD"}))
    )


class CardParam(TypedDict):
    """``Card`` as a plain dict (keys are wire names)."""

    general_card: GeneralCard | GeneralCardParam
    card_type: NotRequired[str]


def _to_card(value: Card | CardParam) -> Card:
    return to_model(Card, value)


@attrs.define(kw_only=True)
class CreateCardRequest:
    """``POST /card/create`` with ``card_type: GENERAL_CARD`` and ``sub_card_type: GIFT_CARD``."""

    card: Card = attrs.field(converter=_to_card)


@attrs.define(kw_only=True)
class CreateCardResponse(Response):
    card_id: str


#: "limited to 4 characters and 12 bytes" (section 11.2): both are checked
_CUSTOM_VALUE = meta(check=(max_len(4), max_bytes(12)))


@attrs.define(kw_only=True)
class UpdateUserCardRequest:
    """Set a user's card balance (fen) and/or points, as full values, not increments.

    The doc's table names ``balance``/``record_balance``, its example ``bonus``/``record_bonus``:
    the endpoint takes both pairs (money and points).
    """

    code: str = attrs.field(metadata=meta(check=min_len(1)))
    card_id: str = attrs.field(metadata=meta(check=min_len(1)))
    background_pic_url: str | None = None
    balance: int | None = attrs.field(default=None, metadata=meta(check=between(0)))
    record_balance: str | None = attrs.field(default=None, metadata=meta(check=max_len(14)))
    bonus: int | None = attrs.field(default=None, metadata=meta(check=between(0)))
    record_bonus: str | None = attrs.field(default=None, metadata=meta(check=max_len(14)))
    custom_field_value1: str | None = attrs.field(default=None, metadata=_CUSTOM_VALUE)
    custom_field_value2: str | None = attrs.field(default=None, metadata=_CUSTOM_VALUE)
    custom_field_value3: str | None = attrs.field(default=None, metadata=_CUSTOM_VALUE)
    can_give_friend: bool | None = None


@attrs.define(kw_only=True)
class UpdateUserCardResponse(Response):
    result_bonus: int | None = None
    #: fen
    result_balance: int | None = None
    openid: str | None = None


@attrs.define(kw_only=True)
class ConsumeCodeRequest:
    code: str = attrs.field(metadata=meta(check=min_len(1)))
    #: required for custom-code cards
    card_id: str | None = None


@attrs.define(kw_only=True)
class ConsumedCard(Response):
    card_id: str


@attrs.define(kw_only=True)
class ConsumeCodeResponse(Response):
    card: ConsumedCard | None = None
    openid: str | None = None


@attrs.define(kw_only=True)
class GetCodeRequest:
    code: str = attrs.field(metadata=meta(check=min_len(1)))
    card_id: str | None = None
    #: WeChat's default is true: a code that cannot be consumed is then an error (40099 for a
    #: consumed one). False answers with its ``user_card_status`` instead.
    check_consume: bool | None = None


class UserCardStatus(OpenValues, str, enum.Enum):
    """``user_card_status`` of a code. Values WeChat adds later still parse (as members named
    after their value), so a new status never fails a reply.

    >>> UserCardStatus("CONSUMED").is_usable, UserCardStatus("SOMETHING_NEW").value
    (False, 'SOMETHING_NEW')
    """

    NORMAL = "NORMAL"
    CONSUMED = "CONSUMED"
    EXPIRE = "EXPIRE"
    GIFTING = "GIFTING"
    GIFT_SUCC = "GIFT_SUCC"
    GIFT_TIMEOUT = "GIFT_TIMEOUT"
    DELETE = "DELETE"
    UNAVAILABLE = "UNAVAILABLE"

    @property
    def is_usable(self) -> bool:
        """Only a NORMAL code can still be consumed."""
        return self is UserCardStatus.NORMAL


@attrs.define(kw_only=True)
class CodeCard(Response):
    card_id: str
    begin_time: int | None = None
    end_time: int | None = None
    #: fen
    balance: int | None = None
    bonus: int | None = None
    code: str | None = None
    card_number: str | None = None
    #: older replies carry these two inside ``card``: read into the response's own fields
    user_card_status: UserCardStatus | None = None
    can_consume: LooseBool | None = None


@attrs.define(kw_only=True)
class GetCodeResponse(Response):
    card: CodeCard
    openid: str | None = None
    #: JSON booleans or the strings "true"/"false", as replies have carried both
    can_consume: LooseBool | None = None
    user_card_status: UserCardStatus | None = None
    order_id: str | None = None
    outer_str: str | None = None
    background_pic_url: str | None = None

    def __attrs_post_init__(self) -> None:
        # One place to read them, whichever level the reply put them at.
        if self.user_card_status is None:
            self.user_card_status = self.card.user_card_status
        if self.can_consume is None:
            self.can_consume = self.card.can_consume


@attrs.define(kw_only=True)
class DecryptCodeRequest:
    #: ``encrypt_code`` from a jump URL (see ``parse_jump``)
    encrypt_code: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class DecryptCodeResponse(Response):
    code: str


@attrs.define(kw_only=True)
class RefundOrderRequest:
    order_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class EmptyRequest:
    """The ``{}`` body."""


@attrs.define(kw_only=True)
class PageItem(Response):
    """A card on sale in a theme."""

    card_id: str = attrs.field(metadata=meta(check=min_len(1)))
    title: str | None = None
    pic_url: str | None = None
    desc: str | None = None


class PageItemParam(TypedDict):
    """``PageItem`` as a plain dict (keys are wire names)."""

    card_id: str
    title: NotRequired[str | None]
    pic_url: NotRequired[str | None]
    desc: NotRequired[str | None]


def _to_page_items(values: Sequence[PageItem | PageItemParam]) -> list[PageItem]:
    return to_models(PageItem, values)


@attrs.define(kw_only=True)
class PicItem(Response):
    """A card face the buyer can choose."""

    background_pic_url: str = attrs.field(metadata=meta(check=min_len(1)))
    default_gifting_msg: str | None = None
    outer_img_id: str | None = None


class PicItemParam(TypedDict):
    """``PicItem`` as a plain dict (keys are wire names)."""

    background_pic_url: str
    default_gifting_msg: NotRequired[str | None]
    outer_img_id: NotRequired[str | None]


def _to_pic_items(values: Sequence[PicItem | PicItemParam]) -> list[PicItem]:
    return to_models(PicItem, values)


@attrs.define(kw_only=True)
class Theme(Response):
    theme_pic_url: str
    title: str
    title_color: str | None = attrs.field(
        default=None, metadata=meta(check=matches(r"#[0-9A-Fa-f]{6}", "#RRGGBB"))
    )
    item_list: list[PageItem] = attrs.field(converter=_to_page_items, factory=list)
    pic_item_list: list[PicItem] = attrs.field(converter=_to_pic_items, factory=list)
    #: index into the page's category_list (required when the page has categories)
    category_index: int | None = None
    show_sku_title_first: bool | None = None
    is_banner: bool | None = None


class ThemeParam(TypedDict):
    """``Theme`` as a plain dict (keys are wire names)."""

    theme_pic_url: str
    title: str
    title_color: NotRequired[str | None]
    item_list: NotRequired[Sequence[PageItem | PageItemParam]]
    pic_item_list: NotRequired[Sequence[PicItem | PicItemParam]]
    category_index: NotRequired[int | None]
    show_sku_title_first: NotRequired[bool | None]
    is_banner: NotRequired[bool | None]


def _to_themes(values: Sequence[Theme | ThemeParam]) -> list[Theme]:
    return to_models(Theme, values)


@attrs.define(kw_only=True)
class Category(Response):
    title: str | None = None


class CategoryParam(TypedDict):
    """``Category`` as a plain dict (keys are wire names)."""

    title: NotRequired[str | None]


def _to_categories(values: Sequence[Category | CategoryParam]) -> list[Category]:
    return to_models(Category, values)


@attrs.define(kw_only=True)
class Cell(Response):
    """A custom entry (refund, invoice...); WeChat appends order_id and openid to the url."""

    title: str
    url: str


class CellParam(TypedDict):
    """``Cell`` as a plain dict (keys are wire names)."""

    title: str
    url: str


def _to_cell(value: Cell | CellParam) -> Cell:
    return to_model(Cell, value)


@attrs.define(kw_only=True)
class Page(Response):
    """A shelf. Which fields are required depends on the call (add, update) and is checked
    there; pages read back may carry any subset."""

    page_id: str | None = None
    page_title: str | None = None
    banner_pic_url: str | None = None
    theme_list: list[Theme] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_themes)
    )
    category_list: list[Category] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_categories)
    )
    address: str | None = None
    service_phone: str | None = None
    biz_description: str | None = None
    cell_1: Cell | None = attrs.field(default=None, converter=attrs.converters.optional(_to_cell))
    cell_2: Cell | None = attrs.field(default=None, converter=attrs.converters.optional(_to_cell))
    support_multi: bool | None = None
    support_buy_for_self: bool | None = None
    need_receipt: bool | None = None

    def _check_fields(self) -> list[tuple[str, str]]:
        errors = []
        if self.category_list and self.theme_list:
            for i, theme in enumerate(self.theme_list):
                index = theme.category_index
                # The banner theme stands apart from categories (the doc's own example).
                if index is None and theme.is_banner:
                    continue
                if index is None:
                    errors.append(
                        (f"theme_list[{i}].category_index", "required with category_list")
                    )
                elif not 0 <= index < len(self.category_list):
                    errors.append(
                        (f"theme_list[{i}].category_index", f"no category {index} in category_list")
                    )
        for i, theme in enumerate(self.theme_list or ()):
            if not theme.item_list:
                errors.append((f"theme_list[{i}].item_list", "must not be empty"))
            if not theme.pic_item_list:
                errors.append((f"theme_list[{i}].pic_item_list", "must not be empty"))
        return errors


class PageParam(TypedDict):
    """``Page`` as a plain dict (keys are wire names)."""

    page_id: NotRequired[str | None]
    page_title: NotRequired[str | None]
    banner_pic_url: NotRequired[str | None]
    theme_list: NotRequired[Sequence[Theme | ThemeParam] | None]
    category_list: NotRequired[Sequence[Category | CategoryParam] | None]
    address: NotRequired[str | None]
    service_phone: NotRequired[str | None]
    biz_description: NotRequired[str | None]
    cell_1: NotRequired[Cell | CellParam | None]
    cell_2: NotRequired[Cell | CellParam | None]
    support_multi: NotRequired[bool | None]
    support_buy_for_self: NotRequired[bool | None]
    need_receipt: NotRequired[bool | None]


def _to_page(value: Page | PageParam) -> Page:
    return to_model(Page, value)


def _missing(page: Page, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"page.{name}", "required") for name in names if getattr(page, name) in (None, "", [])]


@attrs.define(kw_only=True)
class AddPageRequest:
    page: Page = attrs.field(converter=_to_page)

    def _check_fields(self) -> list[tuple[str, str]]:
        required = (
            "page_title",
            "banner_pic_url",
            "theme_list",
            "address",
            "service_phone",
            "biz_description",
            "cell_1",
            "cell_2",
        )
        errors = _missing(self.page, required)
        if self.page.page_id is not None:
            errors.append(("page.page_id", "is assigned by WeChat: leave it unset"))
        return errors


@attrs.define(kw_only=True)
class AddPageResponse(Response):
    page_id: str


@attrs.define(kw_only=True)
class GetPageRequest:
    page_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class GetPageResponse(Response):
    page: Page


@attrs.define(kw_only=True)
class UpdatePageRequest:
    page: Page = attrs.field(converter=_to_page)

    def _check_fields(self) -> list[tuple[str, str]]:
        return _missing(self.page, ("page_id", "banner_pic_url", "theme_list"))


@attrs.define(kw_only=True)
class ListPagesResponse(Response):
    page_id_list: list[str] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class SetMaintainRequest:
    """Take one shelf (``page_id``) or every shelf (``all=True``) off sale."""

    page_id: str | None = None
    all: bool | None = None
    maintain: bool = True

    def _check_fields(self) -> list[tuple[str, str]]:
        if (self.page_id is None) == (not self.all):
            return [("page_id", "give exactly one of page_id or all=True")]
        return []


class PageControlType(OpenValues, str, enum.Enum):
    """Who holds shelves on or off sale (``control_info`` of ``set_maintain``). Values outside
    the document's still parse (a member named after the value)."""

    #: the merchant took it off sale
    E_PAGE_CONTROL_BIZ = "E_PAGE_CONTROL_BIZ"
    #: on sale
    E_PAGE_CONTROL_NORMAL = "E_PAGE_CONTROL_NORMAL"
    #: WeChat took it off sale
    E_PAGE_CONTROL_SYSTEM = "E_PAGE_CONTROL_SYSTEM"


@attrs.define(kw_only=True)
class PageControl(Response):
    page_id: str
    page_control_type: PageControlType | None = None
    system_page_control_type: PageControlType | None = None


@attrs.define(kw_only=True)
class ControlInfo(Response):
    biz_control_type: PageControlType | None = None
    system_biz_control_type: PageControlType | None = None
    pages: list[PageControl] = attrs.field(factory=list, metadata=meta(wire="list"))


@attrs.define(kw_only=True)
class SetMaintainResponse(Response):
    control_info: ControlInfo | None = None


@attrs.define(kw_only=True)
class AddPayWhitelistRequest:
    #: WeChat Pay sub-merchant number
    sub_mch_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class AddPayWhitelistResponse(Response):
    #: open it and confirm in the WeChat Pay merchant console to finish
    url: str | None = None


@attrs.define(kw_only=True)
class BindSubmchRequest:
    sub_mch_id: str = attrs.field(metadata=meta(check=min_len(1)))
    wxa_appid: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class SetWxaRequest:
    wxa_appid: str = attrs.field(metadata=meta(check=min_len(1)))
    page_id: str = attrs.field(metadata=meta(check=min_len(1)))


#: ``order/batchget`` refuses a window longer than this (``end_time - begin_time``).
MAX_ORDER_WINDOW = 31 * 24 * 3600


@attrs.define(kw_only=True)
class OrderCard(Response):
    """One card bought in an order."""

    card_id: str
    #: price of the card, in fen
    price: int
    code: str | None = None
    default_gifting_msg: str | None = None
    background_pic_url: str | None = None
    outer_img_id: str | None = None
    #: set when the card was sent to a group chat
    accepter_openid: str | None = None


@attrs.define(kw_only=True)
class Order(Response):
    order_id: str
    page_id: str | None = None
    trans_id: str | None = None
    create_time: int | None = None
    pay_finish_time: int | None = None
    #: total amount, in fen
    total_price: int | None = None
    open_id: str | None = None
    accepter_openid: str | None = None
    card_list: list[OrderCard] = attrs.field(factory=list)
    outer_str: str | None = None
    #: whether the order's cards were sent to a group chat (``IsChatRoom`` on the wire)
    is_chat_room: LooseBool | None = attrs.field(
        default=None, metadata=meta(wire="IsChatRoom", aliases=("is_chatroom",))
    )


@attrs.define(kw_only=True)
class GetOrderRequest:
    order_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class GetOrderResponse(Response):
    order: Order


@attrs.define(kw_only=True)
class BatchGetOrdersRequest:
    """One page of orders created between two times (at most 31 days apart)."""

    begin_time: int = attrs.field(metadata=meta(check=between(0)))
    end_time: int = attrs.field(metadata=meta(check=between(0)))
    sort_type: SortType = "ASC"
    offset: int = attrs.field(default=0, metadata=meta(check=between(0)))
    count: int = attrs.field(default=100, metadata=meta(check=between(1, 100)))

    def _check_fields(self) -> list[tuple[str, str]]:
        span = self.end_time - self.begin_time
        if span < 0:
            return [("end_time", "must not be before begin_time")]
        if span > MAX_ORDER_WINDOW:
            return [("end_time", f"window of {span} s is longer than 31 days")]
        return []


@attrs.define(kw_only=True)
class BatchGetOrdersResponse(Response):
    total_count: int
    order_list: list[Order] = attrs.field(factory=list)
