"""``delivery_sign`` and the carrier accounts it is computed from."""

from __future__ import annotations

import hashlib

import attrs

from .._redact import mask

__all__ = ["CarrierAccount", "delivery_sign"]


def delivery_sign(shopid: str, app_secret: str, shop_order_id: str | None = None) -> str:
    """SHA1(shopid + shop_order_id + app_secret), or SHA1(shopid + app_secret) when the request
    has no shop_order_id; lower-case hex.

    >>> delivery_sign("test_shop_id", "test_app_secrect", "test_shop_order_id")
    'a93d8d6bae9a9483c1b1d4e8670e7f6226ec94cb'
    """
    text = shopid + (shop_order_id or "") + app_secret
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


@attrs.frozen
class CarrierAccount:
    """A carrier (运力) account: ``shopid`` is the appkey the carrier assigned, ``app_secret``
    its secret. ``delivery_id`` (e.g. ``SFTC``) is informational."""

    shopid: str
    app_secret: str = attrs.field(repr=mask)
    delivery_id: str | None = None
