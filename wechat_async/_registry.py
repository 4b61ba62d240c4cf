"""Every namespace and endpoint of the SDK, listed once.

``Namespaces`` lists a merchant's namespaces: ``WeChatClient`` inherits its attributes
(``client.giftcard``...). ``PlatformNamespaces`` lists a third-party platform's own, called with
its component token: ``ComponentClient`` inherits them (``platform.component``), and a
merchant's client has none. The emulator's routes, the docs and the tests read both through
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
    from .component import ComponentNamespace
    from .delivery import DeliveryNamespace
    from .giftcard import GiftCardNamespace
    from .invoice import InvoiceNamespace

__all__ = ["Namespaces", "PlatformNamespaces", "attribute_path", "endpoints", "namespaces"]


class Namespaces:
    """The client's namespaces, each imported and made on first use (``WeChatClient``
    inherits them): the attribute names the package, the annotation its namespace class."""

    cityservice: NamespaceSlot[CityServiceNamespace] = NamespaceSlot()
    giftcard: NamespaceSlot[GiftCardNamespace] = NamespaceSlot()
    invoice: NamespaceSlot[InvoiceNamespace] = NamespaceSlot()
    delivery: NamespaceSlot[DeliveryNamespace] = NamespaceSlot()


class PlatformNamespaces:
    """A third-party platform's own namespaces (``ComponentClient`` inherits them): its calls
    with the component token, which no merchant's client makes."""

    component: NamespaceSlot[ComponentNamespace] = NamespaceSlot()


#: every holder of namespaces, in the order the docs list them, with the name the docs give
#: the object holding them
_HOLDERS: dict[type, str] = {Namespaces: "client", PlatformNamespaces: "platform"}


def namespaces(holder: type | None = None) -> dict[str, type[Namespace]]:
    """``{"cityservice": CityServiceNamespace, ...}``, in the order declared: every
    namespace, or ``holder``'s only (``namespaces(Namespaces)``: a ``WeChatClient``'s). This
    imports them."""
    return {
        name: slot.cls
        for cls in (_HOLDERS if holder is None else (holder,))
        for name, slot in vars(cls).items()
        if isinstance(slot, NamespaceSlot)
    }


def attribute_path(name: str) -> str:
    """How user code reaches namespace ``name``: ``client.giftcard``, ``platform.component``
    (a namespace no holder lists, a user's own, reads as the client's)."""
    for cls, variable in _HOLDERS.items():
        if isinstance(vars(cls).get(name), NamespaceSlot):
            return f"{variable}.{name}"
    return f"client.{name}"


def endpoints() -> list[Endpoint[Any, Any, Any]]:
    """Every public endpoint; ``endpoint.domain`` names its namespace, ``endpoint.name`` the
    method users call."""
    return [endpoint for cls in namespaces().values() for endpoint in cls.endpoints()]
