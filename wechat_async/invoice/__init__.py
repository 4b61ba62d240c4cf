"""``client.invoice``."""

from __future__ import annotations

from .._endpoint import Namespace

__all__ = ["InvoiceNamespace"]


class InvoiceNamespace(Namespace):
    pass
