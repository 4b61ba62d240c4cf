"""Using gift cards: balance updates, consume, code query and decrypt, refunds (seed 001,
sections 11, 12.2.1 and 14.1). Money in fen (int)."""

from __future__ import annotations

import attrs

from .._checks import between, max_bytes, max_len, min_len
from .._models import Response, meta

__all__ = [
    "CodeCard",
    "ConsumeCodeRequest",
    "ConsumeCodeResponse",
    "DecryptCodeRequest",
    "DecryptCodeResponse",
    "GetCodeRequest",
    "GetCodeResponse",
    "RefundOrderRequest",
    "UpdateUserCardRequest",
    "UpdateUserCardResponse",
]

_CUSTOM_VALUE = meta(check=max_bytes(12))


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


@attrs.define(kw_only=True)
class GetCodeResponse(Response):
    card: CodeCard
    openid: str | None = None
    can_consume: bool | None = None
    user_card_status: str | None = None
    order_id: str | None = None
    background_pic_url: str | None = None


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
