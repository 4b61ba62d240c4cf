"""Memory of a large order sync: 500,000 orders written to a file as JSON lines.

The sync runs in a fresh child process (so its peak RSS is its own); the figure is the peak
RSS above the footprint the process had once the SDK was imported and the client made.

    python -m benchmarks.bench_memory [--orders 500000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

from benchmarks._harness import END, START, Server, pin

_CHILD = """
import json, resource, sys, anyio
from wechat_async import WeChatClient
from wechat_async._convert import converter
from wechat_async._json import dumps

base_url, appid, secret, out, concurrency, begin, end = sys.argv[1:8]

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

async def main():
    async with WeChatClient(appid, secret, base_url=base_url) as client:
        start_mb = rss_mb()
        count = 0
        with open(out, "wb") as sink:
            sync = client.giftcard.iter_orders(int(begin), int(end), concurrency=int(concurrency))
            async with sync as orders:
                async for order in orders:
                    sink.write(dumps(converter.unstructure(order)) + b"\\n")
                    count += 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"orders": count, "start_mb": start_mb, "peak_mb": peak_mb}))

anyio.run(main)
"""


def measure(orders: int, concurrency: int) -> dict[str, float]:
    with Server(orders, 0.0) as server, tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
        child = subprocess.run(  # noqa: S603 - our own code
            [
                sys.executable,
                "-c",
                _CHILD,
                server.base_url,
                server.appid,
                server.secret,
                out.name,
                str(concurrency),
                str(START),
                str(END),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
        if result["orders"] != orders:
            raise RuntimeError(f"synced {result['orders']} orders, not {orders}")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args, _ = parser.parse_known_args()
    pin(0)
    result = measure(args.orders, args.concurrency)
    grown = result["peak_mb"] - result["start_mb"]
    print(
        f"memory: {args.orders:,} orders to a file, concurrency {args.concurrency}: "
        f"start {result['start_mb']:.1f} MB RSS, peak {result['peak_mb']:.1f} MB, "
        f"+{grown:.1f} MB (budget +64 MB)"
    )


if __name__ == "__main__":
    main()
