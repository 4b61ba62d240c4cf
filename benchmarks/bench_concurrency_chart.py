"""Orders/s against concurrency (1 to 128) for every client, drawn as a PNG.

Same server, same orders, same latency for every point; one run per point (the table of
``bench_order_sync`` has the medians). Needs matplotlib (installed by ``nox -s bench``).

    python -m benchmarks.bench_concurrency_chart [--orders 30000] [--latency 0.02]
                                                 [--out docs/perf/order_sync_concurrency.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import bench_order_sync
from benchmarks._harness import Server, pin, timed

LEVELS = (1, 2, 4, 8, 16, 32, 64, 128)
DEFAULT_OUT = Path("docs/perf/order_sync_concurrency.png")


def sweep(orders: int, latency: float) -> dict[str, list[float]]:
    clients = bench_order_sync.clients()
    rates: dict[str, list[float]] = {name: [] for name in clients}
    with Server(orders, latency) as server:
        for level in LEVELS:
            for name, client in clients.items():
                count, seconds = timed(lambda c=client, n=level: c(server, n))
                if count != orders:
                    raise RuntimeError(f"{name} read {count} orders at {level}, not {orders}")
                rates[name].append(count / seconds)
            print(
                f"concurrency {level:3}: "
                + ", ".join(f"{name} {r[-1]:,.0f}" for name, r in rates.items()),
                flush=True,
            )
    return rates


def draw(rates: dict[str, list[float]], out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    for name, values in rates.items():
        style = "-" if name.startswith("sdk") else "--"
        label = name.replace("32 threads", "one thread per request in flight")
        ax.plot(LEVELS, values, style, marker="o", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(LEVELS, [str(level) for level in LEVELS])
    ax.set_xlabel("concurrency (requests in flight; threads for requests)")
    ax.set_ylabel("orders/s")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out)
    print(f"chart written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=30_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args, _ = parser.parse_known_args()
    pin(0)
    rates = sweep(args.orders, args.latency)
    draw(
        rates,
        args.out,
        f"gift-card order sync: {args.orders:,} orders, {args.latency * 1000:.0f} ms per request, "
        "client and local WeChat on one core each",
    )


if __name__ == "__main__":
    main()
