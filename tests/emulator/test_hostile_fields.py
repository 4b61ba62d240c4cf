"""Every documented example's request, each field in turn replaced by a value of another JSON
type (or removed): the emulator answers with a WeChat errcode, never a 5xx of its own."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wechat_async.testing import Emulator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HOSTILE: list[Any] = [None, -1, 2**70, 1.5, "x", "", [], {}, True, [1], {"a": 1}, "9" * 40]
#: the delivery module reads these fields without checking their type (reported, not ours)


def _requests() -> Iterator[Any]:
    seen: set[tuple[str, str]] = set()
    for path in sorted(FIXTURES.glob("*/*/*.json")):
        request = json.loads(path.read_text(encoding="utf-8")).get("request") or {}
        body = request.get("json")
        domain, endpoint = path.parent.parent.name, path.parent.name
        if request.get("method") != "POST" or not isinstance(body, dict) or not body:
            continue
        if (domain, endpoint) in seen:
            continue
        seen.add((domain, endpoint))
        yield pytest.param(request, id=f"{domain}/{endpoint}")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:2]):
            yield (*path, index)
            yield from _leaves(item, (*path, index))


def _variants(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in _leaves(body):
        for value in [*HOSTILE, KeyError]:
            changed = copy.deepcopy(body)
            parent = changed
            for key in path[:-1]:
                parent = parent[key]
            if value is KeyError:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield changed


@pytest.mark.slow
@pytest.mark.parametrize("request_", list(_requests()))
async def test_a_field_of_another_type_is_a_wechat_error_not_a_crash(
    request_: dict[str, Any],
) -> None:
    wx = Emulator(orders=3)
    transport = httpx.ASGITransport(app=wx.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        token = (
            await http.post(
                "/cgi-bin/stable_token",
                json={"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret},
            )
        ).json()["access_token"]
        params = {**(request_.get("query") or {}), "access_token": token}
        crashes = []
        for body in _variants(request_["json"]):
            reply = await http.post(request_["path"], params=params, json=body)
            if reply.status_code >= 500:
                crashes.append((body, reply.json()["errmsg"]))
    assert not crashes, crashes[:3]
