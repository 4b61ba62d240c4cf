"""Shelves (pages) and taking them off sale: ``add_page``, ``get_page``, ``update_page``,
``list_pages``, ``set_maintain``.
"""

from __future__ import annotations

import enum

import attrs

from ..._checks import matches, min_len
from ..._models import OpenValues, Response, meta
from .. import _dicts

__all__ = [
    "AddPageRequest",
    "AddPageResponse",
    "Category",
    "Cell",
    "ControlInfo",
    "GetPageRequest",
    "GetPageResponse",
    "ListPagesResponse",
    "Page",
    "PageControl",
    "PageControlType",
    "PageItem",
    "PicItem",
    "SetMaintainRequest",
    "SetMaintainResponse",
    "Theme",
    "UpdatePageRequest",
]


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
    """A theme of a shelf (``page.theme_list``): a cover and title, the cards on sale
    (``item_list``) and the card faces a buyer chooses from (``pic_item_list``)."""

    theme_pic_url: str
    title: str
    title_color: str | None = attrs.field(
        default=None, metadata=meta(check=matches(r"#[0-9A-Fa-f]{6}", "#RRGGBB"))
    )
    item_list: list[PageItem] = attrs.field(converter=_dicts.to_page_item_list, factory=list)
    pic_item_list: list[PicItem] = attrs.field(converter=_dicts.to_pic_item_list, factory=list)
    #: index into the page's category_list (required when the page has categories)
    category_index: int | None = None
    show_sku_title_first: bool | None = None
    is_banner: bool | None = None


@attrs.define(kw_only=True)
class Category(Response):
    """A category of a shelf's themes (``page.category_list``); a theme names its category by
    ``category_index``."""

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
    theme_list: list[Theme] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_theme_list)
    )
    category_list: list[Category] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_category_list)
    )
    address: str | None = None
    service_phone: str | None = None
    biz_description: str | None = None
    cell_1: Cell | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_cell)
    )
    cell_2: Cell | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_cell)
    )
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
    """Create a shelf: the ``page`` with its title, banner, themes, address, service phone,
    description and two custom cells. WeChat assigns its ``page_id``."""

    page: Page = attrs.field(converter=_dicts.to_page)

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
    """What ``card/giftcard/page/add`` answers: the new shelf's ``page_id``, for ``get_page``,
    ``update_page`` and ``shelf_url``."""

    page_id: str


@attrs.define(kw_only=True)
class GetPageRequest:
    """Read one shelf by its ``page_id``."""

    page_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class GetPageResponse(Response):
    """What ``card/giftcard/page/get`` answers: the shelf, as ``page``."""

    page: Page


@attrs.define(kw_only=True)
class UpdatePageRequest:
    """Change a shelf: the ``page`` with its ``page_id``, ``banner_pic_url`` and ``theme_list``."""

    page: Page = attrs.field(converter=_dicts.to_page)

    def _check_fields(self) -> list[tuple[str, str]]:
        return _missing(self.page, ("page_id", "banner_pic_url", "theme_list"))


@attrs.define(kw_only=True)
class ListPagesResponse(Response):
    """What ``card/giftcard/page/batchget`` answers: ``page_id_list``, the ids of every shelf of
    the account."""

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
    """One shelf's state in ``set_maintain``'s answer: on sale, or taken off sale by the merchant
    or by WeChat."""

    page_id: str
    page_control_type: PageControlType | None = None
    system_page_control_type: PageControlType | None = None


@attrs.define(kw_only=True)
class ControlInfo(Response):
    """``set_maintain``'s result: the account's state as the merchant and as WeChat set it, and
    each shelf's (``pages``, ``list`` on the wire)."""

    biz_control_type: PageControlType | None = None
    system_biz_control_type: PageControlType | None = None
    pages: list[PageControl] = attrs.field(factory=list, metadata=meta(wire="list"))


@attrs.define(kw_only=True)
class SetMaintainResponse(Response):
    """What ``card/giftcard/maintain/set`` answers: ``control_info``, the shelves' state after
    the change."""

    control_info: ControlInfo | None = None
