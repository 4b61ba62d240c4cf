"""WeChat as third-party platforms (第三方平台) meet it.

The emulator plays the open platform for one platform (``component_appid``, its secret, the
push token and EncodingAESKey of its authorisation event URL):

* ``component_verify_ticket`` pushed to that URL, encrypted, every ``ticket_interval``
  seconds once the emulator is started, at once on ``push_ticket()`` and on
  ``api_start_push_ticket``; a ticket lives 12 hours.
* ``api_component_token`` (61005 expired ticket, 61006 unknown ticket, 40125 wrong secret),
  ``api_create_preauthcode``, ``api_query_auth`` (61009 used or unknown code, 61010 expired),
  ``api_authorizer_token`` (61003 not authorised, 61023 refresh token refused),
  ``api_get_authorizer_info``, ``api_get_authorizer_list``, ``api_start_push_ticket``, each
  taking the component token as ``component_access_token`` (or ``access_token``, as newer
  pages write it).
* ``authorize(appid, permission_sets=...)`` plays a merchant authorising the platform: an
  authorization code (the ``authorized`` push carries it), the account's own state (orders,
  carrier accounts) served to its authorizer tokens. Each refresh rotates the refresh token
  and refuses the one before (``rotate_refresh_tokens``), the strictest reading of the wire.
* Authorizer tokens work on every domain endpoint whose permission set the merchant granted,
  else 61007; ``open`` and ``shop/add`` of instant delivery answer only them (86000 to an
  account's own token).

The rules are declared here again on purpose (which permission set each API needs...): the
emulator plays WeChat, and derives nothing from the SDK.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import anyio
import attrs

from ._app import Call, EmulatorApp, Reply, error, expect, ok
from ._pushes import DEFAULT_SCHEDULE, Pusher, PushTarget

__all__ = [
    "DEFAULT_COMPONENT_APPID",
    "DEFAULT_COMPONENT_SECRET",
    "Authorization",
    "Platform",
]

DEFAULT_COMPONENT_APPID = "wxplatform000000"
DEFAULT_COMPONENT_SECRET = "emulator-component-secret"
#: a verify ticket lives 12 hours; WeChat pushes a new one every 10 minutes
TICKET_LIFE = 12 * 3600
TICKET_INTERVAL = 600.0
#: a pre-auth code lives 1800 s (the example reply says 600)
PRE_AUTH_CODE_LIFE = 1800
#: an authorization code lives an hour
AUTH_CODE_LIFE = 3600

#: API path prefix -> the permission sets (any one) that let a platform call it for a merchant.
#: Deliberately the emulator's own copy (the permission set pages and each API's page).
PERMISSION_SETS: tuple[tuple[str, frozenset[int]], ...] = (
    ("/card/invoice/", frozenset({26})),
    ("/card/", frozenset({8})),
    ("/cgi-bin/media/uploadimg", frozenset({8})),
    ("/cityservice/", frozenset({22})),
    ("/cgi-bin/express/local/business/", frozenset({51, 71})),
)


def needed_sets(path: str) -> frozenset[int]:
    """The permission sets that open ``path`` to a platform (empty: any authorisation)."""
    for prefix, sets in PERMISSION_SETS:
        if path.startswith(prefix):
            return sets
    return frozenset()


@attrs.define
class Authorization:
    """One merchant account authorised to the platform."""

    appid: str
    permission_sets: frozenset[int]
    auth_time: int
    #: the account's own state, served on these routes to its authorizer tokens
    account: EmulatorApp = attrs.field(repr=False)
    #: the domains' state objects (``giftcards``, ``invoice``, ``cityservice``, ``delivery``)
    domains: dict[str, Any] = attrs.field(factory=dict, repr=False)
    #: made by the first api_query_auth (WeChat has none before)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    revoked: bool = False


class Platform:
    """The open platform's side of one third-party platform. See the module docstring."""

    def __init__(
        self,
        *,
        component_appid: str = DEFAULT_COMPONENT_APPID,
        component_secret: str = DEFAULT_COMPONENT_SECRET,
        new_account: Callable[[str, int], tuple[EmulatorApp, dict[str, Any]]],
        token_ttl: int = 7200,
        token_grace: float = 300.0,
        rotate_refresh_tokens: bool = True,
        ticket_interval: float = TICKET_INTERVAL,
        push_schedule: Sequence[float] = DEFAULT_SCHEDULE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.component_appid = component_appid
        self.component_secret = component_secret
        self.token_ttl = token_ttl
        self.token_grace = token_grace
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.ticket_interval = ticket_interval
        self._new_account = new_account
        self._clock = clock
        #: pushes to the platform's authorisation event URL (``push_to``)
        self.pusher = Pusher(schedule=push_schedule, clock=clock)
        #: ticket -> expiry
        self.tickets: dict[str, float] = {}
        #: component token -> (expiry, superseded at)
        self._component_tokens: dict[str, tuple[float, float | None]] = {}
        self._live_component_token: str | None = None
        #: authorizer token -> (appid, expiry, superseded at)
        self._authorizer_tokens: dict[str, tuple[str, float, float | None]] = {}
        self._live_authorizer_token: dict[str, str] = {}
        self._pre_auth_codes: dict[str, float] = {}
        #: authorization code -> (appid, expiry)
        self._auth_codes: dict[str, tuple[str, float]] = {}
        self.authorizations: dict[str, Authorization] = {}
        #: what tests and benchmarks count
        self.stats: dict[str, int] = {
            "tickets_pushed": 0,
            "component_tokens_issued": 0,
            "authorizer_tokens_issued": 0,
            "refresh_tokens_refused": 0,
        }
        #: starts a background task of the started emulator (None: pushes run inline)
        self.spawn: Callable[[Callable[[], Awaitable[None]]], None] | None = None
        self._retargeted: anyio.Event | None = None

    def __repr__(self) -> str:
        return (
            f"Platform(component_appid={self.component_appid!r}, "
            f"authorizers={sorted(self.authorizations)})"
        )

    # -- what a test does ----------------------------------------------------------------------
    def push_to(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        encoding_aes_key: str,
        app: Any = None,
    ) -> None:
        """Push tickets and authorisation events to the platform's authorisation event URL
        (or in-process to the ASGI ``app``), encrypted with its EncodingAESKey: WeChat sends
        platforms nothing in plain text."""
        if not token:
            raise ValueError("token is required: the push token the platform checks")
        if app is None and not url:
            raise ValueError("push_to needs url= or app=")
        self.pusher.target = PushTarget(
            url or "/", token, encoding_aes_key, self.component_appid, app=app
        )
        if self._retargeted is not None:
            self._retargeted.set()  # a started emulator pushes a ticket now

    async def push_ticket(self) -> str:
        """Issue a new ``component_verify_ticket`` and push it; returns it."""
        now = self._clock()
        self.tickets = {t: until for t, until in self.tickets.items() if until > now}
        ticket = f"ticket@@@{secrets.token_urlsafe(32)}"
        self.tickets[ticket] = now + TICKET_LIFE
        self.stats["tickets_pushed"] += 1
        await self._push("component_verify_ticket", ComponentVerifyTicket=ticket)
        return ticket

    async def push_tickets_forever(self) -> None:
        """The background schedule of a started emulator: a ticket as soon as there is an
        authorisation event URL to push to, then one every ``ticket_interval`` seconds."""
        while True:
            if self.pusher.target is not None:
                await self.push_ticket()
            self._retargeted = anyio.Event()
            with anyio.move_on_after(self.ticket_interval):
                await self._retargeted.wait()

    async def authorize(
        self,
        appid: str,
        *,
        permission_sets: Sequence[int] = (),
        pre_auth_code: str | None = None,
        orders: int = 0,
    ) -> str:
        """A merchant authorises the platform for ``appid`` with ``permission_sets`` (its
        Official Account's or Mini Program's, e.g. ``(51,)`` for instant delivery): returns
        the authorization code (what the redirect URI and the ``authorized`` push carry). An
        account authorised before gets ``updateauthorized`` and keeps its state; ``orders``
        gift-card orders are generated for a new one. With ``pre_auth_code`` (from
        ``api_create_preauthcode``), the code the authorisation page was opened with is
        spent."""
        now = self._clock()
        if pre_auth_code is not None:
            expires = self._pre_auth_codes.pop(pre_auth_code, None)
            if expires is None or expires <= now:
                raise ValueError(f"pre_auth_code {pre_auth_code!r} is unknown, used or expired")
        known = self.authorizations.get(appid)
        sets = frozenset(permission_sets)
        info = "authorized"
        if known is None:
            account, domains = self._new_account(appid, orders)
            self.authorizations[appid] = Authorization(appid, sets, int(now), account, domains)
        elif known.revoked:
            # Authorised again: the account keeps its state, the old refresh token is dead.
            known.revoked, known.permission_sets, known.auth_time = False, sets, int(now)
            known.refresh_token = None
        else:
            known.permission_sets = sets
            info = "updateauthorized"
        code = f"queryauthcode@@@{secrets.token_urlsafe(24)}"
        self._auth_codes[code] = (appid, now + AUTH_CODE_LIFE)
        await self._push(
            info,
            AuthorizerAppid=appid,
            AuthorizationCode=code,
            AuthorizationCodeExpiredTime=int(now + AUTH_CODE_LIFE),
            PreAuthCode=pre_auth_code or "",
        )
        return code

    async def unauthorize(self, appid: str) -> None:
        """The merchant cancels: its refresh and access tokens stop working (61003 and
        40001), and ``unauthorized`` is pushed."""
        known = self._authorization(appid)
        known.revoked = True
        known.refresh_token = None
        for token, (owner, _, _) in list(self._authorizer_tokens.items()):
            if owner == appid:
                del self._authorizer_tokens[token]
        self._live_authorizer_token.pop(appid, None)
        await self._push("unauthorized", AuthorizerAppid=appid)

    def refresh_token_of(self, appid: str) -> str | None:
        """The refresh token WeChat holds for ``appid`` now."""
        return self._authorization(appid).refresh_token

    def _authorization(self, appid: str) -> Authorization:
        known = self.authorizations.get(appid)
        if known is None:
            raise KeyError(f"{appid} never authorised the platform")
        return known

    async def _push(self, info_type: str, **fields: Any) -> None:
        if self.pusher.target is None:
            return
        pushed = {
            "AppId": self.component_appid,
            "CreateTime": int(self._clock()),
            "InfoType": info_type,
            **fields,
        }
        if (await self.pusher.attempt(pushed, 0)).accepted or not self.pusher.schedule:
            return
        if self.spawn is None:
            await self.pusher.retry(pushed)
        else:
            self.spawn(lambda: self._retry(pushed))

    async def _retry(self, pushed: dict[str, Any]) -> None:
        await self.pusher.retry(pushed)

    # -- tokens on the domain endpoints -----------------------------------------------------
    def check_authorizer(self, token: str) -> tuple[str | None, Reply | None] | None:
        """(appid, None) for an authorizer token that works now, (None, refusal) for one that
        no longer does; None for a token this platform never issued."""
        entry = self._authorizer_tokens.get(token)
        if entry is None:
            return None
        appid, expires, superseded = entry
        now = self._clock()
        if superseded is not None and now >= superseded + self.token_grace:
            return None, error(40001, "invalid credential, access_token is invalid or not latest")
        if now >= expires:
            return None, error(42001, "access_token expired")
        return appid, None

    def account_for(self, appid: str, path: str) -> EmulatorApp | Reply | None:
        """The routes serving an authorizer's call of ``path``: its own account's, or the
        refusal when the merchant did not grant the permission set the API needs (61007).
        None: not an authorizer (the emulator's own account)."""
        known = self.authorizations.get(appid)
        if known is None:
            return None
        needed = needed_sets(path)
        if needed and not needed & known.permission_sets:
            return error(61007, "api is unauthorized to component")
        return known.account

    # -- the component endpoints --------------------------------------------------------------
    # Served where the SDK's registry says (``ComponentNamespace``), each by the method named
    # like its endpoint; they check the component token themselves (``_component_token``).
    def _component(self, body: dict[str, Any]) -> Reply | None:
        appid = body.get("component_appid")
        if appid is None:
            return error(41002, "appid missing")
        if expect(appid, str, "component_appid") != self.component_appid:
            return error(61011, "invalid component")
        return None

    def _component_token(self, call: Call) -> Reply | None:
        """The component token a component API call carries, checked; None when it works."""
        token = call.query.get("component_access_token") or call.query.get("access_token")
        if not token:
            return error(41001, "access_token missing")
        entry = self._component_tokens.get(token)
        now = self._clock()
        if entry is None or (entry[1] is not None and now >= entry[1] + self.token_grace):
            return error(40001, "invalid credential, access_token is invalid or not latest")
        if now >= entry[0]:
            return error(42001, "access_token expired")
        return self._component(call.body)

    async def get_component_access_token(self, call: Call) -> Reply:
        body = call.body
        refused = self._component(body)
        if refused is not None:
            return refused
        secret = body.get("component_appsecret")
        if not secret:
            return error(41004, "appsecret missing")
        if secret != self.component_secret:
            return error(40125, "invalid appsecret")
        ticket = body.get("component_verify_ticket")
        now = self._clock()
        expires = self.tickets.get(ticket) if isinstance(ticket, str) else None
        if expires is None:
            return error(61006, "component ticket is invalid")
        if expires <= now:
            return error(61005, "component ticket is expired")
        previous = self._live_component_token
        if previous is not None:
            self._component_tokens[previous] = (self._component_tokens[previous][0], now)
        self._forget_dead(now)
        token = f"EMU_COMPONENT_{secrets.token_urlsafe(24)}"
        self._component_tokens[token] = (now + self.token_ttl, None)
        self._live_component_token = token
        self.stats["component_tokens_issued"] += 1
        return ok(component_access_token=token, expires_in=self.token_ttl)

    async def start_push_ticket(self, call: Call) -> Reply:
        body = call.body
        refused = self._component(body)
        if refused is not None:
            return refused
        if body.get("component_secret") != self.component_secret:
            return error(40125, "invalid appsecret")
        if self.spawn is not None:
            self.spawn(self._push_ticket_quietly)
        else:
            await self.push_ticket()
        return ok()

    async def _push_ticket_quietly(self) -> None:
        await self.push_ticket()

    async def get_pre_auth_code(self, call: Call) -> Reply:
        refused = self._component_token(call)
        if refused is not None:
            return refused
        now = self._clock()
        self._pre_auth_codes = {c: t for c, t in self._pre_auth_codes.items() if t > now}
        code = f"preauthcode@@@{secrets.token_urlsafe(24)}"
        self._pre_auth_codes[code] = now + PRE_AUTH_CODE_LIFE
        return ok(pre_auth_code=code, expires_in=PRE_AUTH_CODE_LIFE)

    async def query_auth(self, call: Call) -> Reply:
        refused = self._component_token(call)
        if refused is not None:
            return refused
        code = call.body.get("authorization_code")
        entry = self._auth_codes.pop(code, None) if isinstance(code, str) else None
        if entry is None:
            return error(61009, "code is invalid")
        appid, expires = entry
        if expires <= self._clock():
            return error(61010, "code is expired")
        known = self._authorization(appid)
        if known.refresh_token is None:
            known.refresh_token = _refresh_token()
        token, ttl = self._issue(appid)
        return ok(
            authorization_info={
                "authorizer_appid": appid,
                "authorizer_access_token": token,
                "expires_in": ttl,
                "authorizer_refresh_token": known.refresh_token,
                "func_info": _func_info(known.permission_sets),
            }
        )

    async def get_authorizer_access_token(self, call: Call) -> Reply:
        refused = self._component_token(call)
        if refused is not None:
            return refused
        body = call.body
        appid = body.get("authorizer_appid")
        known = self.authorizations.get(appid) if isinstance(appid, str) else None
        if known is None or known.revoked:
            return error(61003, "component is not authorized by this account")
        if not known.refresh_token or body.get("authorizer_refresh_token") != known.refresh_token:
            self.stats["refresh_tokens_refused"] += 1
            return error(61023, "refresh_token is invalid")
        if self.rotate_refresh_tokens:
            known.refresh_token = _refresh_token()
        token, ttl = self._issue(known.appid)
        return ok(
            authorizer_access_token=token,
            expires_in=ttl,
            authorizer_refresh_token=known.refresh_token,
        )

    async def get_authorizer_info(self, call: Call) -> Reply:
        refused = self._component_token(call)
        if refused is not None:
            return refused
        appid = call.body.get("authorizer_appid")
        known = self.authorizations.get(appid) if isinstance(appid, str) else None
        if known is None or known.revoked:
            return error(61003, "component is not authorized by this account")
        return ok(
            authorizer_info={
                "nick_name": f"Merchant {known.appid}",
                "head_img": "",
                "service_type_info": {"id": 0},
                "verify_type_info": {"id": 0},
                "user_name": f"gh_{known.appid[-12:]}",
                "principal_name": "Emulated merchant",
                "alias": "",
                "qrcode_url": "",
                "business_info": {"open_pay": 1, "open_shake": 0, "open_scan": 0},
            },
            authorization_info={
                "authorizer_appid": known.appid,
                "authorizer_refresh_token": known.refresh_token or "",
                "func_info": _func_info(known.permission_sets),
            },
        )

    async def get_authorizer_list(self, call: Call) -> Reply:
        refused = self._component_token(call)
        if refused is not None:
            return refused
        offset = expect(call.body.get("offset", 0), int, "offset")
        count = expect(call.body.get("count", 0), int, "count")
        if count > 500:  # the official page's own code for it
            return error(40170, "args count exceed count limit")
        if offset < 0 or count <= 0:
            return error(40097, "invalid args")
        live = [a for a in self.authorizations.values() if not a.revoked]
        listed = [
            {
                "authorizer_appid": a.appid,
                "refresh_token": a.refresh_token or "",
                "auth_time": a.auth_time,
            }
            for a in live[offset : offset + count]
        ]
        return ok(total_count=len(live), list=listed)

    def _issue(self, appid: str) -> tuple[str, int]:
        now = self._clock()
        previous = self._live_authorizer_token.get(appid)
        if previous is not None and previous in self._authorizer_tokens:
            owner, expires, _ = self._authorizer_tokens[previous]
            self._authorizer_tokens[previous] = (owner, expires, now)
        self._forget_dead(now)
        token = f"EMU_AUTHORIZER_{secrets.token_urlsafe(24)}"
        self._authorizer_tokens[token] = (appid, now + self.token_ttl, None)
        self._live_authorizer_token[appid] = token
        self.stats["authorizer_tokens_issued"] += 1
        return token, self.token_ttl

    def _forget_dead(self, now: float) -> None:
        # Superseded tokens past their grace answer only 40001: keep O(authorizers) of them.
        for token, (_, superseded) in list(self._component_tokens.items()):
            if superseded is not None and now >= superseded + self.token_grace:
                del self._component_tokens[token]
        for token, (_, _, gone) in list(self._authorizer_tokens.items()):
            if gone is not None and now >= gone + self.token_grace:
                del self._authorizer_tokens[token]


def _refresh_token() -> str:
    return f"refreshtoken@@@{secrets.token_urlsafe(32)}"


def _func_info(sets: frozenset[int]) -> list[dict[str, Any]]:
    return [{"funcscope_category": {"id": s}} for s in sorted(sets)]
