"""Chinese presentation of dates, money and phone numbers, and their parsing."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from cunwu.core.errors import ApplicationError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－＋", "0123456789-+")


def normalize_phone(raw: str) -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or a landline with area code (0734-1234567)."""
    phone = re.sub(r"[\s()（）]", "", raw.translate(_FULL_WIDTH))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if _MOBILE.match(phone):
        return phone
    if _LANDLINE.match(phone):
        return phone
    raise ApplicationError(
        "phone_invalid",
        f"联系电话“{raw.strip()}”格式不正确（应为11位手机号或带区号的固定电话）",
        field="phone",
    )


def mask_phone(phone: str) -> str:
    """``138****1234``: the first three and last four digits stay visible."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def format_date(value: date | datetime | None) -> str:
    """2026年11月24日."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def format_fen(fen: int | None) -> str:
    """Money stored in 分 shown in 元 with two decimals and thousands separators: 1,234.50."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def parse_yuan(raw: str | float | int | Decimal, *, field: str = "amount") -> int:
    """An amount in 元 (as typed: "1,234.5", "１２３", 12) as integer 分; at most two decimals."""
    text = str(raw).translate(_FULL_WIDTH).replace(",", "").replace("，", "").strip()
    text = text.removesuffix("元").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ApplicationError("amount_invalid", f"金额“{raw}”不是有效数字", field=field) from None
    if not value.is_finite():
        raise ApplicationError("amount_invalid", f"金额“{raw}”不是有效数字", field=field)
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise ApplicationError("amount_precision", f"金额“{raw}”最多保留两位小数", field=field)
    return int(value * 100)


def clean_text(value: Any, *, field: str, label: str, limit: int, required: bool = True) -> str:
    """One line with its white space folded; empty only when not ``required``; at most
    ``limit`` characters and no NUL (a Chinese error naming ``label`` otherwise)."""
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ApplicationError(f"{field}_empty", f"请填写{label}", field=field)
    if len(text) > limit or "\x00" in text:
        raise ApplicationError(f"{field}_long", f"{label}至多{limit}字", field=field)
    return text
