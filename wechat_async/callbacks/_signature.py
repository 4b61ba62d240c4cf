"""WeChat's push signatures: SHA1 over the sorted parts, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["check_signature", "same_signature", "sign"]


def _bytes(text: str) -> bytes:
    # Query values are attacker-controlled: lone surrogates must not make encoding raise.
    return text.encode("utf-8", "surrogatepass")


def sign(*parts: str) -> str:
    """SHA1 hex of the parts sorted and joined, as WeChat computes ``signature`` and
    ``msg_signature``."""
    joined = "".join(sorted(parts))
    return hashlib.sha1(_bytes(joined), usedforsecurity=False).hexdigest()


def same_signature(expected: str, received: str | None) -> bool:
    """Constant-time equality that also accepts non-ASCII input (``compare_digest`` raises
    TypeError on non-ASCII ``str``)."""
    if received is not None and received.isascii():  # as a query carries it
        return hmac.compare_digest(expected, received)
    return hmac.compare_digest(_bytes(expected), _bytes(received or ""))


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    """True when a plain-mode push (or the URL-verification GET) was signed with ``token``.

    >>> from wechat_async.testing import push_fields, sign_push
    >>> query = sign_push(push_fields("giftcard_pay_done"), token="tok").query
    >>> check_signature("tok", query["signature"], query["timestamp"], query["nonce"])
    True
    """
    return same_signature(sign(token, timestamp, nonce), signature)
