"""Client lifecycle, namespaces and descriptors."""

from __future__ import annotations

import subprocess
import sys
import typing

import httpx
import pytest
import respx

from tests.helpers import AES_KEY, APPID, BASE, SECRET, client_for, mock_token
from wechat_async import ConfigurationError, Endpoint, WeChatClient
from wechat_async._endpoint import NamespaceSlot
from wechat_async._registry import (
    Namespaces,
    PlatformNamespaces,
    attribute_path,
    endpoints,
    namespaces,
)
from wechat_async.cityservice import CityServiceNamespace
from wechat_async.component import ComponentClient
from wechat_async.transports import HttpxTransport


async def test_owned_pool_is_closed_user_pool_is_not() -> None:
    owned = WeChatClient(APPID, SECRET, transport="httpx")
    async with owned:
        transport = owned.transport
        assert isinstance(transport, HttpxTransport)
    assert transport.client.is_closed

    async with httpx.AsyncClient() as http:
        async with WeChatClient(APPID, SECRET, http_client=http) as client:
            transport = client.transport
            assert isinstance(transport, HttpxTransport)
            assert transport.client is http
        assert not http.is_closed


async def test_namespaces_and_bound_endpoints_are_built_once() -> None:
    router = respx.Router(assert_all_called=False)
    async with client_for(router) as client:
        assert client.cityservice is client.cityservice
        bound = client.cityservice.send_msg_data
        assert client.cityservice.send_msg_data is bound
        assert bound.endpoint is CityServiceNamespace.send_msg_data
        assert isinstance(CityServiceNamespace.send_msg_data, Endpoint)
        assert "send_msg_data" in repr(bound)


@pytest.mark.parametrize("holder", [Namespaces, PlatformNamespaces])
def test_each_client_has_its_registered_namespaces_as_mypy_sees_them(holder: type) -> None:
    found = namespaces(holder)
    assert found
    hints = typing.get_type_hints(holder, localns={c.__name__: c for c in found.values()})
    client: object = (
        WeChatClient(APPID, SECRET)
        if holder is Namespaces
        else ComponentClient(APPID, SECRET, token="push-token", encoding_aes_key=AES_KEY)
    )
    assert isinstance(client, holder)
    for name, cls in found.items():
        assert hints[name] == NamespaceSlot[cls]  # type: ignore[valid-type]
        assert type(getattr(client, name)) is cls
        assert cls.domain == name


def test_every_endpoint_belongs_to_one_client_and_merchants_have_no_platform_calls() -> None:
    merchant, platform = set(namespaces(Namespaces)), set(namespaces(PlatformNamespaces))
    assert not merchant & platform
    assert {e.domain for e in endpoints()} == merchant | platform == set(namespaces())
    assert not any(hasattr(WeChatClient, name) for name in platform)
    assert attribute_path("giftcard") == "client.giftcard"
    assert attribute_path("component") == "platform.component"


def test_a_slot_naming_another_namespace_is_refused() -> None:
    class Wrong:
        giftcard: NamespaceSlot[CityServiceNamespace] = NamespaceSlot()

    with pytest.raises(TypeError, match="no namespace CityServiceNamespace"):
        _ = Wrong.giftcard.cls

    class Swapped:
        cityservice: NamespaceSlot[typing.Any] = NamespaceSlot()

    with pytest.raises(TypeError, match="annotate"):
        _ = Swapped.cityservice.cls


def test_importing_the_package_imports_no_domain() -> None:
    code = "import sys, wechat_async; print(sorted(m for m in sys.modules if 'giftcard' in m))"
    proc = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"


def test_namespace_lists_its_endpoints() -> None:
    assert [e.name for e in CityServiceNamespace.endpoints()] == ["send_msg_data"]
    endpoint = CityServiceNamespace.send_msg_data
    assert (endpoint.method, endpoint.path, endpoint.idempotent) == (
        "POST",
        "/cityservice/sendmsgdata",
        False,
    )


async def test_base_url_points_the_client_elsewhere() -> None:
    router = respx.Router()
    other = "http://127.0.0.1:8999/wx"
    router.post(f"{other}/cgi-bin/stable_token").respond(
        json={"access_token": "T", "expires_in": 7200}
    )
    route = router.post(f"{other}/cityservice/sendmsgdata").respond(json={"errcode": 0})
    async with client_for(router, base_url=other + "/") as client:
        await client.cityservice.send_msg_data(
            openid="o", biz_template_id="t", order_no="1", data={"k": {"value": "v"}}
        )
    assert route.call_count == 1
    assert str(route.calls.last.request.url).startswith(other + "/cityservice/sendmsgdata?")


async def test_access_token_is_url_encoded() -> None:
    router = respx.Router()
    mock_token(router, token="a+b/c=")
    route = router.post(f"{BASE}/cityservice/sendmsgdata").respond(json={"errcode": 0})
    async with client_for(router) as client:
        await client.cityservice.send_msg_data(
            openid="o", biz_template_id="t", order_no="1", data={"k": {"value": "v"}}
        )
    request = route.calls.last.request
    assert request.url.params["access_token"] == "a+b/c="
    assert b"access_token=a%2Bb%2Fc%3D" in request.url.raw_path


@pytest.mark.parametrize("appid", ["", None, 123])
def test_appid_is_required(appid: object) -> None:
    with pytest.raises(ConfigurationError, match="appid"):
        WeChatClient(appid, SECRET)  # type: ignore[arg-type]


def test_credentials_and_base_url_come_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WECHAT_APPID", "wxenv")
    monkeypatch.setenv("WECHAT_SECRET", "env-secret")
    monkeypatch.setenv("WECHAT_BASE_URL", "http://127.0.0.1:9/")
    client = WeChatClient()
    assert (client.appid, client._secret, client._base_url) == (
        "wxenv",
        "env-secret",
        "http://127.0.0.1:9",
    )
    given = WeChatClient("wxgiven", "given-secret", base_url="http://127.0.0.1:8")
    assert (given.appid, given._secret, given._base_url) == (
        "wxgiven",
        "given-secret",
        "http://127.0.0.1:8",
    )


def test_a_missing_credential_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="WECHAT_APPID"):
        WeChatClient()
    with pytest.raises(ConfigurationError, match="WECHAT_SECRET"):
        WeChatClient("wx1")
    monkeypatch.setenv("WECHAT_SECRET", "")  # empty is missing, not a secret
    with pytest.raises(ConfigurationError, match="WECHAT_SECRET"):
        WeChatClient("wx1")


def test_a_token_provider_needs_no_secret_and_reads_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_SECRET", "env-secret")

    async def provider() -> str:
        return "token"

    client = WeChatClient("wx1", token_provider=provider)
    assert client._secret is None
