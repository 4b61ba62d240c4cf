"""CPU cost the SDK adds to one call, against a hand-written raw-httpx call.

Both sides use the same in-memory transport (no sockets, no latency), so the difference is
the SDK's own work: validation, JSON, URL building, token lookup, errcode check, parsing.

    python benchmarks/bench_call_overhead.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import json
import time

import anyio
import httpx

from wechat_async import WeChatClient

BASE = "https://api.weixin.qq.com"
REPLY = json.dumps({"errcode": 0, "errmsg": "ok", "result_page_url": "https://x"}).encode()
TOKEN_REPLY = json.dumps({"access_token": "T", "expires_in": 7200}).encode()
CALL = {
    "openid": "o",
    "biz_template_id": "t",
    "order_no": "1",
    "data": {"first": {"value": "巧克力", "color": "#173177"}},
}


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("stable_token"):
        return httpx.Response(200, content=TOKEN_REPLY)
    return httpx.Response(200, content=REPLY)


async def _run(calls: int) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_handler)) as http:
        client = WeChatClient("wx", "secret", http_client=http)
        send = client.cityservice.send_msg_data
        await send(**CALL)  # type: ignore[arg-type]
        started = time.perf_counter()
        for _ in range(calls):
            await send(**CALL)  # type: ignore[arg-type]
        sdk = time.perf_counter() - started

        started = time.perf_counter()
        for _ in range(calls):
            response = await http.post(
                f"{BASE}/cityservice/sendmsgdata",
                params={"access_token": "T"},
                content=json.dumps(CALL, ensure_ascii=False).encode(),
                headers={"content-type": "application/json"},
            )
            if response.json()["errcode"] != 0:
                raise RuntimeError("unexpected reply")
        raw = time.perf_counter() - started

    print(f"calls: {calls}")
    print(f"sdk: {calls / sdk:,.0f} calls/s ({sdk / calls * 1e6:.1f} us/call)")
    print(f"raw httpx: {calls / raw:,.0f} calls/s ({raw / calls * 1e6:.1f} us/call)")
    print(f"ratio sdk/raw throughput: {raw / sdk:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20000)
    args, _ = parser.parse_known_args()
    anyio.run(_run, args.calls)


if __name__ == "__main__":
    main()
