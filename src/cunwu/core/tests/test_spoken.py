from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cunwu.core.spoken import (
    date_words,
    decimal_words,
    digits_words,
    integer_words,
    money_words,
    speak,
)

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse(words: str) -> int:
    """A small reference reader of Chinese numerals (the inverse of integer_words)."""
    total = section = number = 0
    for ch in words:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        elif ch in _UNITS:
            section += (number or 1) * _UNITS[ch]  # a leading 十 means 一十
            number = 0
        elif ch == "万":
            section = (section + number) * 10**4
            number = 0
        elif ch == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
        else:
            raise ValueError(ch)
    return total + section + number


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "零"),
        (1, "一"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (105, "一百零五"),
        (110, "一百一十"),
        (115, "一百一十五"),
        (1005, "一千零五"),
        (1010, "一千零一十"),
        (1500, "一千五百"),
        (10000, "一万"),
        (10500, "一万零五百"),
        (100010, "十万零一十"),
        (1000000, "一百万"),
        (20000005, "二千万零五"),
        (100001000, "一亿零一千"),
        (101000000, "一亿零一百万"),
        (10**12, "一万亿"),
        (10**12 + 1, "一万亿零一"),
    ],
)
def test_known_integers_read_as_people_say_them(n: int, words: str) -> None:
    assert integer_words(n) == words


@given(st.integers(min_value=0, max_value=10**12))
def test_integer_words_read_back_to_the_same_number(n: int) -> None:
    words = integer_words(n)
    assert parse(words) == n
    assert "零零" not in words
    assert n == 0 or not words.endswith("零")
    assert not words.startswith("一十")


@given(st.integers(min_value=-(10**6), max_value=-1))
def test_negative_numbers_are_read_with_fu(n: int) -> None:
    assert integer_words(n) == "负" + integer_words(-n)


@given(st.integers(min_value=0, max_value=10**11))
def test_money_reads_yuan_jiao_fen(fen: int) -> None:
    words = money_words(fen)
    yuan, cents = divmod(fen, 100)
    if yuan:
        assert words.startswith(integer_words(yuan) + "元")
    assert ("角" in words) == (cents // 10 > 0)
    assert ("分" in words) == (cents % 10 > 0)


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (123450, "一千二百三十四元五角"),
        (150000, "一千五百元"),
        (1205, "十二元零五分"),
        (5, "五分"),
        (0, "零元"),
        (99, "九角九分"),
    ],
)
def test_known_amounts(fen: int, words: str) -> None:
    assert money_words(fen) == words


def test_years_are_read_digit_by_digit_and_dates_in_words() -> None:
    assert digits_words("2026", year=True) == "二〇二六"
    assert date_words(date(2026, 11, 25)) == "二〇二六年十一月二十五日"
    assert date_words(date(2030, 1, 1)) == "二〇三〇年一月一日"
    assert decimal_words("0.25") == "零点二五"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("2026年11月25日", "二〇二六年十一月二十五日"),
        ("2026年度", "二〇二六年度"),
        ("1500", "一千五百"),
        ("1,234.50元", "一千二百三十四元五角"),
        ("1500元", "一千五百元"),
        ("1.5万元", "一点五万元"),
        ("13号", "十三号"),
        ("占12.5%", "占百分之十二点五"),
        ("上午8:30集合", "上午八点半集合"),
        ("截至2026-12-01", "截至二〇二六年十二月一日"),
        ("联系电话：138****5678。", "电话已隐去。"),
        ("李四 139****5678", "李四 电话已隐去"),
        ("身份证号430423********1234", "身份证号已隐去"),
        ("值班电话0734-1234567", "值班电话零七三四-一二三四五六七"),
        ("１２人", "十二人"),
        ("共1500人,13号", "共一千五百人,十三号"),
    ],
)
def test_speak_writes_out_everything_that_is_read_aloud(text: str, spoken: str) -> None:
    assert speak(text) == spoken


@given(st.text(alphabet="0123456789年月日元%.,：:*号 人", max_size=30))
def test_speak_leaves_no_digit_unread(text: str) -> None:
    assert not any(c.isdigit() for c in speak(text))
