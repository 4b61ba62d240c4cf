"""Replies decoded straight into the response models, when msgspec is installed (the ``fast``
extra): the hot path of large reads (order pages).

For each response model a mirror is generated once: msgspec ``Struct`` classes with the same
fields under their wire names (aliases as fields of their own), strict JSON types, no unknown
keys allowed, and never tracked by the garbage collector. msgspec decodes a reply's bytes into
the mirror without building a dict; a function generated like ``_compiled``'s then builds the
attrs model from it, calling the converter's hooks for the values msgspec does not check
(``LooseBool``) and, for every other type, the converter itself on the field's JSON (read by
``_json.loads``, as the generic path reads it).

A mirror only ever declines: any doubt (a key the model does not declare, so ``extra`` would
keep it; a wrong type; an integer orjson would read as a float; a non-zero ``errcode``; a hook
that refuses) leaves the reply to the generic path (``_json.loads`` then the converter), which
either builds the same model or names the bad field. So this module can only make a read
faster, never different (``tests/test_compiled_agrees.py`` checks it for every model).
"""

from __future__ import annotations

import enum
import itertools
import typing
from collections.abc import Callable, Mapping, MutableSequence, Sequence
from typing import Annotated, Any, get_args, get_origin

import attrs

from ._compiled import _optional_of, _plain_init
from ._json import loads
from ._models import ALIASES, WIRE, LooseBool

try:
    import msgspec
except ImportError:  # the ``fast`` extra is optional
    msgspec = None  # type: ignore[assignment]

__all__ = ["TypedBody", "TypedModel", "TypedStructurer", "available"]

#: the reply envelope, read by ``_reply`` and never part of a model
_ENVELOPE = ("errcode", "errmsg")

_names = itertools.count()


def available() -> bool:
    """Whether msgspec is installed (replies are then decoded by their models' mirrors)."""
    return msgspec is not None


class _Mismatch(Exception):
    """The mirror declines this reply: the generic path decides."""


class TypedBody:
    """A reply decoded into its model's mirror, with the bytes it came from (the generic path
    reads them again if building the model declines)."""

    __slots__ = ("content", "model", "status", "value")

    def __init__(self, model: TypedModel, value: Any, status: int, content: bytes) -> None:
        self.model = model
        self.value = value
        self.status = status
        self.content = content

    def build(self) -> Any:
        """The response model; ``ValueError`` if the mirror declines it after all."""
        try:
            return self.model.build(self.value)
        except Exception:
            raise ValueError("the typed path declines this reply") from None

    def field(self, name: str) -> Any:
        """A top-level field's value, for a field whose type msgspec checks whole (an ``int``,
        a ``str``...)."""
        if name not in self.model.plain_fields:
            raise KeyError(f"{name} is not a field msgspec checks whole")
        return getattr(self.value, self.model.attributes[name])

    def items(self, name: str) -> list[Any]:
        """The models of a list field (e.g. ``order_list``); ``ValueError`` if declined."""
        try:
            return self.model.item_builders[name](getattr(self.value, self.model.attributes[name]))
        except Exception:
            raise ValueError("the typed path declines this reply") from None

    def count(self, name: str) -> int:
        """How many items a list field holds, without building them."""
        value = getattr(self.value, self.model.attributes[name])
        return 0 if value is msgspec.UNSET else len(value)


class TypedModel:
    """One response model's mirror: its decoder and the function that builds the model."""

    __slots__ = ("attributes", "build", "decoder", "item_builders", "plain_fields")

    def __init__(
        self,
        decoder: Any,
        build: Callable[[Any], Any],
        attributes: dict[str, str],
        item_builders: dict[str, Callable[[Any], list[Any]]],
        plain_fields: frozenset[str],
    ) -> None:
        self.decoder = decoder
        self.build = build
        #: attrs field name -> the mirror's attribute holding it
        self.attributes = attributes
        #: list fields of models: a function building the models of the mirror's list
        self.item_builders = item_builders
        #: fields whose decoded value is the model's value as is (msgspec checked it all)
        self.plain_fields = plain_fields

    def decode(self, status: int, content: bytes) -> TypedBody | None:
        """The reply decoded into the mirror, or None: not a success this mirror can read."""
        try:
            value = self.decoder.decode(content)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        if value.errcode != 0:
            return None
        return TypedBody(self, value, status, content)


class TypedStructurer:
    """Mirrors built on first use and cached per class (None: the class has no mirror).

    ``hooks`` are the converter's primitive hooks; ``fallback`` structures a value of any
    other type (the converter, as in ``_compiled``).
    """

    def __init__(
        self,
        hooks: Mapping[Any, Callable[[Any, Any], Any]],
        fallback: Callable[[Any, Any], Any],
    ) -> None:
        self.hooks = dict(hooks)
        self.fallback = fallback
        self._models: dict[type, TypedModel | None] = {}

    def for_class(self, cls: type) -> TypedModel | None:
        if cls not in self._models:
            model = None
            if msgspec is not None:
                try:
                    model = _Mirror(self).top(cls)
                except _NoMirror:
                    model = None
            self._models[cls] = model
        return self._models[cls]


