"""The screening pages: alerts (filters, search, export, query count), verification, the
policy page with its default warning, runs, imports; scope (404) and roles (403)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import Alert, AlertStatus, DepartmentImport, ScreeningRun
from cunwu.monitoring.services import screening as svc
from cunwu.monitoring.tests.test_screening_services import home
from cunwu.testing import make_id_number


@pytest.fixture
def alert(staff: User, jiulong: Region, regions: dict[str, Region],
          persona: Callable[[str], User]) -> Alert:  # fmt: skip
    home(staff, jiulong, 11, 1, y2024=100)
    svc.screening_run(actor=persona("开云镇干部"), region=regions["430423100000"], year=2024)
    return Alert.objects.get()


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_alert_list_filters_and_exports(
    client: Client, staff: User, alert: Alert, django_assert_max_num_queries: Any
) -> None:
    login(client, staff)
    url = reverse("monitoring:alert_list")
    with django_assert_max_num_queries(12):
        r = client.get(url, {"status": "open", "q": "0011"})
    assert r.status_code == 200
    assert "人均纯收入低于监测标准" in r.content.decode()
    assert "没有符合条件的预警" in client.get(url, {"status": "dismissed"}).content.decode()
    assert client.get(url, {"year": "abc", "status": "zzz"}).status_code == 200
    r = client.get(url, {"format": "xlsx"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    assert rows[1][1] == "0011"
    assert len(rows) == 2


def test_confirm_on_the_page_then_link_to_a_case(client: Client, staff: User, alert: Alert) -> None:
    login(client, staff)
    url = reverse("monitoring:alert_detail", args=[alert.pk])
    r = client.post(url, {"action": "confirm", "note": ""})
    assert r.status_code == 200
    assert Alert.objects.get().status == AlertStatus.OPEN
    r = client.post(url, {"action": "confirm", "note": "入户核实属实"})
    assert r.status_code == 302
    assert Alert.objects.get().status == AlertStatus.CONFIRMED
    page = client.get(url).content.decode()
    assert f"household={alert.household_id}&amp;alert={alert.pk}" in page
    r = client.post(url, {"action": "dismiss", "note": "再次"})
    assert "已核实处理" in r.content.decode()


def test_outsider_gets_404_and_supervisor_403(
    client: Client, persona: Callable[[str], User], alert: Alert
) -> None:
    url = reverse("monitoring:alert_detail", args=[alert.pk])
    login(client, persona("另一村的村干部"))
    assert client.get(url).status_code == 404
    login(client, persona("九龙村监委会委员"))
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "confirm", "note": "x"}).status_code == 403


def test_policy_page_warns_when_the_line_is_not_entered(
    client: Client, persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    login(client, persona("衡山县管理员"))
    url = reverse("monitoring:policy")
    r = client.get(url, {"region": "430423000000"})
    assert r.status_code == 200
    assert "尚未录入" in r.content.decode()
    line = {"region": "430423000000", "year": 2026, "income_threshold_yuan": 9000}
    r = client.post(f"{url}?region=430423000000", line)
    assert r.status_code == 302
    r = client.get(url, {"region": "430423000000"})
    assert "900000" in r.content.decode()
    r = client.post(url, {"region": "430423000000", "year": 2026, "disclosure_days": 3})
    assert r.status_code == 200


def test_run_page_starts_a_run(
    client: Client, persona: Callable[[str], User], staff: User, jiulong: Region,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    home(staff, jiulong, 11, 1, y2024=100)
    login(client, persona("开云镇干部"))
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("monitoring:screening_runs"),
                        {"region": "430423100000", "year": 2024})  # fmt: skip
    assert r.status_code == 302
    r = client.get(r["Location"])
    assert "已完成" in r.content.decode()
    login(client, staff)
    assert client.get(reverse("monitoring:screening_runs")).status_code == 403


def test_a_running_run_shows_its_progress(client: Client, persona: Callable[[str], User]) -> None:
    run = ScreeningRun.objects.create(region_id="430423100000", year=2024, steps=8, steps_done=2)
    login(client, persona("开云镇干部"))
    page = client.get(reverse("monitoring:screening_run", args=[run.pk])).content.decode()
    assert '<progress max="100" value="25">' in page
    assert "25%（2/8步）" in page
    assert 'hx-trigger="every 3s"' in page


def test_import_page_upload_result_and_report(
    client: Client, persona: Callable[[str], User], household: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    login(client, persona("衡山县部门用户"))
    data = ("姓名,公民身份号码,救助类型,开始日期\n"
            f"张三,{make_id_number(1, birth='19700101')},低保,2025-03-01\n"
            "某人,4304231970010100,低保,2025-03-01\n").encode()  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("monitoring:import_list"), {
            "department": "civil", "region": "430423000000",
            "file": SimpleUploadedFile("民政.csv", data),
        })  # fmt: skip
    assert r.status_code == 302
    record = DepartmentImport.objects.get()
    r = client.get(r["Location"])
    assert "匹配1" in r.content.decode()
    r = client.get(reverse("monitoring:import_report", args=[record.pk]))
    assert r.status_code == 200
    r = client.get(reverse("monitoring:import_template", args=["medical"]))
    assert r.status_code == 200
    assert client.get("/monitoring/imports/template/nope.xlsx").status_code == 404
    # a bad upload is a form error, not a 500
    r = client.post(reverse("monitoring:import_list"), {
        "department": "civil", "region": "430423000000",
        "file": SimpleUploadedFile("x.pdf", b"%PDF"),
    })  # fmt: skip
    assert r.status_code == 200
    assert "只能上传xlsx或csv文件" in r.content.decode()


def test_policy_page_sets_every_time_limit(
    client: Client, persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    from cunwu.monitoring.policy import policy_for

    login(client, persona("衡山县管理员"))
    url = reverse("monitoring:policy")
    limits = {"verify_workdays": 2, "compare_workdays": 4, "appraise_workdays": 6,
              "township_workdays": 7, "county_workdays": 8, "stable_months": 12,
              "rigid_expense_yuan": 20000}  # fmt: skip
    r = client.post(url, {"region": "430423000000", "year": 2026, **limits})
    assert r.status_code == 302
    p = policy_for("430423100224", 2026)
    assert (p.verify_workdays, p.compare_workdays, p.appraise_workdays, p.township_workdays,
            p.county_workdays, p.stable_months, p.rigid_expense_fen) == (
        2, 4, 6, 7, 8, 12, 2_000_000,
    )  # fmt: skip
    assert p.sources["verify_workdays"] == "430423000000" and p.defaulted
    refused = client.post(url, {"region": "430423000000", "year": 2026, "county_workdays": 61})
    assert refused.status_code == 200 and policy_for("430423100224", 2026).county_workdays == 8
