"""The Django tests' ROOT_URLCONF: each test sets ``urlpatterns`` (then clears the URL caches)."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
