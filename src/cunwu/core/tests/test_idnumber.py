from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cunwu.core.errors import ApplicationError
from cunwu.core.idnumber import (
    WEIGHTS,
    birth_date_from_id,
    check_char,
    gender_from_id,
    mask_id_number,
    upgrade_15,
    validate_id_number,
)

# the standard's own example (GB 11643-1999, appendix) and a check character X
EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid_and_female() -> None:
    assert validate_id_number(EXAMPLE) == EXAMPLE
    assert gender_from_id(EXAMPLE) == "女"
    assert birth_date_from_id(EXAMPLE) == date(1949, 12, 31)


def test_lower_case_x_and_full_width_digits_are_normalised() -> None:
    assert validate_id_number("11010519491231002x") == EXAMPLE
    assert validate_id_number("１１０１０５１９４９１２３１００２ｘ") == EXAMPLE
    assert validate_id_number(" 110105 19491231 002X ") == EXAMPLE


def test_fifteen_digit_number_is_upgraded() -> None:
    assert upgrade_15("110105491231002") == EXAMPLE
    assert validate_id_number("110105491231002") == EXAMPLE


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ("110105194912310021", "id_number_check_digit", "校验位错误（应为X）"),
        ("11010519491231002", "id_number_length", "应为18位（当前17位）"),
        ("1101051949123100A2", "id_number_format", "前17位应为数字"),
        ("110105194902300029", "id_number_birth_date", "出生日期19490230不存在"),
        ("11010518800101002X", "id_number_birth_date", "不合理"),
        ("11010549123100A", "id_number_format", "15位"),
    ],
)
def test_bad_numbers_are_refused_with_a_precise_message(raw: str, code: str, fragment: str) -> None:
    with pytest.raises(ApplicationError) as info:
        validate_id_number(raw)
    assert info.value.code == code
    assert fragment in info.value.message
    assert info.value.field == "id_number"


def test_birth_date_in_the_future_is_refused() -> None:
    first17 = "43042320300101001"
    with pytest.raises(ApplicationError) as info:
        validate_id_number(first17 + check_char(first17), today=date(2026, 11, 25))
    assert info.value.code == "id_number_birth_date"


def test_mask_keeps_area_code_and_last_four() -> None:
    assert mask_id_number(EXAMPLE) == "110105********002X"


digits17 = st.builds(
    lambda area, born, seq: f"{area}{born:%Y%m%d}{seq:03d}",
    st.integers(110000, 659999).map(str),
    st.dates(date(1900, 1, 1), date(2026, 1, 1)),
    st.integers(0, 999),
)


@given(digits17)
def test_every_number_with_its_check_char_is_valid(first17: str) -> None:
    number = first17 + check_char(first17)
    assert validate_id_number(number) == number
    assert validate_id_number(number.lower()) == number
    assert gender_from_id(number) == ("男" if int(first17[16]) % 2 else "女")


@given(digits17, st.sampled_from("0123456789X"))
def test_any_other_check_char_is_refused(first17: str, wrong: str) -> None:
    if wrong == check_char(first17):
        return
    with pytest.raises(ApplicationError):
        validate_id_number(first17 + wrong)


@given(digits17, st.integers(0, 16), st.integers(1, 9))
def test_a_single_changed_digit_is_caught(first17: str, position: int, delta: int) -> None:
    number = first17 + check_char(first17)
    changed = str((int(number[position]) + delta) % 10)
    typo = number[:position] + changed + number[position + 1 :]
    with pytest.raises(ApplicationError):
        validate_id_number(typo)


@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes(raw: str) -> None:
    try:
        number = validate_id_number(raw)
    except ApplicationError:
        return
    assert len(number) == 18


def _weighted_check_char(first17: str) -> str:
    """The standard's definition, digit by digit."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@given(digits17)
def test_check_char_is_the_weighted_sum_of_the_digits(first17: str) -> None:
    assert check_char(first17) == _weighted_check_char(first17)


def test_check_char_of_other_unicode_digits_reads_them_as_digits() -> None:
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in EXAMPLE[:17])
    assert check_char(arabic_indic) == "X" == check_char(EXAMPLE[:17])
    with pytest.raises(ValueError):
        check_char("1101051949123100")  # 16 digits
