"""Typed push events. Every event keeps the fields it does not declare in ``extra``."""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

import attrs

from .._models import LooseBool, Response, meta
from ..delivery._status import OrderStatus

__all__ = [
    "EVENT_TYPES",
    "INFO_TYPES",
    "Authorized",
    "ComponentEvent",
    "ComponentVerifyTicket",
    "Event",
    "GiftCardPayDone",
    "GiftCardSendToFriend",
    "GiftCardUserAccept",
    "Unauthorized",
    "UnknownEvent",
    "UpdateAuthorized",
    "UpdateWaybillStatus",
    "UserAuthorizeInvoice",
    "UserGetCard",
    "UserGiftingCard",
    "UserViewCard",
    "WaybillAgent",
]


def _wire(name: str, *aliases: str) -> dict[str, Any]:
    return meta(wire=name, aliases=aliases)


@attrs.define(kw_only=True)
class Event(Response):
    """Fields every push carries."""

    #: the Event value this class handles (lower case)
    EVENT: ClassVar[str] = ""
    #: how WeChat wants the push acknowledged: "ok" (``<xml>ok</xml>``), "success", "waybill"
    REPLY: ClassVar[str] = "success"

    to_user_name: str = attrs.field(metadata=_wire("ToUserName"))
    from_user_name: str = attrs.field(metadata=_wire("FromUserName"))
    create_time: int = attrs.field(metadata=_wire("CreateTime"))
    msg_type: str = attrs.field(default="event", metadata=_wire("MsgType"))
    event: str = attrs.field(default="", metadata=_wire("Event"))

    def identity(self) -> str:
        """What makes two deliveries the same push (WeChat retries carry identical fields)."""
        return "|".join(
            (self.from_user_name, str(self.create_time), self.event.lower(), *self._identity())
        )

    def _identity(self) -> tuple[str, ...]:
        return ()


@attrs.define(kw_only=True)
class _GiftCardOrderEvent(Event):
    REPLY: ClassVar[str] = "ok"

    page_id: str | None = attrs.field(default=None, metadata=_wire("PageId"))
    order_id: str = attrs.field(metadata=_wire("OrderId"))

    def _identity(self) -> tuple[str, ...]:
        return (self.order_id,)


@attrs.define(kw_only=True)
class GiftCardPayDone(_GiftCardOrderEvent):
    """10.1: a gift card order was paid."""

    EVENT: ClassVar[str] = "giftcard_pay_done"


@attrs.define(kw_only=True)
class GiftCardSendToFriend(_GiftCardOrderEvent):
    """10.2: the buyer gave the card(s) away."""

    EVENT: ClassVar[str] = "giftcard_send_to_friend"

    is_chat_room: LooseBool | None = attrs.field(default=None, metadata=_wire("IsChatRoom"))
    #: True when the card went back to the buyer after 24 h unclaimed
    is_return_back: LooseBool | None = attrs.field(default=None, metadata=_wire("IsReturnBack"))


@attrs.define(kw_only=True)
class GiftCardUserAccept(_GiftCardOrderEvent):
    """10.3: a friend accepted the gift card."""

    EVENT: ClassVar[str] = "giftcard_user_accept"

    is_chat_room: LooseBool | None = attrs.field(default=None, metadata=_wire("IsChatRoom"))


@attrs.define(kw_only=True)
class _CardEvent(Event):
    card_id: str = attrs.field(metadata=_wire("CardId"))
    user_card_code: str | None = attrs.field(default=None, metadata=_wire("UserCardCode"))
    friend_user_name: str | None = attrs.field(default=None, metadata=_wire("FriendUserName"))

    def _identity(self) -> tuple[str, ...]:
        return (self.card_id, self.user_card_code or "")


@attrs.define(kw_only=True)
class UserGetCard(_CardEvent):
    """10.4: a user got a card (also when an unclaimed gift returns after 24 h)."""

    EVENT: ClassVar[str] = "user_get_card"

    is_give_by_friend: LooseBool | None = attrs.field(
        default=None, metadata=_wire("IsGiveByFriend")
    )
    old_user_card_code: str | None = attrs.field(default=None, metadata=_wire("OldUserCardCode"))
    #: how the card was got, e.g. ``SOURCE_SCENE_USER_ACCEPT_GIFTCARD`` (seen on live pushes;
    #: not in the gift-card document)
    source_scene: str | None = attrs.field(default=None, metadata=_wire("SourceScene"))


