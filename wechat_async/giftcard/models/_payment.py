"""Payment and Mini Program setup: ``add_pay_whitelist``, ``bind_submch``, ``set_wxa``."""

from __future__ import annotations

import attrs

from ..._checks import min_len
from ..._models import Response, meta

__all__ = [
    "AddPayWhitelistRequest",
    "AddPayWhitelistResponse",
    "BindSubmchRequest",
    "SetWxaRequest",
]


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
