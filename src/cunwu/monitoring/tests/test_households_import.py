"""脱贫户 import: all or nothing, every bad cell with its row and column, xlsx and csv."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.monitoring.models import PovertyExit
from cunwu.monitoring.services.households import exits_import
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def two(household: Household, cadre: User) -> Household:
    return make_household(cadre, household.village, "0002", "王五", head_id=make_id_number(50))


def test_good_sheet_is_imported(
    household: Household, two: Household, cadre: User, jiulong: Region
) -> None:
    data = xlsx([["户编号", "脱贫年度", "保持政策"], ["0001", 2016, "教育资助、医疗保障"],
                 ["0002", "2019", None]])  # fmt: skip
    result = exits_import(actor=cadre, village=jiulong, file_name="脱贫户.xlsx", data=data)
    assert (result.errors, result.count) == ([], 2)
    by_number = {e.household.number: e for e in PovertyExit.objects.select_related("household")}
    assert by_number["0001"].exit_year == 2016
    assert by_number["0001"].policies == ["教育资助", "医疗保障"]
    assert by_number["0002"].policies == []
    assert all("脱贫户" in h.tag_list for h in Household.objects.all())
    assert AuditEvent.objects.filter(action="monitoring.exits_import").count() == 1


def test_bad_rows_are_reported_and_nothing_is_imported(
    household: Household, two: Household, cadre: User, jiulong: Region
) -> None:
    data = xlsx([
        ["户编号", "脱贫年度", "保持政策"],
        ["0001", 2016, ""],
        ["9999", 2016, ""],  # unknown household
        ["0002", 2012, "发钱"],  # year too early, unknown policy
        ["0001", 2017, ""],  # twice in the file
        ["", "二〇一八", ""],
    ])  # fmt: skip
    result = exits_import(actor=cadre, village=jiulong, file_name="x.xlsx", data=data)
    assert result.count == 0
    assert [(r, c) for r, c, _m, _v in result.errors] == [
        (3, "户编号"), (4, "脱贫年度"), (4, "保持政策"), (5, "户编号"), (6, "户编号"),
        (6, "脱贫年度"),
    ]  # fmt: skip
    assert result.errors[0][2] == "本村没有这个户编号"
    assert result.errors[3][2] == "与第2行重复"
    assert not PovertyExit.objects.exists()
    assert "脱贫户" not in Household.objects.get(pk=household.pk).tag_list


def test_household_of_another_village_is_unknown(
    household: Household, cadre: User, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    bali = regions["430423100227"]
    make_household(persona("八里村村干部"), bali, "0007", "周八", head_id=make_id_number(70))
    data = xlsx([["户编号", "脱贫年度"], ["0007", 2016]])
    result = exits_import(actor=cadre, village=household.village, file_name="x.xlsx", data=data)
    assert result.errors == [(2, "户编号", "本村没有这个户编号", "0007")]


def test_csv_in_gbk_and_missing_column(household: Household, cadre: User, jiulong: Region) -> None:
    data = "户编号,脱贫年份,政策\n0001,2015,兜底保障\n".encode("gb18030")
    result = exits_import(actor=cadre, village=jiulong, file_name="x.csv", data=data)
    assert result.count == 1 and PovertyExit.objects.get().policies == ["兜底保障"]
    result = exits_import(actor=cadre, village=jiulong, file_name="x.csv",
                          data="户编号,备注\n0001,x\n".encode())  # fmt: skip
    assert result.errors == [(1, "脱贫年度", "缺少此列", "")]


def test_bad_files_are_refused(household: Household, cadre: User, jiulong: Region) -> None:
    for name, data, code in [("x.txt", b"a", "import_file_type"), ("x.xlsx", b"", "import_empty")]:
        with pytest.raises(ApplicationError) as err:
            exits_import(actor=cadre, village=jiulong, file_name=name, data=data)
        assert (err.value.field, err.value.code) == ("file", code)
    # a damaged xlsx is read as what it is (text without the columns): reported, never a 500
    try:
        result = exits_import(actor=cadre, village=jiulong, file_name="x.xlsx", data=b"PK\x03junk")
    except ApplicationError as exc:
        assert exc.field == "file"
    else:
        assert result.errors and result.count == 0
    assert not PovertyExit.objects.exists()


def test_import_needs_manage(household: Household, outsider: User, jiulong: Region) -> None:
    with pytest.raises(PermissionDenied):
        exits_import(actor=outsider, village=jiulong, file_name="x.csv", data=b"a")


def test_import_page(client: Any, household: Household, cadre: User, jiulong: Region) -> None:
    client.force_login(cadre)
    assert client.get("/monitoring/exits/import/").status_code == 200
    next_year = timezone.localdate().year + 1
    bad = SimpleUploadedFile("x.xlsx", xlsx([["户编号", "脱贫年度"], ["0001", next_year]]))
    r = client.post("/monitoring/exits/import/", {"village": jiulong.code, "file": bad})
    assert r.status_code == 200 and "未导入任何脱贫户" in r.content.decode()
    assert not PovertyExit.objects.exists()
    good = SimpleUploadedFile("x.xlsx", xlsx([["户编号", "脱贫年度"], ["0001", 2020]]))
    r = client.post("/monitoring/exits/import/", {"village": jiulong.code, "file": good})
    assert r.status_code == 302
    assert PovertyExit.objects.get().exit_year == 2020


def test_import_over_the_api(api_as: Any, household: Household, jiulong: Region) -> None:
    api = api_as("九龙村村干部")
    bad = SimpleUploadedFile("x.xlsx", xlsx([["户编号", "脱贫年度"], ["0009", 2016]]))
    r = api.client.post(f"/api/v1/monitoring/exits/import?village={jiulong.code}",
                        {"file": bad}, headers=api.headers)  # fmt: skip
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"row": 2, "column": "户编号", "message": "本村没有这个户编号", "value": "0009"}
    ]
    good = SimpleUploadedFile("x.xlsx", xlsx([["户编号", "脱贫年度"], ["0001", 2016]]))
    r = api.client.post(f"/api/v1/monitoring/exits/import?village={jiulong.code}",
                        {"file": good}, headers=api.headers)  # fmt: skip
    assert r.status_code == 201 and r.json()["count"] == 1
    outsider = api_as("另一村的村干部")
    again = SimpleUploadedFile("x.xlsx", xlsx([["户编号", "脱贫年度"], ["0001", 2016]]))
    r = outsider.client.post(f"/api/v1/monitoring/exits/import?village={jiulong.code}",
                             {"file": again}, headers=outsider.headers)  # fmt: skip
    assert r.status_code == 404
