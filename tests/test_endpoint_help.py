"""``help()`` and ``inspect.signature`` of a bound endpoint show the call's real parameters."""

from __future__ import annotations

import inspect
import pydoc
from typing import Any

import attrs
import pytest

from tests.helpers import new_holder
from wechat_async._endpoint import Endpoint
from wechat_async._registry import endpoints


def _bound(endpoint: Endpoint[Any, Any, Any]) -> Any:
    client = new_holder(endpoint.domain)
    return getattr(getattr(client, endpoint.domain), endpoint.name)


@pytest.mark.parametrize("endpoint", endpoints(), ids=lambda e: f"{e.domain}.{e.name}")
def test_the_signature_is_the_request_models_fields_as_keywords(
    endpoint: Endpoint[Any, Any, Any],
) -> None:
    signature = inspect.signature(_bound(endpoint))
    names = [a.name for a in attrs.fields(endpoint.request) if a.init]
    assert list(signature.parameters) == [n.lstrip("_") for n in names]
    assert {p.kind for p in signature.parameters.values()} <= {inspect.Parameter.KEYWORD_ONLY}
    assert signature.return_annotation == endpoint.response.__name__


@pytest.mark.parametrize("endpoint", endpoints(), ids=lambda e: f"{e.domain}.{e.name}")
def test_help_names_the_call_its_request_and_its_document(
    endpoint: Endpoint[Any, Any, Any],
) -> None:
    text = pydoc.render_doc(_bound(endpoint), renderer=pydoc.plaintext)
    first = next(line for line in text.splitlines()[1:] if line.strip())
    assert first.startswith(f"{endpoint.name}(")  # documented as a routine, not an object
    assert f"{endpoint.method} {endpoint.path}" in text
    assert ("retry-safe)" in text) is endpoint.idempotent
    assert endpoint.source in text
    for name in inspect.signature(_bound(endpoint)).parameters:
        assert f"{name}:" in first
