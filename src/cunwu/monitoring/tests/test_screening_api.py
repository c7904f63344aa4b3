"""The screening API: policy GET/PUT, runs, imports (upload, status, errors), alerts (list,
detail, confirm, dismiss), scope (404 outside), roles (403), bad input (4xx, never 500)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import Alert, AlertStatus
from cunwu.monitoring.services import screening as svc
from cunwu.monitoring.tests.test_screening_services import home
from cunwu.testing import make_id_number

BASE = "/monitoring"
KAIYUN = "430423100000"


@pytest.fixture
def alert(staff: User, jiulong: Region, regions: dict[str, Region],
          persona: Callable[[str], User]) -> Alert:  # fmt: skip
    home(staff, jiulong, 11, 1, y2024=100)
    svc.screening_run(actor=persona("开云镇干部"), region=regions[KAIYUN], year=2024)
    return Alert.objects.get()


def test_policy_get_and_put(api_as: Callable[[str], Any], regions: dict[str, Region]) -> None:
    admin = api_as("衡山县管理员")
    r = admin.get(f"{BASE}/policies", region="430423000000")
    assert r.status_code == 200
    assert r.json()[0]["defaulted"] is True
    r = admin.put(f"{BASE}/policies/430423000000/2025", {"income_threshold_fen": 880_000})
    assert r.status_code == 200, r.content
    assert r.json()["values"]["income_threshold_fen"] == 880_000
    assert r.json()["sources"]["income_threshold_fen"] == "430423000000"
    r = admin.put(f"{BASE}/policies/430423000000/2025", {"disclosure_days": 3})
    assert r.status_code == 400
    assert r.json()["field"] == "disclosure_days"


def test_policy_put_by_others_is_refused(api_as: Callable[[str], Any], regions: Any) -> None:
    # the township does not see the county's line (404); a county admin the province's
    r = api_as("开云镇干部").put(f"{BASE}/policies/430423000000/2025", {"disclosure_days": 7})
    assert r.status_code == 404
    r = api_as("衡山县管理员").put(f"{BASE}/policies/430000000000/2025", {"disclosure_days": 7})
    assert r.status_code == 404
    r = api_as("衡山县管理员").put(f"{BASE}/policies/430423100000/2025", {"disclosure_days": 7})
    assert r.status_code == 400


def test_run_start_and_status(
    api_as: Callable[[str], Any], staff: User, jiulong: Region,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    home(staff, jiulong, 11, 1, y2024=100)
    township = api_as("开云镇干部")
    with django_capture_on_commit_callbacks(execute=True):
        r = township.post(f"{BASE}/screening-runs", {"region": KAIYUN, "year": 2024})
    assert r.status_code == 201, r.content
    r = township.get(f"{BASE}/screening-runs/{r.json()['id']}")
    assert r.json()["status"] == "done"
    assert r.json()["alerts_created"] == 1
    assert r.json()["steps"] == r.json()["steps_done"] == svc.steps_of()
    assert api_as("九龙村村干部").post(
        f"{BASE}/screening-runs", {"region": KAIYUN, "year": 2024}
    ).status_code in (403, 404)


def test_import_upload_status_and_errors(
    api_as: Callable[[str], Any], household: Any, django_capture_on_commit_callbacks: Any
) -> None:
    dept = api_as("衡山县部门用户")
    data = (
        "姓名,公民身份号码,救助类型,开始日期\n张三,{},低保,2025-03-01\n某人,123,低保,2025-03-01\n"
    )
    upload = SimpleUploadedFile("民政.csv", data.format(make_id_number(1, birth="19700101"))
                                .encode())  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        r = dept.client.post(f"/api/v1{BASE}/imports",
                             {"file": upload, "department": "civil", "region": "430423000000"},
                             headers=dept.headers)  # fmt: skip
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    body = dept.get(f"{BASE}/imports/{pk}").json()
    assert (body["status"], body["matched_rows"], body["invalid_rows"]) == ("done", 1, 1)
    errors = dept.get(f"{BASE}/imports/{pk}/errors").json()
    assert errors[0]["row"] == 3
    assert errors[0]["column"] == "公民身份号码"
    # the department user does not see the households' alerts, a village cadre does not see
    # the department's import
    assert dept.get(f"{BASE}/alerts").json()["count"] == 0
    assert api_as("九龙村村干部").get(f"{BASE}/imports/{pk}").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"department": "civil", "region": "430423000000"},  # no file
        {"department": "nope", "region": "430423000000"},
        {"department": "civil", "region": "x"},
    ],
)
def test_bad_uploads_are_4xx(api_as: Callable[[str], Any], regions: Any, data: Any) -> None:
    dept = api_as("衡山县部门用户")
    r = dept.client.post(f"/api/v1{BASE}/imports", data, headers=dept.headers)
    assert 400 <= r.status_code < 500


def test_an_empty_file_is_400(api_as: Callable[[str], Any], regions: Any) -> None:
    dept = api_as("衡山县部门用户")
    r = dept.client.post(
        f"/api/v1{BASE}/imports",
        {"file": SimpleUploadedFile("a.csv", b""), "department": "civil",
         "region": "430423000000"},
        headers=dept.headers,
    )  # fmt: skip
    assert r.status_code in (400, 422)


def test_alert_list_detail_confirm(
    api_as: Callable[[str], Any], alert: Alert, django_assert_max_num_queries: Any
) -> None:
    cadre = api_as("九龙村村干部")
    with django_assert_max_num_queries(8):
        r = cadre.get(f"{BASE}/alerts", status="open")
    assert r.status_code == 200
    assert r.json()["count"] == 1
    assert r.json()["items"][0]["kind"] == "low_income"
    assert cadre.get(f"{BASE}/alerts", q="0011").json()["count"] == 1
    assert cadre.get(f"{BASE}/alerts", q="没有").json()["count"] == 0
    r = cadre.post(f"{BASE}/alerts/{alert.pk}/confirm", {"note": "入户核实，收入确实偏低"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == AlertStatus.CONFIRMED
    r = cadre.post(f"{BASE}/alerts/{alert.pk}/dismiss", {"note": "再处理"})
    assert r.status_code == 400
    assert r.json()["code"] == "alert_not_open"


def test_alert_dismiss_needs_a_note(api_as: Callable[[str], Any], alert: Alert) -> None:
    cadre = api_as("九龙村村干部")
    r = cadre.post(f"{BASE}/alerts/{alert.pk}/dismiss", {"note": "  "})
    assert r.status_code == 400
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_alerts_outside_scope_are_404(api_as: Callable[[str], Any], alert: Alert) -> None:
    other = api_as("另一村的村干部")
    assert other.get(f"{BASE}/alerts/{alert.pk}").status_code == 404
    assert other.post(f"{BASE}/alerts/{alert.pk}/confirm", {"note": "x"}).status_code == 404
    assert other.get(f"{BASE}/alerts").json()["count"] == 0


def test_a_supervisor_sees_but_cannot_handle(api_as: Callable[[str], Any], alert: Alert) -> None:
    supervisor = api_as("九龙村监委会委员")
    assert supervisor.get(f"{BASE}/alerts/{alert.pk}").status_code == 200
    assert supervisor.post(f"{BASE}/alerts/{alert.pk}/confirm", {"note": "x"}).status_code == 403


def test_open_alerts_per_village(api_as: Callable[[str], Any], alert: Alert) -> None:
    r = api_as("开云镇干部").get(f"{BASE}/alerts/open-by-village")
    assert r.json() == [{"village": "430423100224", "village_name": "九龙村委会", "count": 1}]
