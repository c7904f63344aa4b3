"""Resident ID numbers (公民身份号码, GB 11643-1999).

18 characters: a 6-digit address code, an 8-digit birth date, a 3-digit sequence (odd for men,
even for women) and a check character. The check: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
on the first 17 digits, the sum mod 11 indexes ``"10X98765432"``. Old 15-digit numbers insert
"19" before the 2-digit year and gain a check character.
"""

from __future__ import annotations

from datetime import date
from operator import mul

from cunwu.core.errors import ApplicationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# full-width digits and letters as typed by Chinese input methods
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
EARLIEST_BIRTH = date(1890, 1, 1)
# the weighted sum over the bytes of 17 ASCII digits exceeds the digits' sum by this much
_ASCII_OFFSET = ord("0") * sum(WEIGHTS)


def check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # the common case without a Python-level loop: an import checks a million of these
        return CHECK_CHARS[(sum(map(mul, first17.encode(), WEIGHTS)) - _ASCII_OFFSET) % 11]
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize_id_number(raw: str) -> str:
    """Strip blanks, turn full-width digits into ASCII and a trailing x into X."""
    if raw.isascii() and raw.isalnum():  # nothing to strip or translate
        return raw.upper()
    return "".join(raw.split()).translate(_FULL_WIDTH).upper()


def upgrade_15(number15: str) -> str:
    """A 15-digit number as its 18-digit form: 19 before the year, then the check character."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """The normalised 18-digit number, or ``ApplicationError`` saying precisely what is wrong."""
    number = normalize_id_number(raw)
    if len(number) == 15:
        if not number.isdigit():
            raise ApplicationError(
                "id_number_format", "15位身份证号码应全部为数字", field="id_number"
            )
        number = upgrade_15(number)
    if len(number) != 18:
        raise ApplicationError(
            "id_number_length", f"公民身份号码应为18位（当前{len(number)}位）", field="id_number"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ApplicationError(
            "id_number_format", "公民身份号码前17位应为数字，最后一位为数字或X", field="id_number"
        )
    born = _birth_date(number)
    if born is None:
        raise ApplicationError(
            "id_number_birth_date",
            f"公民身份号码中的出生日期{number[6:14]}不存在",
            field="id_number",
        )
    if born < EARLIEST_BIRTH or (today is not None and born > today):
        raise ApplicationError(
            "id_number_birth_date",
            f"公民身份号码中的出生日期{born:%Y年%m月%d日}不合理",
            field="id_number",
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ApplicationError(
            "id_number_check_digit",
            f"公民身份号码校验位错误（应为{expected}），请核对",
            field="id_number",
        )
    return number


def gender_from_id(number: str) -> str:
    """男 for an odd sequence digit, 女 for an even one."""
    return "男" if int(number[16]) % 2 else "女"


def birth_date_from_id(number: str) -> date:
    born = _birth_date(number)
    if born is None:  # only validated numbers reach here
        raise ValueError(number)
    return born


def mask_id_number(number: str) -> str:
    """``430423********1234``: the address code and the last four characters stay visible."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
