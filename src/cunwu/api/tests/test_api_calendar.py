"""GET /api/v1/calendar/{year} for anyone logged in; PUT for the county admin only."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cunwu.core.models import CalendarYear, HolidayDay
from cunwu.testing import business_events

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

ApiAs = Callable[[str], ApiClient]

ARRANGEMENT_2027 = {
    "note": "国办发明电〔2026〕1号",
    "days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-01-02", "kind": "holiday", "name": "元旦"},
        {"date": "2027-01-03", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-20", "kind": "workday", "name": "春节"},
    ],
}


def test_anyone_logged_in_reads_a_builtin_year(api_as: ApiAs) -> None:
    response = api_as("九龙村村民").get("/calendar/2026")
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["source"], body["known"], body["warning"]) == (
        2026,
        "builtin",
        True,
        None,
    )
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-10-01"] == {
        "date": "2026-10-01",
        "kind": "holiday",
        "name": "国庆节",
        "source": "builtin",
    }
    assert days["2026-10-10"]["kind"] == "workday"
    assert sorted(days) == [d["date"] for d in body["days"]]


def test_an_unknown_year_carries_a_warning(api_as: ApiAs) -> None:
    body = api_as("九龙村村干部").get("/calendar/2027").json()
    assert (body["source"], body["known"], body["days"]) == ("unknown", False, [])
    assert "2027年的法定节假日安排尚未录入" in body["warning"]


def test_the_county_admin_enters_a_year(api_as: ApiAs) -> None:
    response = api_as("衡山县管理员").put("/calendar/2027", ARRANGEMENT_2027)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["source"], body["known"], body["note"]) == (
        "entered",
        True,
        "国办发明电〔2026〕1号",
    )
    assert [d["date"] for d in body["days"]] == [
        "2027-01-01",
        "2027-01-02",
        "2027-01-03",
        "2027-02-20",
    ]
    assert api_as("九龙村村民").get("/calendar/2027").json()["source"] == "entered"
    assert business_events().filter(action="core.holiday_year_set").count() == 1


@pytest.mark.parametrize("name", ["九龙村村干部", "开云镇干部", "衡山县部门用户", "九龙村村民"])
def test_other_roles_may_not_put(api_as: ApiAs, name: str) -> None:
    response = api_as(name).put("/calendar/2027", ARRANGEMENT_2027)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not HolidayDay.objects.exists()
    assert not CalendarYear.objects.exists()


def test_bad_entries_are_refused_and_change_nothing(api_as: ApiAs) -> None:
    admin = api_as("衡山县管理员")
    bad = {"days": [*ARRANGEMENT_2027["days"], {"date": "2027-03-03", "kind": "workday"}]}
    response = admin.put("/calendar/2027", bad)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "holiday_days_invalid"
    assert body["field"] == "days"
    assert body["message"].startswith("第5项：2027年3月3日（星期三）本来就是工作日")
    assert not HolidayDay.objects.exists()
    wrong_year = admin.put("/calendar/2028", ARRANGEMENT_2027)
    assert wrong_year.status_code == 400
    assert "不在2028年内" in wrong_year.json()["message"]
    wrong_kind = admin.put("/calendar/2027", {"days": [{"date": "2027-01-01", "kind": "off"}]})
    assert wrong_kind.status_code == 422
    assert not HolidayDay.objects.exists()


@pytest.mark.parametrize("year", ["1999", "2101", "abc"])
def test_years_out_of_range_are_422(api_as: ApiAs, year: str) -> None:
    response = api_as("九龙村村民").get(f"/calendar/{year}")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_an_empty_put_forgets_an_entered_year(api_as: ApiAs) -> None:
    admin = api_as("衡山县管理员")
    admin.put("/calendar/2027", ARRANGEMENT_2027)
    body = admin.put("/calendar/2027", {"days": []}).json()
    assert (body["source"], body["days"]) == ("unknown", [])
