"""Department files: bad IDs (wrong check digit; full-width digits accepted), unknown people,
people outside the importer's region, duplicates within a file and across imports, the same
file twice, an empty file, wrong headers, csv and xlsx, the alerts of an import."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.monitoring import sheets_screening as sheets
from cunwu.monitoring.models import Alert, AlertKind, DepartmentRecord
from cunwu.monitoring.services import screening as svc
from cunwu.registry.models import Household
from cunwu.testing import make_id_number

HENGSHAN = "430423000000"
ZHANG = make_id_number(1, birth="19700101")
LI = make_id_number(2, birth="19720304")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode("utf-8-sig")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)  # type: ignore[union-attr]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def dept(persona: Callable[[str], User]) -> User:
    return persona("衡山县部门用户")


def civil(actor: User, region: Region, rows: list[list[str]], name: str = "民政.csv") -> object:
    data = csv_bytes([["姓名", "公民身份号码", "救助类型", "开始日期"], *rows])
    return svc.department_import(actor=actor, department="civil", region=region, name=name,
                                 data=data)  # fmt: skip


def test_civil_rows_become_alerts_and_bad_rows_are_reported(
    dept: User, household: Household, regions: dict[str, Region]
) -> None:
    wrong_check = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    result = svc.department_import(
        actor=dept, department="civil", region=regions[HENGSHAN], name="民政.csv",
        data=csv_bytes([
            ["姓名", "公民身份号码", "救助类型", "开始日期"],
            ["张三", ZHANG.translate(FULL_WIDTH), "低保", "2025-03-01"],
            ["李四", wrong_check, "低保", "2025-03-01"],
            ["王五", make_id_number(7, birth="19800101"), "特困", "2025-03-01"],
            ["张三", ZHANG, "低保", "2025-03-01"],
            ["李四", LI, "补贴", "2025-03-01"],
            ["李四", LI, "临时救助", "2025-13-01"],
        ]),
    )  # fmt: skip
    assert result.status == "done"  # type: ignore[attr-defined]
    assert (result.total_rows, result.matched_rows, result.unmatched_rows,  # type: ignore[attr-defined]
            result.invalid_rows, result.duplicate_rows) == (6, 1, 1, 3, 1)  # type: ignore[attr-defined]  # fmt: skip
    assert result.alerts_created == 1  # type: ignore[attr-defined]
    alert = Alert.objects.get()
    assert (alert.kind, alert.household_id, alert.year) == (
        AlertKind.SOCIAL_ASSISTANCE,
        household.pk,
        2025,
    )
    assert alert.source_import_id == result.pk  # type: ignore[attr-defined]
    errors = {(e[0], e[1]) for e in result.errors}  # type: ignore[attr-defined]
    assert {(3, "公民身份号码"), (4, "公民身份号码"), (5, "公民身份号码"), (6, "救助类型"),
            (7, "开始日期")} <= errors  # fmt: skip
    # the error report is an xlsx with one row per problem
    report = result.error_report.path  # type: ignore[attr-defined]
    rows = CalamineWorkbook.from_path(report).get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + len(result.errors)  # type: ignore[attr-defined]
    # kept: the matched row and the unmatched one
    assert DepartmentRecord.objects.count() == 2


def test_the_same_file_twice_creates_no_duplicate_records_or_alerts(
    dept: User, household: Household, regions: dict[str, Region]
) -> None:
    rows = [["张三", ZHANG, "低保", "2025-03-01"]]
    civil(dept, regions[HENGSHAN], rows)
    again = civil(dept, regions[HENGSHAN], rows)
    assert again.duplicate_rows == 1  # type: ignore[attr-defined]
    assert again.alerts_created == 0  # type: ignore[attr-defined]
    assert Alert.objects.count() == 1
    assert DepartmentRecord.objects.filter(person__isnull=False).count() == 1


def test_a_person_outside_the_importers_region_is_unmatched(
    dept: User, household: Household, regions: dict[str, Region]
) -> None:
    # 衡山县's department user importing for 开云镇 matches 九龙村; 八里村's region would not
    result = civil(dept, regions["430423100227"], [["张三", ZHANG, "低保", "2025-03-01"]])
    assert (result.matched_rows, result.unmatched_rows) == (0, 1)  # type: ignore[attr-defined]
    assert not Alert.objects.exists()


def test_an_import_outside_the_users_scope_is_refused(
    persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        civil(persona("九龙村村干部"), regions[HENGSHAN], [])


def test_medical_expenses_are_summed_per_household_and_year(
    dept: User, household: Household, regions: dict[str, Region]
) -> None:
    header = ["姓名", "公民身份号码", "年度", "就诊日期", "自付金额（元）"]
    first = svc.department_import(
        actor=dept, department="medical", region=regions[HENGSHAN], name="医保.xlsx",
        data=xlsx_bytes([header, ["张三", ZHANG, 2025, "2025-02-01", "6000"],
                         ["李四", LI, 2025, "2025-04-01", 4000]]),
    )  # fmt: skip
    # 6 000 + 4 000 = 10 000 元: not above the 1 万元 line
    assert first.matched_rows == 2
    assert not Alert.objects.exists()
    svc.department_import(
        actor=dept, department="medical", region=regions[HENGSHAN], name="医保2.xlsx",
        data=xlsx_bytes([header, ["李四", LI, 2025, "2025-05-01", "0.01"]]),
    )  # fmt: skip
    alert = Alert.objects.get()
    assert (alert.kind, alert.amount_fen) == (AlertKind.MEDICAL_EXPENSE, 1_000_001)


def test_wrong_headers_are_named(dept: User, regions: dict[str, Region]) -> None:
    data = csv_bytes([["姓名", "身份证", "类型"], ["张三", ZHANG, "低保"]])
    result = svc.department_import(actor=dept, department="civil", region=regions[HENGSHAN],
                                   name="x.csv", data=data)  # fmt: skip
    assert result.status == "failed"
    assert "公民身份号码" in result.errors[0][2]
    assert "开始日期" in result.errors[0][2]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [("empty.csv", b"", "import_empty"), ("x.pdf", b"%PDF", "import_file_type")],
)
def test_bad_uploads_are_refused(
    dept: User, regions: dict[str, Region], name: str, data: bytes, code: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        svc.department_import(actor=dept, department="civil", region=regions[HENGSHAN],
                              name=name, data=data)  # fmt: skip
    assert exc.value.code == code


def test_a_broken_xlsx_fails_cleanly(dept: User, regions: dict[str, Region]) -> None:
    result = svc.department_import(actor=dept, department="civil", region=regions[HENGSHAN],
                                   name="x.xlsx", data=b"not a zip")  # fmt: skip
    assert result.status == "failed"
    assert result.errors


def test_a_blank_file_with_only_spaces_is_empty(dept: User, regions: dict[str, Region]) -> None:
    result = svc.department_import(actor=dept, department="civil", region=regions[HENGSHAN],
                                   name="x.csv", data=b"\n\n")  # fmt: skip
    assert result.status == "failed"


@pytest.mark.parametrize("department", sorted(sheets.TEMPLATES))
def test_each_template_reads_back_its_own_headers(department: str) -> None:
    data = sheets.template_bytes(department)
    header, rows = sheets.read_table("t.xlsx", data)
    assert header == sheets.TEMPLATES[department].headers
    assert rows == []


def test_rescreening_the_year_keeps_the_import_alerts_single(
    dept: User, household: Household, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    civil(dept, regions[HENGSHAN], [["张三", ZHANG, "低保", "2025-03-01"]])
    run = svc.screening_run(actor=persona("开云镇干部"), region=regions["430423100000"],
                            year=2025)  # fmt: skip
    assert run.alerts_created == 0
    assert Alert.objects.count() == 1


def test_a_year_int_refuses_is_a_row_error(
    dept: User, household: Household, regions: dict[str, Region]
) -> None:
    """² passes isdigit() but not int(): the row is refused with its column, not a 500."""
    header = ["姓名", "公民身份号码", "年度", "就诊日期", "自付金额（元）"]
    result = svc.department_import(
        actor=dept, department="medical", region=regions[HENGSHAN], name="医保.xlsx",
        data=xlsx_bytes([header, ["张三", ZHANG, "²⁰²⁵", "2025-02-01", "6000"]]),
    )  # fmt: skip
    assert (result.status, result.matched_rows, result.invalid_rows) == ("done", 0, 1)
    assert result.errors[0][1:3] == ["年度", "年度无效"]
