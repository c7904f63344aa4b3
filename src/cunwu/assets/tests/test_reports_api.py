"""三资 reports over the API: exact figures, scope, publishing once, junk parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure.models import Notice
from cunwu.testing import BALI, JIULONG, KAIYUN

from ..selectors.reports import YEAR_SUMMARY_SUBJECT
from .test_reports_selectors import Worked, build_worked


@pytest.fixture
def worked(persona: Callable[[str], User], regions: dict[str, Region]) -> Worked:
    return build_worked(persona("九龙村村干部"), regions)


def test_overview_of_the_township(worked: Worked, api_as: Callable[[str], Any]) -> None:
    answer = api_as("开云镇干部").get("/assets/reports/overview", year=2026)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["region"] == {"code": KAIYUN, "name": "开云镇", "level": 4}
    assert body["registers"]["count"] == 5
    assert body["registers"]["book_value_fen"] == 46_750_050
    assert body["contract_income"] == {
        "year": 2026,
        "active_count": 2,
        "annual_price_fen": 1_500_000,
        "received_fen": 850_000,
    }
    assert body["receivables_aging"]["outstanding_fen"] == 1_750_000
    assert [b["count"] for b in body["problems"]["by_status"]] == [3, 1, 2]
    assert body["months"][10] == {"month": 11, "income_fen": 250_000, "expense_fen": 333_333}
    assert [c["region"]["code"] for c in body["children"]] == [JIULONG, BALI]


def test_monthly_summary(worked: Worked, api_as: Callable[[str], Any]) -> None:
    answer = api_as("衡山县管理员").get("/assets/reports/monthly", region=KAIYUN, month="2026-11")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["year"], body["month"]) == (2026, 11)
    jiulong = body["rows"][0]
    assert jiulong == {
        "code": JIULONG,
        "name": "九龙村委会",
        "opening_fen": 5_880_000,
        "income_fen": 250_000,
        "expense_fen": 300_000,
        "receipts_fen": 370_000,
        "payments_fen": 400_000,
        "closing_fen": 5_850_000,
        "entries": 7,
    }
    assert body["totals"]["closing_fen"] == 6_816_667


def test_scope(worked: Worked, api_as: Callable[[str], Any]) -> None:
    other = api_as("另一村的村干部")
    assert other.get("/assets/reports/overview", region=JIULONG).status_code == 404
    assert other.get("/assets/reports/monthly", region=JIULONG).status_code == 404
    assert other.post(f"/assets/reports/{JIULONG}/2026/publish").status_code == 404
    department = api_as("衡山县部门用户")
    answer = department.get("/assets/reports/overview")
    assert answer.status_code == 403
    assert answer.json()["code"]
    assert department.get("/assets/reports/monthly").status_code == 403


def test_publish_once(worked: Worked, api_as: Callable[[str], Any]) -> None:
    year = timezone.localdate().year
    staff = api_as("九龙村村干部")
    assert (
        api_as("九龙村监委会委员").post(f"/assets/reports/{JIULONG}/{year}/publish").status_code
        == 403
    )
    answer = staff.post(f"/assets/reports/{JIULONG}/{year}/publish")
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "pending_signoff"
    again = staff.post(f"/assets/reports/{JIULONG}/{year}/publish")
    assert again.status_code == 409
    assert again.json()["code"] == "year_summary_published"
    future = staff.post(f"/assets/reports/{JIULONG}/{year + 1}/publish")
    assert (future.status_code, future.json()["field"]) == (400, "year")
    assert Notice.objects.filter(subject_type=YEAR_SUMMARY_SUBJECT).count() == 1


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/assets/reports/monthly", {"month": "2026-13"}),
        ("/assets/reports/monthly", {"month": "abc"}),
        ("/assets/reports/monthly", {"region": "abc"}),
        ("/assets/reports/monthly", {"month": "1999-01"}),
        ("/assets/reports/overview", {"region": "abc"}),
        ("/assets/reports/overview", {"year": "99999"}),
    ],
)
def test_junk_is_refused_not_a_500(
    worked: Worked, api_as: Callable[[str], Any], path: str, params: dict[str, str]
) -> None:
    answer = api_as("开云镇干部").get(path, **params)
    assert answer.status_code in {400, 422}
    assert "message" in answer.json()


def test_unknown_region_and_village_are_404(worked: Worked, api_as: Callable[[str], Any]) -> None:
    client = api_as("开云镇干部")
    assert client.get("/assets/reports/overview", region="430423100999").status_code == 404
    assert client.post("/assets/reports/abc/2026/publish").status_code == 404
    assert client.post(f"/assets/reports/{KAIYUN}/2026/publish").status_code == 404
