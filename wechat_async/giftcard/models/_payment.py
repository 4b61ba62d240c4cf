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
    """Ask to open gift-card payment on a WeChat Pay sub-merchant number; the merchant confirms
    at the answer's ``url``."""

    #: WeChat Pay sub-merchant number
    sub_mch_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class AddPayWhitelistResponse(Response):
    """What ``card/giftcard/pay/whitelist/add`` answers: the ``url`` where the merchant confirms
    in the WeChat Pay merchant console."""

    #: open it and confirm in the WeChat Pay merchant console to finish
    url: str | None = None


@attrs.define(kw_only=True)
class BindSubmchRequest:
    """Bind a WeChat Pay sub-merchant number to the gift-card Mini Program (``wxa_appid``)."""

    sub_mch_id: str = attrs.field(metadata=meta(check=min_len(1)))
    wxa_appid: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class SetWxaRequest:
    """Upload the gift-card Mini Program's code for shelf ``page_id``; the Mini Program is then
    submitted for review from its own console."""

    wxa_appid: str = attrs.field(metadata=meta(check=min_len(1)))
    page_id: str = attrs.field(metadata=meta(check=min_len(1)))
