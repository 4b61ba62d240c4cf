"""``client.giftcard``."""

from __future__ import annotations

from .._endpoint import Namespace

__all__ = ["GiftCardNamespace"]


class GiftCardNamespace(Namespace):
    pass
