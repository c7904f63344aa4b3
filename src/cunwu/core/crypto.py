"""Field encryption (AES-GCM) and blind indexes (HMAC-SHA-256) for personal data.

Keys derive from ``settings.CUNWU_FIELD_KEY`` with HKDF, one key per purpose, so that the
blind index of an ID number cannot be used to decrypt anything, and each field (``context``)
has its own keys: equal plaintexts in two fields give unrelated indexes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"


@lru_cache(maxsize=64)
def _key(master: str, purpose: str, context: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"cunwu-field-key",
        info=f"{purpose}:{context}".encode(),
    )
    return hkdf.derive(master.encode())


def _master() -> str:
    key: str = settings.CUNWU_FIELD_KEY
    if not key:
        raise RuntimeError("CUNWU_FIELD_KEY is not set")
    return key


@lru_cache(maxsize=64)
def _cipher(master: str, context: str) -> tuple[AESGCM, bytes]:
    """The AES-GCM object of a context's key and the associated data: made once, reused."""
    return AESGCM(_key(master, "enc", context)), context.encode()


_PREFIX = f"{VERSION}:"


def encrypt_text(plain: str, *, context: str) -> str:
    """``v1:<base64 nonce‖ciphertext>``; the context is bound as associated data."""
    aes, associated = _cipher(_master(), context)
    # a fresh random nonce per call, never a buffered one: a forked process must not reuse it
    nonce = os.urandom(12)
    sealed = aes.encrypt(nonce, plain.encode(), associated)
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt_text(token: str, *, context: str) -> str:
    version, _, body = token.partition(":")
    if version != VERSION:
        raise ValueError(f"unknown ciphertext version {version!r}")
    raw = base64.b64decode(body)
    aes, associated = _cipher(_master(), context)
    try:
        return aes.decrypt(raw[:12], raw[12:], associated).decode()
    except InvalidTag as exc:
        raise ValueError("ciphertext does not decrypt with this key and context") from exc


@lru_cache(maxsize=64)
def _index_mac(master: str, context: str) -> hmac.HMAC:
    """HMAC-SHA-256 keyed for a context's index, fed nothing yet: each index starts from a
    copy, which saves hashing the key again."""
    return hmac.new(_key(master, "idx", context), digestmod=hashlib.sha256)


def blind_index(plain: str, *, context: str) -> str:
    """A keyed hash for equality lookups and uniqueness without storing the plaintext."""
    mac = _index_mac(_master(), context).copy()
    mac.update(plain.encode())
    return mac.hexdigest()
