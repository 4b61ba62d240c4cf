"""The one cattrs converter and its hooks: attrs models <-> JSON-ready dicts.

Wire names, alternate spellings, kept-unknown keys, omitted unset fields and strict primitive
types are all handled here, so endpoints and models never special-case them. Bytes are the
JSON codec's business (``_json``), value checks request validation's (``_validation``).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping, MutableSequence, Sequence
from decimal import Decimal, InvalidOperation
from types import UnionType
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
import cattrs.cols
import cattrs.v
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._compiled import CompiledStructurer
from ._errors import FieldError
from ._models import ALIASES, WIRE, LooseBool, Upload, wire_name
from ._typed import TypedStructurer

__all__ = [
    "converter",
    "field_errors",
    "make_converter",
    "request_converter",
    "structure_response",
    "typed_responses",
]

T = TypeVar("T")

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


class _WrongType(TypeError):
    """A hook's refusal of a value's type; its message is shown as is."""


class _Refused(ValueError):
    """A hook's refusal of a value; its message is shown as is."""


def _describe(exc: BaseException, tp: type | None) -> str:
    if isinstance(exc, (_WrongType, _Refused)):
        return str(exc)
    return cattrs.v.format_exception(exc, tp)


def _type_name(value: Any) -> str:
    return type(value).__name__


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise _WrongType(f"expected str, got {_type_name(value)}")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _WrongType(f"expected int, got {_type_name(value)} {value!r}")


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return number
        raise _Refused(f"expected a finite number, got {value!r}")
    raise _WrongType(f"expected number, got {_type_name(value)}")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise _WrongType(f"expected bool, got {_type_name(value)}")


def _structure_loose_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Refused(f"expected a boolean (true/false/1/0), got {value!r}")


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool):
        raise _WrongType("expected a decimal number, got bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # repr() is the shortest text that round-trips, i.e. the digits that were on the wire.
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise _Refused(f"expected a decimal number, got {value!r}") from None
    else:
        raise _WrongType(f"expected a decimal number, got {_type_name(value)}")
    if not result.is_finite():
        raise _Refused(f"expected a finite decimal number, got {value!r}")
    return result


def _structure_enum(value: Any, cls: Any) -> Any:
    if isinstance(value, bool):
        raise _WrongType(f"expected {cls.__name__}, got bool")
    return cls(value)


def _structure_decimal_exact(value: Any, cls: Any) -> Decimal:
    if isinstance(value, float):
        raise _WrongType(f"expected Decimal (money is never a float), got float {value!r}")
    result = _structure_decimal(value, cls)
    if result.adjusted() > _MAX_DECIMAL_EXPONENT:
        raise _Refused(f"{value} is out of range for WeChat")
    return result


#: The largest integer a field of WeChat's APIs holds (a signed 64-bit integer).
_INT64 = 2**63
_MAX_DECIMAL_EXPONENT = 18


def _structure_int_outgoing(value: Any, cls: type) -> int:
    number = _structure_int(value, cls)
    if not -_INT64 <= number < _INT64:
        raise _Refused(f"{number} does not fit in a 64-bit integer")
    return number


def _structure_str_outgoing(value: Any, cls: type) -> str:
    text = _structure_str(value, cls)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _Refused(
                f"not valid Unicode text (lone surrogate {text[exc.start]!r} "
                f"at position {exc.start})"
            ) from None
    return text


def _structure_upload_outgoing(value: Any, cls: Any) -> Upload:
    upload = _structure_upload(value, cls)
    # The part's name and type travel as multipart header text.
    for name, text in (("filename", upload.filename), ("content_type", upload.content_type)):
        if text is not None:
            try:
                _structure_str_outgoing(text, str)
            except _Refused as exc:
                raise _Refused(f"{name}: {exc}") from None
    return upload


_OUTGOING_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {
    Decimal: _structure_decimal_exact,
    int: _structure_int_outgoing,
    str: _structure_str_outgoing,
}


def _structure_upload(value: Any, _: Any) -> Upload:
    if isinstance(value, Upload):
        return value
    if isinstance(value, (bytes, bytearray)):
        return Upload(content=bytes(value))
    if (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], (bytes, bytearray))
        and isinstance(value[2], (str, type(None)))
    ):
        return Upload(content=bytes(value[1]), filename=value[0], content_type=value[2])
    raise _WrongType(f"expected Upload or bytes, got {_type_name(value)}")


def _structure_bytes(value: Any, _: type) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise _WrongType(f"expected bytes, got {_type_name(value)}")


