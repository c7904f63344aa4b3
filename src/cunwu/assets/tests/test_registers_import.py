"""资产资源台账导入: the template, each kind of bad cell with its row, column and message, all or
nothing, exact values of a good file, csv in GBK, the page flow, scope and the API."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cunwu.accounts.models import User
from cunwu.assets import sheets_registers as sheets
from cunwu.assets.models import Asset, AssetStatus
from cunwu.assets.services import registers as services
from cunwu.assets.services.registers import AssetData
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.testing import JIULONG, TEST_PASSWORD, business_events

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = list(sheets.HEADERS)
GOOD = [
    ["", "房屋建筑物", "村部闲置厂房", "九龙村二组", "320", "平方米", "12000.50", "9000",
     "9600", "2015-06-30", "自建", "闲置", "砖混结构"],
    ["JL-007", "耕地", "机动地", "三组河边", "12.5", "亩", "", "", "", "", "", "出租发包", ""],
    ["", "机器设备", "碾米机", "", "2", "台", "3800", "", "", "2020/3/1", "购置", "", ""],
]  # fmt: skip


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    lines = [",".join(HEADER), *(",".join(str(c) for c in r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(**cells: Any) -> list[Any]:
    """A good row of the template with some cells changed (by header)."""
    values = dict(zip(HEADER, GOOD[0], strict=True)) | {
        h: cells[f] for f, h in sheets.BY_FIELD.items() if f in cells
    }
    return [values[h] for h in HEADER]


def counts() -> tuple[int, int]:
    return Asset.objects.count(), business_events().count()


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


def check(cadre: User, village: Region, data: bytes, name: str = "台账.xlsx") -> Any:
    return services.assets_import(actor=cadre, village=village, file_name=name, data=data,
                                  dry_run=True)  # fmt: skip


def test_the_template_has_the_headers_and_a_sheet_of_choices() -> None:
    wb = load_workbook(io.BytesIO(sheets.template_bytes()))
    assert wb.sheetnames == ["资产资源台账", "可选值", "填写说明"]
    first = [c.value for c in wb["资产资源台账"][1]]
    assert first == [
        "台账编号", "类别", "名称", "坐落位置", "面积或数量", "单位", "原值（元）",
        "账面价值（元）", "参考年租金（元）", "取得日期", "取得方式", "使用状态", "备注",
    ]  # fmt: skip
    choices = list(wb["可选值"].iter_rows(values_only=True))
    assert choices[0] == ("类别", "资产类型", "使用状态")
    categories = [r[0] for r in choices[1:] if r[0]]
    assert len(categories) == 15 and categories[:2] == ["对外投资及借出款", "房屋建筑物"]
    assert "耕地" in categories and "闲置宅基地" in categories
    statuses = [r[2] for r in choices[1:] if r[2]]
    assert statuses == ["自营自用", "出租发包", "闲置", "被占用（无合同）"]
    notes = {r[0]: r[1] for r in wb["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert [h for h, required in notes.items() if required == "是"] == [
        "类别", "名称", "面积或数量", "单位",
    ]  # fmt: skip


def test_the_template_as_downloaded_imports_nothing_but_says_so(
    cadre: User, jiulong: Region
) -> None:
    with pytest.raises(ApplicationError) as exc:
        check(cadre, jiulong, sheets.template_bytes())
    assert (exc.value.code, exc.value.message) == ("import_no_rows", "文件中没有台账数据")


@pytest.mark.parametrize(
    ("cells", "column", "message", "value"),
    [
        ({"category": "厂房"}, "类别", "类别“厂房”不在可选范围内，请按“可选值”表填写", "厂房"),
        ({"category": ""}, "类别", "请填写类别", ""),
        ({"original_value": "-5"}, "原值（元）", "原值不能为负数", "-5"),
        ({"book_value": "-0.01"}, "账面价值（元）", "账面价值不能为负数", "-0.01"),
        ({"reference_price": "1.234"}, "参考年租金（元）",
         "参考年租金：金额“1.234”最多保留两位小数", "1.234"),
        ({"quantity": "1.005"}, "面积或数量", "面积或数量最多保留两位小数", "1.005"),
        ({"quantity": "0"}, "面积或数量", "面积或数量应大于0", "0"),
        ({"quantity": ""}, "面积或数量", "面积或数量“”不是有效数字", ""),
        ({"acquired_on": "2015-13-01"}, "取得日期", "取得日期“2015-13-01”不存在", "2015-13-01"),
        ({"acquired_on": "去年"}, "取得日期", "取得日期“去年”无法识别，请按 2015-06-30 填写",
         "去年"),
        ({"acquired_on": "1900-01-01"}, "取得日期", "取得日期不能早于1949年10月1日",
         "1900-01-01"),
        ({"name": ""}, "名称", "请填写名称", ""),
        ({"name": "厂" * 61}, "名称", "名称至多60字", "厂" * 61),
        ({"unit": ""}, "单位", "请填写单位", ""),
        ({"status": "已处置"}, "使用状态", "“已处置”只能通过资产处置（须经民主决策）登记",
         "已处置"),
        ({"status": "在用"}, "使用状态", "使用状态“在用”不在可选范围内，请按“可选值”表填写",
         "在用"),
        ({"number": "ZC 01"}, "台账编号", "台账编号为1到20位字母、数字或“-”，如 ZC-0001",
         "ZC 01"),
    ],
)  # fmt: skip
def test_each_bad_cell_is_reported_with_its_row_and_column_and_nothing_is_saved(
    cadre: User, jiulong: Region, cells: dict[str, Any], column: str, message: str, value: str
) -> None:
    before = counts()
    data = xlsx([GOOD[1], row(**cells)])
    result = services.assets_import(
        actor=cadre, village=jiulong, file_name="台账.xlsx", data=data, dry_run=False
    )
    assert result.errors == [(3, column, message, value)]
    assert not result.imported and result.lines == []
    assert counts() == before


def test_a_future_date_is_refused(cadre: User, jiulong: Region) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    result = check(cadre, jiulong, xlsx([row(acquired_on=tomorrow)]))
    assert result.errors == [(2, "取得日期", "取得日期不能晚于今天", tomorrow)]


def test_every_bad_cell_of_a_row_is_reported_in_column_order(cadre: User, jiulong: Region) -> None:
    bad = row(category="厂房", name="", quantity="-1", original_value="1.234", status="已处置")
    result = check(cadre, jiulong, xlsx([GOOD[0], bad]))
    assert result.errors == [
        (3, "类别", "类别“厂房”不在可选范围内，请按“可选值”表填写", "厂房"),
        (3, "名称", "请填写名称", ""),
        (3, "面积或数量", "面积或数量应大于0", "-1"),
        (3, "原值（元）", "原值：金额“1.234”最多保留两位小数", "1.234"),
        (3, "使用状态", "“已处置”只能通过资产处置（须经民主决策）登记", "已处置"),
    ]


def test_a_number_twice_in_the_file_or_already_in_the_register_is_refused(
    cadre: User, jiulong: Region
) -> None:
    services.asset_create(actor=cadre, village=jiulong, data=AssetData(
        category="building", name="老村部", quantity="100", unit="平方米", number="JL-001",
    ))  # fmt: skip
    before = counts()
    rows = [row(number="jl-002"), row(number="JL-002"), row(number="JL-001"), row(number="")]
    result = services.assets_import(
        actor=cadre, village=jiulong, file_name="台账.xlsx", data=xlsx(rows)
    )
    assert result.errors == [
        (3, "台账编号", "与第2行的台账编号重复", "JL-002"),
        (4, "台账编号", "本村已有台账编号“JL-001”", "JL-001"),
    ]
    assert counts() == before


def test_an_unknown_header_and_a_missing_column_are_reported(cadre: User, jiulong: Region) -> None:
    header = [*HEADER, "负责人"]
    result = check(cadre, jiulong, xlsx([[*GOOD[0], "张三"]], header=header))
    assert result.errors == [(1, "负责人", "无法识别的列，请使用模板中的列名", "负责人")]
    without_unit = [h for h in HEADER if h != "单位"]
    data = xlsx([[c for h, c in zip(HEADER, GOOD[0], strict=True) if h != "单位"]],
                header=without_unit)  # fmt: skip
    assert check(cadre, jiulong, data).errors == [(1, "单位", "缺少必填列，请使用下载的模板", "")]


def test_a_good_file_of_three_rows_imports_exactly_those_values(
    cadre: User, jiulong: Region
) -> None:
    events = business_events().count()
    preview = check(cadre, jiulong, xlsx(GOOD))
    assert preview.ok and not preview.imported and Asset.objects.count() == 0
    assert [li.number for li in preview.lines] == ["ZC-0001", "JL-007", "ZC-0002"]
    assert (preview.count, preview.original_value_fen, preview.book_value_fen) == (
        3, 1_580_050, 1_280_000,
    )  # fmt: skip
    result = services.assets_import(
        actor=cadre, village=jiulong, file_name="C:\\台账\\九龙村台账.xlsx", data=xlsx(GOOD)
    )
    assert result.imported and result.count == 3
    got = {
        a.number: (a.category, a.name, a.location, a.quantity, a.unit, a.original_value_fen,
                   a.book_value_fen, a.reference_price_fen, a.acquired_on, a.source, a.status,
                   a.note, a.county_code, a.created_by_id)
        for a in Asset.objects.filter(village=jiulong)
    }  # fmt: skip
    assert got == {
        "ZC-0001": ("building", "村部闲置厂房", "九龙村二组", Decimal("320.00"), "平方米",
                    1_200_050, 900_000, 960_000, date(2015, 6, 30), "自建", AssetStatus.IDLE,
                    "砖混结构", "430423", cadre.pk),
        "JL-007": ("farmland", "机动地", "三组河边", Decimal("12.50"), "亩", 0, 0, None, None,
                   "", AssetStatus.LEASED, "", "430423", cadre.pk),
        "ZC-0002": ("machinery", "碾米机", "", Decimal("2.00"), "台", 380_000, 380_000, None,
                    date(2020, 3, 1), "购置", AssetStatus.SELF_OPERATED, "", "430423",
                    cadre.pk),
    }  # fmt: skip
    new = business_events().filter(pk__gt=0).order_by("pk")
    assert new.count() == events + 4
    creates = list(new.filter(action="assets.asset_create").order_by("pk"))
    assert [e.payload["number"] for e in creates] == ["ZC-0001", "JL-007", "ZC-0002"]
    first = Asset.objects.get(village=jiulong, number="ZC-0001")
    assert creates[0].object_type == "assets.asset" and creates[0].object_id == str(first.pk)
    assert creates[0].payload == {
        "number": "ZC-0001", "category": "building", "name": "村部闲置厂房",
        "quantity": "320.00", "unit": "平方米", "original_value_fen": 1_200_050,
        "book_value_fen": 900_000, "reference_price_fen": 960_000, "status": "idle",
    }  # fmt: skip
    imported = new.get(action="assets.asset_import")
    assert imported.region_id == JIULONG and imported.actor_id == cadre.pk
    assert imported.payload == {
        "file_name": "九龙村台账.xlsx", "rows": 3, "original_value_fen": 1_580_050,
        "book_value_fen": 1_280_000, "first": "ZC-0001", "last": "ZC-0002",
    }  # fmt: skip
    # the next number continues after the imported ones
    again = services.asset_create(actor=cadre, village=jiulong, data=AssetData(
        category="road", name="村道", quantity="1.2", unit="公里"))  # fmt: skip
    assert again.number == "ZC-0003"


def test_csv_in_gbk_and_utf8_with_a_bom_are_read(cadre: User, jiulong: Region) -> None:
    gbk = check(cadre, jiulong, csv_bytes(GOOD, "gbk"), "台账.csv")
    names = [li.fields["name"] for li in gbk.lines]
    assert gbk.ok and names == ["村部闲置厂房", "机动地", "碾米机"]
    assert gbk.lines[0].fields["status"] == AssetStatus.IDLE
    bom = check(cadre, jiulong, csv_bytes(GOOD, "utf-8-sig"), "台账.csv")
    assert [li.fields for li in bom.lines] == [li.fields for li in gbk.lines]
    services.assets_import(actor=cadre, village=jiulong, file_name="台账.csv",
                           data=csv_bytes(GOOD, "gbk"))  # fmt: skip
    assert sorted(Asset.objects.values_list("name", flat=True)) == sorted(
        ["村部闲置厂房", "机动地", "碾米机"]
    )
    bad = check(cadre, jiulong, csv_bytes([row(category="厂房")], "gbk"), "台账.csv")
    assert bad.errors == [(2, "类别", "类别“厂房”不在可选范围内，请按“可选值”表填写", "厂房")]


def test_files_that_cannot_be_read_are_refused_in_chinese(cadre: User, jiulong: Region) -> None:
    for name, data, message in (
        ("台账.pdf", b"%PDF-1.4", "只能上传xlsx或csv文件"),
        ("台账.csv", b"", "文件是空的"),
        ("台账.xlsx", b"PK\x03\x04broken", "无法读取表格文件"),
    ):
        with pytest.raises(ApplicationError) as exc:
            check(cadre, jiulong, data, name)
        assert exc.value.message.startswith(message) and exc.value.field == "file"


def test_only_a_manager_of_the_village_imports(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    from django.core.exceptions import PermissionDenied

    for name in ("九龙村监委会委员", "另一村的村干部", "开云镇干部"):
        with pytest.raises(PermissionDenied):
            check(persona(name), jiulong, xlsx(GOOD))
    assert Asset.objects.count() == 0


# ---------------------------------------------------------------- pages


@pytest.fixture
def client_as(persona: Callable[[str], User]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = Client()
        assert client.login(username=persona(name).username, password=TEST_PASSWORD)
        return client

    return make


def upload(data: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_the_page_flow_upload_preview_confirm(
    client_as: Callable[[str], Client], jiulong: Region
) -> None:
    web = client_as("九龙村村干部")
    listing = web.get(reverse("assets:asset_list")).content.decode()
    assert reverse("assets:import_pick") in listing
    picked = web.get(reverse("assets:import_pick"))
    url = reverse("assets:asset_import", args=[JIULONG])
    assert picked.status_code == 302 and picked["Location"] == url
    page = web.get(url).content.decode()
    assert "下载导入模板" in page
    template = web.get(reverse("assets:import_template", args=[JIULONG]))
    assert template["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(template.content)).sheetnames[1] == "可选值"

    preview = web.post(url, {"file": upload(xlsx(GOOD))}).content.decode()
    assert "校验通过" in preview and "确认导入 3 条台账" in preview
    assert "12,800.00" in preview and "15,800.50" in preview  # book value, original value
    assert "ZC-0001" in preview and "JL-007" in preview
    assert Asset.objects.count() == 0
    token = web.session[f"assets_import:{JIULONG}"]["token"]
    stale = web.post(reverse("assets:import_confirm", args=[JIULONG]), {"token": "x"})
    assert stale.status_code == 302 and Asset.objects.count() == 0
    done = web.post(reverse("assets:import_confirm", args=[JIULONG]), {"token": token})
    assert done.status_code == 302
    assert done["Location"] == reverse("assets:asset_list") + f"?region={JIULONG}"
    assert Asset.objects.filter(village=jiulong).count() == 3
    shown = web.get(done["Location"]).content.decode()
    assert "已导入3条台账，账面价值合计12,800.00元" in shown and "碾米机" in shown
    # the same confirmation twice imports nothing more
    web.post(reverse("assets:import_confirm", args=[JIULONG]), {"token": token})
    assert Asset.objects.count() == 3


def test_the_page_lists_the_errors_and_offers_the_report(
    client_as: Callable[[str], Client], jiulong: Region
) -> None:
    web = client_as("九龙村村干部")
    url = reverse("assets:asset_import", args=[JIULONG])
    before = counts()
    bad = [GOOD[0], row(category="厂房", quantity="1.234"), GOOD[2]]
    page = web.post(url, {"file": upload(xlsx(bad))}).content.decode()
    assert "共 2 处错误，未导入任何台账" in page and "确认导入 " not in page
    assert "类别“厂房”不在可选范围内" in page and "面积或数量最多保留两位小数" in page
    report = web.get(reverse("assets:import_errors", args=[JIULONG]))
    assert report["Content-Type"] == XLSX
    rows = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert rows == [
        ("行号", "列名", "错误说明", "填写内容"),
        (3, "类别", "类别“厂房”不在可选范围内，请按“可选值”表填写", "厂房"),
        (3, "面积或数量", "面积或数量最多保留两位小数", "1.234"),
    ]
    confirm = web.post(reverse("assets:import_confirm", args=[JIULONG]), {"token": ""})
    assert confirm.status_code == 302 and counts()[0] == before[0] == 0
    wrong = web.post(url, {"file": upload(b"%PDF", "x.pdf")}).content.decode()
    assert "只能上传xlsx或csv文件" in wrong


def test_the_report_escapes_formulas(client_as: Callable[[str], Client], jiulong: Region) -> None:
    web = client_as("九龙村村干部")
    url = reverse("assets:asset_import", args=[JIULONG])
    # a csv keeps what was typed as text (an xlsx cell would be a formula already)
    web.post(url, {"file": upload(csv_bytes([row(category="=1+1")]), "台账.csv")})
    report = web.get(reverse("assets:import_errors", args=[JIULONG]))
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert sheet["D2"].value == "'=1+1" and sheet["D2"].data_type == "s"


def test_scope_of_the_import_pages(client_as: Callable[[str], Client], jiulong: Region) -> None:
    url = reverse("assets:asset_import", args=[JIULONG])
    pages = [url, reverse("assets:import_template", args=[JIULONG]),
             reverse("assets:import_errors", args=[JIULONG])]  # fmt: skip
    other = client_as("另一村的村干部")
    for page in pages:
        assert other.get(page).status_code == 404
    assert other.post(url, {"file": upload(xlsx(GOOD))}).status_code == 404
    supervisor = client_as("九龙村监委会委员")
    for page in pages:
        assert supervisor.get(page).status_code == 403
    assert supervisor.post(url, {"file": upload(xlsx(GOOD))}).status_code == 403
    assert supervisor.get(reverse("assets:import_pick")).status_code == 403
    assert (
        reverse("assets:import_pick")
        not in supervisor.get(reverse("assets:asset_list")).content.decode()
    )
    assert client_as("九龙村村干部").get(reverse("assets:asset_import", args=["430423100000"])
                                    ).status_code == 404  # fmt: skip
    assert Asset.objects.count() == 0


# ---------------------------------------------------------------- API


def post_import(api: Any, data: bytes, *, dry_run: str = "false", village: str = JIULONG,
                name: str = "台账.xlsx") -> Any:  # fmt: skip
    return api.client.post(
        f"/api/v1/assets/registers/import?village={village}&dry_run={dry_run}",
        {"file": upload(data, name)}, headers=api.headers,
    )  # fmt: skip


def test_the_api_checks_imports_and_answers_422_with_the_errors(
    api_as: Callable[[str], Any], jiulong: Region
) -> None:
    api = api_as("九龙村村干部")
    before = counts()
    bad = post_import(api, xlsx([GOOD[0], row(original_value="-5"), row(number="JL-007"),
                                 row(number="JL-007")]))  # fmt: skip
    assert bad.status_code == 422
    body = bad.json()
    assert body["code"] == "assets_import_rows"
    assert body["message"] == "共2处错误，未导入任何台账：第3行【原值（元）】原值不能为负数"
    assert [(e["row"], e["column"], e["message"]) for e in body["errors"]] == [
        (3, "原值（元）", "原值不能为负数"),
        (5, "台账编号", "与第4行的台账编号重复"),
    ]
    assert counts() == before

    checked = post_import(api, csv_bytes(GOOD, "gbk"), dry_run="true", name="台账.csv")
    assert checked.status_code == 200
    assert checked.json() == {
        "village": JIULONG, "dry_run": True, "imported": False, "count": 3,
        "original_value_fen": 1_580_050, "book_value_fen": 1_280_000,
        "categories": [
            {"category": "building", "label": "房屋建筑物", "count": 1, "book_value_fen": 900_000},
            {"category": "machinery", "label": "机器设备", "count": 1, "book_value_fen": 380_000},
            {"category": "farmland", "label": "耕地", "count": 1, "book_value_fen": 0},
        ],
        "numbers": ["ZC-0001", "JL-007", "ZC-0002"],
    }  # fmt: skip
    assert counts() == before

    done = post_import(api, xlsx(GOOD))
    assert done.status_code == 201 and done.json()["imported"] is True
    assert Asset.objects.filter(village=jiulong).count() == 3
    again = post_import(api, xlsx(GOOD[1:2]))
    assert again.status_code == 422
    assert again.json()["errors"][0]["message"] == "本村已有台账编号“JL-007”"
    unread = post_import(api, b"%PDF", name="x.pdf")
    assert unread.status_code == 400 and unread.json()["field"] == "file"


def test_scope_of_the_import_api(api_as: Callable[[str], Any], jiulong: Region) -> None:
    assert post_import(api_as("另一村的村干部"), xlsx(GOOD)).status_code == 404
    assert post_import(api_as("九龙村监委会委员"), xlsx(GOOD)).status_code == 403
    assert post_import(api_as("九龙村村干部"), xlsx(GOOD), village="430423100000"
                       ).status_code == 404  # fmt: skip
    assert post_import(api_as("九龙村村干部"), xlsx(GOOD), village="x").status_code == 422
    assert Asset.objects.count() == 0
    assert not AuditEvent.objects.filter(action="assets.asset_import").exists()
