"""The two paths an adapter answers: the one WeChat is given, and it with a trailing slash."""

from __future__ import annotations

from .._errors import ConfigurationError

__all__ = ["push_paths"]


def push_paths(path: str) -> list[str]:
    """``"/wechat/push"`` (or ``"/wechat/push/"``) -> ``["/wechat/push", "/wechat/push/"]``."""
    if not path.startswith("/"):
        raise ConfigurationError(f"push path must start with '/': {path!r}")
    bare = path.rstrip("/")
    return [bare, bare + "/"] if bare else ["/"]
