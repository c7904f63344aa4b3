"""Household spreadsheet import: what is imported, and every bad cell reported by row and column."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from python_calamine import CalamineWorkbook

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.idnumber import check_char, upgrade_15
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.core.services.audit import audit_verify
from cunwu.registry.imports import (
    HEADERS,
    LOSSY_ID,
    ImportResult,
    households_check,
    households_import,
    template_bytes,
    write_error_report,
)
from cunwu.registry.models import Household, LifeEvent, LifeEventKind, Person
from cunwu.registry.services import person_id_number, person_phone
from cunwu.testing import make_household, make_id_number

from .test_import_support import counts, row, write_csv, write_xlsx

Writer = Callable[[Path, Sequence[dict[str, Any]]], Path]
WRITERS: dict[str, Writer] = {"csv": write_csv, "xlsx": write_xlsx}

HEAD_ID = make_id_number(11, birth="19700101")
WIFE_ID = make_id_number(12, birth="19720304")
OLD_ID = make_id_number(13, birth="19600101")
FIXTURE_HEAD_ID = make_id_number(1, birth="19700101")  # 张三 of the ``household`` fixture


LONER = row(户编号="0102", 姓名="王五", 与户主关系="户主", 公民身份号码=OLD_ID)


def _family() -> list[dict[str, Any]]:
    return [
        row(
            户编号="0101",
            村民小组="第一组",
            住址="九龙村1号",
            户类型="低保户、脱贫户",
            姓名="𠮷祥",
            与户主关系="户主",
            公民身份号码=HEAD_ID,
            联系电话="13800001111",
            民族="汉族",
            文化程度="初中",
            健康状况="健康",
            劳动技能="普通劳动力",
            务工状况="省外务工",
            务工地点="广东省深圳市",
            参加医保="是",
            参加养老保险="是",
        ),
        row(
            户编号="0101",
            姓名="䶮红",
            与户主关系="配偶",
            公民身份号码=WIFE_ID,
            联系电话="0734-1234567",
            民族="瑶族",
            参加医保="是",
            参加养老保险="否",
        ),
        row(
            户编号="0101",
            姓名="𠮷小明",
            与户主关系="子",
            暂无身份证号原因="新生儿未办理",
            性别="男",
            出生日期="2024-05-06",
        ),
        row(户编号="0102", 村民小组="第二组", 姓名="王五", 与户主关系="户主", 公民身份号码=OLD_ID),
    ]


@pytest.fixture
def groups(jiulong: Region) -> list[VillageGroup]:
    return [
        VillageGroup.objects.create(village=jiulong, name="第一组", number=1),
        VillageGroup.objects.create(village=jiulong, name="第二组", number=2),
    ]


def _errors(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(r, c, m) for r, c, m, _v in result.errors]


# ---------------------------------------------------------------- the template


def test_template_has_the_chinese_headers_in_order_and_a_notes_sheet(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_bytes())
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["户籍人口", "填写说明"]
    (header,) = workbook.get_sheet_by_index(0).to_python()
    assert header == list(HEADERS)
    assert header[:7] == [
        "户编号",
        "村民小组",
        "住址",
        "户类型",
        "姓名",
        "与户主关系",
        "公民身份号码",
    ]
    for required in ("联系电话", "户类型", "村民小组", "与户主关系"):
        assert required in header
    notes = workbook.get_sheet_by_index(1).to_python()
    assert notes[0] == ["列名", "是否必填", "说明"]
    assert [r[0] for r in notes[1:22]] == list(HEADERS)
    assert {r[0] for r in notes[1:22] if r[1] == "必填"} == {
        "户编号",
        "姓名",
        "与户主关系",
        "公民身份号码",
    }


# ---------------------------------------------------------------- valid files


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_valid_file_imports_households_persons_life_events_and_audit_events(
    kind: str, tmp_path: Path, staff: User, jiulong: Region, groups: list[VillageGroup]
) -> None:
    path = WRITERS[kind](tmp_path / f"户籍.{kind}", _family())
    preview = households_check(actor=staff, village=jiulong, path=path)
    assert (preview.ok, preview.rows, preview.households, preview.persons) == (True, 4, 2, 4)
    assert counts() == (0, 0, 0, 0)

    result = households_import(actor=staff, village=jiulong, path=path)

    assert (result.ok, result.imported, result.households, result.persons) == (True, True, 2, 4)
    assert result.summary() == "已导入2户，4人"
    assert counts() == (2, 4, 4, 3)
    first = Household.objects.get(village=jiulong, number="0101")
    assert (first.group, first.address, first.tags, first.county_code) == (
        groups[0],
        "九龙村1号",
        "|脱贫户|低保户|",
        "430423",
    )
    second = Household.objects.get(village=jiulong, number="0102")
    assert (second.group, second.address, second.tags) == (groups[1], "", "")
    head, wife, son = first.members.order_by("id")
    assert (head.name, head.relation, head.gender, head.birth_date) == (
        "𠮷祥",
        "户主",
        "男",
        date(1970, 1, 1),
    )
    assert (person_id_number(head), person_phone(head), head.phone_masked) == (
        HEAD_ID,
        "13800001111",
        "138****1111",
    )
    assert (head.education, head.health, head.labour_ability, head.work_status) == (
        "初中",
        "健康",
        "普通劳动力",
        "省外务工",
    )
    assert (head.work_place, head.medical_insurance, head.pension_insurance) == (
        "广东省深圳市",
        True,
        True,
    )
    assert (wife.name, wife.gender, wife.birth_date, wife.ethnicity) == (
        "䶮红",
        "女",
        date(1972, 3, 4),
        "瑶族",
    )
    assert (person_phone(wife), wife.medical_insurance, wife.pension_insurance) == (
        "0734-1234567",
        True,
        False,
    )
    assert (son.name, son.id_number_enc, son.id_number_index, son.id_pending_reason) == (
        "𠮷小明",
        "",
        None,
        "新生儿未办理",
    )
    assert (son.gender, son.birth_date, son.ethnicity) == ("男", date(2024, 5, 6), "汉族")
    assert second.members.get().ethnicity == "汉族"
    events = LifeEvent.objects.filter(household__village=jiulong)
    assert sorted(events.values_list("person__name", "kind", "recorded_by")) == sorted(
        (name, LifeEventKind.REGISTERED, staff.pk) for name in ("𠮷祥", "䶮红", "𠮷小明", "王五")
    )
    audit = list(AuditEvent.objects.order_by("seq").values_list("action", "object_id", "payload"))
    assert [a[:2] for a in audit] == [
        ("registry.household_create", str(first.pk)),
        ("registry.household_create", str(second.pk)),
        ("registry.import", jiulong.code),
    ]
    assert audit[0][2]["head"] == {
        "name": "𠮷祥",
        "relation": "户主",
        "id_masked": HEAD_ID[:6] + "********" + HEAD_ID[-4:],
        "household": "0101",
        "status": "active",
    }
    assert audit[0][2]["members"] == ["䶮红", "𠮷小明"]
    assert audit[2][2]["households"] == 2 and audit[2][2]["persons"] == 4
    stored = json.dumps([a[2] for a in audit], ensure_ascii=False)
    for full in (HEAD_ID, WIFE_ID, OLD_ID, "13800001111"):
        assert full not in stored
    assert audit_verify() == (3, None)


def test_gbk_and_gb18030_csv_files_keep_every_character(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    gbk = write_csv(
        tmp_path / "gbk.csv",
        [row(户编号="0301", 姓名="张三丰", 与户主关系="户主", 公民身份号码=HEAD_ID)],
        encoding="gbk",
    )
    rare = write_csv(
        tmp_path / "gb18030.csv",
        [row(户编号="0302", 姓名="𠮷䶮", 与户主关系="户主", 公民身份号码=WIFE_ID)],
        encoding="gb18030",
    )
    assert households_import(actor=staff, village=jiulong, path=gbk).ok
    assert households_import(actor=staff, village=jiulong, path=rare).ok
    assert sorted(Person.objects.values_list("name", flat=True)) == ["张三丰", "𠮷䶮"]


def test_xlsx_numbers_keep_their_digits_and_dates_are_read(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    old15 = "430423800101007"  # a 15-digit number fits a spreadsheet number exactly
    path = write_xlsx(
        tmp_path / "numbers.xlsx",
        [
            row(户编号=401, 姓名="赵一", 与户主关系="户主", 公民身份号码=int(old15),
                联系电话=13800001234),
            row(户编号=401, 姓名="赵二", 与户主关系="女", 暂无身份证号原因="未办理",
                出生日期=date(2019, 7, 8), 性别="女", 参加医保=True),
        ],
    )  # fmt: skip
    result = households_import(actor=staff, village=jiulong, path=path)
    assert result.ok, result.errors
    head, daughter = Person.objects.order_by("id")
    assert head.household.number == "401"
    assert (person_id_number(head), person_phone(head)) == (upgrade_15(old15), "13800001234")
    assert (daughter.birth_date, daughter.gender, daughter.medical_insurance) == (
        date(2019, 7, 8),
        "女",
        True,
    )


def test_xlsx_id_number_stored_as_a_number_is_reported_not_guessed(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    path = write_xlsx(
        tmp_path / "lossy.xlsx",
        [row(户编号="0501", 姓名="钱一", 与户主关系="户主", 公民身份号码=int(HEAD_ID[:17] + "1"))],
    )
    result = households_check(actor=staff, village=jiulong, path=path)
    assert _errors(result) == [(2, "公民身份号码", LOSSY_ID)]


def test_csv_id_number_in_scientific_notation_is_reported(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    path = write_csv(
        tmp_path / "sci.csv",
        [row(户编号="0502", 姓名="钱二", 与户主关系="户主", 公民身份号码="4.30423E+17")],
    )
    assert _errors(households_check(actor=staff, village=jiulong, path=path)) == [
        (2, "公民身份号码", LOSSY_ID)
    ]


def test_unknown_group_is_created_only_when_asked(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    path = write_csv(
        tmp_path / "g.csv",
        [
            row(
                户编号="0601",
                村民小组="第七组",
                姓名="孙一",
                与户主关系="户主",
                公民身份号码=HEAD_ID,
            )
        ],
    )
    preview = households_check(actor=staff, village=jiulong, path=path, create_groups=True)
    assert (preview.ok, preview.new_groups) == (True, ["第七组"])
    assert preview.summary() == "校验通过，可导入1户，1人（将新建村民小组：第七组）"
    assert not VillageGroup.objects.exists()
    result = households_import(actor=staff, village=jiulong, path=path, create_groups=True)
    assert result.summary() == "已导入1户，1人（新建村民小组：第七组）"
    group = VillageGroup.objects.get(village=jiulong)
    assert (group.name, Household.objects.get().group) == ("第七组", group)
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "core.group_create",
        "registry.household_create",
        "registry.import",
    ]
    assert audit_verify() == (3, None)


# ---------------------------------------------------------------- bad cells


def _bad_rows() -> list[dict[str, Any]]:
    bad_check = HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")
    first17 = "43042319800230001"
    bad_birth = first17 + check_char(first17)
    return [
        row(户编号="0201", 姓名="张甲", 与户主关系="户主", 公民身份号码=HEAD_ID),
        row(户编号="0201", 姓名="张乙", 与户主关系="配偶", 公民身份号码=bad_check),
        row(户编号="0201", 姓名="张丙", 与户主关系="子", 公民身份号码=HEAD_ID),
        row(户编号="0202", 姓名="李甲", 与户主关系="户主", 公民身份号码=FIXTURE_HEAD_ID),
        row(户编号="0203", 村民小组="第九组", 姓名="王甲", 与户主关系="户主",
            公民身份号码=WIFE_ID),
        row(户编号="0204", 姓名="赵甲", 与户主关系="户主", 公民身份号码=bad_birth),
        row(户编号="0205", 姓名="", 与户主关系="户主", 公民身份号码=OLD_ID),
        row(户编号="0206", 姓名="钱甲", 与户主关系="户主", 暂无身份证号原因="新生儿",
            出生日期="2020-02-30"),
    ]  # fmt: skip


BAD_CELLS = [
    (3, "公民身份号码", f"公民身份号码校验位错误（应为{HEAD_ID[17]}），请核对"),
    (4, "公民身份号码", "与第2行的公民身份号码重复"),
    (5, "公民身份号码", "公民身份号码已登记在九龙村委会户0001（张三）"),
    (6, "村民小组", "村民小组“第九组”不存在（本村现有：无）；"
                    "请先建立该小组，或选择“自动创建村民小组”"),
    (7, "公民身份号码", "公民身份号码中的出生日期19800230不存在"),
    (8, "姓名", "姓名不能为空"),
    (9, "出生日期", "出生日期“2020-02-30”不存在"),
]  # fmt: skip


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("run", [households_check, households_import])
@pytest.mark.usefixtures("household")
def test_every_bad_cell_is_reported_by_row_and_column_and_nothing_changes(
    kind: str, run: Callable[..., ImportResult], tmp_path: Path, staff: User, jiulong: Region
) -> None:
    path = WRITERS[kind](tmp_path / f"bad.{kind}", _bad_rows())
    before = counts()
    result = run(actor=staff, village=jiulong, path=path)
    assert (result.ok, result.imported, result.error_count) == (False, False, 7)
    assert _errors(result) == BAD_CELLS
    assert result.summary() == "发现7处错误，未导入任何数据"
    assert counts() == before


def test_error_report_lists_row_column_message_and_masked_value(
    tmp_path: Path, staff: User, jiulong: Region, household: Household
) -> None:
    result = households_check(
        actor=staff, village=jiulong, path=write_csv(tmp_path / "bad.csv", _bad_rows())
    )
    report = tmp_path / "report.xlsx"
    write_error_report(result.errors, report)
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["行号", "列名", "错误说明", "填写内容"]
    assert [(int(r[0]), r[1], r[2]) for r in rows[1:]] == BAD_CELLS
    bad_check = _bad_rows()[1]["公民身份号码"]
    assert rows[1][3] == bad_check[:6] + "********" + bad_check[-4:]  # IDs appear masked
    assert rows[6][3] == ""  # the empty name


def test_one_row_reports_all_its_bad_cells(tmp_path: Path, staff: User, jiulong: Region) -> None:
    path = write_csv(
        tmp_path / "many.csv",
        [
            row(户编号="0701", 姓名="", 与户主关系="户长", 公民身份号码="123",
                联系电话="12345", 参加医保="也许")
        ],
    )  # fmt: skip
    result = households_check(actor=staff, village=jiulong, path=path)
    assert [(r, c) for r, c, _m in _errors(result)] == [
        (2, "姓名"),
        (2, "与户主关系"),
        (2, "公民身份号码"),
        (2, "联系电话"),
        (2, "参加医保"),
    ]
    messages = [m for _r, _c, m in _errors(result)]
    assert messages[2] == "公民身份号码应为18位（当前3位）"
    assert messages[4] == "只能填“是”或“否”"


def test_unknown_header_is_reported_not_ignored(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    path = write_csv(
        tmp_path / "extra.csv",
        [row(户编号="0801", 姓名="周一", 与户主关系="户主", 公民身份号码=HEAD_ID, 备注="x")],
        headers=[*HEADERS, "备注"],
    )
    result = households_import(actor=staff, village=jiulong, path=path)
    assert _errors(result) == [(1, "备注", f"未知的列“备注”，可用的列：{'、'.join(HEADERS)}")]
    assert counts() == (0, 0, 0, 0)


def test_missing_required_column_is_reported(tmp_path: Path, staff: User, jiulong: Region) -> None:
    headers = [h for h in HEADERS if h != "与户主关系"]
    path = write_csv(
        tmp_path / "missing.csv",
        [row(户编号="0802", 姓名="周二", 公民身份号码=HEAD_ID)],
        headers=headers,
    )
    result = households_check(actor=staff, village=jiulong, path=path)
    assert _errors(result)[0] == (1, "与户主关系", "缺少必填列“与户主关系”")


def test_household_rules_heads_numbers_and_agreeing_columns(
    tmp_path: Path, staff: User, jiulong: Region, household: Household, groups: list[VillageGroup]
) -> None:
    path = write_csv(
        tmp_path / "households.csv",
        [
            row(户编号="0901", 村民小组="第一组", 姓名="吴一", 与户主关系="户主",
                公民身份号码=HEAD_ID),
            row(户编号="0901", 村民小组="第二组", 姓名="吴二", 与户主关系="户主",
                公民身份号码=WIFE_ID),
            row(户编号="0902", 姓名="吴三", 与户主关系="配偶", 公民身份号码=OLD_ID),
            row(户编号="0001", 姓名="吴四", 与户主关系="户主",
                公民身份号码=make_id_number(21)),
            row(户编号="", 姓名="吴五", 与户主关系="户主", 公民身份号码=make_id_number(22)),
            row(户编号="0903", 姓名="吴六", 与户主关系="户主", 公民身份号码=make_id_number(23),
                性别="女", 出生日期="1980-01-02"),
        ],
    )  # fmt: skip
    assert _errors(households_check(actor=staff, village=jiulong, path=path)) == [
        (3, "村民小组", "与本户第2行填写的“第一组”不一致"),
        (3, "与户主关系", "户0901已有户主（第2行）"),
        (4, "与户主关系", "户0902没有户主（须有一名成员的“与户主关系”填“户主”）"),
        (5, "户编号", "户编号0001在本村已存在"),
        (6, "户编号", "户编号不能为空"),
        (7, "性别", "性别与公民身份号码不符（号码显示为男）"),
        (7, "出生日期", "出生日期与公民身份号码不符（号码显示为1980年1月1日）"),
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_id_repeated_in_the_file_is_caught_by_the_import_and_nothing_is_written(
    kind: str, tmp_path: Path, staff: User, jiulong: Region
) -> None:
    rows = [
        row(户编号="0601", 姓名="甲", 与户主关系="户主", 公民身份号码=HEAD_ID),
        *[
            row(户编号=f"06{n:02d}", 姓名=f"人{n}", 与户主关系="户主",
                公民身份号码=make_id_number(n, birth="19900101"))
            for n in range(2, 30)
        ],
        row(户编号="0601", 姓名="乙", 与户主关系="子", 公民身份号码=HEAD_ID),
    ]  # fmt: skip
    result = households_import(
        actor=staff, village=jiulong, path=WRITERS[kind](tmp_path / f"dup.{kind}", rows)
    )
    assert _errors(result) == [(31, "公民身份号码", "与第2行的公民身份号码重复")]
    assert counts() == (0, 0, 0, 0)


def test_id_registered_after_the_preview_is_caught_by_the_import(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    path = write_csv(tmp_path / "late.csv", [LONER])
    assert households_check(actor=staff, village=jiulong, path=path).ok
    make_household(staff, jiulong, "0777", "先登记", head_id=OLD_ID)
    before = counts()
    result = households_import(actor=staff, village=jiulong, path=path)
    assert _errors(result) == [
        (2, "公民身份号码", "公民身份号码已登记在九龙村委会户0777（先登记）")
    ]
    assert counts() == before


def test_empty_file_and_header_only_file(tmp_path: Path, staff: User, jiulong: Region) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ApplicationError) as exc:
        households_check(actor=staff, village=jiulong, path=empty)
    assert exc.value.message == "文件是空的"
    header_only = write_csv(tmp_path / "header.csv", [])
    assert _errors(households_import(actor=staff, village=jiulong, path=header_only)) == [
        (2, "", "文件中没有数据行")
    ]


def test_big_xlsx_is_refused_with_advice_to_use_csv(
    tmp_path: Path, staff: User, jiulong: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cunwu.registry import imports

    path = write_xlsx(tmp_path / "big.xlsx", [LONER])
    monkeypatch.setattr(imports, "XLSX_MAX_BYTES", 1024)
    with pytest.raises(ApplicationError) as exc:
        households_check(actor=staff, village=jiulong, path=path)
    assert exc.value.message == (
        "xlsx文件超过1 KB，读取时占用内存过多；请在表格软件中另存为“CSV UTF-8”后导入"
    )


def test_row_estimates_for_the_progress_bar(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from cunwu.registry.imports import estimate_rows

    rows = [LONER] * 7
    assert estimate_rows(write_csv(tmp_path / "a.csv", rows)) == 7
    assert estimate_rows(write_xlsx(tmp_path / "a.xlsx", rows)) == 7  # declared dimension
    streamed = Workbook(write_only=True)
    sheet = streamed.create_sheet()
    for n in range(12):
        sheet.append([n])
    streamed.save(tmp_path / "b.xlsx")
    assert estimate_rows(tmp_path / "b.xlsx") == 11  # no dimension: rows counted


def test_not_a_spreadsheet_is_a_chinese_error(tmp_path: Path, staff: User, jiulong: Region) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ApplicationError) as exc:
        households_check(actor=staff, village=jiulong, path=fake)
    assert exc.value.code == "import_not_spreadsheet"
    assert "无法读取表格文件" in exc.value.message


@pytest.mark.parametrize("name", ["另一村的村干部", "九龙村监委会委员", "八里村村干部"])
def test_import_outside_edit_scope_is_refused(
    name: str, tmp_path: Path, persona: Callable[[str], User], jiulong: Region
) -> None:
    path = write_csv(tmp_path / "f.csv", [LONER])
    with pytest.raises(PermissionDenied):
        households_import(actor=persona(name), village=jiulong, path=path)
    assert counts() == (0, 0, 0, 0)


def test_township_staff_import_into_a_village_of_the_township(
    tmp_path: Path, persona: Callable[[str], User], jiulong: Region
) -> None:
    path = write_csv(tmp_path / "f.csv", [LONER])
    result = households_import(actor=persona("开云镇干部"), village=jiulong, path=path)
    assert (result.ok, counts()) == (True, (1, 1, 1, 2))


def test_error_report_writes_what_looks_like_a_formula_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = tmp_path / "report.xlsx"
    write_error_report(
        [
            (2, "姓名", "姓名不能含公式", '=HYPERLINK("http://x.example","点我")'),
            (3, "住址", "太长", "-1"),
        ],
        report,
    )
    sheet = load_workbook(report).active
    assert sheet is not None
    assert sheet["D2"].data_type == "s"
    assert sheet["D2"].value == '\'=HYPERLINK("http://x.example","点我")'
    assert sheet["D3"].value == "'-1"
