"""Receiving pushes: signature check, AES message crypto, typed events, router, ASGI app.

>>> router = CallbackRouter(token="...", encoding_aes_key="...", app_id="wx...")  # doctest: +SKIP
>>> @router.on(GiftCardPayDone)  # doctest: +SKIP
... async def paid(event: GiftCardPayDone) -> None:
...     await record_order(event.order_id)
>>> app = CallbackApp(router)  # doctest: +SKIP
"""

from ._asgi import CallbackApp
from ._crypto import MessageCrypto
from ._errors import (
    AppIdMismatchError,
    NonceReusedError,
    PayloadTooLargeError,
    StaleTimestampError,
    UnanswerablePushError,
    UnencryptedPushError,
)
from ._events import (
    Authorized,
    ComponentEvent,
    ComponentVerifyTicket,
    Event,
    GiftCardPayDone,
    GiftCardSendToFriend,
    GiftCardUserAccept,
    Unauthorized,
    UnknownEvent,
    UpdateAuthorized,
    UpdateWaybillStatus,
    UserAuthorizeInvoice,
    UserGetCard,
    UserGiftingCard,
    UserViewCard,
    WaybillAgent,
)
from ._parse import parse_event
from ._router import CallbackReply, CallbackRouter
from ._signature import check_signature

__all__ = [
    "AppIdMismatchError",
    "Authorized",
    "CallbackApp",
    "CallbackReply",
    "CallbackRouter",
    "ComponentEvent",
    "ComponentVerifyTicket",
    "Event",
    "GiftCardPayDone",
    "GiftCardSendToFriend",
    "GiftCardUserAccept",
    "MessageCrypto",
    "NonceReusedError",
    "PayloadTooLargeError",
    "StaleTimestampError",
    "UnanswerablePushError",
    "Unauthorized",
    "UnencryptedPushError",
    "UnknownEvent",
    "UpdateAuthorized",
    "UpdateWaybillStatus",
    "UserAuthorizeInvoice",
    "UserGetCard",
    "UserGiftingCard",
    "UserViewCard",
    "WaybillAgent",
    "check_signature",
    "parse_event",
]
