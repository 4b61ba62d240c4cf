"""Every endpoint against its documented examples: exact request out, exact model (or error) in.

An example (tests/fixtures/README.md, written from the documentation and from replies seen on
the wire, not recorded) is ``tests/fixtures/<domain>/<endpoint>/<case>.json`` with keys:
``call`` (keyword arguments), ``request`` (method, path, query without the token, json or
form), ``response`` (status, json or text) and ``expect`` (``result``: the response model
unstructured back to wire form, or ``error``: exception class name, plus ``errcode``/
``resultcode``/``may_have_been_applied`` when relevant).
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
import respx

import wechat_async
from tests.helpers import (
    BASE,
    NAMESPACES,
    TOKEN,
    Fixture,
    fast_retry,
    holder_for,
    iter_fixtures,
)
from wechat_async import Upload
from wechat_async._convert import converter, make_converter
from wechat_async._json import dumps
from wechat_async._reply import parse_response

FIXTURES = list(iter_fixtures())
STRICT = make_converter(strict=True)


def _endpoint(fixture: Fixture) -> Any:
    ns = NAMESPACES[fixture.domain]
    return getattr(ns, fixture.endpoint)


def _call_args(call: dict[str, Any]) -> dict[str, Any]:
    """JSON cannot hold files: ``{"$upload": {"filename", "base64"}}`` stands for an Upload."""
    return {
        k: Upload(
            content=base64.b64decode(v["$upload"]["base64"]), filename=v["$upload"]["filename"]
        )
        if isinstance(v, dict) and "$upload" in v
        else v
        for k, v in call.items()
    }


def _error_class(name: str) -> type[BaseException]:
    cls = getattr(wechat_async.errors, name, None) or getattr(wechat_async, name, None)
    assert cls is not None, f"unknown error class {name}"
    return cls  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", FIXTURES, ids=[f.id for f in FIXTURES])
async def test_endpoint_matches_its_documented_example(case: Fixture) -> None:
    spec = case.data
    endpoint = _endpoint(case)
    req, resp, expect = spec["request"], spec["response"], spec["expect"]
    assert req["path"] == endpoint.path
    assert req["method"] == endpoint.method

    router = respx.Router(assert_all_called=True, assert_all_mocked=True)
    if "json" in resp:
        route = router.route(method=req["method"], url__startswith=BASE + req["path"]).respond(
            resp.get("status", 200),
            content=dumps(resp["json"]),
            headers={"content-type": "application/json"},
        )
    else:
        route = router.route(method=req["method"], url__startswith=BASE + req["path"]).respond(
            resp.get("status", 200), text=resp.get("text", "")
        )

    # max_retries=0: a fixture records one exchange; retries are tested in test_retry.py.
    async with holder_for(router, case.domain, retry=fast_retry(max_retries=0)) as client:
        bound = getattr(getattr(client, case.domain), case.endpoint)
        if "error" in expect:
            with pytest.raises(_error_class(expect["error"])) as info:
                await bound(**_call_args(spec["call"]))
            error = info.value
            for key in ("errcode", "resultcode", "may_have_been_applied"):
                if key in expect:
                    assert getattr(error, key) == expect[key]
            assert endpoint.path in str(error)
        else:
            result = await bound(**_call_args(spec["call"]))
            # Back to wire form, through the same JSON writer requests use.
            wire = json.loads(dumps(converter.unstructure(result)), parse_float=Decimal)
            assert wire == expect["result"]

    sent = route.calls.last.request
    assert sent.method == req["method"]
    query = dict(sent.url.params)
    if endpoint.auth:
        assert query.pop(endpoint.token_param) == TOKEN
    assert query == req.get("query", {})
    if "json" in req:
        assert sent.headers["content-type"].startswith("application/json")
        assert json.loads(sent.content, parse_float=Decimal) == req["json"]
        # Raw UTF-8 on the wire: WeChat rejects \\uXXXX-escaped Chinese.
        assert b"\\u" not in sent.content
    elif "form" in req:
        assert sent.headers["content-type"].startswith("multipart/form-data")
        for name in req["form"]:
            assert f'name="{name}"'.encode() in sent.content
    else:
        assert sent.content == b""


SUCCESS = [f for f in FIXTURES if not f.is_error and "json" in f.data["response"]]


@pytest.mark.parametrize("case", SUCCESS, ids=[f.id for f in SUCCESS])
def test_each_success_example_fits_its_model_strictly(case: Fixture) -> None:
    """The strict twin forbids unknown keys: a field missing from a model fails here."""
    endpoint = _endpoint(case)
    envelope = {"errcode", "errmsg", "resultcode", "resultmsg"}
    wire = json.loads(dumps(case.data["response"]["json"]))  # as the client would read it
    body = {k: v for k, v in wire.items() if k not in envelope}
    STRICT.structure(body, endpoint.response)
    # And the lenient path agrees with it.
    parse_response(endpoint, wire)


def test_every_endpoint_has_success_and_error_examples() -> None:
    seen: dict[tuple[str, str], set[bool]] = {}
    for f in FIXTURES:
        seen.setdefault((f.domain, f.endpoint), set()).add(f.is_error)
    missing = []
    for domain, ns in NAMESPACES.items():
        for endpoint in ns.endpoints():
            kinds = seen.get((domain, endpoint.name), set())
            if kinds != {True, False}:
                missing.append(f"{domain}.{endpoint.name}: has {sorted(kinds)}")
    assert not missing, "endpoints without a success and an error fixture:\n" + "\n".join(missing)


def test_example_dirs_name_real_endpoints() -> None:
    names = {(d, e.name) for d, ns in NAMESPACES.items() for e in ns.endpoints()}
    stray = {(f.domain, f.endpoint) for f in FIXTURES} - names
    assert not stray, f"fixtures for unknown endpoints: {sorted(stray)}"
