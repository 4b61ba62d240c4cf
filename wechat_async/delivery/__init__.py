"""``client.delivery``."""

from __future__ import annotations

from .._endpoint import Namespace

__all__ = ["DeliveryNamespace"]


class DeliveryNamespace(Namespace):
    pass
