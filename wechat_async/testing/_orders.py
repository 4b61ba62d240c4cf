"""A deterministic gift-card order book for the emulator."""

from __future__ import annotations

import bisect
import random
from typing import Any

__all__ = ["OrderBook"]


class OrderBook:
    """Orders sorted by (create_time, order_id), generated from a seed.

    >>> book = OrderBook.generate(1000, start=1_700_000_000, days=100, seed=7)
    >>> len(book)
    1000
    """

    def __init__(self) -> None:
        self._keys: list[tuple[int, str]] = []
        self._orders: dict[str, dict[str, Any]] = {}
        self._added = 0
        #: ids of orders added after generation, in order (new codes to index)
        self.added_ids: list[str] = []
        #: orders WeChat cannot serve: ``order/batchget`` fails every page holding one
        self.unreadable: set[str] = set()

    @classmethod
    def generate(cls, count: int, *, start: int, days: int, seed: int = 0) -> OrderBook:
        book = cls()
        rng = random.Random(seed)
        span = max(days * 86400, 1)
        for i in range(count):
            book.add(_make_order(f"FAKE{i:08d}", start + i * span // max(count, 1), rng))
        return book

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, order: dict[str, Any]) -> None:
        key = (int(order["create_time"]), str(order["order_id"]))
        if key[1] in self._orders:
            raise ValueError(f"duplicate order_id {key[1]}")
        bisect.insort(self._keys, key)
        self._orders[key[1]] = order

    def add_new(self, create_time: int, seed: int = 0) -> dict[str, Any]:
        """Insert a fresh order (as if bought just now), e.g. while a sync is running."""
        self._added += 1
        order = _make_order(f"NEW{self._added:08d}", create_time, random.Random(seed + self._added))
        self.add(order)
        self.added_ids.append(order["order_id"])
        return order

    def make_unreadable(self, order_id: str) -> None:
        """Every ``order/batchget`` page holding this order fails as a whole, as WeChat's did
        for an order neither given nor received ("接收者的openid不能为空")."""
        if order_id not in self._orders:
            raise KeyError(order_id)
        self.unreadable.add(order_id)

    def orders(self) -> list[dict[str, Any]]:
        return list(self._orders.values())

    def get(self, order_id: str) -> dict[str, Any] | None:
        return self._orders.get(order_id)

    def page(
        self, begin: int, end: int, *, descending: bool, offset: int, count: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """Orders with ``begin <= create_time <= end`` (inclusive), one page of them."""
        lo = bisect.bisect_left(self._keys, (begin, ""))
        hi = bisect.bisect_right(self._keys, (end, "\U0010ffff"))
        total = max(hi - lo, 0)
        if descending:
            first, last = hi - offset, hi - offset - count
            keys = self._keys[max(last, lo) : max(first, lo)][::-1]
        else:
            keys = self._keys[lo + offset : min(lo + offset + count, hi)]
        return total, [self._orders[k[1]] for k in keys]


def _make_order(order_id: str, create_time: int, rng: random.Random) -> dict[str, Any]:
    cards = []
    for n in range(rng.choice((1, 1, 1, 2, 3))):
        price = rng.choice((1000, 5000, 10000, 20000))
        cards.append(
            {
                "card_id": f"pFAKEcard{rng.randrange(8)}",
                "price": price,
                "code": f"{rng.randrange(10**11, 10**12)}{n}",
                "default_gifting_msg": "",
                "background_pic_url": "",
            }
        )
    return {
        "order_id": order_id,
        "page_id": f"fakepage{rng.randrange(4)}",
        "trans_id": f"42000{rng.randrange(10**22, 10**23)}",
        "create_time": create_time,
        "pay_finish_time": create_time + rng.randrange(1, 30),
        "total_price": sum(c["price"] for c in cards),
        "open_id": f"oFAKE{rng.randrange(10**9):09d}",
        "accepter_openid": "",
        "card_list": cards,
        "outer_str": rng.choice(("web", "app", "")),
        "IsChatRoom": rng.random() < 0.1,
    }
