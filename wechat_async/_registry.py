"""Every namespace and endpoint of the SDK, listed once.

``Namespaces`` is the one list of namespaces: ``WeChatClient`` inherits its attributes
(``client.giftcard``...), and the emulator's routes, the docs and the tests read it through
``namespaces()`` and ``endpoints()``. A namespace is a class of ``Endpoint`` descriptors
(``<domain>/_endpoints.py``), each declaring its path, query, request and response models, retry
safety and official document.

Adding an endpoint is: its descriptor in ``<domain>/_endpoints.py``; its models (then
``python -m wechat_async._paramgen`` when it adds nested request models); the emulator's
handler, a method named like the endpoint on the domain's emulator class; its fixtures in
``tests/fixtures/<domain>/<endpoint>/``; its row in docs/wire-notes.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._endpoint import Endpoint, Namespace, NamespaceSlot

if TYPE_CHECKING:
    from .cityservice import CityServiceNamespace
    from .delivery import DeliveryNamespace
    from .giftcard import GiftCardNamespace
    from .invoice import InvoiceNamespace

__all__ = ["Namespaces", "endpoints", "namespaces"]


class Namespaces:
    """The client's namespaces, each imported and made on first use (``WeChatClient``
    inherits them): the attribute names the package, the annotation its namespace class."""

    cityservice: NamespaceSlot[CityServiceNamespace] = NamespaceSlot()
    giftcard: NamespaceSlot[GiftCardNamespace] = NamespaceSlot()
    invoice: NamespaceSlot[InvoiceNamespace] = NamespaceSlot()
    delivery: NamespaceSlot[DeliveryNamespace] = NamespaceSlot()


def namespaces() -> dict[str, type[Namespace]]:
    """``{"cityservice": CityServiceNamespace, ...}``, in the order declared (this imports
    every domain)."""
    return {
        name: slot.cls for name, slot in vars(Namespaces).items() if isinstance(slot, NamespaceSlot)
    }


def endpoints() -> list[Endpoint[Any, Any, Any]]:
    """Every public endpoint; ``endpoint.domain`` names its namespace, ``endpoint.name`` the
    method users call."""
    return [endpoint for cls in namespaces().values() for endpoint in cls.endpoints()]
