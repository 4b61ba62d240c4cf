"""WeChat's push signatures: SHA1 over the sorted parts, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["check_signature", "sign"]


def sign(*parts: str) -> str:
    """SHA1 hex of the parts sorted and joined, as WeChat computes ``signature`` and
    ``msg_signature``."""
    joined = "".join(sorted(parts))
    return hashlib.sha1(joined.encode("utf-8"), usedforsecurity=False).hexdigest()


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    """True when a plain-mode push (or the URL-verification GET) was signed with ``token``.

    >>> check_signature("tok", sign("tok", "1", "2"), "1", "2")
    True
    """
    return hmac.compare_digest(sign(token, timestamp, nonce), signature or "")
