"""An authorizer's refresh token through every failure: WeChat rotating it on each exchange,
the store losing it or unreachable, a crash (an injected failure) at each step between the
exchange and the stores. After any of them the next refresh succeeds and the store holds the
refresh token WeChat holds: none is ever lost."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.component._authority import RefreshAuthority
from wechat_async import (
    AccessToken,
    MemoryTokenStore,
    ReauthorizationRequiredError,
    RefreshTokenInvalidError,
    StoreUnavailableError,
    TokenManager,
)
from wechat_async.component._refresh import AuthorizerRefresh, Exchanged

KEY = "authorizer-refresh:wxcomponent:wxmerchant"


class Crash(Exception):
    """A process dying mid-refresh: whatever it did not finish stays undone."""


class FlakyStore(MemoryTokenStore):
    """A memory store that fails one chosen call: ``down`` raises StoreUnavailableError before
    acting; ``crash_after`` acts, then dies (the reply lost with the process)."""

    def __init__(self) -> None:
        super().__init__()
        self.down: set[str] = set()
        self.crash_after: set[str] = set()

    async def _fail(self, name: str, act: Callable[[], Awaitable[Any]]) -> Any:
        if name in self.down:
            raise StoreUnavailableError(f"Redis {name} failed: connection refused")
        result = await act()
        if name in self.crash_after:
            self.crash_after.discard(name)
            raise Crash(name)
        return result

    async def get_credential(self, key: str) -> str | None:
        return await self._fail(
            "get_credential", lambda: super(FlakyStore, self).get_credential(key)
        )  # type: ignore[no-any-return]

    async def swap_credential(self, key: str, expected: str | None, value: str | None) -> bool:
        return await self._fail(  # type: ignore[no-any-return]
            "swap_credential",
            lambda: super(FlakyStore, self).swap_credential(key, expected, value),
        )

    async def set(self, key: str, token: AccessToken) -> None:
        await self._fail("set", lambda: super(FlakyStore, self).set(key, token))


def process(store: MemoryTokenStore, wx: RefreshAuthority, **changes: Any) -> AuthorizerRefresh:
    """One process's refresh of the authorizer (its own memory, the shared store)."""
    options: dict[str, Any] = {"exchange": wx.exchange, "recover": wx.recover, **changes}
    return AuthorizerRefresh("wxmerchant", KEY, store, options["exchange"], options["recover"])


async def test_each_refresh_stores_the_rotated_token_before_handing_out_the_access_token() -> None:
    store, wx = MemoryTokenStore(), RefreshAuthority()
    refresh = process(store, wx)
    await refresh.remember("R0")
    stored_at_return: list[str | None] = []

    async def exchange(refresh_token: str) -> Exchanged:
        return await wx.exchange(refresh_token)

    async def observed() -> AccessToken:
        token = await refresh()
        stored_at_return.append(await store.get_credential(KEY))
        return token

    first, second = await observed(), await observed()
    assert (first.value, second.value) == ("A1", "A2")
    assert stored_at_return == ["R1", "R2"]
    assert (wx.exchanges, wx.refused, wx.recoveries) == (2, 0, 0)


async def test_unchanged_refresh_token_is_not_rewritten() -> None:
    store, wx = MemoryTokenStore(), RefreshAuthority(rotate=False)
    refresh = process(store, wx)
    await refresh.remember("R0")
    assert (await refresh()).value == "A1"
    assert await store.get_credential(KEY) == "R0"


