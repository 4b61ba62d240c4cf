"""``python -m wechat_async.testing --orders 20000 --latency 0.02``: serve a fake WeChat."""

from __future__ import annotations

import argparse
import sys

import anyio

from ._server import FakeWeChat


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m wechat_async.testing", description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    async def run() -> None:
        server = FakeWeChat(
            orders=args.orders,
            days=args.days,
            latency=args.latency,
            fault_rate=args.fault_rate,
            port=args.port,
            seed=args.seed,
        )
        async with server:
            # One parseable line, so a parent process can find the port.
            print(f"listening {server.base_url} {server.appid} {server.secret}", flush=True)
            await anyio.sleep_forever()

    try:
        anyio.run(run)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
