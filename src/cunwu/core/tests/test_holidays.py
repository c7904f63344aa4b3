"""Entering a year's holiday arrangement: the rules the entries follow, who may enter them,
the audit event, the CSV reader and ``cunwu holidays import/show``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from cunwu.accounts.models import User
from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.holidayfile import decode, holiday_csv, read_holiday_csv
from cunwu.core.models import CalendarYear, HolidayDay, Region
from cunwu.core.services.audit import audit_verify
from cunwu.core.services.holidays import (
    DayEntry,
    HolidayDaysInvalid,
    holiday_days_problems,
    holiday_year_set,
)
from cunwu.core.workdays import is_working_day, year_known, year_source
from cunwu.testing import HENGSHAN, business_events

pytestmark = pytest.mark.django_db

H, W = "holiday", "workday"

CSV_2027 = """日期,类型,名称
2027-01-01,放假,元旦
2027-01-02,放假,元旦
2027-01-03,放假,元旦
2027-02-06,放假,春节
2027-02-07,放假,春节
2027-02-08,放假,春节
2027-02-09,放假,春节
2027-02-10,放假,春节
2027-02-11,放假,春节
2027-02-12,放假,春节
2027-02-13,放假,春节
2027-02-14,放假,春节
2027-02-20,上班,春节
"""


def _messages(year: int, days: list[DayEntry]) -> list[str]:
    return [p.message for p in holiday_days_problems(year=year, days=days)]


@pytest.fixture
def admin(persona: Callable[[str], User]) -> User:
    return persona("衡山县管理员")


@pytest.fixture
def county(regions: dict[str, Region]) -> Region:
    return regions[HENGSHAN]


# ---------------------------------------------------------------- the rules


def test_a_sound_arrangement_has_no_problems() -> None:
    parsed = read_holiday_csv(CSV_2027, year=2027)
    assert parsed.problems == []
    assert len(parsed.entries) == 13
    assert holiday_days_problems(year=2027, days=parsed.entries) == []


def test_a_date_outside_the_year_is_refused() -> None:
    [message] = _messages(2027, [DayEntry(date(2028, 1, 3), H, "元旦")])
    assert message == "2028年1月3日（星期一）不在2027年内"


def test_a_date_twice_is_refused_and_both_kinds_on_one_day_conflict() -> None:
    days = [
        DayEntry(date(2027, 1, 1), H, "元旦"),
        DayEntry(date(2027, 1, 1), H, "元旦"),
        DayEntry(date(2027, 1, 1), W, ""),
    ]
    problems = holiday_days_problems(year=2027, days=days)
    assert [(p.index, p.message) for p in problems] == [
        (1, "2027年1月1日（星期五）重复（第1项已有）"),
        (2, "2027年1月1日（星期五）不能既放假又上班（与第1项冲突）"),
    ]


def test_a_make_up_workday_on_a_weekday_is_refused() -> None:
    [message] = _messages(2027, [DayEntry(date(2027, 3, 3), W, "")])
    assert "2027年3月3日（星期三）本来就是工作日，不能登记为调休上班" in message


def test_a_make_up_workday_on_a_weekend_is_accepted() -> None:
    assert _messages(2027, [DayEntry(date(2027, 2, 20), W, "春节")]) == []


def test_a_lone_weekend_holiday_is_refused_but_a_weekend_inside_a_holiday_run_is_not() -> None:
    lone = [DayEntry(date(2027, 3, 6), H, ""), DayEntry(date(2027, 3, 7), H, "")]
    assert len(_messages(2027, lone)) == 2
    assert "本来就是周末" in _messages(2027, lone)[0]
    # 2027-01-01 is a Friday: Saturday and Sunday belong to its run
    run = [DayEntry(date(2027, 1, d), H, "元旦") for d in (1, 2, 3)]
    assert _messages(2027, run) == []
    # the run may reach the weekday across a make-up-free weekend on either side
    monday = [DayEntry(date(2027, 5, d), H, "劳动节") for d in (1, 2, 3)]  # Sat, Sun, Mon
    assert _messages(2027, monday) == []


def test_corrections_of_a_builtin_year_may_cancel_its_days() -> None:
    # 2026-10-10 is chinese-calendar's make-up Saturday; 10-08 (Thursday) one of its weekdays
    cancel_workday = [DayEntry(date(2026, 10, 10), H, "国庆节")]
    assert _messages(2026, cancel_workday) == []
    cancel_holiday = [DayEntry(date(2026, 10, 7), W, "")]  # a Wednesday it lists as a holiday
    assert _messages(2026, cancel_holiday) == []
    plain_weekday = [DayEntry(date(2026, 11, 4), W, "")]
    assert len(_messages(2026, plain_weekday)) == 1


def test_bad_kind_and_long_name_are_refused() -> None:
    messages = _messages(2027, [DayEntry(date(2027, 1, 1), "off", "元" * 31)])
    assert "类型应为“放假”或“上班”" in messages
    assert "名称不能超过30个字" in messages


# ---------------------------------------------------------------- the service


def test_the_county_admin_enters_a_year_with_one_audit_event(admin: User, county: Region) -> None:
    parsed = read_holiday_csv(CSV_2027, year=2027)
    result = holiday_year_set(
        actor=admin,
        region=county,
        year=2027,
        days=parsed.entries,
        note="国办发明电〔2026〕1号",
        authorize=require,
    )
    assert (result.holidays, result.workdays, result.changed) == (12, 1, True)
    assert HolidayDay.objects.filter(date__year=2027).count() == 13
    row = CalendarYear.objects.get(year=2027)
    assert (row.source, row.note, row.entered_by) == ("entered", "国办发明电〔2026〕1号", admin)
    [event] = business_events().filter(action="core.holiday_year_set")
    assert event.region_id == HENGSHAN
    assert event.object_id == "2027"
    assert event.payload["holidays"] == 12
    assert event.payload["days"][0] == ["2027-01-01", "holiday", "元旦"]
    assert audit_verify()[1] is None
    assert year_known(2027)
    assert not is_working_day(date(2027, 2, 8))


def test_entering_the_same_again_changes_nothing(admin: User, county: Region) -> None:
    entries = read_holiday_csv(CSV_2027, year=2027).entries
    holiday_year_set(actor=admin, region=county, year=2027, days=entries, authorize=require)
    again = holiday_year_set(actor=admin, region=county, year=2027, days=entries, authorize=require)
    assert not again.changed
    assert business_events().filter(action="core.holiday_year_set").count() == 1


def test_a_new_entry_replaces_the_year_and_an_empty_one_forgets_it(
    admin: User, county: Region
) -> None:
    entries = read_holiday_csv(CSV_2027, year=2027).entries
    holiday_year_set(actor=admin, region=county, year=2027, days=entries, authorize=require)
    holiday_year_set(actor=admin, region=county, year=2027, days=entries[:3], authorize=require)
    assert HolidayDay.objects.filter(date__year=2027).count() == 3
    assert is_working_day(date(2027, 2, 8))
    holiday_year_set(actor=admin, region=county, year=2027, days=[], authorize=require)
    assert not HolidayDay.objects.exists()
    assert not year_known(2027)
    assert year_source(2027) == "unknown"
    last = business_events().filter(action="core.holiday_year_set").last()
    assert last is not None
    assert last.payload["source"] == "unknown"


@pytest.mark.parametrize("name", ["九龙村村干部", "开云镇干部", "衡山县部门用户", "九龙村村民"])
def test_only_the_county_admin_may_enter_a_year(
    persona: Callable[[str], User], county: Region, name: str
) -> None:
    entries = read_holiday_csv(CSV_2027, year=2027).entries
    with pytest.raises(PermissionDenied):
        holiday_year_set(
            actor=persona(name), region=county, year=2027, days=entries, authorize=require
        )
    assert not HolidayDay.objects.exists()
    assert not CalendarYear.objects.exists()


def test_refused_entries_change_nothing(admin: User, county: Region) -> None:
    good = read_holiday_csv(CSV_2027, year=2027).entries
    holiday_year_set(actor=admin, region=county, year=2027, days=good, authorize=require)
    bad = [*good, DayEntry(date(2027, 3, 3), W, "")]
    with pytest.raises(HolidayDaysInvalid) as caught:
        holiday_year_set(actor=admin, region=county, year=2027, days=bad, authorize=require)
    assert caught.value.message.startswith("第14项：2027年3月3日（星期三）本来就是工作日")
    assert HolidayDay.objects.filter(date__year=2027).count() == 13
    with pytest.raises(ApplicationError, match="年份应在2000到2100之间"):
        holiday_year_set(actor=admin, region=county, year=2101, days=[], authorize=require)


# ---------------------------------------------------------------- the CSV


def test_csv_without_header_with_other_spellings() -> None:
    text = "2027/1/1，休，元旦\n\n# 注释\n2027年2月20日,补班\n２０２７-０１-０２,放假,元旦,\n"
    parsed = read_holiday_csv(text, year=2027)
    assert parsed.problems == []
    assert parsed.entries == [
        DayEntry(date(2027, 1, 1), H, "元旦"),
        DayEntry(date(2027, 2, 20), W, ""),
        DayEntry(date(2027, 1, 2), H, "元旦"),
    ]
    assert parsed.lines == [1, 4, 5]


def test_csv_problems_carry_their_line_numbers() -> None:
    text = (
        "日期,类型,名称\n"
        "2027-01-01,放假,元旦\n"
        "2027-13-01,放假,元旦\n"
        "2027-01-02,休假吧,元旦\n"
        "2027-03-03,上班,\n"
        "2027-01-01,上班,\n"
        "一二三\n"
    )
    assert read_holiday_csv(text, year=2027).messages() == [
        "第3行：日期“2027-13-01”无法识别，应写作2027-01-01",
        "第4行：类型“休假吧”应为“放假”或“上班”",
        "第5行：2027年3月3日（星期三）本来就是工作日，不能登记为调休上班（调休上班一般在周六或周日）",
        "第6行：2027年1月1日（星期五）不能既放假又上班（与第2行冲突）",
        "第7行：应为三列：日期,类型,名称",
    ]


def test_an_empty_csv_is_a_problem() -> None:
    assert read_holiday_csv("日期,类型,名称\n", year=2027).messages() == ["第1行：没有读到任何日期"]


def test_gbk_files_are_read_and_what_was_entered_writes_back() -> None:
    assert decode(CSV_2027.encode("gbk")) == CSV_2027
    assert decode(b"\xef\xbb\xbf" + CSV_2027.encode()) == CSV_2027
    entries = read_holiday_csv(CSV_2027, year=2027).entries
    assert holiday_csv(list(entries)) == CSV_2027


# ---------------------------------------------------------------- the command


def _write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> str:
    path = tmp_path / "2027.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_command_imports_a_year_and_shows_it(tmp_path: Path, regions: dict[str, Region]) -> None:
    out = StringIO()
    call_command("holidays", "import", _write(tmp_path, CSV_2027, encoding="gbk"),
                 "--year", "2027", "--note", "国办发明电〔2026〕1号", stdout=out)  # fmt: skip
    assert "已录入2027年：放假 12 天，调休上班 1 天" in out.getvalue()
    event = business_events().get(action="core.holiday_year_set")
    assert event.region_id == "430000000000"  # the widest region: the province
    assert event.actor is None
    shown = StringIO()
    call_command("holidays", "show", "2027", stdout=shown)
    lines = shown.getvalue().splitlines()
    assert lines[0] == "2027年 来源：已录入"
    assert lines[1] == "依据：国办发明电〔2026〕1号"
    assert lines[2] == "2027年1月1日（星期五）\t放假\t元旦\t录入"
    assert len(lines) == 2 + 13


def test_command_shows_builtin_and_unknown_years(regions: dict[str, Region]) -> None:
    shown = StringIO()
    call_command("holidays", "show", "2026", stdout=shown)
    text = shown.getvalue()
    assert text.startswith("2026年 来源：内置数据（chinese-calendar）")
    assert "2026年10月10日（星期六）\t调休上班\t国庆节\t内置" in text
    assert "2026年10月1日（星期四）\t放假\t国庆节\t内置" in text
    unknown = StringIO()
    call_command("holidays", "show", "2027", stdout=unknown)
    assert unknown.getvalue().splitlines() == ["2027年 来源：未知（尚未录入，按双休日计算）"]


def test_command_with_a_bad_row_changes_nothing(tmp_path: Path, regions: dict[str, Region]) -> None:
    err = StringIO()
    bad = CSV_2027 + "2027-03-03,上班,\n"
    with pytest.raises(CommandError, match="有1处错误，未做任何改动"):
        call_command("holidays", "import", _write(tmp_path, bad), "--year", "2027", stderr=err)
    assert "第15行：2027年3月3日（星期三）本来就是工作日" in err.getvalue()
    assert not HolidayDay.objects.exists()
    assert not CalendarYear.objects.exists()
    assert not business_events().exists()
    err = StringIO()
    with pytest.raises(CommandError, match="有13处错误"):
        call_command("holidays", "import", _write(tmp_path, CSV_2027), "--year", "2028",
                     stderr=err)  # fmt: skip
    assert "第2行：2027年1月1日（星期五）不在2028年内" in err.getvalue()
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("holidays", "import", str(tmp_path / "nope.csv"), "--year", "2027")
    assert not HolidayDay.objects.exists()
