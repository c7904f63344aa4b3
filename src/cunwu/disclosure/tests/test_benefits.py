"""惠民资金: the import with row/column errors (all or nothing), publication through a 惠民资金
notice waiting for the committee, reversal by a negative row, the staff pages (scoped, masked)
and the public query by name and the last six ID characters (rate-limited, never a full ID)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.disclosure import services, services_benefit
from cunwu.disclosure.models import (
    BenefitBatch,
    BenefitPayment,
    Category,
    Notice,
    NoticeStatus,
)
from cunwu.disclosure.selectors_benefit import public_query
from cunwu.testing import BALI, JIULONG, business_events, make_id_number

ZHANG = make_id_number(1)  # 430423198001010011-ish: a valid number
LI = make_id_number(2)
NAMESAKE = make_id_number(7, birth="19920315")  # another 张三, another tail
HEADER = "姓名,公民身份号码,金额（元）,发放日期"
QUERY = "/public/benefits/"
FAMILY = "赵钱孙李周吴郑王冯陈"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def _good() -> bytes:
    return _csv(f"张三,{ZHANG},1234.50,2026-01-15", f"李四,{LI},800,2026-01-15")


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


def _import(
    actor: User, village: Region, data: bytes, item: str = "耕地地力保护补贴",
    name: str = "名单.csv",
) -> services_benefit.BenefitImport:  # fmt: skip
    return services_benefit.benefit_import(
        actor=actor, village=village, item=item, file_name=name, data=data
    )


@pytest.fixture
def batch(cadre: User, jiulong: Region) -> BenefitBatch:
    result = _import(cadre, jiulong, _good())
    assert result.batch is not None, result.errors
    return result.batch


def _client(user: User | None = None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# ---------------------------------------------------------------- import


def test_import_books_every_row_encrypted_masked_and_audited(
    batch: BenefitBatch, jiulong: Region
) -> None:
    assert (batch.row_count, batch.total_fen, batch.village_id) == (2, 123_450 + 80_000, JIULONG)
    zhang = BenefitPayment.objects.get(batch=batch, name="张三")
    assert (zhang.amount_fen, zhang.paid_on, zhang.year, zhang.row) == (
        123_450,
        date(2026, 1, 15),
        2026,
        2,
    )
    assert zhang.id_masked == ZHANG[:6] + "********" + ZHANG[-4:]
    assert ZHANG not in zhang.id_number_enc and ZHANG not in zhang.lookup_key
    assert zhang.item == "耕地地力保护补贴" and zhang.county_code == "430423"
    event = business_events().get(action="disclosure.benefit_import")
    assert event.payload == {
        "item": "耕地地力保护补贴",
        "file_name": "名单.csv",
        "rows": 2,
        "total_fen": 203_450,
    }


def test_import_errors_name_row_and_column_and_save_nothing(cadre: User, jiulong: Region) -> None:
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    bad_check = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    data = _csv(
        f"张三,{ZHANG},100,2026-01-15",
        f",{LI},100,2026-01-15",
        f"王五,{bad_check},100,2026-01-15",
        f"赵六,{make_id_number(3)},-5,2026-01-15",
        f"钱七,{make_id_number(4)},12.345,2026-01-15",
        f"孙八,{make_id_number(5)},100,{future}",
        f"周九,{make_id_number(6)},abc,2026-02-30",
        f"张三,{ZHANG},100,2026-01-15",
    )
    result = _import(cadre, jiulong, data)
    assert result.batch is None
    assert [(r, c, m) for r, c, m, _v in result.errors] == [
        (3, "姓名", "请填写姓名"),
        (4, "公民身份号码", f"公民身份号码校验位错误（应为{ZHANG[17]}），请核对"),
        (5, "金额（元）", "金额应大于0"),
        (6, "金额（元）", "金额“12.345”最多保留两位小数"),
        (
            7,
            "发放日期",
            f"发放日期{timezone.localdate() + timedelta(days=1):%Y年%-m月%-d日}晚于今天",
        ),
        (8, "金额（元）", "金额“abc”不是有效数字"),
        (8, "发放日期", "日期格式不正确（应如 2026-03-15）"),
        (9, "公民身份号码", "与第2行重复（同一人、同一项目、同一发放日期）"),
    ]
    # the value shown for a bad ID number is masked
    assert result.errors[1][3] == bad_check[:6] + "********" + bad_check[-4:]
    assert not BenefitBatch.objects.exists() and not BenefitPayment.objects.exists()
    assert not business_events().filter(action="disclosure.benefit_import").exists()


def test_a_file_imported_twice_is_refused_the_second_time(
    batch: BenefitBatch, cadre: User, jiulong: Region
) -> None:
    again = _import(cadre, jiulong, _good())
    assert again.batch is None
    assert [(r, c) for r, c, _m, _v in again.errors] == [(2, "公民身份号码"), (3, "公民身份号码")]
    assert f"已在第{batch.pk}批导入" in again.errors[0][2]
    assert BenefitPayment.objects.count() == 2


def test_missing_columns_and_bad_files_are_refused_in_chinese(cadre: User, jiulong: Region) -> None:
    with pytest.raises(ApplicationError, match=r"第1行（表头）缺少列：金额（元）、发放日期"):
        _import(cadre, jiulong, _csv(f"张三,{ZHANG}", header="姓名,公民身份号码"))
    with pytest.raises(ApplicationError, match="只能上传xlsx或csv文件"):
        _import(cadre, jiulong, _good(), name="名单.pdf")
    with pytest.raises(ApplicationError, match="文件中没有发放记录"):
        _import(cadre, jiulong, _csv())
    with pytest.raises(ApplicationError, match="无法读取表格文件"):
        _import(cadre, jiulong, b"PK\x03\x04junk", name="x.xlsx")
    with pytest.raises(ApplicationError, match="请填写补贴项目"):
        _import(cadre, jiulong, _good(), item="  ")
    assert not BenefitBatch.objects.exists()


def test_xlsx_with_item_column_and_date_cells(cadre: User, jiulong: Region) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "姓名", "公民身份号码", "金额(元)", "发放日期", "补贴项目"])
    ws.append([1, "张三", ZHANG, 300, date(2026, 2, 1), "残疾人两项补贴"])
    ws.append([2, "李四", LI.lower(), "１２０.５", "2026年2月1日", None])
    out = io.BytesIO()
    wb.save(out)
    result = _import(cadre, jiulong, out.getvalue(), item="低保金", name="发放.xlsx")
    assert result.batch is not None, result.errors
    rows = list(result.batch.payments.order_by("row").values_list("name", "item", "amount_fen"))
    assert rows == [("张三", "残疾人两项补贴", 30_000), ("李四", "低保金", 12_050)]


def test_only_publishers_of_the_village_may_import(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    from django.core.exceptions import PermissionDenied

    for name in ("另一村的村干部", "九龙村监委会委员", "九龙村村民"):
        with pytest.raises(PermissionDenied):
            _import(persona(name), jiulong, _good())
    township = _import(persona("开云镇干部"), jiulong, _good())
    assert township.batch is not None
    with pytest.raises(ApplicationError, match="按村导入"):
        _import(persona("开云镇干部"), jiulong.parent, _good())  # type: ignore[arg-type]


# ---------------------------------------------------------------- publish, reverse


def test_publish_makes_a_benefit_notice_waiting_for_signoff_with_a_masked_table(
    batch: BenefitBatch, cadre: User, persona: Callable[[str], User]
) -> None:
    notice = services_benefit.benefit_publish(actor=cadre, batch=batch, period_days=7)
    assert (notice.category, notice.status, notice.period_days) == (
        Category.BENEFIT,
        NoticeStatus.PENDING_SIGNOFF,
        7,
    )
    assert notice.columns == ["序号", "姓名", "公民身份号码", "补贴项目", "金额（元）", "发放日期"]
    assert notice.rows[0] == [
        "1",
        "张三",
        ZHANG[:6] + "********" + ZHANG[-4:],
        "耕地地力保护补贴",
        "1,234.50",
        "2026年1月15日",
    ]
    assert ZHANG not in str(notice.table) + notice.body and "2,034.50元" in notice.body
    batch.refresh_from_db()
    assert batch.notice_id == notice.pk
    assert set(batch.payments.values_list("notice_id", flat=True)) == {notice.pk}
    with pytest.raises(ApplicationError, match="已提交公示"):
        services_benefit.benefit_publish(actor=cadre, batch=batch)
    services.notice_signoff(actor=persona("九龙村监委会委员"), notice=notice, approve=True)
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED


def test_reversal_adds_a_negative_row_and_leaves_the_original(
    batch: BenefitBatch, cadre: User
) -> None:
    zhang = batch.payments.get(name="张三")
    reversal = services_benefit.benefit_reverse(actor=cadre, payment=zhang, reason="金额填错")
    assert (reversal.amount_fen, reversal.reverses_id, reversal.reason) == (
        -123_450,
        zhang.pk,
        "金额填错",
    )
    zhang.refresh_from_db()
    assert zhang.amount_fen == 123_450
    with pytest.raises(ApplicationError, match="该记录已冲销"):
        services_benefit.benefit_reverse(actor=cadre, payment=zhang, reason="再来")
    with pytest.raises(ApplicationError, match="冲销记录不能再冲销"):
        services_benefit.benefit_reverse(actor=cadre, payment=reversal, reason="再来")
    with pytest.raises(ApplicationError, match="请写明冲销理由"):
        services_benefit.benefit_reverse(
            actor=cadre, payment=batch.payments.get(name="李四"), reason=" "
        )
    assert BenefitPayment.objects.count() == 3
    event = business_events().get(action="disclosure.benefit_reverse")
    assert event.payload["reverses"] == zhang.pk and event.payload["amount_fen"] == 123_450
    # the public no longer sees the reversed row; a published notice leaves it out
    assert [p.name for p in public_query(name="张三", id_tail=ZHANG[-6:])] == []
    notice = services_benefit.benefit_publish(actor=cadre, batch=batch, period_days=0)
    assert [row[1] for row in notice.rows] == ["李四"]


# ---------------------------------------------------------------- the public query


def test_query_finds_only_that_persons_rows_across_villages(
    batch: BenefitBatch, persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    other = _import(
        persona("八里村村干部"), regions[BALI],
        _csv(f"张三,{NAMESAKE},99,2026-01-20", f"张 三,{ZHANG},50,2026-02-01"),
        item="低保金",
    )  # fmt: skip
    assert other.batch is not None
    found = public_query(name="张三", id_tail=ZHANG[-6:])
    assert [(p.item, p.amount_fen, p.village.name) for p in found] == [
        ("低保金", 5_000, "八里村委会"),
        ("耕地地力保护补贴", 123_450, "九龙村委会"),
    ]
    assert [p.amount_fen for p in public_query(name="张三", id_tail=NAMESAKE[-6:])] == [9_900]
    assert public_query(name="张四", id_tail=ZHANG[-6:]) == []


def test_query_page_masks_the_name_and_never_shows_the_id(batch: BenefitBatch) -> None:
    client = _client()
    tail = ZHANG[-6:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(QUERY, {"name": " 张三 ", "id_tail": tail})
    page = response.content.decode()
    assert response.status_code == 200
    assert "张* 的发放记录" in page and "耕地地力保护补贴" in page and "1,234.50" in page
    assert "九龙村委会" in page and "2026年1月15日" in page
    assert ZHANG not in page and ZHANG[:6] + "********" not in page
    assert "未查询到发放记录" not in page


def test_a_miss_answers_the_same_whether_the_name_exists_or_not(batch: BenefitBatch) -> None:
    client = _client()
    wrong_tail = client.post(QUERY, {"name": "张三", "id_tail": "999999"}).content.decode()
    no_such = client.post(QUERY, {"name": "无此人", "id_tail": "999999"}).content.decode()
    assert "未查询到发放记录" in wrong_tail

    def strip(page: str, name: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page).replace(name, "")

    assert strip(wrong_tail, "张三") == strip(no_such, "无此人")


def test_query_rejects_a_bad_tail_in_chinese(batch: BenefitBatch) -> None:
    page = _client().post(QUERY, {"name": "张三", "id_tail": "12X456"}).content.decode()
    assert "请输入身份证号码的后6位（最后一位可以是X）" in page
    page = _client().post(QUERY, {"name": "张三", "id_tail": "a" * 12}).content.decode()
    assert "请输入身份证号码的后6位" in page


def test_query_is_rate_limited_per_client(batch: BenefitBatch) -> None:
    client = _client()
    statuses = [
        client.post(QUERY, {"name": "张三", "id_tail": f"{n:06d}"}).status_code for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    limited = client.post(QUERY, {"name": "张三", "id_tail": ZHANG[-6:]})
    assert limited.status_code == 429 and "操作过于频繁" in limited.content.decode()
    assert client.get(QUERY).status_code == 200  # reading the form is not counted
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(QUERY, {"name": "张三", "id_tail": ZHANG[-6:]}).status_code == 200


def test_the_portal_header_links_the_query(regions: dict[str, Region]) -> None:
    page = _client().get("/public/feedback/new/").content.decode()
    assert 'href="/public/benefits/"' in page and "惠民资金查询" in page


# ---------------------------------------------------------------- staff pages


def test_staff_list_detail_and_export_are_scoped_and_masked(
    batch: BenefitBatch, cadre: User, persona: Callable[[str], User]
) -> None:
    client = _client(cadre)
    listing = client.get("/disclosure/benefits/", {"q": "张三"}).content.decode()
    assert f"/disclosure/benefits/{batch.pk}/" in listing and "共 1 批" in listing
    assert "共 0 批" in client.get("/disclosure/benefits/", {"q": "王五"}).content.decode()
    assert "共 1 批" in client.get("/disclosure/benefits/", {"q": ZHANG}).content.decode()
    assert "共 0 批" in client.get("/disclosure/benefits/", {"year": "2025"}).content.decode()
    detail = client.get(f"/disclosure/benefits/{batch.pk}/").content.decode()
    assert "张三" in detail and ZHANG[:6] + "********" + ZHANG[-4:] in detail
    assert ZHANG not in detail and "提交公示" in detail and "冲销" in detail
    export = client.get(f"/disclosure/benefits/{batch.pk}/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1][:5] == [
        2,
        "张三",
        ZHANG[:6] + "********" + ZHANG[-4:],
        "耕地地力保护补贴",
        "1,234.50",
    ]
    assert ZHANG not in str(cells)
    listing_xlsx = client.get("/disclosure/benefits/", {"format": "xlsx"})
    assert listing_xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    outsider = _client(persona("另一村的村干部"))
    assert outsider.get(f"/disclosure/benefits/{batch.pk}/").status_code == 404
    assert (
        outsider.post(f"/disclosure/benefits/{batch.pk}/publish/", {"period_days": 7}).status_code
        == 404
    )
    reverse_url = f"/disclosure/benefits/payments/{batch.payments.first().pk}/reverse/"  # type: ignore[union-attr]
    assert outsider.get(reverse_url).status_code == 404
    assert "共 0 批" in outsider.get("/disclosure/benefits/").content.decode()
    assert _client(persona("九龙村村民")).get("/disclosure/benefits/").status_code == 403
    committee = _client(persona("九龙村监委会委员"))
    assert committee.get(f"/disclosure/benefits/{batch.pk}/").status_code == 200
    assert (
        committee.post(f"/disclosure/benefits/{batch.pk}/publish/", {"period_days": 7}).status_code
        == 403
    )
    assert Notice.objects.count() == 0


def test_import_page_shows_errors_and_their_xlsx_report(cadre: User) -> None:
    client = _client(cadre)
    assert "下载模板" in client.get("/disclosure/benefits/import/").content.decode()
    template = client.get("/disclosure/benefits/import/template.xlsx")
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == [
        "姓名",
        "公民身份号码",
        "金额（元）",
        "发放日期",
        "补贴项目",
    ]
    upload = io.BytesIO(_csv(f"张三,{ZHANG},0,2026-01-15"))
    upload.name = "名单.csv"
    page = client.post(
        "/disclosure/benefits/import/",
        {"village": JIULONG, "item": "低保金", "file": upload},
    ).content.decode()
    assert "共 1 处错误，未导入任何记录" in page and "金额应大于0" in page
    report = client.get("/disclosure/benefits/import/errors.xlsx")
    rows = [
        [c.value for c in r] for r in load_workbook(io.BytesIO(report.content)).active.iter_rows()
    ]  # type: ignore[union-attr]
    assert rows == [["行号", "列名", "错误说明", "填写内容"], [2, "金额（元）", "金额应大于0", "0"]]
    assert not BenefitBatch.objects.exists()
    upload = io.BytesIO(_good())
    upload.name = "名单.csv"
    response = client.post(
        "/disclosure/benefits/import/", {"village": JIULONG, "item": "低保金", "file": upload}
    )
    batch = BenefitBatch.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/disclosure/benefits/{batch.pk}/"
    )


def test_publish_and_reverse_pages(batch: BenefitBatch, cadre: User) -> None:
    client = _client(cadre)
    zhang = batch.payments.get(name="张三")
    url = f"/disclosure/benefits/payments/{zhang.pk}/reverse/"
    assert "确认冲销" in client.get(url).content.decode()
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and BenefitPayment.objects.count() == 2
    assert client.post(url, {"reason": "重复发放"}).status_code == 302
    assert BenefitPayment.objects.filter(reverses=zhang, amount_fen=-123_450).exists()
    response = client.post(f"/disclosure/benefits/{batch.pk}/publish/", {"period_days": "7"})
    notice = Notice.objects.get()
    assert response["Location"] == f"/disclosure/{notice.pk}/"
    assert notice.status == NoticeStatus.PENDING_SIGNOFF and len(notice.rows) == 1
    junk = client.post(f"/disclosure/benefits/{batch.pk}/publish/", {"period_days": "abc"})
    assert junk.status_code == 302 and Notice.objects.count() == 1


def test_list_page_queries_do_not_grow_with_rows(
    cadre: User, jiulong: Region, django_assert_max_num_queries: Callable[..., object]
) -> None:
    client = _client(cadre)

    def fill(n: int) -> None:
        lines = [
            f"{FAMILY[i % 10]}{FAMILY[i // 10]},{make_id_number(i, birth='19700101')},10,2026-01-05"
            for i in range(n)
        ]
        assert _import(cadre, jiulong, _csv(*lines), item=f"项目{n}").batch is not None

    fill(5)
    client.get("/disclosure/benefits/")
    with django_assert_max_num_queries(12) as five:  # type: ignore[operator]
        client.get("/disclosure/benefits/")
    for i in range(8):
        fill(6 + i)
    with django_assert_max_num_queries(len(five.captured_queries)):  # type: ignore[operator]
        client.get("/disclosure/benefits/")
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        client.get(f"/disclosure/benefits/{BenefitBatch.objects.first().pk}/")  # type: ignore[union-attr]
