"""Plain dicts for nested request models: each domain's ``<Model>Param`` TypedDict is turned
into its attrs model here, by the one converter, when the request is built.

A request class's ``__init__`` is what mypy reads through an endpoint's ParamSpec; an attrs
``converter`` whose argument is ``Model | ModelParam`` makes that signature accept both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import cattrs

from ._convert import field_errors, request_converter
from ._errors import FieldError, RequestValidationError

__all__ = ["to_model", "to_model_map", "to_models"]

M = TypeVar("M")


def to_model(cls: type[M], value: Any) -> M:
    """``value`` as a ``cls``: models pass through, a mapping is structured by wire name."""
    if isinstance(value, cls):
        return value
    try:
        result: M = request_converter.structure(value, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        raise RequestValidationError(cls.__name__, field_errors(exc)) from None
    return result


def to_models(cls: type[M], values: Iterable[Any]) -> list[M]:
    """A list of ``cls`` from models and mappings (a str is refused, not read as characters)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise _not_a(cls, "list", values)
    return _each(cls, enumerate(values), "[{}]")


def to_model_map(cls: type[M], values: Mapping[str, Any]) -> dict[str, M]:
    """A ``{key: cls}`` dict from models and mappings."""
    if not isinstance(values, Mapping):
        raise _not_a(cls, "mapping", values)
    return dict(zip(values, _each(cls, values.items(), "{}"), strict=True))


def _each(cls: type[M], items: Iterable[tuple[Any, Any]], label: str) -> list[M]:
    """Every item as a ``cls``; one error names every bad item, by its index or key."""
    models: list[M] = []
    errors: list[FieldError] = []
    for key, value in items:
        try:
            models.append(to_model(cls, value))
        except RequestValidationError as exc:
            where = label.format(key)
            errors.extend(
                FieldError(
                    where if e.path in ("<body>", "<value>") else f"{where}.{e.path}", e.message
                )
                for e in exc.errors
            )
    if errors:
        raise RequestValidationError(cls.__name__, errors)
    return models


def _not_a(cls: type, kind: str, value: object) -> RequestValidationError:
    message = f"expected a {kind} of {cls.__name__}, got {type(value).__name__}"
    return RequestValidationError(cls.__name__, [FieldError("<value>", message)])