class _NoMirror(Exception):
    """A model shape left to the generic path (a recursive model, a self-taking factory, a
    field named like the envelope)."""


#: Integers msgspec checks: orjson reads one beyond 64 bits as a float, which an ``int`` field
#: refuses, so the mirror leaves them to the generic path (and the rare ones past 2**63 too).
_INT_RANGE: Any = None


def _int_type() -> Any:
    global _INT_RANGE
    if _INT_RANGE is None:
        _INT_RANGE = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
    return _INT_RANGE


class _Mirror:
    """Generates the mirror Structs and the build functions of one model tree."""

    def __init__(self, owner: TypedStructurer) -> None:
        self.owner = owner
        self.hooks = owner.hooks
        self.env: dict[str, Any] = {"_UNSET": msgspec.UNSET, "_bad": _bad, "_loads": loads}
        self.structs: dict[type, Any] = {}
        self.builders: dict[type, str] = {}
        self.lines: list[str] = []
        self.open: set[type] = set()

    def _ref(self, value: Any) -> str:
        name = f"_r{next(_names)}"
        self.env[name] = value
        return name

    def top(self, cls: type) -> TypedModel:
        struct, attributes, plain = self._struct(cls, envelope=True)
        item_builders: dict[str, str] = {}
        hints = typing.get_type_hints(cls)
        for a in attrs.fields(cls):
            tp = hints.get(a.name, Any)
            if get_origin(tp) in (list, Sequence, MutableSequence) and _is_model(get_args(tp)[0]):
                item = self.builders[get_args(tp)[0]]
                item_builders[a.name] = f"lambda v: list(map({item}, v))"
        names = ", ".join(self.env)
        body = "\n".join(f"    {line}" for line in self.lines)
        items = ", ".join(f"{name!r}: {code}" for name, code in item_builders.items())
        source = f"def make({names}):\n{body}\n    return {self.builders[cls]}, {{{items}}}\n"
        namespace: dict[str, Any] = {}
        code = compile(source, f"<typed build {cls.__qualname__}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated source
        build, builders = namespace["make"](**self.env)
        decoder = msgspec.json.Decoder(struct)
        return TypedModel(decoder, build, attributes, builders, plain)

    def _struct(
        self, cls: type, *, envelope: bool = False
    ) -> tuple[Any, dict[str, str], frozenset[str]]:
        """The mirror Struct of ``cls`` (and its build function, in ``self.lines``)."""
        if cls in self.open:
            raise _NoMirror(f"{cls.__qualname__} refers to itself")
        self.open.add(cls)
        hints = typing.get_type_hints(cls)
        keep_extra = "extra" in attrs.fields_dict(cls)
        fields: list[tuple[str, Any, Any]] = []  # (attribute, type, default)
        renames: dict[str, str] = {}
        attributes: dict[str, str] = {}
        plain: set[str] = set()
        #: per field: (attribute, statements, the value's expression)
        steps: list[tuple[str, list[str], str]] = []
        wires: set[str] = set()
        for i, a in enumerate(attrs.fields(cls)):
            if a.name == "extra" and keep_extra:
                continue
            if not a.init:
                raise _NoMirror(f"{cls.__qualname__}.{a.name} is not an init argument")
            wire = str(a.metadata.get(WIRE, a.name))
            aliases = tuple(a.metadata.get(ALIASES, ()))
            names = (wire, *aliases)
            if wires.intersection(names) or (envelope and set(names) & set(_ENVELOPE)):
                raise _NoMirror(f"{cls.__qualname__}.{a.name}: a wire name used twice")
            wires.update(names)
            tp = hints.get(a.name, Any)
            mirror_tp, convert, checked = self._field(tp)
            required = a.default is attrs.NOTHING
            optional_none = a.default is None and _optional_of(tp) is not None
            if isinstance(a.default, attrs.Factory) and a.default.takes_self:  # type: ignore[arg-type]
                raise _NoMirror("takes_self factories are left to the converter")
            attrs_of_field = []
            for n, name in enumerate(names):
                attr = f"f{i}_{n}"
                attrs_of_field.append(attr)
                renames[attr] = name
                if n == 0 and required and not aliases:
                    fields.append((attr, mirror_tp, msgspec.NODEFAULT))
                elif n == 0 and optional_none and not aliases:
                    # absent and null are both None (the converter's default, then its hook)
                    fields.append((attr, mirror_tp, None))
                else:
                    fields.append((attr, mirror_tp | msgspec.UnsetType, msgspec.UNSET))
            attributes[a.name] = attrs_of_field[0]
            var = f"v{i}"
            code = [f"{var} = s.{attrs_of_field[0]}"]
            if len(names) > 1 or not (required or optional_none):
                for alias_attr in attrs_of_field[1:]:
                    code.append(f"if {var} is _UNSET: {var} = s.{alias_attr}")
                if required:
                    code.append(f"if {var} is _UNSET: _bad()")
                else:
                    default = (
                        f"{self._ref(a.default.factory)}()"
                        if isinstance(a.default, attrs.Factory)  # type: ignore[arg-type]
                        else self._ref(a.default)
                    )
                    code.append(f"if {var} is _UNSET: {var} = {default}")
                    code.append(f"else: {var} = {convert(var)}")
                    steps.append((a.name, code, var))
                    continue
            if checked and not aliases:
                plain.add(a.name)
            expression = convert(var)
            if expression == var and len(code) == 1:
                steps.append((a.name, [], f"s.{attrs_of_field[0]}"))  # stored as decoded
            else:
                code.append(f"{var} = {expression}")
                steps.append((a.name, code, var))
        if envelope:
            fields.append(("errcode", _int_type(), 0))
            fields.append(("errmsg", msgspec.Raw, msgspec.UNSET))
        struct = msgspec.defstruct(
            f"_Mirror{cls.__name__}",
            [
                (name, tp, default) if default is not msgspec.NODEFAULT else (name, tp)
                for name, tp, default in fields
            ],
            kw_only=True,
            forbid_unknown_fields=True,
            gc=False,
            rename=renames,
        )
        self.structs[cls] = struct
        builder = f"_b{next(_names)}"
        self.builders[cls] = builder
        lines = [f"def {builder}(s):"]
        if _plain_init(cls):
            # Its __init__ would only store each value: stored here, without the keyword call.
            lines.append(f"    obj = {self._ref(object.__new__)}({self._ref(cls)})")
            if keep_extra:
                lines.append(
                    f"    obj.extra = {self._ref(attrs.fields_dict(cls)['extra'].default)}"
                )
            for name, code, value in steps:
                lines.extend(f"    {line}" for line in code)
                lines.append(f"    obj.{name} = {value}")
        else:
            lines.extend(f"    {line}" for _, code, _ in steps for line in code)
            call = ", ".join(
                f"{attrs.fields_dict(cls)[name].alias}={value}" for name, _, value in steps
            )
            lines.append(f"    obj = {self._ref(cls)}({call})")
        lines.append("    return obj")
        self.lines.extend(lines)
        self.open.discard(cls)
        return struct, attributes, frozenset(plain)

    def _field(self, tp: Any) -> tuple[Any, Callable[[str], str], bool]:
        """(the mirror's type, an expression turning the decoded value into the model's,
        whether msgspec checked the value whole)."""
        inner = _optional_of(tp)
        if inner is not None:
            mirror_tp, convert, checked = self._field(inner)
            return (
                mirror_tp | None,
                lambda v: v if convert(v) == v else f"(None if {v} is None else {convert(v)})",
                checked,
            )
        if tp in (str, bool):
            return tp, lambda v: v, True
        if tp is int:
            return _int_type(), lambda v: v, True
        if tp is LooseBool:
            hook = self._ref(self.hooks[LooseBool])
            ref = self._ref(LooseBool)
            return (
                bool | _int_type() | str,
                lambda v: f"({v} if {v}.__class__ is bool else {hook}({v}, {ref}))",
                False,
            )
        if _is_model(tp):
            struct, _, _ = self._struct(tp)
            builder = self.builders[tp]
            return struct, lambda v: f"{builder}({v})", False
        origin, args = get_origin(tp), get_args(tp)
        if origin in (list, Sequence, MutableSequence) and len(args) == 1 and _is_model(args[0]):
            struct, _, _ = self._struct(args[0])
            builder = self.builders[args[0]]
            # a tuple, as below: untracked once the collector has seen it
            return tuple[struct, ...], lambda v: f"list(map({builder}, {v}))", False  # type: ignore[valid-type]
        if origin in (list, Sequence, MutableSequence) and len(args) == 1:
            item_tp, item_convert, _ = self._field(args[0])
            x = f"x{next(_names)}"
            # A tuple, not a list: once the collector has seen that it holds only untracked
            # mirrors it stops tracking it, so pages waiting their turn cost it nothing.
            mirror = tuple[item_tp, ...]  # type: ignore[valid-type]
            if item_convert(x) == x:
                return mirror, lambda v: f"list({v})", False
            return mirror, lambda v: f"[{item_convert(x)} for {x} in {v}]", False
        # Any other type: its JSON as the generic path reads it, then the converter's rules.
        if tp is Any or tp is object:
            return msgspec.Raw, lambda v: f"_loads({v})", False
        ref = self._ref(tp)
        structure = self.hooks.get(tp)
        if structure is None and isinstance(tp, type) and issubclass(tp, enum.Enum):
            structure = self.hooks.get(enum.IntEnum if issubclass(tp, int) else enum.Enum)
        function = self._ref(structure if structure is not None else self.owner.fallback)
        return msgspec.Raw, lambda v: f"{function}(_loads({v}), {ref})", False


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _bad() -> Any:
    raise _Mismatch
