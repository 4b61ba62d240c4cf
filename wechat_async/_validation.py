"""Request validation: every ``meta(check=...)`` of a model (the checks of ``_checks``) and
each model's ``_check_fields()``, run before anything is sent, so one error names every bad
field. Types are the converter's business (``_convert``); values are checked here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from types import UnionType
from typing import Any, Union, get_args, get_origin

import attrs

from ._checks import INT32, Bounded
from ._convert import request_converter
from ._errors import FieldError
from ._models import CHECK, Check, wire_name

__all__ = ["check_request", "check_unstructured"]

_Plan = tuple[tuple[tuple[str, str, tuple[Any, ...], bool], ...], bool]
_PLANS: dict[type, _Plan] = {}


def _may_hold_models(tp: Any) -> bool:
    if isinstance(tp, str) or tp is Any:
        return True  # unresolved: be conservative
    if isinstance(tp, type) and attrs.has(tp):
        return True
    return any(_may_hold_models(arg) for arg in get_args(tp))


def _is_int(tp: Any) -> bool:
    """``int`` or ``int | None`` (not bool, not an IntEnum: those are their own types)."""
    if tp is int:
        return True
    args = get_args(tp)
    return get_origin(tp) in (Union, UnionType) and set(args) == {int, type(None)}


def _field_checks(a: attrs.Attribute[Any]) -> tuple[Check, ...]:
    """A field's ``meta(check=...)``; an ``int`` field with no upper bound of its own is also
    held to the 32-bit range WeChat reads (a larger value would be truncated or refused)."""
    checks: tuple[Check, ...] = tuple(a.metadata.get(CHECK, ()))
    if _is_int(a.type) and not any(isinstance(c, Bounded) and c.high is not None for c in checks):
        checks = (*checks, INT32)
    return checks


def _plan(cls: type) -> _Plan:
    """Which fields of ``cls`` have checks or may hold nested models: computed once a class."""
    plan = _PLANS.get(cls)
    if plan is None:
        # Unresolvable annotations stay strings, and strings mean "scan this field".
        with contextlib.suppress(Exception):
            attrs.resolve_types(cls)
        steps = []
        for a in attrs.fields(cls):
            checks = _field_checks(a)
            nested = _may_hold_models(a.type if a.type is not None else Any)
            if checks or nested:
                steps.append((a.name, wire_name(a), tuple(checks), nested))
        plan = (tuple(steps), hasattr(cls, "_check_fields"))
        _PLANS[cls] = plan
    return plan


def _run_checks(checks: tuple[Check, ...], value: Any, path: str) -> Iterable[FieldError]:
    """``checks`` on a value already converted to its field's type. A check that raises is a
    defect of the check, not of the input: it is still reported against the field (by the
    exception's type only, which cannot echo a secret), so validation never crashes and the
    call is never sent unchecked."""
    for check in checks:
        try:
            message = check(value)
        except Exception as exc:
            message = f"could not be checked ({type(exc).__name__})"
        if message:
            yield FieldError(path, message)


def check_request(value: Any, prefix: str = "") -> list[FieldError]:
    """Run every ``meta(check=...)`` and each model's ``_check_fields()``, recursively."""
    errors: list[FieldError] = []
    steps, cross = _plan(type(value))
    for name, wire, checks, nested in steps:
        item = getattr(value, name)
        if item is None:
            continue
        path = f"{prefix}{wire}"
        errors.extend(_run_checks(checks, item, path))
        if nested:
            errors.extend(_check_nested(item, path))
    if cross:
        for name, message in value._check_fields():
            errors.append(FieldError(f"{prefix}{name}", message))
    return errors


#: What ``check_unstructured`` holds for a raw value its field's type does not accept.
_NOT_CONVERTED = object()


def _convert_field(value: Any, tp: Any) -> Any:
    """``value`` as ``request_converter`` makes it for a field of type ``tp``, or
    ``_NOT_CONVERTED``. Any exception counts as a refusal: cattrs collects every exception of a
    field's conversion as that field's error, so the failed request already names it."""
    try:
        return request_converter.structure(value, tp)
    except Exception:
        return _NOT_CONVERTED


def check_unstructured(
    cls: type, data: Any, skip: frozenset[str], prefix: str = ""
) -> list[FieldError]:
    """The value checks of ``cls``'s fields, run on raw input whose model could not be built
    (another field had the wrong type), so one error names every bad field. Each value is
    first converted to its field's type as the request converter does, and checked only if it
    converts: money given as ``"2.50"`` or ``2`` is checked as the Decimal that would be sent,
    and a value of the wrong type is left to its type error. Fields in ``skip`` (already
    named) and the cross-field checks of models that could not be built are left out."""
    if not isinstance(data, Mapping):
        return []
    errors: list[FieldError] = []
    steps, _ = _plan(cls)
    types = {a.name: a.type for a in attrs.fields(cls)}
    for name, wire, checks, nested in steps:
        value = data.get(wire)
        path = f"{prefix}{wire}"
        if value is None or path in skip:
            continue
        item = _convert_field(value, types[name])
        if item is not _NOT_CONVERTED:
            errors.extend(_run_checks(checks, item, path))
            if nested:
                # Built in full: its own cross-field checks can run too.
                errors.extend(e for e in _check_nested(item, path) if e.path not in skip)
            continue
        model, many = _nested_model(types[name])
        if model is None:
            continue
        if not many:
            errors.extend(check_unstructured(model, value, skip, f"{path}."))
        elif isinstance(value, list):
            for i, element in enumerate(value):
                errors.extend(check_unstructured(model, element, skip, f"{path}[{i}]."))
        elif isinstance(value, Mapping):
            for key, element in value.items():
                errors.extend(check_unstructured(model, element, skip, f"{path}.{key}."))
    return errors


def _nested_model(tp: Any) -> tuple[type | None, bool]:
    """(the attrs class a field holds, whether it holds several), or (None, False)."""
    if isinstance(tp, type) and attrs.has(tp):
        return tp, False
    args = get_args(tp)
    origin = get_origin(tp)
    if origin in (Union, UnionType):
        for arg in args:
            found = _nested_model(arg)
            if found[0] is not None:
                return found
        return None, False
    if args:
        inner = args[-1]
        if isinstance(inner, type) and attrs.has(inner):
            return inner, True
    return None, False


def _check_nested(item: Any, path: str) -> Iterable[FieldError]:
    if attrs.has(type(item)):
        return check_request(item, f"{path}.")
    if isinstance(item, (list, tuple)):
        found: list[FieldError] = []
        for i, element in enumerate(item):
            if attrs.has(type(element)):
                found.extend(check_request(element, f"{path}[{i}]."))
        return found
    if isinstance(item, dict):
        found = []
        for key, element in item.items():
            if attrs.has(type(element)):
                found.extend(check_request(element, f"{path}.{key}."))
        return found
    return ()
