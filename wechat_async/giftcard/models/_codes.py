"""Card codes and balances: ``update_user_card``, ``consume_code``, ``get_code``,
``decrypt_code``.
"""

from __future__ import annotations

import enum

import attrs

from ..._checks import between, max_bytes, max_len, min_len
from ..._models import LooseBool, OpenValues, Response, meta

__all__ = [
    "CodeCard",
    "ConsumeCodeRequest",
    "ConsumeCodeResponse",
    "DecryptCodeRequest",
    "DecryptCodeResponse",
    "GetCodeRequest",
    "GetCodeResponse",
    "UpdateUserCardRequest",
    "UpdateUserCardResponse",
    "UserCardStatus",
]


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
    """What ``card/generalcard/updateuser`` answers: the card's points (``result_bonus``) and
    balance (``result_balance``, fen) now, and its owner's ``openid``."""

    result_bonus: int | None = None
    #: fen
    result_balance: int | None = None
    openid: str | None = None


@attrs.define(kw_only=True)
class ConsumeCodeRequest:
    """Consume (write off) a card's code; ``card_id`` is needed for custom-code cards."""

    code: str = attrs.field(metadata=meta(check=min_len(1)))
    #: required for custom-code cards
    card_id: str | None = None


@attrs.define(kw_only=True)
class ConsumedCard(Response):
    """The consumed card in ``card/code/consume``'s answer."""

    card_id: str


@attrs.define(kw_only=True)
class ConsumeCodeResponse(Response):
    """What ``card/code/consume`` answers: the consumed ``card`` and its owner's ``openid``."""

    card: ConsumedCard | None = None
    openid: str | None = None


@attrs.define(kw_only=True)
class GetCodeRequest:
    """Look up a card's code: its card, validity, balance, status and order."""

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
    """The ``card`` in ``card/code/get``'s answer: validity, balance (fen), points and the number
    shown on the card."""

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
    """What ``card/code/get`` answers: the ``card``, its owner's ``openid``, ``user_card_status``
    and ``can_consume`` (whichever level the reply put them at), and ``order_id``."""

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
    """Decrypt the ``encrypt_code`` a jump URL carries into the card's code."""

    #: ``encrypt_code`` from a jump URL (see ``parse_jump``)
    encrypt_code: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class DecryptCodeResponse(Response):
    """What ``card/code/decrypt`` answers: the plain ``code``."""

    code: str
