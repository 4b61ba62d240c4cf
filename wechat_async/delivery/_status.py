"""Instant-delivery order status codes (the documents' order_status table)."""

from __future__ import annotations

import enum

from .._models import OpenValues

__all__ = ["OrderStatus"]


class OrderStatus(OpenValues, enum.IntEnum):
    """``order_status`` of a delivery order. Codes outside the table still parse, as
    ``UNKNOWN_<code>`` members that are neither final nor successful, and are written back
    unchanged: live replies carry 0 (``order/get``, rider already named) and 1 (``order/add``).

    >>> OrderStatus(302).is_success, OrderStatus(999).name, OrderStatus(0).is_final
    (True, 'UNKNOWN_999', False)
    """

    WAITING_FOR_RIDER = 101
    RIDER_ASSIGNED = 102
    MERCHANT_CANCELLED = 103
    RIDER_AT_STORE = 201
    PICKED_UP = 202
    PICKUP_FAILED_MERCHANT_CANCELLED = 203
    PICKUP_FAILED_RIDER_CANCELLED = 204
    PICKUP_FAILED_MERCHANT_FAULT = 205
    DELIVERING = 301
    DELIVERED = 302
    CANCELLED_RETURNING = 303
    RECEIVER_UNREACHABLE_RETURNING = 304
    RECEIVER_REFUSED_RETURNING = 305
    RETURNED = 401
    CANCELLED_BY_CARRIER = 501
    CANCELLED_FORCE_MAJEURE = 502

    @property
    def phase(self) -> str:
        """``carrier`` (1xx), ``pickup`` (2xx), ``delivery`` (3xx), ``return`` (4xx),
        ``cancelled`` (5xx) or ``unknown``."""
        return _PHASES.get(self.value // 100, "unknown")

    @property
    def is_final(self) -> bool:
        return self.value in _FINAL

    @property
    def is_success(self) -> bool:
        return self.value == 302


_PHASES = {1: "carrier", 2: "pickup", 3: "delivery", 4: "return", 5: "cancelled"}
_FINAL = frozenset({103, 203, 204, 205, 302, 401, 501, 502})
