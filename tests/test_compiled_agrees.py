"""The compiled response path and the typed one (msgspec mirrors) equal the converter on
every response model, by property.

For each model reachable from an endpoint's response, hypothesis draws bodies from the
model's attrs fields and types: valid ones (wire names or their aliases, optional fields left
out, unknown keys where the model keeps ``extra``) and the same with one value replaced by
any JSON value, one key dropped or one unknown key added. Both paths build equal models, or
both refuse; ``structure_response`` then names the fields the converter names. The typed path
reads the body's JSON bytes: it builds the model the generic path (``loads``, the converter)
builds from the same bytes, or declines (the generic path then reads the reply).
"""

from __future__ import annotations

import copy
import enum
import json
import string
import typing
from collections.abc import Mapping, MutableSequence, Sequence
from decimal import Decimal
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import NAMESPACES
from wechat_async._auth import AuthNamespace
from wechat_async._convert import (
    _compiled_responses,
    converter,
    field_errors,
    structure_response,
    typed_responses,
)
from wechat_async._json import loads
from wechat_async._models import ALIASES, LooseBool, wire_name


def _response_models() -> list[type]:
    """Every endpoint's response model and every model nested in one."""
    found: dict[type, None] = {}

    def visit(tp: Any) -> None:
        if isinstance(tp, type) and attrs.has(tp):
            if tp in found:
                return
            found[tp] = None
            for hint in typing.get_type_hints(tp).values():
                visit(hint)
        for arg in get_args(tp):
            visit(arg)

    for namespace in [*NAMESPACES.values(), AuthNamespace]:
        for endpoint in namespace.endpoints():
            visit(endpoint.response)
    return list(found)


MODELS = _response_models()

_KEYS = st.text(string.ascii_letters + "_", min_size=1, max_size=8)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64),
    st.floats(allow_nan=False),  # NaN equals nothing, not even itself
    st.text(max_size=6),
)
#: Any value a JSON body can hold.
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=6,
)