def _is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def _literal_hook(tp: Any) -> Callable[[Any, Any], Any]:
    """A ``Literal`` field takes exactly one of its values, of the same JSON type: ``True`` is
    not the ``1`` of ``Literal[1, 2]`` (``True == 1`` would let it through), nor ``"1"``."""
    choices = get_args(tp)

    def structure(value: Any, _: Any) -> Any:
        for choice in choices:
            if value.__class__ is choice.__class__ and value == choice:
                return choice
        raise _Refused(f"must be one of {list(choices)}, got {value!r}")

    return structure


def _is_list(tp: Any) -> bool:
    return get_origin(tp) in (list, Sequence, MutableSequence) or tp in (list, Sequence)


def _members_of_mixed_enums(tp: Any, hook: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``hook`` for ``tp``, and for the enums that mix ``tp`` in (``class X(str, Enum)``):
    cattrs dispatches by the class's MRO, where ``str`` comes before ``Enum``, so such an enum
    reaches the ``str`` hook. Its value is checked as a ``tp`` and made the enum's member,
    never left a bare ``str``."""

    def structure(value: Any, cls: Any) -> Any:
        if cls is tp or not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            return hook(value, cls)
        return _structure_enum(hook(value, tp), cls)

    return structure


def _keeps_extra(cls: type) -> bool:
    return "extra" in attrs.fields_dict(cls)


_PRIMITIVE_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {
    str: _structure_str,
    int: _structure_int,
    float: _structure_float,
    bool: _structure_bool,
    Decimal: _structure_decimal,
    bytes: _structure_bytes,
    LooseBool: _structure_loose_bool,
}


def _optional_primitive(tp: Any) -> Any:
    """``X | None`` for a primitive X, else None."""
    args = get_args(tp)
    if len(args) == 2 and type(None) in args and (get_origin(tp) in (Union, UnionType)):
        inner = args[0] if args[1] is type(None) else args[1]
        if inner in _PRIMITIVE_HOOKS:
            return inner
    return None


def make_converter(
    *, strict: bool = False, detailed: bool = True, outgoing: bool = False
) -> cattrs.Converter:
    """Build a converter. ``strict=True`` forbids unknown keys everywhere (requests, and the
    tests' twin for responses); ``detailed=False`` skips per-field error collection (the fast
    path for responses); ``outgoing=True`` holds values to what may be sent (requests): money
    is never a float, integers fit in 64 bits, floats are finite, strings are valid Unicode.

    Decimals stay Decimals when unstructured; ``dumps`` writes them as JSON numbers.
    """
    conv = cattrs.Converter(detailed_validation=detailed)
    hooks = {**_PRIMITIVE_HOOKS, **(_OUTGOING_HOOKS if outgoing else {})}
    for tp, hook in hooks.items():
        conv.register_structure_hook(tp, _members_of_mixed_enums(tp, hook))

    def optional_factory(tp: Any) -> Callable[[Any, Any], Any]:
        # cattrs dispatches Optional through its generic union code on every value.
        inner = _optional_primitive(tp)
        hook = hooks[inner]
        if inner in (str, int) and not outgoing:
            # The common case checked inline: the right type (bool is no int) or None.
            def fast(value: Any, _: Any) -> Any:
                if value is None or value.__class__ is inner:
                    return value
                return hook(value, inner)

            return fast
        return lambda value, _: None if value is None else hook(value, inner)

    conv.register_structure_hook_factory(
        lambda tp: _optional_primitive(tp) is not None, optional_factory
    )

    # Files travel as (filename, content, content_type) parts, the shape httpx sends.
    conv.register_unstructure_hook(Upload, Upload.as_part)
    conv.register_structure_hook(
        Upload, _structure_upload_outgoing if outgoing else _structure_upload
    )

    conv.register_structure_hook_factory(_is_literal, _literal_hook)

    def list_factory(tp: Any) -> Callable[[Any, Any], Any]:
        items = cattrs.cols.list_structure_factory(tp, conv)

        def structure(value: Any, _: Any) -> Any:
            # cattrs builds a list from any iterable: "abc" would become ["a", "b", "c"] and
            # an object the list of its keys.
            if value.__class__ is not list and not isinstance(value, (list, tuple)):
                raise _WrongType(f"expected a list, got {_type_name(value)}")
            return items(value, tp)

        return structure

    conv.register_structure_hook_factory(_is_list, list_factory)

    # IntEnum subclasses int: registered by class so the int hook does not win and hand
    # back a bare int.
    conv.register_structure_hook(enum.IntEnum, _structure_enum)
    conv.register_structure_hook(enum.Enum, _structure_enum)

    def structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        fields = attrs.fields(cls)
        keep_extra = _keeps_extra(cls)
        overrides: dict[str, Any] = {}
        known: set[str] = set()
        aliases: list[tuple[str, tuple[str, ...]]] = []
        for a in fields:
            if a.name == "extra" and keep_extra:
                overrides["extra"] = override(omit=True)
                continue
            wire = wire_name(a)
            known.add(wire)
            if wire != a.name:
                overrides[a.name] = override(rename=wire)
            alt = a.metadata.get(ALIASES, ())
            if alt:
                aliases.append((wire, alt))
                known.update(alt)
        forbid = strict or not keep_extra
        inner = make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=forbid and not aliases, **overrides
        )

        if not detailed and not aliases:
            # The response fast path: no pass-through of instances, no alias shuffling.
            if not keep_extra:
                return inner

            def structure_fast(value: Any, _: Any) -> Any:
                result = inner(value, cls)
                if not known.issuperset(value):
                    result.extra = {k: v for k, v in value.items() if k not in known}
                return result

            return structure_fast

        def structure(value: Any, _: Any) -> Any:
            if isinstance(value, cls):
                return value
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {_type_name(value)}")
            data = value
            if aliases:
                data = dict(value)
                for wire, alt in aliases:
                    if wire not in data:
                        for name in alt:
                            if name in data:
                                data[wire] = data[name]
                                break
                    for name in alt:
                        data.pop(name, None)
            if forbid and aliases:
                unknown = [k for k in data if k not in known]
                if unknown:
                    extra_error = cattrs.ForbiddenExtraKeysError(
                        f"extra fields found ({', '.join(sorted(unknown))})", cls, set(unknown)
                    )
                    raise cattrs.ClassValidationError(
                        f"While structuring {cls.__name__}", [extra_error], cls
                    )
            result = inner(data, cls)
            if keep_extra and not known.issuperset(value):
                result.extra = {k: v for k, v in value.items() if k not in known}
            return result

        return structure

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        overrides: dict[str, Any] = {}
        keep_extra = _keeps_extra(cls)
        for a in attrs.fields(cls):
            if a.name == "extra" and keep_extra:
                overrides["extra"] = override(omit=True)
            elif WIRE in a.metadata:
                overrides[a.name] = override(rename=a.metadata[WIRE])
        inner = make_dict_unstructure_fn(cls, conv, **overrides)

        def unstructure(value: Any) -> dict[str, Any]:
            data = inner(value)
            # Requests omit unset fields; responses drop what was absent on the wire.
            result = {k: v for k, v in data.items() if v is not None}
            if keep_extra and value.extra:
                for k, v in value.extra.items():
                    result.setdefault(k, v)
            return result

        return unstructure

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


#: The converter every part of the SDK uses.
converter = make_converter()
# Requests are checked strictly: a key no model declares is a typo, never something to send.
request_converter = make_converter(strict=True, outgoing=True)
# The same rules without per-field error bookkeeping: responses are structured with it first,
# and only a failure is structured again by ``converter`` to name the bad JSON paths.
_fast_converter = make_converter(detailed=False)


_RESPONSE_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {
    **_PRIMITIVE_HOOKS,
    enum.IntEnum: _structure_enum,
    enum.Enum: _structure_enum,
}


#: The response path compiled per model, following the response converter's hooks.
_compiled_responses = CompiledStructurer(_RESPONSE_HOOKS, _fast_converter.structure)


#: Replies decoded straight into their models (msgspec, when installed), by the same rules.
typed_responses = TypedStructurer(_RESPONSE_HOOKS, _fast_converter.structure)


def structure_response(data: Any, cls: type[T]) -> T:
    """Structure a response body: compiled per model first; errors are raised by the
    detailed converter, with paths."""
    try:
        result: T = _compiled_responses.for_class(cls)(data)
        return result
    except Exception:
        return converter.structure(data, cls)


_INDEX_KEY = re.compile(r"\['([^']*)'\]")
_EXTRA = re.compile(r"extra fields found \((.*)\)")


def field_errors(exc: BaseException) -> list[FieldError]:
    """Flatten a cattrs validation error into one FieldError per bad field, with dotted paths
    (``data.first.color``, ``goods[0].name``) matching those of ``check_request``."""
    errors: list[FieldError] = []
    for line in cattrs.transform_error(exc, path="$", format_exception=_describe):
        message, _, path = line.rpartition(" @ ")
        if not message:
            message, path = line, "$"
        path = _INDEX_KEY.sub(r".\1", path)
        prefix = path[2:] + "." if path.startswith("$.") else ""
        extra = _EXTRA.fullmatch(message)
        if extra:
            for name in extra.group(1).split(", "):
                errors.append(FieldError(prefix + name, "unknown field"))
            continue
        errors.append(FieldError(prefix[:-1] or "<body>", message))
    return errors
