"""Every default number in one place."""

from __future__ import annotations

from typing import Final

DEFAULT_BASE_URL: Final = "https://api.weixin.qq.com"

#: Environment variables ``WeChatClient()`` reads when appid, secret or base_url is not given.
ENV_APPID: Final = "WECHAT_APPID"
ENV_SECRET: Final = "WECHAT_SECRET"
ENV_BASE_URL: Final = "WECHAT_BASE_URL"

#: Per-attempt HTTP timeouts. WeChat answers most calls in well under a second.
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 10.0
#: One deadline per logical call, covering every attempt and backoff sleep.
DEFAULT_CALL_DEADLINE: Final = 60.0
DEFAULT_MAX_CONNECTIONS: Final = 100

# Retries (openai's numbers).
DEFAULT_MAX_RETRIES: Final = 2
BACKOFF_INITIAL: Final = 0.5
BACKOFF_MAX: Final = 8.0
RETRY_AFTER_MAX: Final = 60.0

# Retry budget per client (botocore's standard mode).
RETRY_BUDGET_CAPACITY: Final = 500
RETRY_BUDGET_COST: Final = 5
RETRY_BUDGET_REFUND: Final = 1

# Access tokens (WeChat tokens live 7200 s).
TOKEN_ADVISORY_WINDOW: Final = 300.0
TOKEN_MANDATORY_WINDOW: Final = 60.0
TOKEN_FAILURE_TTL: Final = 5.0
TOKEN_PROVIDER_DEFAULT_TTL: Final = 7200
# The cross-process refresh lock of a shared token store: a holder renews it every third of
# this while it fetches, so a dead holder's lock frees within it; and how long other processes
# wait for the holder at least before fetching alone (a client waits one call deadline).
TOKEN_LOCK_TTL: Final = 20.0
TOKEN_LOCK_WAIT: Final = 20.0
#: One token fetch (the token endpoint with its retries, or a token provider). It runs beside
#: the callers, so it is not bound by any one call's deadline; a client waits this long for
#: another process's lock, as long as that process's fetch may run.
TOKEN_FETCH_DEADLINE: Final = 60.0

# A shared store (Redis) that failed to answer is not asked for this long, doubling up to the
# longest pause while it stays down; then one command probes it.
STORE_BREAKER_PAUSE: Final = 1.0
STORE_BREAKER_LONGEST_PAUSE: Final = 5.0
