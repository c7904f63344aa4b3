"""Numbers, money, dates and percentages written out in Chinese words, to be read aloud (the
village loudspeaker's broadcast script): 1500 → 一千五百, 1,234.50元 → 一千二百三十四元五角,
2026年11月25日 → 二〇二六年十一月二十五日, 12.5% → 百分之十二点五.

Integers follow the usual reading: groups of four digits with 万, 亿 and 万亿; one 零 for any
run of zeros inside the number; 一十 shortened to 十 only at the very start (15 → 十五,
but 115 → 一百一十五 and 100010 → 十万零一十). Years, telephone-like digit runs and the
digits after a decimal point are read digit by digit. Masked numbers (138****5678) are not read
out at all: they become "电话已隐去" or "号码已隐去".
"""

from __future__ import annotations

import re
from datetime import date

DIGITS = "零一二三四五六七八九"
YEAR_DIGITS = "〇一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_GROUP_UNITS = ("", "万", "亿", "万亿")
MAX_INTEGER = 10**16 - 1  # 九千九百九十九万亿…: beyond that nobody reads a number aloud

_FULL_WIDTH = str.maketrans("０１２３４５６７８９％", "0123456789%")


def _group(n: int) -> str:
    """0 < n < 10000 in words, with 零 for inner zeros (1005 → 一千零五, 1010 → 一千零一十)."""
    words: list[str] = []
    zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words.append("零")
            zero = False
        words.append(DIGITS[digit] + _SMALL_UNITS[power])
    return "".join(words)


def integer_words(n: int) -> str:
    """An integer in words: 10 → 十, 105 → 一百零五, 10000 → 一万, 100010 → 十万零一十."""
    if n < 0:
        return "负" + integer_words(-n)
    if n > MAX_INTEGER:
        return digits_words(str(n))
    if n == 0:
        return "零"
    groups = []
    while n:
        n, rest = divmod(n, 10000)
        groups.append(rest)
    words: list[str] = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            need_zero = bool(words)
            continue
        # a lower group without its thousands (万零五百) or after a group of zeros gets a 零
        if words and (need_zero or value < 1000):
            words.append("零")
        words.append(_group(value) + _GROUP_UNITS[index])
        need_zero = False
    text = "".join(words)
    return text[1:] if text.startswith("一十") else text


def digits_words(digits: str, *, year: bool = False) -> str:
    """Each digit on its own: 2026 → 二〇二六 (a year), 0734 → 零七三四."""
    table = YEAR_DIGITS if year else DIGITS
    return "".join(table[int(c)] if c.isdigit() else c for c in digits)


def decimal_words(text: str) -> str:
    """3.5 → 三点五, 0.25 → 零点二五, 1,200 → 一千二百."""
    whole, _, fraction = text.replace(",", "").partition(".")
    words = integer_words(int(whole or "0"))
    return f"{words}点{digits_words(fraction)}" if fraction else words


def money_words(fen: int) -> str:
    """An amount in 分 read in 元, 角 and 分: 123450 → 一千二百三十四元五角, 5 → 五分,
    1205 → 十二元零五分, 0 → 零元."""
    if fen < 0:
        return "负" + money_words(-fen)
    yuan, cents = divmod(fen, 100)
    jiao, fen_part = divmod(cents, 10)
    words = integer_words(yuan) + "元" if yuan else ""
    if jiao:
        words += DIGITS[jiao] + "角"
    elif fen_part and yuan:
        words += "零"
    if fen_part:
        words += DIGITS[fen_part] + "分"
    return words or "零元"


def date_words(value: date) -> str:
    """2026-11-25 → 二〇二六年十一月二十五日."""
    return f"{digits_words(str(value.year), year=True)}年{integer_words(value.month)}月" + (
        f"{integer_words(value.day)}日"
    )


# ---------------------------------------------------------------- free text

# a masked number with the label in front of it, which the remark replaces too
_MASKED = re.compile(
    r"(?:(?:联系电话|电话|手机号?码?|身份证号?码?|证件号码?)\s*[:：]?\s*)?"
    r"(?<![0-9A-Za-z])[0-9]*\*{2,}[0-9]*[0-9Xx]?(?![0-9A-Za-z])"
)
_MASKED_PHONE = re.compile(r"\D*1\d{2}\*{4}\d{4}")
_MASKED_ID = re.compile(r"\D*\d{6}\*{8}\d{3}[0-9Xx]")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_YEAR = re.compile(r"(\d{4})\s*(?=年)")
_TIME = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)")
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MONEY = re.compile(rf"(?<!\d)({_NUMBER})\s*(万)?元")
_PERCENT = re.compile(rf"(?<!\d)({_NUMBER})\s*%")
_DIGIT_RUN = re.compile(rf"(?<!\d)(?:{_NUMBER})(?!\d)")


def _masked(match: re.Match[str]) -> str:
    if _MASKED_PHONE.fullmatch(match.group(0)):
        return "电话已隐去"
    if _MASKED_ID.fullmatch(match.group(0)):
        return "身份证号已隐去"
    return "号码已隐去"


def _date(match: re.Match[str]) -> str:
    year, month, day = match.group(1), int(match.group(2)), match.group(3)
    words = f"{digits_words(year, year=True)}年{integer_words(month)}月"
    return words + (f"{integer_words(int(day))}日" if day else "")


def _iso_date(match: re.Match[str]) -> str:
    year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return f"{digits_words(year, year=True)}年{integer_words(month)}月{integer_words(day)}日"


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute == 0:
        return f"{integer_words(hour)}点整"
    if minute == 30:
        return f"{integer_words(hour)}点半"
    return f"{integer_words(hour)}点{integer_words(minute)}分"


def _money(match: re.Match[str]) -> str:
    number, wan = match.group(1).replace(",", ""), match.group(2)
    if wan:  # 1.5万元 is read as it is written
        return decimal_words(number) + "万元"
    whole, _, fraction = number.partition(".")
    if len(fraction) > 2:
        return decimal_words(number) + "元"
    return money_words(int(whole) * 100 + int((fraction + "00")[:2]))


def _percent(match: re.Match[str]) -> str:
    return "百分之" + decimal_words(match.group(1))


def _number(match: re.Match[str]) -> str:
    text = match.group(0)
    plain = text.replace(",", "")
    if "." not in plain and ((len(plain) >= 7 and "," not in text) or plain.startswith("0")):
        # a telephone number, an account or a code: digit by digit
        return digits_words(plain)
    return decimal_words(text)


def speak(text: str) -> str:
    """``text`` with every number, amount, date, time and percentage written out in words,
    and masked numbers replaced by a short remark, ready to be read aloud."""
    text = text.translate(_FULL_WIDTH)
    text = _MASKED.sub(_masked, text)
    text = _DATE.sub(_date, text)
    text = _ISO_DATE.sub(_iso_date, text)
    text = _YEAR.sub(lambda m: digits_words(m.group(1), year=True), text)
    text = _TIME.sub(_time, text)
    text = _MONEY.sub(_money, text)
    text = _PERCENT.sub(_percent, text)
    return _DIGIT_RUN.sub(_number, text)
