"""City Service message path models."""

from __future__ import annotations

import attrs

from .._checks import matches, min_len
from .._models import Response, meta
from . import _dicts
from ._dicts import TemplateValueParam

__all__ = ["SendMsgDataRequest", "SendMsgDataResponse", "TemplateValue", "TemplateValueParam"]


@attrs.define(kw_only=True)
class TemplateValue:
    """One template keyword: ``{"value": "...", "color": "#173177"}`` (color only shows in
    service notifications)."""

    value: str
    color: str | None = attrs.field(
        default=None, metadata=meta(check=matches(r"#[0-9A-Fa-f]{6}", "#RRGGBB"))
    )


@attrs.define(kw_only=True)
class SendMsgDataRequest:
    """``POST /cityservice/sendmsgdata``. Which style ids are required depends on the pages the
    template was approved for (result page, service record, card)."""

    openid: str = attrs.field(metadata=meta(check=min_len(1)))
    biz_template_id: str = attrs.field(metadata=meta(check=min_len(1)))
    #: Transactions with the same order number are merged into one record.
    order_no: str = attrs.field(metadata=meta(check=min_len(1)))
    data: dict[str, TemplateValue] = attrs.field(
        converter=_dicts.to_template_value_map, metadata=meta(check=min_len(1))
    )
    #: the jump link of notifications and result pages; WeChat judges it (82025 when invalid)
    url: str | None = None
    #: the document pairs it with ``url``; a production integration sends it without one, so
    #: it is not refused alone
    result_page_style_id: str | None = None
    deal_msg_style_id: str | None = None
    card_style_id: str | None = None


@attrs.define(kw_only=True)
class SendMsgDataResponse(Response):
    """What ``cityservice/sendmsgdata`` answers: ``result_page_url``, WeChat's result page to
    send the user to."""

    #: Redirect the user here instead of your own result page. Empty when no
    #: ``result_page_style_id`` was sent.
    result_page_url: str = ""
