"""The platform's ``component_verify_ticket``: received by its router, shared by its processes.

WeChat pushes a new ticket every 10 minutes; each lives 12 hours, and the documents advise
keeping the last one so a missed push or two cost nothing. The ticket is kept in the token
store (beside the tokens, with its expiry) for every process that fetches component tokens,
and in this process's memory for when the store cannot answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from .._errcodes import VerifyTicketMissingError
from .._errors import StoreUnavailableError
from ..callbacks import ComponentVerifyTicket
from ..stores import AccessToken, TokenStore

__all__ = ["TICKET_LIFE", "VerifyTickets"]

logger = logging.getLogger("wechat_async.component")

#: how long a ticket works after WeChat pushed it
TICKET_LIFE = 12 * 3600.0


class VerifyTickets:
    """The last ticket pushed to one platform (``ComponentClient`` owns one)."""

    def __init__(
        self, component_appid: str, store: TokenStore, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._appid = component_appid
        self._key = f"component-ticket:{component_appid}"
        self._store = store
        self._clock = clock
        self._known: AccessToken | None = None

    def __repr__(self) -> str:
        return f"VerifyTickets(component_appid={self._appid!r})"

    async def record(self, event: ComponentVerifyTicket) -> None:
        """The router's handler of the ticket push: keep it, unless a newer one is kept."""
        if event.app_id != self._appid:
            # Decrypted with our key but addressed to another platform: never ours to keep.
            logger.warning("verify ticket for %s ignored (this is %s)", event.app_id, self._appid)
            return
        ticket = AccessToken(event.component_verify_ticket, event.create_time + TICKET_LIFE)
        if self._known is None or ticket.expires_at >= self._known.expires_at:
            self._known = ticket
        stored = await self._store.get(self._key)
        if stored is None or ticket.expires_at >= stored.expires_at:
            # A failure raises: the router answers 503 and WeChat pushes it again.
            await self._store.set(self._key, ticket)

    async def current(self) -> str:
        """The ticket to get a component token with; ``VerifyTicketMissingError`` saying what
        to check when there is none younger than 12 hours."""
        try:
            stored = await self._store.get(self._key)
            lost = stored is None
        except StoreUnavailableError as exc:
            logger.warning("token store unavailable (%s): using this process's ticket", exc)
            stored, lost = None, False
        known = self._known
        if stored is None or (known is not None and known.expires_at > stored.expires_at):
            stored = known
        now = self._clock()
        if stored is not None and stored.expires_at > now:
            self._known = stored
            if lost:
                await self._put_back(stored)
            return stored.value
        if stored is None:
            problem = f"no component_verify_ticket has been received for {self._appid}"
        else:
            age = (now - stored.expires_at + TICKET_LIFE) / 3600
            problem = f"the last component_verify_ticket for {self._appid} is {age:.0f} h old"
        raise VerifyTicketMissingError(
            f"{problem} (a ticket lives 12 h): WeChat pushes one every 10 minutes to the "
            "platform's authorisation event URL. Check that URL in the open platform's console, "
            "that CallbackApp(platform.router) serves it and answers 'success', that the "
            "ComponentClient has the token and EncodingAESKey configured there, and that its "
            "logs show no refused pushes; platform.component.start_push_ticket() asks WeChat "
            "to push one now"
        )

    async def _put_back(self, ticket: AccessToken) -> None:
        """The store answered without the ticket this process holds (a Redis restarted
        without persistence): put it back for the processes that never saw it."""
        try:
            await self._store.set(self._key, ticket)
        except StoreUnavailableError:
            return
        logger.warning("the store had lost the verify ticket: this process's copy put back")