def _optional_of(tp: Any) -> Any:
    args = get_args(tp)
    if get_origin(tp) in (Union, UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
    return None


def valid(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """JSON values a field of type ``tp`` accepts."""
    inner = _optional_of(tp)
    if inner is not None:
        return st.none() | valid(inner, depth)
    if tp is Any or tp is object:
        return JSON
    if tp is LooseBool:
        return st.booleans() | st.sampled_from([0, 1, "true", "FALSE", " 1 ", "0", "yes", ""])
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**63), 2**63 - 1)
    if tp is float:
        return st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    if tp is str:
        return st.text(max_size=8)
    if tp is Decimal:
        return st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    if get_origin(tp) is Literal:
        return st.sampled_from(get_args(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        known = st.sampled_from([member.value for member in tp])
        base = tp._member_type_  # type: ignore[attr-defined]
        if hasattr(tp, "_missing_") and base in (int, str):
            # OpenValues keeps values it does not know: drawn too.
            return known | (st.integers(0, 10**6) if base is int else st.text(max_size=6))
        return known
    if isinstance(tp, type) and attrs.has(tp):
        return model_bodies(tp, depth + 1)
    origin, args = get_origin(tp), get_args(tp)
    if origin in (list, Sequence, MutableSequence):
        return st.lists(valid(args[0], depth + 1), max_size=0 if depth > 2 else 3)
    if origin in (dict, Mapping):
        return st.dictionaries(_KEYS, valid(args[1], depth + 1), max_size=3)
    raise NotImplementedError(f"no strategy for {tp!r}: teach valid() this type")


@st.composite
def model_bodies(draw: st.DrawFn, cls: type, depth: int = 0) -> dict[str, Any]:
    """A body ``cls`` accepts: required fields always, the others sometimes, each under its
    wire name or one of its aliases, plus unknown keys where ``extra`` keeps them."""
    hints = typing.get_type_hints(cls)
    keeps_extra = "extra" in attrs.fields_dict(cls)
    body: dict[str, Any] = {}
    known: set[str] = set()
    for a in attrs.fields(cls):
        if not a.init or (a.name == "extra" and keeps_extra):
            continue
        names = [wire_name(a), *a.metadata.get(ALIASES, ())]
        known.update(names)
        if a.default is not attrs.NOTHING and draw(st.booleans()):
            continue
        body[draw(st.sampled_from(names))] = draw(valid(hints[a.name], depth))
    if keeps_extra and depth < 2:
        unknown = draw(st.dictionaries(_KEYS.filter(lambda k: k not in known), JSON, max_size=2))
        body.update(unknown)
    return body


def _places(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) inside a body: the places one change can go."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            found.extend(_places(item))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.append((value, i))
            found.extend(_places(item))
    return found


@st.composite
def mutated_bodies(draw: st.DrawFn, cls: type) -> dict[str, Any]:
    """A valid body with one change: a value replaced by any JSON value, a key dropped, or
    an unknown key added to an object."""
    body = draw(model_bodies(cls))
    places = _places(body)
    change = draw(st.sampled_from(["replace", "drop", "add"] if places else ["add"]))
    if change == "add":
        objects = [body, *(c[k] for c, k in places if isinstance(c[k], dict))]
        target = draw(st.sampled_from(objects))
        target[draw(_KEYS)] = draw(JSON)
        return body
    container, key = draw(st.sampled_from(places))
    if change == "drop" and isinstance(container, dict):
        del container[key]
    else:
        container[key] = draw(JSON)
    return body


def _outcome(structure: Any) -> tuple[bool, Any]:
    try:
        return True, structure()
    except Exception as exc:  # every refusal counts: the two paths must agree on it
        return False, exc


def _dump(model: Any) -> Any:
    """A model as data, ``extra`` of every level included."""
    if attrs.has(type(model)):
        return {
            "__class__": type(model),
            **{a.name: _dump(getattr(model, a.name)) for a in attrs.fields(type(model))},
        }
    if isinstance(model, (list, tuple)):
        return [_dump(item) for item in model]
    if isinstance(model, Mapping):
        return {key: _dump(item) for key, item in model.items()}
    return (type(model), model)


def _check_agreement(cls: type, body: dict[str, Any], *, valid_body: bool) -> None:
    by_converter = _outcome(lambda: converter.structure(copy.deepcopy(body), cls))
    compiled = _outcome(lambda: _compiled_responses.for_class(cls)(copy.deepcopy(body)))
    by_response = _outcome(lambda: structure_response(copy.deepcopy(body), cls))
    if valid_body:
        assert by_converter[0], f"a valid body was refused: {by_converter[1]!r}"
    assert compiled[0] == by_converter[0], (compiled, by_converter)
    assert by_response[0] == by_converter[0], (by_response, by_converter)
    if by_converter[0]:
        assert _dump(compiled[1]) == _dump(by_converter[1])
        assert _dump(by_response[1]) == _dump(by_converter[1])
    else:
        named = [e.path for e in field_errors(by_converter[1])]
        assert named, by_converter[1]
        assert [e.path for e in field_errors(by_response[1])] == named
    _check_typed_agreement(cls, body)


def _check_typed_agreement(cls: type, body: dict[str, Any]) -> None:
    """The typed path builds what the generic path builds from the same bytes, or declines;
    it never builds what the generic path refuses."""
    typed = typed_responses.for_class(cls)
    assert typed is not None, f"{cls.__qualname__} has no mirror"
    content = json.dumps(body).encode()
    generic = _outcome(lambda: converter.structure(loads(content), cls))
    decoded = typed.decode(200, content)
    if decoded is None:
        return
    built = _outcome(decoded.build)
    if built[0]:
        assert generic[0], f"the typed path built what the converter refuses: {generic[1]!r}"
        assert _dump(built[1]) == _dump(generic[1])


_PROPERTY = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.mark.slow
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__qualname__)
@_PROPERTY
@given(data=st.data())
def test_valid_bodies_build_the_same_model_on_both_paths(cls: type, data: st.DataObject) -> None:
    _check_agreement(cls, data.draw(model_bodies(cls)), valid_body=True)


@pytest.mark.slow
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__qualname__)
@_PROPERTY
@given(data=st.data())
def test_changed_bodies_build_the_same_model_or_are_refused_naming_the_same_fields(
    cls: type, data: st.DataObject
) -> None:
    _check_agreement(cls, data.draw(mutated_bodies(cls)), valid_body=False)


def test_every_response_model_is_drawn() -> None:
    """The strategies know every field type of every response model (a new type fails here,
    not silently in a skipped draw)."""
    assert len(MODELS) > 40
    for cls in MODELS:
        for tp in typing.get_type_hints(cls).values():
            valid(tp)
