from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from cunwu.core.crypto import blind_index, decrypt_text, encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date, format_fen, mask_phone, normalize_phone, parse_yuan


def test_dates_read_as_chinese() -> None:
    assert format_date(date(2026, 11, 24)) == "2026年11月24日"
    assert format_date(date(2026, 1, 5)) == "2026年1月5日"


@pytest.mark.parametrize(
    ("fen", "text"), [(0, "0.00"), (5, "0.05"), (123450, "1,234.50"), (-100, "-1.00")]
)
def test_money_in_fen_reads_in_yuan(fen: int, text: str) -> None:
    assert format_fen(fen) == text


@pytest.mark.parametrize(
    ("raw", "fen"), [("1,234.5", 123450), ("１２３", 12300), ("12元", 1200), ("0.01", 1)]
)
def test_yuan_parses_to_fen(raw: str, fen: int) -> None:
    assert parse_yuan(raw) == fen


@pytest.mark.parametrize("raw", ["abc", "1.234", "", "NaN", "Infinity"])
def test_bad_amounts_are_refused(raw: str) -> None:
    with pytest.raises(ApplicationError):
        parse_yuan(raw)


@given(st.integers(-(10**12), 10**12))
def test_fen_round_trips_through_yuan(fen: int) -> None:
    assert parse_yuan(format_fen(fen)) == fen


@pytest.mark.parametrize(
    ("raw", "phone"),
    [("138 0013 8000", "13800138000"), ("+86 13800138000", "13800138000"),
     ("０７３４-５６７８９０１", "0734-5678901"), ("(0734)5678901", "07345678901")],
)  # fmt: skip
def test_phones_are_normalised(raw: str, phone: str) -> None:
    assert normalize_phone(raw) == phone


@pytest.mark.parametrize("raw", ["12345", "23800138000", "1380013800", "电话"])
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(ApplicationError) as info:
        normalize_phone(raw)
    assert info.value.code == "phone_invalid"


def test_phone_mask() -> None:
    assert mask_phone("13800138000") == "138****8000"


@given(st.text(max_size=40))
def test_encryption_round_trips_any_text(plain: str) -> None:
    token = encrypt_text(plain, context="person.id_number")
    assert token.startswith("v1:")
    assert len(plain) < 8 or plain not in token
    assert decrypt_text(token, context="person.id_number") == plain


def test_ciphertext_is_bound_to_its_context_and_key() -> None:
    token = encrypt_text("430423197001010015", context="person.id_number")
    with pytest.raises(ValueError, match="does not decrypt"):
        decrypt_text(token, context="person.phone")
    with override_settings(CUNWU_FIELD_KEY="another-key"), pytest.raises(ValueError):
        decrypt_text(token, context="person.id_number")


def test_blind_index_is_stable_and_differs_by_context() -> None:
    a = blind_index("430423197001010015", context="person.id_number")
    assert a == blind_index("430423197001010015", context="person.id_number")
    assert a != blind_index("430423197001010015", context="person.phone")
    assert len(a) == 64


def test_blind_index_is_hmac_sha256_under_the_derived_index_key() -> None:
    # the stored indexes of existing rows depend on exactly this scheme
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"cunwu-field-key",
        info=b"idx:person.id_number",
    ).derive(settings.CUNWU_FIELD_KEY.encode())
    expected = hmac.new(key, b"430423197001010015", hashlib.sha256).hexdigest()
    assert blind_index("430423197001010015", context="person.id_number") == expected


def test_ciphertext_is_aes_gcm_under_the_derived_key_with_the_context_bound() -> None:
    token = encrypt_text("13800138000", context="person.phone")
    raw = base64.b64decode(token.removeprefix("v1:"))
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"cunwu-field-key", info=b"enc:person.phone"
    ).derive(settings.CUNWU_FIELD_KEY.encode())
    assert AESGCM(key).decrypt(raw[:12], raw[12:], b"person.phone") == b"13800138000"


def test_a_changed_key_is_used_at_once_and_nonces_never_repeat() -> None:
    with override_settings(CUNWU_FIELD_KEY="another-key"):
        token = encrypt_text("430423197001010015", context="person.id_number")
        index = blind_index("430423197001010015", context="person.id_number")
        assert decrypt_text(token, context="person.id_number") == "430423197001010015"
    with pytest.raises(ValueError, match="does not decrypt"):
        decrypt_text(token, context="person.id_number")
    assert index != blind_index("430423197001010015", context="person.id_number")
    tokens = {encrypt_text("同一个", context="person.phone") for _ in range(200)}
    assert len({base64.b64decode(t[3:])[:12] for t in tokens}) == 200
