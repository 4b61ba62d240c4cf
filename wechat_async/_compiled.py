"""Response structuring compiled per model: the hot path of large reads (order pages).

For each response class, Python source is generated once from its attrs fields (wire names,
aliases, defaults, nested models, lists, optional primitives) and compiled. It follows the
converter's rules exactly by calling the same primitive hooks; anything it does not recognise
is handed to the converter for that field. On any doubt (a wrong type, a missing key, a key
the model forbids) it raises, and ``structure_response`` re-runs the detailed converter, which
either succeeds or names the bad JSON path. So this module can only make a read faster, never
different.
"""

from __future__ import annotations

import enum
import itertools
import typing
from collections.abc import Callable, Mapping, MutableSequence, Sequence
from decimal import Decimal
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from ._models import ALIASES, WIRE

__all__ = ["CompiledStructurer"]


class _Mismatch(Exception):
    """The compiled path declines this value: the detailed converter decides."""


_MISSING = object()


def _bad() -> Any:
    raise _Mismatch


_names = itertools.count()


class CompiledStructurer:
    """Structure functions compiled for one set of hooks and one fallback, built on first use
    and cached per class here: a function follows the hooks it was compiled with, so another
    set of hooks is another ``CompiledStructurer`` with its own cache.

    ``hooks`` are the converter's primitive hooks (type -> hook(value, type)); ``fallback``
    structures a value of a type the compiler leaves to the converter.
    """

    def __init__(
        self,
        hooks: Mapping[Any, Callable[[Any, Any], Any]],
        fallback: Callable[[Any, Any], Any],
    ) -> None:
        self.hooks: Mapping[Any, Callable[[Any, Any], Any]] = dict(hooks)
        self.fallback = fallback
        self._functions: dict[type, Callable[[Any], Any]] = {}

    def for_class(self, cls: type) -> Callable[[Any], Any]:
        """The compiled structure function of ``cls``."""
        function = self._functions.get(cls)
        if function is None:
            try:
                function = self._compile(cls)
            except Exception:
                # A shape the compiler does not know: the converter handles this class.
                def function(value: Any, _cls: type = cls) -> Any:
                    return self.fallback(value, _cls)

                self._functions[cls] = function
        return function

    def is_compiled(self, cls: type) -> bool:
        """Whether ``cls`` has its own compiled function (not the converter's fallback)."""
        function = self.for_class(cls)
        return function.__code__.co_filename.startswith("<compiled structure")

    def _compile(self, cls: type) -> Callable[[Any], Any]:
        # Register a trampoline first, so a self-referencing model does not recurse forever.
        slot: list[Callable[[Any], Any]] = []
        self._functions[cls] = lambda value: slot[0](value)
        try:
            function = _Compiler(self).compile(cls)
        except Exception:
            del self._functions[cls]
            raise
        slot.append(function)
        self._functions[cls] = function
        return function


def _plain_init(cls: type) -> bool:
    """Whether ``cls.__init__`` only stores its arguments: no converter, validator, hook or
    custom ``__setattr__``, every field an init argument, ``extra`` a plain default."""
    fields = attrs.fields(cls)
    extra = attrs.fields_dict(cls).get("extra")
    return (
        cls.__setattr__ is object.__setattr__  # type: ignore[comparison-overlap]
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(a.init and a.converter is None and a.validator is None for a in fields)
        and (extra is None or not isinstance(extra.default, attrs.Factory))  # type: ignore[arg-type]
    )


def _optional_of(tp: Any) -> Any:
    """X for ``X | None``, else None."""
    args = get_args(tp)
    if get_origin(tp) in (Union, UnionType) and len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


