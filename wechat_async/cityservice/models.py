"""City Service message path models (seed 000)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import attrs

from .._checks import matches, max_len, min_len
from .._models import Response, meta
from .._params import to_model_map

if TYPE_CHECKING:
    from collections.abc import Mapping

    from typing_extensions import NotRequired

__all__ = ["SendMsgDataRequest", "SendMsgDataResponse", "TemplateValue", "TemplateValueParam"]


@attrs.define(kw_only=True)
class TemplateValue:
    """One template keyword: ``{"value": "...", "color": "#173177"}`` (color only shows in
    service notifications)."""

    value: str
    color: str | None = attrs.field(
        default=None, metadata=meta(check=matches(r"#[0-9A-Fa-f]{6}", "#RRGGBB"))
    )


class TemplateValueParam(TypedDict):
    """``TemplateValue`` as a plain dict (keys are wire names)."""

    value: str
    color: NotRequired[str | None]


def _to_template_value_map(
    values: Mapping[str, TemplateValue | TemplateValueParam],
) -> dict[str, TemplateValue]:
    return to_model_map(TemplateValue, values)


@attrs.define(kw_only=True)
class SendMsgDataRequest:
    """``POST /cityservice/sendmsgdata``. Which style ids are required depends on the pages the
    template was approved for (result page, service record, card)."""

    openid: str = attrs.field(metadata=meta(check=min_len(1)))
    biz_template_id: str = attrs.field(metadata=meta(check=min_len(1)))
    #: Transactions with the same order number are merged into one record.
    order_no: str = attrs.field(metadata=meta(check=(min_len(1), max_len(128))))
    data: dict[str, TemplateValue] = attrs.field(
        converter=_to_template_value_map, metadata=meta(check=min_len(1))
    )
    url: str | None = attrs.field(
        default=None, metadata=meta(check=matches(r"https?://\S+", "an http(s) URL"))
    )
    result_page_style_id: str | None = None
    deal_msg_style_id: str | None = None
    card_style_id: str | None = None

    def _check_fields(self) -> list[tuple[str, str]]:
        if self.result_page_style_id is not None and self.url is None:
            return [("url", "required when result_page_style_id is set (result page)")]
        return []


@attrs.define(kw_only=True)
class SendMsgDataResponse(Response):
    #: Redirect the user here instead of your own result page. Empty when no
    #: ``result_page_style_id`` was sent.
    result_page_url: str = ""
