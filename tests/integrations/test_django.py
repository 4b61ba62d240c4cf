"""Django: ``callback_path`` in a project's urlpatterns, served by uvicorn running Django's ASGI
application with the usual middleware (CommonMiddleware's APPEND_SLASH, CSRF), answers WeChat
at the bare path and with a trailing slash without a redirect. Django's async views run on
asyncio (asgiref), so these tests do too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django import conf
from django.urls import clear_url_caches, include, path, reverse

from tests.integrations import _django_urls
from tests.integrations._scenario import MAX_BODY, Receiver
from wechat_async.integrations.django import callback_path, callback_view
from wechat_async.testing._serve import AsgiServer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Django's async views run on asyncio


@pytest.fixture(scope="module")
def django_app() -> Any:
    if not conf.settings.configured:
        conf.settings.configure(
            DEBUG=False,
            SECRET_KEY="integration-tests-only",
            ALLOWED_HOSTS=["127.0.0.1"],
            ROOT_URLCONF=_django_urls.__name__,
            INSTALLED_APPS=[],
            APPEND_SLASH=True,
            MIDDLEWARE=[
                "django.middleware.security.SecurityMiddleware",
                "django.middleware.common.CommonMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
            ],
        )
    from django.core.asgi import get_asgi_application

    return get_asgi_application()


@pytest.fixture
def urls() -> Iterator[list[Any]]:
    yield _django_urls.urlpatterns
    _django_urls.urlpatterns.clear()
    clear_url_caches()


def _home(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(b"home")


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_path_answers_both_paths_under_uvicorn(
    django_app: Any, urls: list[Any], encrypted: bool
) -> None:
    receiver = Receiver(encrypted=encrypted)
    urls[:] = [path("", _home), callback_path(receiver.router, "wechat/push", max_body=MAX_BODY)]
    clear_url_caches()
    async with AsgiServer(django_app) as server:
        await receiver.check(server.base_url, "/wechat/push")
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            assert (await http.get("/")).content == b"home"
    assert reverse("wechat_push") == "/wechat/push"


async def test_path_inside_an_include(django_app: Any, urls: list[Any]) -> None:
    receiver = Receiver(encrypted=False)
    urls[:] = [path("hooks/", include([callback_path(receiver.router, "/wx/", max_body=MAX_BODY)]))]
    clear_url_caches()
    async with AsgiServer(django_app) as server:
        await receiver.check(server.base_url, "/hooks/wx")


async def test_a_slashed_route_alone_redirects_the_bare_path(
    django_app: Any, urls: list[Any]
) -> None:
    """Why ``callback_path`` matches both: APPEND_SLASH answers the bare path 301."""
    receiver = Receiver(encrypted=False)
    urls[:] = [path("wechat/push/", callback_view(receiver.router))]
    clear_url_caches()
    async with (
        AsgiServer(django_app) as server,
        httpx.AsyncClient(base_url=server.base_url) as http,
    ):
        reply = await http.get("/wechat/push", params={"echostr": "x"})
    assert reply.status_code == 301
    assert reply.headers["location"] == "/wechat/push/?echostr=x"
