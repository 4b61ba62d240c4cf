"""MessageCrypto against WeChat's official sample, and every way a ciphertext can be bad."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wechat_async import ConfigurationError, DecryptError, SignatureError
from wechat_async.callbacks import (
    CallbackRouter,
    MessageCrypto,
    UnknownEvent,
    check_signature,
    parse_event,
)
from wechat_async.callbacks._crypto import _cipher
from wechat_async.callbacks._signature import sign

TOKEN, KEY, APPID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
SIGNATURE, TIMESTAMP, NONCE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa", "1409735669", "1320562132"
ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6"
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)


def crypto(app_id: str = APPID, prefix: bytes = b"0123456789abcdef") -> MessageCrypto:
    return MessageCrypto(TOKEN, KEY, app_id, random_bytes=lambda n: prefix[:n])


def test_decrypts_the_official_sample() -> None:
    text = crypto().decrypt(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT)
    event = parse_event(text)
    assert isinstance(event, UnknownEvent)
    assert event.fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert event.fields["ToUserName"] == "gh_10f6c3c3ac5a"
    assert event.fields["Content"] == "abcdteT"
    assert event.fields["MsgType"] == "text"


def test_encrypt_with_fixed_random_is_deterministic_and_decrypts_back() -> None:
    first = crypto().encrypt("<xml>ok</xml>", nonce="42", timestamp="1409735669")
    second = crypto().encrypt("<xml>ok</xml>", nonce="42", timestamp="1409735669")
    assert first == second
    encrypt, signature, timestamp, nonce = first
    assert signature == sign(TOKEN, timestamp, nonce, encrypt)
    assert crypto().decrypt(signature, timestamp, nonce, encrypt) == "<xml>ok</xml>"
    # Padding is to 32 bytes, as WXBizMsgCrypt does: 16 + 4 + 13 + 18 = 51 -> 64.
    assert len(base64.b64decode(encrypt)) == 64


def test_wrong_signature() -> None:
    with pytest.raises(SignatureError):
        crypto().decrypt("0" * 40, TIMESTAMP, NONCE, ENCRYPT)


def test_wrong_appid_inside_the_ciphertext() -> None:
    with pytest.raises(DecryptError, match="appid"):
        crypto(app_id="wx_someone_else").decrypt(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT)


def _signed(encrypt: str) -> tuple[str, str, str, str]:
    return sign(TOKEN, TIMESTAMP, NONCE, encrypt), TIMESTAMP, NONCE, encrypt


@pytest.mark.parametrize("position", [0, 100, -20, -1])
def test_tampered_ciphertext(position: int) -> None:
    raw = bytearray(base64.b64decode(ENCRYPT))
    raw[position] ^= 0x41
    tampered = base64.b64encode(bytes(raw)).decode()
    # Re-signed, so the check that fails is the decryption's own, not the signature.
    with pytest.raises(DecryptError):
        crypto().decrypt(*_signed(tampered))


@pytest.mark.parametrize("pad", [0, 33, 200])
def test_bad_padding(pad: int) -> None:
    key = base64.b64decode(KEY + "=")
    plain = b"x" * 63 + bytes([pad])
    encryptor = _cipher(key).encryptor()
    encrypt = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    with pytest.raises(DecryptError, match="padding"):
        crypto().decrypt(*_signed(encrypt))


@pytest.mark.parametrize("encrypt", ["not base64 !!", "", "QUJD"])
def test_garbage_ciphertext(encrypt: str) -> None:
    with pytest.raises(DecryptError):
        crypto().decrypt(*_signed(encrypt))


@pytest.mark.parametrize("key", ["short", KEY + "A", "!" * 43])
def test_bad_key_is_a_configuration_error(key: str) -> None:
    with pytest.raises(ConfigurationError):
        MessageCrypto(TOKEN, key, APPID)


def test_repr_hides_token_and_key() -> None:
    text = repr(crypto())
    assert TOKEN not in text
    assert KEY not in text


def test_check_signature_plain_mode() -> None:
    good = sign("tok", "1700000000", "n1")
    assert check_signature("tok", good, "1700000000", "n1")
    assert not check_signature("tok", good, "1700000001", "n1")
    assert not check_signature("other", good, "1700000000", "n1")
    assert not check_signature("tok", "", "1700000000", "n1")


@settings(max_examples=200, deadline=None)
@given(message=st.text(max_size=2000), prefix=st.binary(min_size=16, max_size=16))
def test_round_trip_any_message(message: str, prefix: bytes) -> None:
    box = crypto(prefix=prefix)
    assert box.decrypt(*_reorder(box.encrypt(message, nonce="n", timestamp="1"))) == message


def _reorder(parts: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    encrypt, signature, timestamp, nonce = parts
    return signature, timestamp, nonce, encrypt


def test_missing_cryptography_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    # None in sys.modules makes the import fail as if the extra were not installed.
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.ciphers", None)
    with pytest.raises(ConfigurationError, match=r"wechat-async\[crypto\]"):
        MessageCrypto(TOKEN, KEY, APPID)
    with pytest.raises(ConfigurationError):
        CallbackRouter(TOKEN, encoding_aes_key=KEY, app_id=APPID)
    # Plain-mode routers need no cryptography at all.
    assert "encrypted=False" in repr(CallbackRouter(TOKEN))


def test_encrypt_reproduces_the_official_sample_byte_for_byte() -> None:
    # CBC with a fixed IV is deterministic: given the sample's own 16 random bytes, encrypt
    # must rebuild WeChat's ciphertext and msg_signature exactly (interop in both directions).
    key = base64.b64decode(KEY + "=")
    decryptor = _cipher(key).decryptor()
    raw = decryptor.update(base64.b64decode(ENCRYPT)) + decryptor.finalize()
    message = crypto().decrypt(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT)
    box = crypto(prefix=raw[:16])
    assert box.encrypt(message, nonce=NONCE, timestamp=TIMESTAMP) == (
        ENCRYPT,
        SIGNATURE,
        TIMESTAMP,
        NONCE,
    )


def test_a_reply_draws_its_prefix_and_nonce_in_one_call() -> None:
    """Before: secrets.token_bytes for the prefix, then secrets.randbelow for the nonce."""
    asked: list[int] = []

    def draw(n: int) -> bytes:
        asked.append(n)
        return bytes(range(n))

    box = MessageCrypto(TOKEN, KEY, APPID, random_bytes=draw)
    encrypt, signature, timestamp, nonce = box.encrypt("<xml>ok</xml>", timestamp="1409735669")
    assert asked == [21]
    assert nonce == str(int.from_bytes(bytes(range(16, 21)), "big") % 10**10)
    assert box.decrypt(signature, timestamp, nonce, encrypt) == "<xml>ok</xml>"
    _, _, _, drawn = MessageCrypto(TOKEN, KEY, APPID).encrypt("<xml>ok</xml>")
    assert drawn.isdigit()
    assert len(drawn) <= 10


def _fresh_cbc(data: bytes, *, encrypt: bool) -> bytes:
    """Each message with a context of its own, as before the kept contexts."""
    context = _cipher(base64.b64decode(KEY + "="))
    one = context.encryptor() if encrypt else context.decryptor()
    result: bytes = one.update(data) + one.finalize()
    return result


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.binary(min_size=1, max_size=40)), max_size=12))
def test_kept_contexts_give_each_message_its_own_cbc(steps: list[tuple[bool, bytes]]) -> None:
    # One MessageCrypto encrypting and decrypting in any order: every message is exactly
    # what a fresh CBC context with the IV makes of it, whatever came before.
    box = crypto()
    for encrypt, blocks in steps:
        data = (blocks * 16)[: 16 * len(blocks)]  # whole blocks, 16 to 640 bytes
        if encrypt:
            assert box._chains.encrypt(data) == _fresh_cbc(data, encrypt=True)
        else:
            assert box._chains.decrypt(data) == _fresh_cbc(data, encrypt=False)
    # And the official sample still reads after all of them.
    assert "abcdteT" in box.decrypt(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT)


def test_kept_contexts_are_one_step_a_message_across_threads() -> None:
    import threading

    box = crypto()
    messages = [f"<xml>{i}</xml>" * (1 + i % 9) for i in range(40)]
    wrong: list[str] = []

    def work(offset: int) -> None:
        for i in range(200):
            message = messages[(offset + i) % len(messages)]
            sealed = box.encrypt(message, nonce="n", timestamp="1")
            if box.decrypt(*_reorder(sealed)) != message:
                wrong.append(message)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not wrong


def test_a_step_that_fails_midway_leaves_no_wrong_chain() -> None:
    box = crypto()
    box.encrypt("<xml>before</xml>")
    chains = box._chains

    class Failing:
        def update(self, data: bytes) -> bytes:
            raise MemoryError

    chains._encryptor = Failing()  # replaced by a fresh context when it fails
    with pytest.raises(MemoryError):
        box.encrypt("<xml>lost</xml>")
    assert not isinstance(chains._encryptor, Failing)
    data = bytes(range(64))
    assert chains.encrypt(data) == _fresh_cbc(data, encrypt=True)
