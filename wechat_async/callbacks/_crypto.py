"""WXBizMsgCrypt-compatible message encryption (AES-256-CBC, IV = key[:16], PKCS#7 to 32)."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from .._errors import ConfigurationError
from .._redact import mask, remember_secret
from ._errors import AppIdMismatchError, DecryptError, SignatureError
from ._signature import same_signature, sign

__all__ = ["MessageCrypto"]

_BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16
_PADDING = [bytes([n]) * n for n in range(_BLOCK + 1)]  # PKCS#7: n bytes of n
_PREFIX = 16  # random bytes before the length
_NONCE_BYTES = 5  # drawn with them for a reply's nonce (ten digits)


def _cipher(key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:
        raise ConfigurationError(
            "encrypted pushes need the crypto extra: pip install 'wechat-async[crypto]'"
        ) from None
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


class MessageCrypto:
    """Encrypt and decrypt pushes the way WeChat's own WXBizMsgCrypt samples do.

    >>> crypto = MessageCrypto("token", encoding_aes_key, "wx2c2769f8efd9abc2")  # doctest: +SKIP
    >>> text = crypto.decrypt(msg_signature, timestamp, nonce, encrypt)  # doctest: +SKIP
    """

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        app_id: str,
        *,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        if len(encoding_aes_key) != 43:
            raise ConfigurationError("encoding_aes_key must be the 43 characters WeChat shows")
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error:
            raise ConfigurationError("encoding_aes_key is not valid base64") from None
        if len(key) != 32:
            raise ConfigurationError("encoding_aes_key must decode to 32 bytes")
        remember_secret(token)
        remember_secret(encoding_aes_key)
        # Built once (a missing ``cryptography`` is a setup error, said now).
        self._aes = _cipher(key)
        self._chains = _Chains(self._aes, key[:16])
        self._token = token
        self._key = key
        self.app_id = app_id
        self._app_id_bytes = app_id.encode("utf-8")
        self._random_bytes = random_bytes

    def __repr__(self) -> str:
        return f"MessageCrypto(token={mask(self._token)}, app_id={self.app_id!r})"

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return sign(self._token, timestamp, nonce, encrypt)

    def encrypt(
        self, message: str, nonce: str | None = None, timestamp: str | None = None
    ) -> tuple[str, str, str, str]:
        """Return ``(encrypt, msg_signature, timestamp, nonce)`` for a reply."""
        body = message.encode("utf-8")
        drawn = self._random_bytes(_PREFIX + _NONCE_BYTES)  # one draw: the prefix and a nonce
        plain = b"".join((drawn[:_PREFIX], len(body).to_bytes(4, "big"), body, self._app_id_bytes))
        plain += _PADDING[_BLOCK - len(plain) % _BLOCK]
        encrypted = binascii.b2a_base64(self._chains.encrypt(plain), newline=False).decode("ascii")
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(int.from_bytes(drawn[_PREFIX:], "big") % 10**10)
        return encrypted, self.signature(timestamp, nonce, encrypted), timestamp, nonce

    def decrypt(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """Check ``msg_signature`` and decrypt; raises SignatureError or DecryptError.

        Old timestamps are accepted here: replay windows belong to the router.
        """
        if not same_signature(self.signature(timestamp, nonce, encrypt), msg_signature):
            raise SignatureError("msg_signature does not match")
        try:
            data = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptError("Encrypt is not valid base64") from None
        if not data or len(data) % 16:
            raise DecryptError("ciphertext length is not a multiple of the AES block")
        plain = self._chains.decrypt(data)
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or not plain.endswith(_PADDING[pad]):
            raise DecryptError("bad padding (wrong key or tampered ciphertext)")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise DecryptError("plaintext too short")
        length = int.from_bytes(plain[16:20], "big")
        if 20 + length > len(plain):
            raise DecryptError("message length field exceeds the plaintext")
        message, app_id = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(app_id, self._app_id_bytes):
            raise AppIdMismatchError("appid inside the message does not match")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("message is not UTF-8") from None


class _Chains:
    """AES-CBC with WeChat's fixed IV over one encryptor and one decryptor kept open, instead
    of a context per message (each costs a key schedule: about half of a reply's encryption).

    A kept CBC context chains a message's first block on the last ciphertext block it saw
    (``last``) instead of the IV: the first block going in is XORed with ``last ^ IV``
    (encrypting), or the first block coming out (decrypting), which gives each message
    exactly its own CBC with the IV. ``mask`` keeps ``last ^ IV`` as an int (0: the IV).
    Whole blocks only, so nothing stays buffered between messages. A lock makes each
    message one step for threads (Flask runs a loop per thread); should a step fail midway,
    fresh contexts are made, so no message is ever chained on a wrong block.
    """

    __slots__ = (
        "_aes",
        "_decrypt_mask",
        "_decryptor",
        "_encrypt_mask",
        "_encryptor",
        "_iv",
        "_lock",
    )

    def __init__(self, aes: Any, iv: bytes) -> None:
        self._aes = aes
        self._iv = int.from_bytes(iv, "big")
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._encryptor = self._aes.encryptor()
        self._decryptor = self._aes.decryptor()
        self._encrypt_mask = self._decrypt_mask = 0

    def encrypt(self, plain: bytes) -> bytes:
        """``plain``, whole 16-byte blocks, encrypted."""
        with self._lock:
            try:
                first = int.from_bytes(plain[:16], "big") ^ self._encrypt_mask
                out: bytes = self._encryptor.update(first.to_bytes(16, "big") + plain[16:])
                self._encrypt_mask = int.from_bytes(out[-16:], "big") ^ self._iv
            except BaseException:
                self._reset()
                raise
        return out

    def decrypt(self, data: bytes) -> bytes:
        """``data``, whole 16-byte blocks, decrypted."""
        with self._lock:
            try:
                out: bytes = self._decryptor.update(data)
                mask = self._decrypt_mask
                self._decrypt_mask = int.from_bytes(data[-16:], "big") ^ self._iv
            except BaseException:
                self._reset()
                raise
        first = int.from_bytes(out[:16], "big") ^ mask
        return first.to_bytes(16, "big") + out[16:]
