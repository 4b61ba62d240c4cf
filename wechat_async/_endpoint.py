"""Endpoint descriptors: an endpoint is declared once, as data; namespaces are made of them.

``mypy`` sees every call's keyword arguments (taken from the request class's ``__init__``
through a ``ParamSpec``) and its return type.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeVar, overload
from urllib.parse import urlencode

import attrs

from ._errors import APIError

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import Self

    from ._client import WeChatClient

__all__ = [
    "BoundEndpoint",
    "Endpoint",
    "Namespace",
    "NamespaceSlot",
    "OffsetPaging",
    "RawResponse",
]

P = ParamSpec("P")
ReqT = TypeVar("ReqT")
RespT = TypeVar("RespT")
T = TypeVar("T")
NS = TypeVar("NS", bound="Namespace")

Layer = Literal["errcode", "resultcode"]
BodyKind = Literal["json", "query", "multipart", "none"]


@attrs.frozen
class OffsetPaging:
    """Offset paging as WeChat does it: ``offset``/``count`` in, ``total_count`` out. Each
    name is a model attribute (``items`` of the response may differ from its wire name)."""

    items: str
    offset: str = "offset"
    count: str = "count"
    max_count: int = 100
    total: str = "total_count"


@attrs.frozen
class RawResponse(Generic[T]):
    """What ``endpoint.raw(...)`` returns: the HTTP pieces beside the parsed model."""

    status_code: int
    headers: Mapping[str, str]
    json: Mapping[str, Any]
    parsed: T


class Endpoint(Generic[P, ReqT, RespT]):
    """One WeChat API endpoint, declared as data.

    >>> get_order = Endpoint("POST", "/card/giftcard/order/get", GetOrderRequest,  # doctest: +SKIP
    ...                      GetOrderResponse, idempotent=True)
    """

    __slots__ = (
        "auth",
        "body",
        "domain",
        "errors",
        "idempotent",
        "layers",
        "method",
        "name",
        "paging",
        "path",
        "query",
        "query_string",
        "request",
        "request_fields",
        "response",
        "secret_reply",
        "source",
        "token_param",
    )

    def __init__(
        self,
        method: Literal["GET", "POST"],
        path: str,
        request: Callable[P, ReqT],
        response: type[RespT],
        *,
        idempotent: bool,
        query: Mapping[str, str] | None = None,
        layers: tuple[Layer, ...] = ("errcode",),
        body: BodyKind = "json",
        paging: OffsetPaging | None = None,
        errors: Mapping[int, tuple[type[APIError], str]] | None = None,
        auth: bool = True,
        token_param: str = "access_token",
        secret_reply: bool = False,
        source: str = "",
    ) -> None:
        """``source`` is the official document's URL; ``paging`` how a helper pages through
        it (``OffsetPaging``); ``token_param`` the query parameter that carries the token of
        an ``auth`` endpoint (a third-party platform's own APIs take
        ``component_access_token``)."""
        self.method = method
        self.path = path
        self.request: type[ReqT] = request  # type: ignore[assignment]
        #: the request model's field names (what a namespace's ``_prepare`` may fill in)
        self.request_fields = frozenset(
            a.name for a in (attrs.fields(self.request) if attrs.has(self.request) else ())
        )
        self.response = response
        self.idempotent = idempotent
        self.query: Mapping[str, str] = dict(query or {})
        #: the fixed query, URL-encoded once here rather than on every call
        self.query_string = urlencode(self.query)
        self.layers = layers
        self.body = body
        self.paging = paging
        self.errors: Mapping[int, tuple[type[APIError], str]] = dict(errors or {})
        self.auth = auth
        self.token_param = token_param
        #: the reply carries a credential: errors never quote its body
        self.secret_reply = secret_reply
        self.source = source
        self.name = ""
        #: the namespace it belongs to (``cityservice``...): errcodes are read in its terms
        self.domain = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.domain = str(getattr(owner, "domain", ""))

    def __repr__(self) -> str:
        return f"<Endpoint {self.name} {self.method} {self.path}>"

    @property
    def signature(self) -> inspect.Signature:
        """The call's keyword parameters, as ``help()`` and ``inspect.signature`` show them
        on a bound endpoint: the request model's fields, returning the response model."""
        fields = inspect.signature(self.request).parameters.values()
        return inspect.Signature(
            [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in fields],
            return_annotation=self.response.__name__,
        )

    @property
    def doc(self) -> str:
        """What ``help(client.<namespace>.<name>)`` says: the request, its retry safety and
        where WeChat documents it."""
        query = f"?{self.query_string}" if self.query_string else ""
        safety = (
            "retry-safe"
            if self.idempotent
            else "not retry-safe: an ambiguous failure is raised with may_have_been_applied"
        )
        lines = [f"{self.method} {self.path}{query} ({safety}).", ""]
        request_doc = inspect.getdoc(self.request)
        if request_doc:
            lines += [request_doc, ""]
        lines.append(f"Returns {self.response.__name__}.")
        if self.source:
            lines.append(f"Official document: {self.source}")
        return "\n".join(lines)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Endpoint[P, ReqT, RespT]: ...

    @overload
    def __get__(self, obj: Namespace, owner: type[Any]) -> BoundEndpoint[P, ReqT, RespT]: ...

    def __get__(
        self, obj: Namespace | None, owner: type[Any]
    ) -> Endpoint[P, ReqT, RespT] | BoundEndpoint[P, ReqT, RespT]:
        if obj is None:
            return self
        bound = BoundEndpoint(self, obj)
        # Non-data descriptor: later lookups hit the instance dict and skip this method.
        obj.__dict__[self.name] = bound
        return bound


