# ruff: noqa: F811
"""考勤导入 of 公益性岗位: a month's sheet (户编号 or 姓名+人员编号, 出勤天数, 扣减, 扣减原因) is
recorded whole or not at all; each error names its row and column; the month must be open and
not in the future; the template lists the holders of the month; scope (another village: 404)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.village.models import JobAttendance, JobHolder, JobPost
from cunwu.village.services import jobs as services

from .fixtures_jobs import cadre, cleaner, member, poor_household  # noqa: F401

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)  # 21 working days
HEADER = ["户编号", "姓名", "人员编号", "出勤天数", "扣减（元）", "扣减原因"]
IMPORT = "/village/jobs/payroll/import/?village=430423100224"


def _xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def holders(
    cadre: User, cleaner: JobPost, household: Household, poor_household: Household
) -> tuple[JobHolder, JobHolder]:
    """张三 (户0001) and 王五 (户0002) as 保洁员 (1000元 a month) since 2026-11-01."""
    a = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(household, "张三"), start_on=NOV
    )
    b = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(poor_household, "王五"), start_on=NOV
    )
    return a, b


def _import(actor: User, village: Region, data: bytes, month: date = NOV) -> int:
    return services.job_attendance_import(
        actor=actor, village=village, month=month, name="考勤.xlsx", data=data,
        today=date(2026, 12, 2),
    )  # fmt: skip


def test_good_file_records_every_row_with_exact_pay(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    zhang, wang = holders
    data = _xlsx([["0001", "", "", 20, 50, "迟到两次"], ["", "王五", wang.person_id, 21, "", ""]])
    assert _import(cadre, jiulong, data) == 2
    rows = {r.holder_id: r for r in JobAttendance.objects.all()}
    a, b = rows[zhang.pk], rows[wang.pk]
    assert (a.month, a.working_days, a.days_worked) == (NOV, 21, 20)
    # 100000 × 20 / 21 = 95238.1 → 95238 分; less 50元
    assert (a.pay_due_fen, a.deduction_fen, a.net_fen) == (95238, 5000, 90238)
    assert (a.deduction_reason, a.correction) == ("迟到两次", False)
    assert (b.days_worked, b.pay_due_fen, b.deduction_fen, b.net_fen) == (21, 100000, 0, 100000)


def test_bad_cell_names_row_and_column_and_saves_nothing(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    data = _xlsx([["0001", "", "", 20, "", ""], ["0002", "", "", 25, "", ""]])
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, data)
    assert exc.value.message == "第3行“出勤天数”应为0到21之间的整数。未导入任何数据"
    assert JobAttendance.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["0001", "", "", "二十", "", ""], "第2行“出勤天数”应为0到21之间的整数"),
        (["0001", "", "", 20.5, "", ""], "第2行“出勤天数”应为0到21之间的整数"),
        (["0001", "", "", 20, "abc", "x"], "第2行“扣减（元）”应为不小于0的金额，最多两位小数"),
        (["0001", "", "", 20, -5, "x"], "第2行“扣减（元）”应为不小于0的金额，最多两位小数"),
        (["0001", "", "", 20, 50, ""], "第2行“扣减原因”有扣减时应填写"),
        (["0001", "", "", 1, 100, "旷工"], "第2行“扣减（元）”不能超过应发金额47.62元"),
        (["0009", "", "", 20, "", ""], "第2行“户编号”该户该月没有在岗人员"),
        (["", "李四", "", 20, "", ""], "第2行“户编号”应填写，或填写“姓名”和“人员编号”"),
        (["", "", "x1", 20, "", ""], "第2行“人员编号”应为数字"),
        (["", "张三", 999999, 20, "", ""], "第2行“人员编号”不是本村该月在岗人员"),
    ],
)
def test_each_bad_cell_has_its_message(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder], row: list[Any],
    message: str,
) -> None:  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, _xlsx([row]))
    assert exc.value.message == f"{message}。未导入任何数据"
    assert exc.value.field == "file"
    assert JobAttendance.objects.count() == 0


def test_name_must_match_person_number_and_rows_not_repeat(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    zhang, wang = holders
    data = _xlsx([
        ["", "李四", zhang.person_id, 20, "", ""],
        ["", "王五", wang.person_id, 20, "", ""],
        ["0002", "", "", 19, "", ""],
        ["", "", wang.person_id, 19, "", ""],
    ])  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, data)
    assert exc.value.message == (
        f"第2行“姓名”与人员编号{zhang.person_id}（张三）不符；第4行与第3行是同一人（王五）；"
        "第5行“姓名”应填写（与人员编号一起核对）。未导入任何数据"
    )
    assert JobAttendance.objects.count() == 0


def test_two_holders_of_one_household_need_name(
    cadre: User, jiulong: Region, cleaner: JobPost, household: Household
) -> None:
    for name in ("张三", "李四"):
        services.job_holder_start(
            actor=cadre, post=cleaner, person=member(household, name), start_on=NOV
        )
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, _xlsx([["0001", "", "", 20, "", ""]]))
    assert exc.value.message == (
        "第2行“户编号”该户该月有多人在岗，请填写姓名和人员编号。未导入任何数据"
    )
    assert _import(cadre, jiulong, _xlsx([["0001", "李四", "", 18, "", ""]])) == 1
    row = JobAttendance.objects.get()
    assert (row.holder.person.name, row.days_worked, row.pay_due_fen) == ("李四", 18, 85714)


def test_wrong_month_future_closed_or_before_start(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    data = _xlsx([["0001", "", "", 15, "", ""]])
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, data, month=date(2027, 1, 1))
    assert exc.value.message == "2027年1月尚未开始，不能导入考勤"
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, data, month=date(2026, 10, 1))  # before they started
    assert exc.value.message == "第2行“户编号”该户该月没有在岗人员。未导入任何数据"
    services.job_month_close(actor=cadre, village=jiulong, month=NOV)
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, data)
    assert exc.value.message == "2026年11月已结账，不能导入；更正请到岗位页面逐人登记"
    assert exc.value.status == 409
    assert JobAttendance.objects.count() == 0


def test_a_holder_who_left_before_the_month_is_not_matched(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    zhang, _ = holders
    services.job_holder_end(actor=cadre, holder=zhang, end_on=date(2026, 11, 20), reason="辞职")
    assert _import(cadre, jiulong, _xlsx([["0001", "", "", 14, "", ""]])) == 1  # in post 20 days
    with pytest.raises(ApplicationError, match="第2行“户编号”该户该月没有在岗人员"):
        _import(cadre, jiulong, _xlsx([["0001", "", "", 5, "", ""]]), month=date(2026, 12, 1))


def test_missing_columns_and_empty_sheet(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, _xlsx([["张三", 20]], header=["姓名", "出勤天数"]))
    assert exc.value.message == "表格缺少“户编号”列（或“姓名”和“人员编号”列）"
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, _xlsx([["0001", 20]], header=["户编号", "天数"]))
    assert exc.value.message == "表格缺少“出勤天数”列"
    with pytest.raises(ApplicationError) as exc:
        _import(cadre, jiulong, _xlsx([]))
    assert exc.value.message == "表格中没有考勤数据"
    with pytest.raises(ApplicationError) as exc:
        services.job_attendance_import(actor=cadre, village=jiulong, month=NOV, name="a.pdf",
                                       data=b"%PDF")  # fmt: skip
    assert exc.value.message == "只能上传xlsx或csv文件"


def test_csv_upload_in_gbk_works(
    cadre: User, jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    data = ("户编号,姓名,人员编号,出勤天数,扣减（元）,扣减原因\r\n0002,,,21,10.5,卫生不达标\r\n"
            ).encode("gb18030")  # fmt: skip
    assert services.job_attendance_import(
        actor=cadre, village=jiulong, month=NOV, name="kq.csv", data=data
    ) == 1  # fmt: skip
    row = JobAttendance.objects.get()
    assert (row.holder.person.name, row.deduction_fen, row.net_fen) == ("王五", 1050, 98950)


def test_page_template_round_trip_and_payroll(
    cadre: User, holders: tuple[JobHolder, JobHolder]
) -> None:
    c = _client(cadre)
    r = c.get("/village/jobs/payroll/?village=430423100224&month=2026-11")
    assert r.status_code == 200
    html = r.content.decode()
    assert "下载本月考勤模板" in html and 'enctype="multipart/form-data"' in html
    r = c.get("/village/jobs/payroll/template/?village=430423100224&month=2026-11")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    zhang, wang = holders
    assert rows == [
        HEADER,
        ["0001", "张三", zhang.person_id, None, None, None],
        ["0002", "王五", wang.person_id, None, None, None],
    ]
    rows[1][3], rows[2][3], rows[2][4], rows[2][5] = 21, 10, 20, "请假扣减"
    upload = SimpleUploadedFile("考勤.xlsx", _xlsx(rows[1:]))
    r = c.post(IMPORT, {"month": "2026-11", "file": upload})
    assert r.status_code == 302
    assert r["Location"] == "/village/jobs/payroll/?village=430423100224&month=2026-11"
    nets = sorted(JobAttendance.objects.values_list("days_worked", "net_fen"))
    assert nets == [(10, 45619), (21, 100000)]  # 100000 × 10 / 21 = 47619 − 2000
    assert "1,456.19" in c.get(r["Location"]).content.decode()


def test_page_shows_error_and_saves_nothing(
    cadre: User, holders: tuple[JobHolder, JobHolder]
) -> None:
    c = _client(cadre)
    upload = SimpleUploadedFile("考勤.xlsx", _xlsx([["0001", "", "", 5, "", ""],
                                                  ["0002", "", "", 30, "", ""]]))  # fmt: skip
    r = c.post(IMPORT, {"month": "2026-11", "file": upload})
    assert r.status_code == 200
    assert "第3行“出勤天数”应为0到21之间的整数。未导入任何数据" in r.content.decode()
    r = c.post(IMPORT, {"month": "2026-13", "file": SimpleUploadedFile("a.xlsx", b"x")})
    assert r.status_code == 200
    assert "输入一个有效的日期" in r.content.decode()
    r = c.post(IMPORT, {"month": "2026-11"})
    assert "这个字段是必填项" in r.content.decode()
    assert JobAttendance.objects.count() == 0


def test_scope_another_village_404_villager_403(
    persona: Callable[[str], User], jiulong: Region, holders: tuple[JobHolder, JobHolder]
) -> None:
    other = _client(persona("八里村村干部"))
    assert other.get(IMPORT).status_code == 404
    upload = SimpleUploadedFile("考勤.xlsx", _xlsx([["0001", "", "", 20, "", ""]]))
    assert other.post(IMPORT, {"month": "2026-11", "file": upload}).status_code == 404
    assert other.get("/village/jobs/payroll/template/?village=430423100224").status_code == 404
    villager = _client(persona("九龙村村民"))
    assert villager.get(IMPORT).status_code == 403
    assert villager.get("/village/jobs/payroll/template/?village=430423100224").status_code == 403
    with pytest.raises(Exception, match="没有权限"):
        _import(persona("八里村村干部"), jiulong, _xlsx([["0001", "", "", 20, "", ""]]))
    assert JobAttendance.objects.count() == 0
