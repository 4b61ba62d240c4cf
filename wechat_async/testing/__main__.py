"""``python -m wechat_async.testing --orders 20000 --latency 0.02``: serve the emulator.

Prints one line, ``listening <base_url> <appid> <secret>``, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys

import anyio

from ._emulator import Emulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m wechat_async.testing", description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--orders-per-second", type=float, default=0.0)
    parser.add_argument("--token-ttl", type=int, default=7200)
    parser.add_argument("--token-grace", type=float, default=300.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    async def run() -> None:
        emulator = Emulator(
            orders=args.orders,
            days=args.days,
            latency=args.latency,
            fault_rate=args.fault_rate,
            orders_per_second=args.orders_per_second,
            token_ttl=args.token_ttl,
            token_grace=args.token_grace,
            port=args.port,
            seed=args.seed,
        )
        async with emulator:
            # One parseable line, so a parent process can find the port.
            print(f"listening {emulator.base_url} {emulator.appid} {emulator.secret}", flush=True)
            await anyio.sleep_forever()

    try:
        _run(run)
    except KeyboardInterrupt:
        sys.exit(0)


def _run(run: object) -> None:
    try:
        import uvloop  # the benchmarks' server: as fast as Python serves HTTP
    except ImportError:
        anyio.run(run)  # type: ignore[arg-type]
    else:
        anyio.run(run, backend_options={"loop_factory": uvloop.new_event_loop})  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
