"""The calendar page (/calendar/): the county admin sees a year and enters its arrangement;
no other role gets in, and a bad CSV changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.models import CalendarYear, HolidayDay, Region
from cunwu.core.workdays import is_working_day, year_known
from cunwu.testing import HENGSHAN, business_events
from cunwu.web import views_calendar

Persona = Callable[[str], User]

CSV_2027 = "日期,类型,名称\n2027-01-01,放假,元旦\n2027-01-02,放假,元旦\n2027-01-03,放假,元旦\n"
BAD_CSV = "日期,类型,名称\n2027-01-01,放假,元旦\n2027-03-03,上班,\n2027-02-30,放假,春节\n"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page works from today's date: fix it in late 2026, when 2027 is not yet known."""
    monkeypatch.setattr(views_calendar.timezone, "localdate", lambda: date(2026, 11, 25))


@pytest.fixture
def admin_client(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona("衡山县管理员"))
    return client


def _post(client: Client, **data: Any) -> Any:
    return client.post("/calendar/?year=2027", {"year": 2027, "note": "", "text": "", **data})


@pytest.mark.parametrize(
    "name", ["九龙村村干部", "开云镇干部", "衡山县部门用户", "九龙村监委会委员", "九龙村村民"]
)
def test_other_roles_cannot_see_or_change_the_calendar(persona: Persona, name: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(persona(name))
    assert client.get("/calendar/").status_code == 403
    assert _post(client, text=CSV_2027).status_code == 403
    assert not HolidayDay.objects.exists()
    assert not CalendarYear.objects.exists()
    assert "/calendar/" not in client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(regions: dict[str, Region]) -> None:
    response = Client().get("/calendar/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_admin_sees_the_builtin_year_and_the_banner_for_next_year(
    admin_client: Client,
) -> None:
    response = admin_client.get("/calendar/?year=2026")
    assert response.status_code == 200
    page = response.content.decode()
    assert "2027年的法定节假日安排尚未录入" in page
    assert "内置数据（chinese-calendar）" in page
    assert "2026年10月1日" in page
    assert "2026年10月10日" in page
    assert "调休上班" in page
    # the strict CSP: no inline script, handler or style
    assert "style=" not in page
    assert "onclick" not in page
    assert "<script>" not in page
    assert '<a href="/calendar/">节假日</a>' in admin_client.get("/").content.decode()


def test_an_unknown_year_says_it_counts_weekends_only(admin_client: Client) -> None:
    page = admin_client.get("/calendar/?year=2027").content.decode()
    assert "2027年的安排尚未录入：目前只按双休日计算工作日" in page
    assert "没有放假或调休上班的日期" in page


def test_the_admin_enters_a_year_by_pasting(admin_client: Client) -> None:
    response = _post(admin_client, text=CSV_2027, note="国办发明电〔2026〕1号")
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?year=2027"
    assert year_known(2027)
    assert not is_working_day(date(2027, 1, 1))
    event = business_events().get(action="core.holiday_year_set")
    assert event.region_id == HENGSHAN
    page = admin_client.get(response["Location"]).content.decode()
    assert "已录入2027年的安排：放假3天，调休上班0天" in page
    assert "国办发明电〔2026〕1号" in page
    assert "2027年的法定节假日安排尚未录入" not in page  # the banner is gone
    assert "2027-01-02,放假,元旦" in page  # the form holds what was entered, to edit


def test_the_admin_enters_a_year_by_uploading_a_gbk_file(admin_client: Client) -> None:
    upload = SimpleUploadedFile("2027.csv", CSV_2027.encode("gbk"), content_type="text/csv")
    response = _post(admin_client, file=upload)
    assert response.status_code == 302
    assert HolidayDay.objects.filter(date__year=2027).count() == 3


def test_a_bad_csv_shows_each_problem_by_line_and_changes_nothing(admin_client: Client) -> None:
    response = _post(admin_client, text=BAD_CSV)
    assert response.status_code == 200
    page = response.content.decode()
    assert "没有保存，请改正以下问题" in page
    assert "第3行：2027年3月3日（星期三）本来就是工作日" in page
    assert "第4行：日期“2027-02-30”无法识别" in page
    assert not HolidayDay.objects.exists()
    assert not CalendarYear.objects.exists()
    assert not business_events().filter(action="core.holiday_year_set").exists()


def test_an_empty_form_asks_for_content(admin_client: Client) -> None:
    response = _post(admin_client)
    assert response.status_code == 200
    assert "请粘贴CSV内容或选择文件" in response.content.decode()


def test_a_binary_upload_is_refused_politely(admin_client: Client) -> None:
    upload = SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x81" * 10, content_type="text/csv")
    response = _post(admin_client, file=upload)
    assert response.status_code == 200
    assert not HolidayDay.objects.exists()


def test_the_page_reads_few_queries(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    admin_client.get("/calendar/?year=2026")
    with django_assert_max_num_queries(12):
        assert admin_client.get("/calendar/?year=2026").status_code == 200