@attrs.define(kw_only=True)
class UserGiftingCard(_CardEvent):
    """10.4: a user gave a card to a friend."""

    EVENT: ClassVar[str] = "user_gifting_card"

    is_return_back: LooseBool | None = attrs.field(default=None, metadata=_wire("IsReturnBack"))
    is_chat_room: LooseBool | None = attrs.field(default=None, metadata=_wire("IsChatRoom"))


@attrs.define(kw_only=True)
class UserViewCard(_CardEvent):
    """A user opened a card created with ``need_push_on_view: true``."""

    EVENT: ClassVar[str] = "user_view_card"

    #: the scene value the card was given out with (``outer_str`` of card_ext)
    outer_str: str | None = attrs.field(default=None, metadata=_wire("OuterStr"))


@attrs.define(kw_only=True)
class UserAuthorizeInvoice(Event):
    """12.2.2.4: the user authorized invoicing; call ``client.invoice.get_auth_data``."""

    EVENT: ClassVar[str] = "user_authorize_invoice"

    succ_order_id: str | None = attrs.field(default=None, metadata=_wire("SuccOrderId"))
    fail_order_id: str | None = attrs.field(default=None, metadata=_wire("FailOrderId"))
    #: the account the push is for: ``AppId`` as documented, else ``AuthorizeAppId``
    app_id: str | None = attrs.field(default=None, metadata=_wire("AppId"))
    #: ``AuthorizeAppId`` as sent: live pushes carry it instead of the documented ``AppId``
    authorize_app_id: str | None = attrs.field(default=None, metadata=_wire("AuthorizeAppId"))
    #: ``SPAppId`` as sent (undocumented, seen on live pushes)
    sp_app_id: str | None = attrs.field(default=None, metadata=_wire("SPAppId"))
    #: ``web`` (H5 inside WeChat) or ``app``
    source: str | None = attrs.field(default=None, metadata=_wire("Source", "source"))

    def __attrs_post_init__(self) -> None:
        # One field to read whichever name the push used; the wire name stays in its own.
        if self.app_id is None:
            self.app_id = self.authorize_app_id

    def _identity(self) -> tuple[str, ...]:
        return (self.succ_order_id or "", self.fail_order_id or "")


@attrs.define(kw_only=True)
class WaybillAgent(Response):
    """The rider."""

    name: str | None = None
    phone: str | None = None
    #: expected arrival (Unix seconds), only while delivering
    reach_time: int | None = None
    #: whether ``phone`` is masked (the carriers' status API carries it)
    is_phone_encrypted: LooseBool | None = None


@attrs.define(kw_only=True)
class UpdateWaybillStatus(Event):
    """Instant delivery: the carrier moved the order. Arrives as JSON or XML (the rider in
    a nested ``<agent>``)."""

    EVENT: ClassVar[str] = "update_waybill_status"
    REPLY: ClassVar[str] = "waybill"

    shopid: str | None = None
    shop_order_id: str = ""
    shop_no: str | None = None
    waybill_id: str | None = None
    action_time: int | None = None
    order_status: OrderStatus | None = None
    action_msg: str | None = None
    agent: WaybillAgent | None = None

    def _identity(self) -> tuple[str, ...]:
        # The code as a number: str() of an IntEnum differs between Python versions, and
        # processes sharing a dedupe store must agree.
        status = self.order_status if self.order_status is None else int(self.order_status)
        return (self.shop_order_id, str(status), str(self.action_time))


