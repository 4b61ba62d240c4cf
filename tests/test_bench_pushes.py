"""Smoke test of the push benchmark: a few pushes to each receiver, so it only proves every
receiver is served, answers each push right and runs its handler once per push."""

from __future__ import annotations

import importlib.util

import anyio
import pytest

from benchmarks import bench_pushes as bench

# wechatpy is a bench-only peer (nox -s bench installs it): its receiver runs where it is.
RECEIVERS = [bench.SDK_MEMORY, bench.SDK_REDIS, bench.FLOOR]
if importlib.util.find_spec("wechatpy") is not None:
    RECEIVERS.append(bench.WECHATPY)


@pytest.mark.slow
@pytest.mark.parametrize("mode", bench.MODES)
def test_every_receiver_answers_every_push_once(mode: str) -> None:
    # run_served raises when a reply is not 200 with the expected body (the warm-up decrypts
    # one), or when a server's handler runs differ from the pushes it was sent.
    results = bench.run_served(
        pushes=30, rounds=1, connections=3, receivers=RECEIVERS, modes=(mode,), warmup=5
    )
    assert set(results[mode]) == set(RECEIVERS)
    for figures in results[mode].values():
        assert figures["per_second"] > 0
        assert figures["client_us"] > 0


def test_each_push_is_signed_with_its_own_nonce() -> None:
    # The router refuses a (timestamp, nonce) pair that comes back with another body.
    requests = bench.build_requests("plain", 0, 3)
    queries = {r.split(b" ")[1] for r in requests}
    bodies = {r.split(b"\r\n\r\n")[1] for r in requests}
    assert len(queries) == len(bodies) == 3


def test_the_encrypted_reply_is_checked_after_decryption() -> None:
    from wechat_async.callbacks import MessageCrypto

    crypto = MessageCrypto(bench.TOKEN, bench.AES_KEY, bench.APP_ID)
    encrypt, signature, timestamp, nonce = crypto.encrypt("<xml>no</xml>")
    reply = (
        f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{signature}]]>"
        f"</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
    ).encode()
    assert bench.reply_text("encrypted", reply) == "<xml>no</xml>"


@pytest.mark.parametrize("mode", bench.MODES)
def test_each_receivers_app_called_in_process_answers_every_push(mode: str) -> None:
    # run_in_process raises on a reply that is not OK and on handler runs != pushes.
    results = bench.run_in_process(pushes=20, rounds=2, modes=(mode,))
    assert {bench.SDK_MEMORY, bench.FLOOR} <= set(results[mode])
    assert all(us > 0 for us in results[mode].values())


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_in_process_figures_run(backend: str) -> None:
    rates = anyio.run(bench._rates, 20, backend=backend)
    assert set(rates) == {"parse only", "new push", "duplicate"}
    assert anyio.run(bench._kept_bytes, 3) > 0


def test_a_refused_push_fails_the_run() -> None:
    # A receiver answering 403 must not count as a receiver answering fast.
    server = bench.PushServer("sdk", "plain")
    try:
        requests = [
            r.replace(b"signature=", b"signature=0") for r in bench.build_requests("plain", 0, 4)
        ]
        with pytest.raises(RuntimeError, match="403"):
            bench._run_loop(bench.send_all(server.port, requests, 2, "plain"))
    finally:
        assert server.close() == 0
