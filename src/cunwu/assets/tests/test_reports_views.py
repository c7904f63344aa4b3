"""Pages of 三资 reports: figures as tables, charts' data, xlsx, scope, query counts, the
yearly summary published once, junk parameters."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region, RegionLevel
from cunwu.disclosure.models import Category, Notice, NoticeStatus
from cunwu.testing import BALI, JIULONG, KAIYUN

from ..models import AssetCategory, Direction, EntryCategory
from ..selectors.reports import YEAR_SUMMARY_SUBJECT
from .test_reports_selectors import Worked, build_worked, make_account, make_asset, post

REPORT = "/assets/reports/"
MONTHLY = "/assets/reports/monthly/"


@pytest.fixture
def worked(persona: Callable[[str], User], regions: dict[str, Region]) -> Worked:
    return build_worked(persona("九龙村村干部"), regions)


@pytest.fixture
def login(persona: Callable[[str], User]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(persona(name))
        return client

    return make


def test_township_sees_both_villages_with_links_down(
    worked: Worked, login: Callable[[str], Client]
) -> None:
    answer = login("开云镇干部").get(REPORT, {"year": "2026"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "开云镇2026年集体“三资”报表" in page
    assert f"?region={JIULONG}&amp;year=2026" in page and f"?region={BALI}&amp;year=2026" in page
    assert "467,500.50" in page  # book value of both villages' registers
    assert "15,000.00" in page  # annual price of the two active contracts
    assert 'id="chart-data"' in page and "<script>" not in page  # data only, no inline code
    charts = json.loads(answer.context["charts"] and json.dumps(answer.context["charts"]))
    assert charts["by_class"]["values"] == [0.0, 419_000.0, 48_500.5]
    assert "web/echarts.min.js" in page and "web/charts.js" in page


def test_village_report_shows_its_figures_and_the_publish_button(
    worked: Worked, login: Callable[[str], Client]
) -> None:
    year = timezone.localdate().year
    page = login("九龙村村干部").get(REPORT, {"region": JIULONG}).content.decode()
    assert "九龙村委会" in page and "457,500.50" in page
    assert "老学校" in page and "旋耕机" in page  # the idle list
    assert f"公开{year}年度三资汇总" in page
    # the committee sees the report but may not publish
    page = login("九龙村监委会委员").get(REPORT, {"region": JIULONG}).content.decode()
    assert "457,500.50" in page and "年度三资汇总</button>" not in page


def test_scope_another_village_is_404_and_a_department_403(
    worked: Worked, login: Callable[[str], Client]
) -> None:
    other = login("另一村的村干部")
    assert other.get(REPORT, {"region": JIULONG}).status_code == 404
    assert other.get(MONTHLY, {"region": JIULONG}).status_code == 404
    url = reverse("assets:report_publish_year", args=[JIULONG, 2026])
    assert other.post(url).status_code == 404
    assert login("开云镇干部").get(REPORT, {"region": "430423000000"}).status_code == 404
    department = login("衡山县部门用户")
    assert department.get(REPORT).status_code == 403
    assert department.get(MONTHLY, {"region": "430423000000"}).status_code == 403


def test_monthly_summary_page_has_a_row_per_village_and_totals(
    worked: Worked, login: Callable[[str], Client]
) -> None:
    answer = login("衡山县管理员").get(MONTHLY, {"region": KAIYUN, "month": "2026-11"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "开云镇2026年11月村级资金收支汇总" in page
    assert "58,800.00" in page and "58,500.00" in page  # 九龙村 opening and closing
    assert "9,666.67" in page  # 八里村 closing
    assert "合计（2个村）" in page and "68,166.67" in page and "4,333.33" in page
    assert [r.code for r in answer.context["data"].rows] == [JIULONG, BALI]


def test_monthly_summary_xlsx(worked: Worked, login: Callable[[str], Client]) -> None:
    answer = login("开云镇干部").get(MONTHLY, {"month": "2026-11", "format": "xlsx"})
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    rows = list(wb["月度汇总"].iter_rows(values_only=True))
    assert rows[0][:3] == ("区划代码", "村", "月初余额（元）")
    assert rows[1][:4] == (JIULONG, "九龙村委会", "58,800.00", "2,500.00")
    assert rows[-1][1:8] == (
        "合计",
        "58,800.00",
        "2,500.00",
        "3,333.33",
        "13,700.00",
        "4,333.33",
        "68,166.67",
    )


def test_overview_xlsx_has_a_sheet_per_table(
    worked: Worked, login: Callable[[str], Client]
) -> None:
    answer = login("开云镇干部").get(REPORT, {"year": "2026", "format": "xlsx"})
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb.sheetnames == [
        "台账汇总",
        "闲置资源",
        "合同收入",
        "应收款账龄",
        "逾期应收款",
        "问题台账",
        "2026年各月收支",
        "下级汇总",
    ]
    assert list(wb["台账汇总"].iter_rows(values_only=True))[-1][4:] == (
        5,
        None,
        "518,000.00",
        "467,500.50",
    )
    idle = [r[2] for r in wb["闲置资源"].iter_rows(min_row=2, values_only=True)]
    assert idle == ["旋耕机", "老学校"]
    contracts = list(wb["合同收入"].iter_rows(min_row=2, values_only=True))
    assert contracts[0] == ("履行中合同", 2, "15,000.00")
    aging = list(wb["应收款账龄"].iter_rows(min_row=2, values_only=True))
    assert aging[-1] == ("合计", 7, "17,500.00")


def _add_villages(user: User, kaiyun: Region, n: int) -> None:
    for i in range(n):
        v = Region.objects.create(
            code=f"43042310030{i}", name=f"新村{i}", level=RegionLevel.VILLAGE, parent=kaiyun
        )
        make_asset(user, v, "ZC-001", AssetCategory.ROAD, book_value_fen=100)
        account = make_account(user, v, "基本户")
        post(account, date(2026, 11, 2), Direction.RECEIPT, EntryCategory.SUBSIDY_INCOME, 100)
        post(account, date(2026, 10, 2), Direction.PAYMENT, EntryCategory.ADMIN_EXPENSE, 50)


def test_monthly_page_queries_do_not_grow_with_villages(
    worked: Worked,
    regions: dict[str, Region],
    persona: Callable[[str], User],
    login: Callable[[str], Client],
    django_assert_num_queries: Callable[..., object],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("开云镇干部")
    params = {"region": KAIYUN, "month": "2026-11"}
    client.get(MONTHLY, params)  # the session's first use

    def count(url: str, query: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, query).status_code == 200
        return len(ctx.captured_queries)

    monthly_two, overview_two = count(MONTHLY, params), count(REPORT, {"region": KAIYUN})
    _add_villages(persona("九龙村村干部"), regions[KAIYUN], 4)
    answer = client.get(MONTHLY, params)
    assert len(answer.context["data"].rows) == 6
    assert count(MONTHLY, params) == monthly_two
    assert count(REPORT, {"region": KAIYUN}) == overview_two
    assert monthly_two <= 12


def test_publishing_the_yearly_summary_once(worked: Worked, login: Callable[[str], Client]) -> None:
    year = timezone.localdate().year
    client = login("九龙村村干部")
    url = reverse("assets:report_publish_year", args=[JIULONG, year])
    answer = client.post(url)
    assert answer.status_code == 302
    notice = Notice.objects.get(subject_type=YEAR_SUMMARY_SUBJECT)
    assert notice.subject_id == f"{JIULONG}:{year}"
    assert notice.category == Category.FINANCE
    assert notice.status == NoticeStatus.PENDING_SIGNOFF  # the committee signs off first
    assert notice.region_id == JIULONG
    assert "账面价值合计457,500.50元" in notice.body
    assert AuditEvent.objects.filter(action="assets.report_publish").count() == 1
    # a second click changes nothing and says why
    answer = client.post(url, follow=True)
    assert "已经公开" in answer.content.decode()
    assert Notice.objects.filter(subject_type=YEAR_SUMMARY_SUBJECT).count() == 1
    assert AuditEvent.objects.filter(action="assets.report_publish").count() == 1
    page = client.get(REPORT, {"region": JIULONG, "year": str(year)}).content.decode()
    assert "年度三资汇总已提交公开" in page


def test_publish_refusals_change_nothing(worked: Worked, login: Callable[[str], Client]) -> None:
    year = timezone.localdate().year
    committee = login("九龙村监委会委员")  # sees the village, may not publish
    url = reverse("assets:report_publish_year", args=[JIULONG, year])
    assert committee.post(url).status_code == 403
    staff = login("九龙村村干部")
    future = reverse("assets:report_publish_year", args=[JIULONG, year + 1])
    answer = staff.post(future, follow=True)
    assert "年度应在" in answer.content.decode()
    township = reverse("assets:report_publish_year", args=[KAIYUN, year])
    assert login("开云镇干部").post(township).status_code == 404  # not a village
    assert staff.get(url).status_code == 405
    assert not Notice.objects.filter(subject_type=YEAR_SUMMARY_SUBJECT).exists()


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"month": "abc"},
        {"month": "0-1"},
        {"year": "99999999999"},
        {"year": "-1"},
        {"format": "pdf"},
        {"region": "4304231002", "month": "2026-00"},
    ],
)
def test_junk_parameters_fall_back(
    worked: Worked, login: Callable[[str], Client], params: dict[str, str]
) -> None:
    client = login("开云镇干部")
    assert client.get(MONTHLY, params).status_code in {200, 404}
    assert client.get(REPORT, params).status_code in {200, 404}


def test_junk_region_is_404(worked: Worked, login: Callable[[str], Client]) -> None:
    client = login("开云镇干部")
    for region in ("abc", "'\"<script>", "9" * 40, "430423100224 "):
        assert client.get(MONTHLY, {"region": region}).status_code in {200, 404}
        assert client.get(REPORT, {"region": region}).status_code in {200, 404}
    assert client.get(MONTHLY, {"region": "abc"}).status_code == 404
    answer = client.get(MONTHLY, {"month": "2026-13"})
    today = timezone.localdate()
    assert answer.context["month_value"] == f"{today.year:04d}-{today.month:02d}"
