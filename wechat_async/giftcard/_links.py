"""Shelf links and jump URLs, as the gift-card page documents them: no HTTP.
https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/gift_card.html
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit

import attrs

__all__ = ["JumpParams", "parse_jump", "shelf_url"]

_SHELF = "https://mp.weixin.qq.com/bizmall/giftcard?action=homepage&page_id={page_id}"


def shelf_url(page_id: str, outer_str: str | None = None) -> str:
    """The shelf's home page link, ``page_id`` URL-encoded (it holds ``=`` and ``+``).

    >>> shelf_url("abcedfghifk=+Uasdaseq14fadkf8123h4jk", outer_str="abc")
    'https://mp.weixin.qq.com/bizmall/giftcard?action=homepage&page_id=abcedfghifk%3D%2BUasdaseq14fadkf8123h4jk&outer_str=abc#wechat_redirect'
    """
    url = _SHELF.format(page_id=quote(page_id, safe=""))
    if outer_str is not None:
        url += "&outer_str=" + quote(outer_str, safe="")
    return url + "#wechat_redirect"


@attrs.frozen
class JumpParams:
    """What WeChat appends to a merchant URL when a user jumps from a card or an order."""

    order_id: str | None = None
    openid: str | None = None
    #: decrypt with ``client.giftcard.decrypt_code(encrypt_code=...)``
    encrypt_code: str | None = None
    card_id: str | None = None
    outer_str: str | None = None
    #: any other query parameter, as received
    extra: dict[str, str] = attrs.field(factory=dict)


_KNOWN = ("order_id", "openid", "encrypt_code", "card_id", "outer_str")


def parse_jump(url: str) -> JumpParams:
    """Read the parameters of a jump URL (card buttons of 14.1, order cells of 7.2/14.2).

    >>> parse_jump("https://mp.weixin.qq.com/?order_id=Z2y2&openid=oAAA").order_id
    'Z2y2'
    """
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    known = {k: query.pop(k) for k in _KNOWN if k in query}
    return JumpParams(**known, extra=query)