class BoundEndpoint(Generic[P, ReqT, RespT]):
    # An endpoint bound to a client: await it with the request's fields as keywords. Its
    # __doc__, __signature__ and __name__ are the endpoint's own (help() shows the call's real
    # parameters); __get__ makes pydoc document it as a routine, as it does a method.

    __slots__ = ("_endpoint", "_namespace")

    def __init__(self, endpoint: Endpoint[P, ReqT, RespT], namespace: Namespace) -> None:
        self._endpoint = endpoint
        self._namespace = namespace

    @property
    def endpoint(self) -> Endpoint[P, ReqT, RespT]:
        return self._endpoint

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> RespT:
        ns = self._namespace
        result: RespT = await ns._client._invoke(self._endpoint, ns, args, kwargs, raw=False)
        return result

    async def raw(self, *args: P.args, **kwargs: P.kwargs) -> RawResponse[RespT]:
        """Same call; returns status, headers and JSON beside the parsed model."""
        ns = self._namespace
        result: RawResponse[RespT] = await ns._client._invoke(
            self._endpoint, ns, args, kwargs, raw=True
        )
        return result

    async def send(self, request: ReqT) -> RespT:
        """Send a request model built beforehand: ``await ns.get_order.send(req)``."""
        ns = self._namespace
        result: RespT = await ns._client._invoke(self._endpoint, ns, (request,), {}, raw=False)
        return result

    def __repr__(self) -> str:
        return f"<bound {self._endpoint!r}>"

    @property
    def __doc__(self) -> str:  # type: ignore[override]
        return self._endpoint.doc

    @property
    def __signature__(self) -> inspect.Signature:
        return self._endpoint.signature

    @property
    def __name__(self) -> str:
        return self._endpoint.name

    def __get__(self, obj: object, owner: type[Any] | None = None) -> Self:
        return self


class Namespace:
    """Base of ``client.cityservice``, ``client.giftcard``...: a class of Endpoint attributes."""

    #: the namespace's name, which keys its errcode meanings (``_errcodes.DOMAIN_ERRCODES``)
    domain: str = ""

    def __init__(self, client: WeChatClient) -> None:
        self._client = client

    @classmethod
    def _held_by(cls, holder: Any) -> Self:
        """The namespace a ``NamespaceSlot`` of ``holder`` holds: a ``WeChatClient``'s
        namespaces call through it; another holder's namespace class says what it calls
        through (``ComponentClient``'s)."""
        return cls(holder)

    def _prepare(self, endpoint: Endpoint[Any, Any, Any], payload: dict[str, Any]) -> None:
        """Hook to fill in computed fields (e.g. ``delivery_sign``) before validation."""

    @classmethod
    def endpoints(cls) -> Iterator[Endpoint[Any, Any, Any]]:
        """Every endpoint of the namespace, in declaration order (base classes first)."""
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, Endpoint):
                    yield value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class NamespaceSlot(Generic[NS]):
    """A client attribute holding one namespace, made on first access and kept per client.

    Declared as ``giftcard: NamespaceSlot[GiftCardNamespace] = NamespaceSlot()``: the
    attribute's name is the namespace's package (``wechat_async.giftcard``) and ``domain``, the
    annotation names its class, which is imported on first use (``import wechat_async`` stays
    light).
    """

    __slots__ = ("_cls", "name", "owner")

    def __init__(self) -> None:
        self.name = ""
        self.owner: type = object
        self._cls: type[NS] | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.owner = name, owner

    @property
    def cls(self) -> type[NS]:
        """The namespace class, imported now if it was not yet."""
        if self._cls is None:
            self._cls = self._load()
        return self._cls

    def _load(self) -> Any:
        annotation = str(self.owner.__annotations__[self.name])
        match = re.fullmatch(r"NamespaceSlot\[(\w+)\]", annotation)
        if match is None:
            raise TypeError(f"{self.name}: annotate it NamespaceSlot[<Namespace class>]")
        module = importlib.import_module(f"{__package__}.{self.name}")
        cls = getattr(module, match.group(1), None)
        if not (isinstance(cls, type) and issubclass(cls, Namespace)):
            raise TypeError(f"{module.__name__} has no namespace {match.group(1)}")
        if cls.domain != self.name:
            raise TypeError(f"{self.name} holds the {cls.domain!r} namespace")
        return cls

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> NamespaceSlot[NS]: ...

    @overload
    def __get__(self, obj: object, owner: type[Any]) -> NS: ...

    def __get__(self, obj: object | None, owner: type[Any]) -> NamespaceSlot[NS] | NS:
        if obj is None:
            return self
        made = self.cls._held_by(obj)
        # Non-data descriptor: later lookups hit the instance dict and skip this method.
        obj.__dict__[self.name] = made
        return made

    def __repr__(self) -> str:
        return f"<namespace {self.name}>"
