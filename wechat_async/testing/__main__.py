"""``python -m wechat_async.testing --orders 20000 --latency 0.02``: serve the emulator.

Prints ``listening <base_url> <appid> <secret>``, then ``platform <component_appid>
<component_secret>``, then ``ticket <component_verify_ticket>`` (a ticket just issued: what
WeChat would push, for a parent with no authorisation event URL), then
``authorized <appid> <authorization_code>`` for each
``--authorize APPID=SETS`` (a merchant authorising the platform with permission sets, e.g.
``wxmerchant0001=51,8``), then serves until interrupted. With ``--platform-push-to`` the
platform's authorisation event URL gets the verify ticket every ``--ticket-interval`` seconds.
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
    parser.add_argument("--platform-push-to", default=None, metavar="URL")
    parser.add_argument("--platform-push-token", default="platform-push-token")
    parser.add_argument("--platform-aes-key", default=None)
    parser.add_argument("--ticket-interval", type=float, default=600.0)
    parser.add_argument("--authorize", action="append", default=[], metavar="APPID=SETS")
    args = parser.parse_args(argv)
    grants = [_grant(text) for text in args.authorize]

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
            ticket_interval=args.ticket_interval,
        )
        platform = emulator.platform
        if args.platform_push_to:
            if not args.platform_aes_key:
                parser.error("--platform-push-to needs --platform-aes-key")
            platform.push_to(
                args.platform_push_to,
                args.platform_push_token,
                encoding_aes_key=args.platform_aes_key,
            )
        async with emulator:
            # Parseable lines, so a parent process can find the port and the platform.
            print(f"listening {emulator.base_url} {emulator.appid} {emulator.secret}", flush=True)
            print(f"platform {platform.component_appid} {platform.component_secret}", flush=True)
            print(f"ticket {await platform.push_ticket()}", flush=True)
            for appid, sets, orders in grants:
                code = await platform.authorize(appid, permission_sets=sets, orders=orders)
                print(f"authorized {appid} {code}", flush=True)
            await anyio.sleep_forever()

    try:
        _run(run)
    except KeyboardInterrupt:
        sys.exit(0)


def _grant(text: str) -> tuple[str, tuple[int, ...], int]:
    """``APPID=SETS[/ORDERS]``: ``wxmerchant0001=51,8/100`` (sets 51 and 8, 100 orders)."""
    appid, _, rest = text.partition("=")
    sets, _, orders = rest.partition("/")
    return appid, tuple(int(s) for s in sets.split(",") if s), int(orders or 0)


def _run(run: object) -> None:
    try:
        import uvloop  # the benchmarks' server: as fast as Python serves HTTP
    except ImportError:
        anyio.run(run)  # type: ignore[arg-type]
    else:
        anyio.run(run, backend_options={"loop_factory": uvloop.new_event_loop})  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
