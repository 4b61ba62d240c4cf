"""Public home of the exception tree (also re-exported from ``wechat_async``).

The tree lives in ``_errors``; the named per-errcode classes beside the one errcode table in
``_errcodes``. Both export through their ``__all__``, so a new class is listed once.
"""

from . import _errcodes, _errors
from ._errcodes import *  # noqa: F403
from ._errors import *  # noqa: F403

__all__ = [*_errors.__all__, *_errcodes.__all__]
