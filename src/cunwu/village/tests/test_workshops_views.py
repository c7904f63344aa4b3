# ruff: noqa: F811
"""乡村车间 pages: the cadre's flow through recognition, employment and reports; the township's
and county's steps; scope (another village: 404), a villager: 403; bad input saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cunwu.accounts.models import User
from cunwu.assets.models import Asset
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.village.models import (
    Assessment,
    AssessmentSheet,
    Employment,
    MonthlyReport,
    Workshop,
    WorkshopFile,
    WorkshopStep,
)
from cunwu.village.services import workshops as services

from .fixtures_jobs import member
from .fixtures_workshops import PDF, admin, cadre, school, township, workshop  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


FORM = {
    "name": "九龙村竹编车间",
    "operator": "九龙竹艺合作社",
    "operator_phone": "0734-5861234",
    "premises": "村部闲置仓库",
    "products": "竹篮、竹席",
    "pay_model": "piece",
    "pay_note": "按件计酬",
}


def test_cadre_registers_applies_and_township_and_county_recognise(
    cadre: User, township: User, admin: User, school: Asset, household: Household
) -> None:
    c = _client(cadre)
    assert c.get("/village/workshops/").status_code == 200
    r = c.post("/village/workshops/new/?village=430423100224", {**FORM, "asset": school.pk})
    assert r.status_code == 302, r.content.decode()
    w = Workshop.objects.get(name="九龙村竹编车间")
    assert (w.asset_id, w.operator_phone_masked, w.pay_model) == (
        school.pk,
        "073*****1234",
        "piece",
    )
    page = c.get(f"/village/workshops/{w.pk}/").content.decode()
    assert "九龙竹艺合作社" in page and "申请认定" in page and "0734-5861234" not in page
    r = c.post(f"/village/workshops/{w.pk}/steps/apply/", {"note": ""})
    assert r.status_code == 200
    assert "申请认定须先上传至少一份材料" in r.content.decode()
    upload = SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")
    r = c.post(f"/village/workshops/{w.pk}/files/new/", {"file": upload})
    assert r.status_code == 302
    f = WorkshopFile.objects.get()
    r = c.get(f"/village/workshops/{w.pk}/files/{f.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF  # type: ignore[attr-defined]
    assert c.post(f"/village/workshops/{w.pk}/steps/apply/", {"note": "申请"}).status_code == 302
    assert c.post(f"/village/workshops/{w.pk}/steps/township_pass/").status_code == 403
    t = _client(township)
    r = t.post(f"/village/workshops/{w.pk}/steps/township_return/", {"note": ""})
    assert r.status_code == 200 and "这个字段是必填项" in r.content.decode()
    assert (
        t.post(f"/village/workshops/{w.pk}/steps/township_pass/", {"note": "同意"}).status_code
        == 302
    )
    # the township attaches its review record to its step
    passed = WorkshopStep.objects.get(workshop=w, kind="township_pass")
    review = SimpleUploadedFile("审核意见.pdf", PDF, content_type="application/pdf")
    r = t.post(f"/village/workshops/{w.pk}/files/new/", {"file": review, "step": passed.pk})
    assert r.status_code == 302
    assert WorkshopFile.objects.get(original_name="审核意见.pdf").step == passed
    assert "乡镇审核通过 · " in t.get(f"/village/workshops/{w.pk}/").content.decode()
    county = _client(admin)
    r = county.post(f"/village/workshops/{w.pk}/steps/township_pass/", {"note": ""})
    assert r.status_code == 403
    assert (
        county.post(f"/village/workshops/{w.pk}/steps/county_recognise/", {"note": ""}).status_code
        == 302
    )
    w.refresh_from_db()
    assert (w.state, w.stage) == ("recognised", "none")
    r = county.post(f"/village/workshops/{w.pk}/steps/county_recognise/", {"note": ""})
    assert r.status_code == 200 and "该车间没有待县级认定的申请" in r.content.decode()
    assert c.get("/village/workshops/?format=xlsx").status_code == 200
    assert c.get("/village/workshops/?state=recognised").content.decode().count("竹编车间") == 1


def test_bad_form_input_shows_error_and_saves_nothing(cadre: User, workshop: Workshop) -> None:
    c = _client(cadre)
    r = c.post("/village/workshops/new/?village=430423100224", {**FORM, "operator_phone": "123"})
    assert r.status_code == 200
    assert "联系电话“123”格式不正确" in r.content.decode()
    assert Workshop.objects.count() == 1
    r = c.post(
        f"/village/workshops/{workshop.pk}/reports/new/",
        {"month": "2026-11-01", "headcount": "10", "poverty_headcount": "12", "wages_yuan": "1000"},
    )
    assert r.status_code == 200
    assert "脱贫人口和监测对象人数应在0至10之间" in r.content.decode()
    bad = SimpleUploadedFile("a.pdf", b"not a pdf", content_type="application/pdf")
    r = c.post(f"/village/workshops/{workshop.pk}/files/new/", {"file": bad})
    assert r.status_code == 200 and "不是 PDF、PNG 或 JPEG 文件" in r.content.decode()
    r = c.post(
        f"/village/workshops/{workshop.pk}/employments/new/",
        {"person": "999999", "start_on": "2026-11-02"},
    )
    assert r.status_code == 200 and "本县没有该人员" in r.content.decode()
    assert not MonthlyReport.objects.exists()
    assert not WorkshopFile.objects.exists()
    assert not Employment.objects.exists()


def test_employment_report_and_correction_pages(
    cadre: User, workshop: Workshop, household: Household
) -> None:
    c = _client(cadre)
    person = member(household, "李四")
    r = c.post(
        f"/village/workshops/{workshop.pk}/employments/new/",
        {"person": person.pk, "start_on": "2026-11-02"},
    )
    assert r.status_code == 302
    job = Employment.objects.get()
    r = c.post(
        f"/village/workshops/employments/{job.pk}/end/", {"end_on": "2026-11-01", "reason": "辞职"}
    )
    assert r.status_code == 200 and "离职日期不能早于入职日期" in r.content.decode()
    r = c.post(
        f"/village/workshops/employments/{job.pk}/end/", {"end_on": "2026-11-20", "reason": "辞职"}
    )
    assert r.status_code == 302
    r = c.post(
        f"/village/workshops/{workshop.pk}/reports/new/",
        {
            "month": "2026-11-01",
            "headcount": "40",
            "poverty_headcount": "12",
            "wages_yuan": "120000.50",
        },
    )
    assert r.status_code == 302
    first = MonthlyReport.objects.get()
    assert first.wages_fen == 12_000_050
    r = c.post(
        f"/village/workshops/{workshop.pk}/reports/new/?correct={first.pk}",
        {
            "month": "2026-11-01",
            "headcount": "41",
            "poverty_headcount": "12",
            "wages_yuan": "123000",
            "note": "补报1人",
        },
    )
    assert r.status_code == 302
    assert list(MonthlyReport.objects.filter(current=True).values_list("headcount", flat=True)) == [
        41
    ]
    page = c.get(f"/village/workshops/{workshop.pk}/").content.decode()
    assert "已更正" in page and "123,000.00" in page


def test_other_village_gets_404_and_villager_403(
    persona: Callable[[str], User], cadre: User, workshop: Workshop
) -> None:
    services.workshop_files_add(actor=cadre, workshop=workshop, files=[("a.pdf", PDF)])
    f = WorkshopFile.objects.get()
    other = _client(persona("另一村的村干部"))
    for url in (
        f"/village/workshops/{workshop.pk}/",
        f"/village/workshops/{workshop.pk}/edit/",
        f"/village/workshops/{workshop.pk}/files/{f.pk}/",
        f"/village/workshops/{workshop.pk}/steps/apply/",
        f"/village/workshops/{workshop.pk}/reports/new/",
        f"/village/workshops/{workshop.pk}/employments/new/",
    ):
        assert other.get(url).status_code == 404, url
    assert "九龙村服装车间" not in other.get("/village/workshops/").content.decode()
    assert other.get("/village/workshops/stats/?region=430423100224").status_code == 404
    villager = _client(persona("九龙村村民"))
    assert villager.get("/village/workshops/").status_code == 403
    assert villager.get("/village/workshops/stats/").status_code == 403
    bali = _client(persona("八里村村干部"))
    assert bali.get(f"/village/workshops/{workshop.pk}/").status_code == 404


def test_sheet_and_assessment_pages(
    admin: User, township: User, cadre: User, workshop: Workshop, regions: dict[str, Region]
) -> None:
    county = _client(admin)
    r = county.post(
        "/village/workshops/sheets/new/",
        {
            "region": "430423000000",
            "year": "2026",
            "name": "年度考核",
            "criteria": "吸纳就业 60\n规范管理\n",
        },
    )
    assert r.status_code == 200 and "第2行应写作“项目名称 分值”" in r.content.decode()
    assert not AssessmentSheet.objects.exists()
    # ² passes isdigit() but not int(): the same message, not a 500
    bad = {"region": "430423000000", "year": "2026", "name": "年度考核",
           "criteria": "吸纳就业 ²"}  # fmt: skip
    r = county.post("/village/workshops/sheets/new/", bad)
    assert r.status_code == 200 and "第1行应写作“项目名称 分值”" in r.content.decode()
    assert not AssessmentSheet.objects.exists()
    r = county.post(
        "/village/workshops/sheets/new/",
        {
            "region": "430423000000",
            "year": "2026",
            "name": "年度考核",
            "criteria": "吸纳就业 60\n规范 管理 40\n",
        },
    )
    assert r.status_code == 302
    sheet = AssessmentSheet.objects.get()
    assert [(c.name, c.max_score) for c in sheet.criteria.all()] == [
        ("吸纳就业", 60),
        ("规范 管理", 40),
    ]
    assert "年度考核" in county.get("/village/workshops/sheets/").content.decode()
    assert "年度考核" in _client(cadre).get("/village/workshops/sheets/").content.decode()
    assert _client(cadre).get("/village/workshops/sheets/new/").status_code == 403
    t = _client(township)
    assert "按“2026年年度考核”考核" in t.get(f"/village/workshops/{workshop.pk}/").content.decode()
    items = list(sheet.criteria.order_by("order"))
    url = f"/village/workshops/{workshop.pk}/assess/{sheet.pk}/"
    r = t.post(url, {f"item_{items[0].pk}": "61", f"item_{items[1].pk}": "40"})
    assert r.status_code == 200 and not Assessment.objects.exists()
    r = t.post(url, {f"item_{items[0].pk}": "50", f"item_{items[1].pk}": "37"})
    assert r.status_code == 302
    a = Assessment.objects.get()
    assert (a.total, a.max_total, a.grade) == (87, 100, "良好")
    page = _client(cadre).get(f"/village/workshops/{workshop.pk}/").content.decode()
    assert "87/100分，良好" in page and "吸纳就业：50/60" in page
    assert _client(cadre).get(url).status_code == 403


def test_list_and_stats_query_counts_are_bounded(
    cadre: User, workshop: Workshop, django_assert_max_num_queries: Any
) -> None:
    c = _client(cadre)
    c.get("/village/workshops/")
    with django_assert_max_num_queries(14):
        assert c.get("/village/workshops/").status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get("/village/workshops/stats/").status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get("/api/v1/village/workshops").status_code == 200


def test_stats_page_and_export(cadre: User, workshop: Workshop) -> None:
    c = _client(cadre)
    services.report_add(
        actor=cadre,
        workshop=workshop,
        month=date(2026, 11, 1),
        headcount=30,
        poverty_headcount=9,
        wages_fen=9_000_000,
    )
    r = c.get("/village/workshops/stats/?month=2026-11")
    page = r.content.decode()
    assert r.status_code == 200 and 'id="chart-data"' in page
    assert "2026年11月用工 30 人，发放工资 90,000.00 元" in page
    assert "盘活闲置资产 <strong>1</strong> 处" in page
    r = c.get("/village/workshops/stats/?format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_correct_parameter_int_refuses_is_404(cadre: User, workshop: Workshop) -> None:
    c = _client(cadre)
    for raw in ("²", "x", "9" * 30):
        r = c.get(f"/village/workshops/{workshop.pk}/reports/new/?correct={raw}")
        assert r.status_code == 404, raw