class _Compiler:
    """Generates and compiles the source of one class's structure function."""

    def __init__(self, owner: CompiledStructurer) -> None:
        self.owner = owner
        self.hooks = owner.hooks
        self.fallback = owner.fallback
        self.env: dict[str, Any] = {"_Mismatch": _Mismatch, "_MISSING": _MISSING, "_bad": _bad}

    def _ref(self, value: Any) -> str:
        name = f"_r{next(_names)}"
        self.env[name] = value
        return name

    def compile(self, cls: type) -> Callable[[Any], Any]:
        hints = typing.get_type_hints(cls, include_extras=False)
        fields = attrs.fields(cls)
        keep_extra = "extra" in attrs.fields_dict(cls)
        known: set[str] = set()
        lines = ["", "    if d.__class__ is not dict: raise _Mismatch"]
        args: list[tuple[str, str]] = []  # (attribute, its variable)
        for i, a in enumerate(fields):
            if not a.init or (a.name == "extra" and keep_extra):
                continue
            wire = str(a.metadata.get(WIRE, a.name))
            aliases = tuple(a.metadata.get(ALIASES, ()))
            known.add(wire)
            known.update(aliases)
            var = f"f{i}"
            tp = hints.get(a.name, Any)
            inner = _optional_of(tp)
            if a.default is None and inner is not None and inner in (str, int, bool):
                # The commonest field: an optional primitive. Absent and null are both None.
                ref = self._ref(inner)
                hook = self._ref(self.hooks[inner])
                lines.append(f"    {var} = d.get({wire!r})")
                for alias in aliases:
                    lines.append(
                        f"    if {var} is None and {wire!r} not in d: {var} = d.get({alias!r})"
                    )
                lines.append(
                    f"    if {var} is not None and {var}.__class__ is not {ref}: "
                    f"{var} = {hook}({var}, {ref})"
                )
                args.append((a.name, var))
                continue
            lines.append(f"    {var} = d.get({wire!r}, _MISSING)")
            for alias in aliases:
                lines.append(f"    if {var} is _MISSING: {var} = d.get({alias!r}, _MISSING)")
            if a.default is attrs.NOTHING:
                lines.append(f"    if {var} is _MISSING: raise _Mismatch")
                lines.append(f"    {var} = {self._value(var, tp)}")
            else:
                lines.append(f"    if {var} is _MISSING:")
                if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                    if a.default.takes_self:
                        raise TypeError("takes_self factories are left to the converter")
                    lines.append(f"        {var} = {self._ref(a.default.factory)}()")
                else:
                    lines.append(f"        {var} = {self._ref(a.default)}")
                lines.append("    else:")
                lines.append(f"        {var} = {self._value(var, tp)}")
            args.append((a.name, var))
        known_ref = self._ref(frozenset(known))
        if _plain_init(cls):
            # Its __init__ would only store each value: store them here, without the keyword
            # call (a quarter of the time for an order).
            lines.append(f"    obj = {self._ref(object.__new__)}({self._ref(cls)})")
            if keep_extra:
                lines.append(
                    f"    obj.extra = {self._ref(attrs.fields_dict(cls)['extra'].default)}"
                )
            lines.extend(f"    obj.{name} = {var}" for name, var in args)
        else:
            call = ", ".join(f"{attrs.fields_dict(cls)[name].alias}={var}" for name, var in args)
            lines.append(f"    obj = {self._ref(cls)}({call})")
        lines.append(f"    if not {known_ref}.issuperset(d):")
        if keep_extra:
            lines.append(
                f"        obj.extra = {{k: v for k, v in d.items() if k not in {known_ref}}}"
            )
        else:
            # The converter refuses keys a model without ``extra`` does not declare.
            lines.append("        raise _Mismatch")
        lines.append("    return obj")
        # Every constant is a closure cell of ``structure``: read as fast as a local, and,
        # unlike keyword-only defaults, not copied into each call's frame one by one.
        lines[0] = "def structure(d):"
        body = "\n".join(f"    {line}" for line in lines)
        source = f"def make({', '.join(self.env)}):\n{body}\n    return structure\n"
        namespace: dict[str, Any] = {}
        code = compile(source, f"<compiled structure {cls.__qualname__}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated source
        function: Callable[[Any], Any] = namespace["make"](**self.env)
        return function

    def _value(self, var: str, tp: Any) -> str:
        """An expression that structures ``var`` as ``tp`` (or raises)."""
        if tp is Any or tp is object:
            return var
        hook = self.hooks.get(tp)
        if hook is not None:
            call = f"{self._ref(hook)}({var}, {self._ref(tp)})"
            if tp in (str, int, bool):
                # The common case inline: already the right type (a bool is not an int).
                return f"({var} if {var}.__class__ is {self._ref(tp)} else {call})"
            return call
        origin, args = get_origin(tp), get_args(tp)
        inner = _optional_of(tp)
        if inner is not None:
            return f"(None if {var} is None else {self._value(var, inner)})"
        if isinstance(tp, type) and attrs.has(tp):
            return f"{self._ref(self.owner.for_class(tp))}({var})"
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            hook = self.hooks.get(enum.IntEnum if issubclass(tp, int) else enum.Enum)
            if hook is not None:
                return f"{self._ref(hook)}({var}, {self._ref(tp)})"
        if origin in (list, Sequence, MutableSequence) and len(args) == 1:
            item = self._item_function(args[0])
            return f"[{item}(x) for x in ({var} if {var}.__class__ is list else _bad())]"
        if origin is Literal:
            # By value and type, as the converter's hook: True is not the 1 of Literal[1].
            pairs = self._ref(frozenset((arg.__class__, arg) for arg in args))
            return f"({var} if ({var}.__class__, {var}) in {pairs} else _bad())"
        if tp is Decimal:
            raise TypeError("Decimal without a hook")
        # Anything else: the converter's own rules for this one field.
        return f"{self._ref(self.fallback)}({var}, {self._ref(tp)})"

    def _item_function(self, tp: Any) -> str:
        if isinstance(tp, type) and attrs.has(tp):
            return self._ref(self.owner.for_class(tp))
        body = self._value("x", tp)
        namespace = dict(self.env)
        exec(f"def item(x):\n    return {body}\n", namespace)  # noqa: S102
        return self._ref(namespace["item"])
