"""Gift card shelves (pages), payment and Mini Program setup (seed 001, sections 7 and 8)."""

from __future__ import annotations

import attrs

from .._checks import matches, min_len
from .._models import Response, meta

__all__ = [
    "AddPageRequest",
    "AddPageResponse",
    "AddPayWhitelistRequest",
    "AddPayWhitelistResponse",
    "BindSubmchRequest",
    "Category",
    "Cell",
    "ControlInfo",
    "EmptyRequest",
    "GetPageRequest",
    "GetPageResponse",
    "ListPagesResponse",
    "Page",
    "PageControl",
    "PageItem",
    "PicItem",
    "SetMaintainRequest",
    "SetMaintainResponse",
    "SetWxaRequest",
    "Theme",
    "UpdatePageRequest",
]


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


@attrs.define(kw_only=True)
class PicItem(Response):
    """A card face the buyer can choose."""

    background_pic_url: str = attrs.field(metadata=meta(check=min_len(1)))
    default_gifting_msg: str | None = None
    outer_img_id: str | None = None


@attrs.define(kw_only=True)
class Theme(Response):
    theme_pic_url: str
    title: str
    title_color: str | None = attrs.field(
        default=None, metadata=meta(check=matches(r"#[0-9A-Fa-f]{6}", "#RRGGBB"))
    )
    item_list: list[PageItem] = attrs.field(factory=list)
    pic_item_list: list[PicItem] = attrs.field(factory=list)
    #: index into the page's category_list (required when the page has categories)
    category_index: int | None = None
    show_sku_title_first: bool | None = None
    is_banner: bool | None = None


@attrs.define(kw_only=True)
class Category(Response):
    title: str | None = None


@attrs.define(kw_only=True)
class Cell(Response):
    """A custom entry (refund, invoice...); WeChat appends order_id and openid to the url."""

    title: str
    url: str


@attrs.define(kw_only=True)
class Page(Response):
    """A shelf. Which fields are required depends on the call (add, update) and is checked
    there; pages read back may carry any subset."""

    page_id: str | None = None
    page_title: str | None = None
    banner_pic_url: str | None = None
    theme_list: list[Theme] | None = None
    category_list: list[Category] | None = None
    address: str | None = None
    service_phone: str | None = None
    biz_description: str | None = None
    cell_1: Cell | None = None
    cell_2: Cell | None = None
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


def _missing(page: Page, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"page.{name}", "required") for name in names if getattr(page, name) in (None, "", [])]


@attrs.define(kw_only=True)
class AddPageRequest:
    page: Page

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
    page: Page

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


@attrs.define(kw_only=True)
class PageControl(Response):
    page_id: str
    page_control_type: str | None = None
    system_page_control_type: str | None = None


@attrs.define(kw_only=True)
class ControlInfo(Response):
    biz_control_type: str | None = None
    system_biz_control_type: str | None = None
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