@attrs.define(kw_only=True)
class ComponentEvent(Event):
    """A push to a third-party platform's authorisation event URL: named by ``InfoType``
    (copied to ``event``), sent by WeChat to the platform ``app_id``, with no To/From names."""

    #: the InfoType value this class handles
    INFO_TYPE: ClassVar[str] = ""

    to_user_name: str = attrs.field(default="", metadata=_wire("ToUserName"))
    from_user_name: str = attrs.field(default="", metadata=_wire("FromUserName"))
    msg_type: str = attrs.field(default="", metadata=_wire("MsgType"))
    #: the third-party platform's appid (component_appid)
    app_id: str = attrs.field(metadata=_wire("AppId"))
    info_type: str = attrs.field(metadata=_wire("InfoType"))

    def __attrs_post_init__(self) -> None:
        if not self.event:
            self.event = self.info_type

    def identity(self) -> str:
        return "|".join(
            (self.app_id, str(self.create_time), self.info_type.lower(), *self._identity())
        )


@attrs.define(kw_only=True)
class ComponentVerifyTicket(ComponentEvent):
    """WeChat's ``component_verify_ticket``, pushed every 10 minutes and valid 12 hours:
    ``ComponentClient`` stores it and gets its component token with it."""

    INFO_TYPE: ClassVar[str] = "component_verify_ticket"

    component_verify_ticket: str = attrs.field(repr=False, metadata=_wire("ComponentVerifyTicket"))

    def _identity(self) -> tuple[str, ...]:
        return (self.component_verify_ticket,)


@attrs.define(kw_only=True)
class _AuthorizationEvent(ComponentEvent):
    #: the merchant's Official Account or Mini Program
    authorizer_appid: str = attrs.field(metadata=_wire("AuthorizerAppid"))

    def _identity(self) -> tuple[str, ...]:
        return (self.authorizer_appid,)


@attrs.define(kw_only=True)
class _GrantEvent(_AuthorizationEvent):
    #: exchange it with ``ComponentClient.query_auth`` (it stores the refresh token)
    authorization_code: str = attrs.field(repr=False, metadata=_wire("AuthorizationCode"))
    #: when the code expires (Unix seconds)
    authorization_code_expired_time: int | None = attrs.field(
        default=None, metadata=_wire("AuthorizationCodeExpiredTime")
    )
    pre_auth_code: str | None = attrs.field(default=None, repr=False, metadata=_wire("PreAuthCode"))


@attrs.define(kw_only=True)
class Authorized(_GrantEvent):
    """A merchant authorised the platform."""

    INFO_TYPE: ClassVar[str] = "authorized"


@attrs.define(kw_only=True)
class UpdateAuthorized(_GrantEvent):
    """A merchant changed the permission sets it grants the platform."""

    INFO_TYPE: ClassVar[str] = "updateauthorized"


@attrs.define(kw_only=True)
class Unauthorized(_AuthorizationEvent):
    """A merchant cancelled its authorisation: its refresh token no longer works."""

    INFO_TYPE: ClassVar[str] = "unauthorized"


@attrs.define(kw_only=True)
class UnknownEvent(Response):
    """A push this SDK has no class for; every field is in ``fields`` (as received)."""

    REPLY: ClassVar[str] = "success"

    fields: dict[str, Any] = attrs.field(factory=dict)

    @property
    def event(self) -> str:
        return str(self.fields.get("Event", ""))

    def identity(self) -> str:
        # Nothing says which fields tell two unknown pushes apart, so the whole body does:
        # retries repeat it field for field.
        keys = ("FromUserName", "CreateTime", "MsgType", "Event", "MsgId")
        canonical = json.dumps(self.fields, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha1(canonical.encode("utf-8", "surrogatepass"), usedforsecurity=False)
        return "|".join([*(str(self.fields.get(k, "")) for k in keys), digest.hexdigest()[:16]])


EVENT_TYPES: dict[str, type[Event]] = {
    cls.EVENT: cls
    for cls in (
        GiftCardPayDone,
        GiftCardSendToFriend,
        GiftCardUserAccept,
        UserGetCard,
        UserGiftingCard,
        UserViewCard,
        UserAuthorizeInvoice,
        UpdateWaybillStatus,
    )
}
# An older page misspelled it; WeChat acknowledged the typo.
EVENT_TYPES["udate_waybill_status"] = UpdateWaybillStatus

#: pushes to a third-party platform, by their InfoType
INFO_TYPES: dict[str, type[ComponentEvent]] = {
    cls.INFO_TYPE: cls
    for cls in (ComponentVerifyTicket, Authorized, UpdateAuthorized, Unauthorized)
}
