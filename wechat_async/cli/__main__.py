"""``python -m wechat_async.cli``: the same as ``wechat-async``."""

from . import main

main()