async def test_no_refresh_token_in_the_store_is_recovered_from_wechat(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, wx = MemoryTokenStore(), RefreshAuthority()
    assert (await process(store, wx)()).value == "A1"
    assert wx.recoveries == 1
    assert await store.get_credential(KEY) == wx.current == "R1"
    assert "no refresh token in the store; using WeChat's copy" in caplog.text


async def test_refused_refresh_token_is_healed_once_from_wechats_copy() -> None:
    store, wx = MemoryTokenStore(), RefreshAuthority("R7")
    await store.swap_credential(KEY, None, "R6")  # rotated by a crashed process's lost reply
    assert (await process(store, wx)()).value == "A1"
    assert (wx.refused, wx.recoveries, wx.exchanges) == (1, 1, 1)
    assert await store.get_credential(KEY) == wx.current


async def test_refused_and_wechat_has_no_other_asks_the_merchant_to_authorise_again() -> None:
    store, wx = MemoryTokenStore(), RefreshAuthority("R7")
    await store.swap_credential(KEY, None, "R6")

    async def same_as_refused() -> str | None:
        return "R6"

    with pytest.raises(RefreshTokenInvalidError, match="authorise the platform again") as caught:
        await process(store, wx, recover=same_as_refused)()
    assert caught.value.errcode == 61023
    assert await store.get_credential(KEY) == "R6"  # nothing better to keep


async def test_no_refresh_token_anywhere_says_how_to_get_one() -> None:
    async def none() -> str | None:
        return None

    with pytest.raises(ReauthorizationRequiredError, match="query_auth") as caught:
        await process(MemoryTokenStore(), RefreshAuthority(), recover=none)()
    assert not isinstance(caught.value, RefreshTokenInvalidError)


async def test_store_losing_the_token_gets_this_processs_copy_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, wx = MemoryTokenStore(), RefreshAuthority()
    refresh = process(store, wx)
    await refresh.remember("R0")
    await refresh()
    await store.swap_credential(KEY, "R1", None)  # a Redis restart without persistence
    assert (await refresh()).value == "A2"
    assert (wx.refused, wx.recoveries) == (0, 0)
    assert await store.get_credential(KEY) == wx.current == "R2"
    assert "the store lost its refresh token" in caplog.text


async def test_store_down_while_saving_keeps_the_rotation_and_saves_it_when_back() -> None:
    store, wx = FlakyStore(), RefreshAuthority()
    refresh = process(store, wx)
    await refresh.remember("R0")
    store.down = {"swap_credential"}
    assert (await refresh()).value == "A1"  # served: the new token is known here
    assert await store.get_credential(KEY) == "R0"
    store.down = {"get_credential", "swap_credential"}
    assert (await refresh()).value == "A2"  # still down: this process's copy
    store.down = set()
    assert (await refresh()).value == "A3"
    assert (wx.refused, wx.recoveries) == (0, 0)
    assert await store.get_credential(KEY) == wx.current == "R3"


async def test_another_writer_winning_the_swap_is_kept_and_healed_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, wx = MemoryTokenStore(), RefreshAuthority()
    refresh = process(store, wx)
    await refresh.remember("R0")

    async def raced(refresh_token: str) -> Exchanged:
        got = await wx.exchange(refresh_token)
        await store.swap_credential(KEY, "R0", "R-elsewhere")  # a lapsed lock's other holder
        return got

    assert (await process(store, wx, exchange=raced)()).value == "A1"
    assert "keeping the store's" in caplog.text
    assert await store.get_credential(KEY) == "R-elsewhere"
    assert (await refresh()).value == "A2"  # refused, healed from WeChat's copy
    assert await store.get_credential(KEY) == wx.current


# -- a crash at each step, then another process ---------------------------------------------


def manager(store: MemoryTokenStore, wx: RefreshAuthority) -> TokenManager:
    return TokenManager("authorizer:wxcomponent:wxmerchant", process(store, wx), store)


@pytest.mark.parametrize(
    "step",
    [
        "read the refresh token",
        "exchange, before WeChat applied it",
        "exchange, after WeChat rotated (reply lost)",
        "store the rotated refresh token (applied, reply lost)",
        "store the access token",
    ],
)
async def test_a_crash_at_any_step_loses_nothing_and_the_next_process_serves(step: str) -> None:
    store, wx = FlakyStore(), RefreshAuthority()
    await process(store, wx).remember("R0")

    async def exchange(refresh_token: str) -> Exchanged:
        if step == "exchange, before WeChat applied it":
            raise Crash(step)
        got = await wx.exchange(refresh_token)
        if step == "exchange, after WeChat rotated (reply lost)":
            raise Crash(step)
        return got

    crash_after = {
        "read the refresh token": "get_credential",
        "store the rotated refresh token (applied, reply lost)": "swap_credential",
        "store the access token": "set",
    }
    store.crash_after = {crash_after[step]} if step in crash_after else set()
    dying = TokenManager(
        "authorizer:wxcomponent:wxmerchant",
        AuthorizerRefresh("wxmerchant", KEY, store, exchange, wx.recover),
        store,
    )
    with pytest.raises(Crash):
        await dying.get()

    survivor = manager(store, wx)
    token = await survivor.get()
    assert token.startswith("A")
    assert await store.get_credential(KEY) == wx.current  # never lost
    assert await survivor.get() == token
    assert wx.exchanges <= 2  # at most one exchange besides the crashed one's


async def test_recovered_token_is_logged_without_its_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store, wx = MemoryTokenStore(), RefreshAuthority("refreshtoken@@@secret-value-123456")
    await process(store, wx)()
    assert "secret-value-123456" not in caplog.text
