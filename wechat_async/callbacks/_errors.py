"""The errors of receiving pushes: every one is a ``CallbackError`` (a ``WeChatError``)."""

from __future__ import annotations

from .._errors import WeChatError

__all__ = [
    "AppIdMismatchError",
    "CallbackError",
    "DecryptError",
    "MalformedMessageError",
    "NonceReusedError",
    "PayloadTooLargeError",
    "SignatureError",
    "StaleTimestampError",
    "UnanswerablePushError",
    "UnencryptedPushError",
]


class CallbackError(WeChatError):
    """A push could not be trusted or read."""


class SignatureError(CallbackError):
    """The push's signature does not match."""


class StaleTimestampError(SignatureError):
    """The push's timestamp is missing or outside the router's replay window."""


class UnencryptedPushError(SignatureError):
    """A push without ``Encrypt`` and ``msg_signature`` reached a router with an AES key."""


class NonceReusedError(SignatureError):
    """A signed ``(timestamp, nonce)`` pair came back carrying another push."""


class DecryptError(CallbackError):
    """The encrypted push could not be decrypted (bad key, padding, appid)."""


class AppIdMismatchError(DecryptError):
    """A push that decrypts, but names another app inside: not ours to handle."""


class MalformedMessageError(CallbackError):
    """The push body is not well-formed XML/JSON, too large, or unsafe."""


class PayloadTooLargeError(MalformedMessageError):
    """The push body is over the size limit (checked before any parsing)."""


class UnanswerablePushError(MalformedMessageError):
    """A push whose acknowledgement cannot be written (it would echo text XML cannot carry):
    refused before its handler runs."""
