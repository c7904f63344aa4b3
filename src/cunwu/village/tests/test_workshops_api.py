# ruff: noqa: F811
"""乡村车间 over the API: create, steps, employment, reports, sheets and assessments; bad input is
400/422 (never 500); outside the scope 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cunwu.accounts.models import User
from cunwu.assets.models import Asset
from cunwu.registry.models import Household
from cunwu.village.models import Employment, MonthlyReport, Workshop
from cunwu.village.services import workshops as services

from .fixtures_jobs import member
from .fixtures_workshops import PDF, admin, cadre, school, township, workshop  # noqa: F401

pytestmark = pytest.mark.django_db

BODY = {
    "village": "430423100224",
    "name": "九龙村箱包车间",
    "operator": "衡山县九龙箱包厂",
    "operator_phone": "13907340002",
    "premises": "村部二楼",
    "products": "箱包",
    "pay_model": "hourly",
}


def test_create_list_and_detail(api_as: Callable[[str], Any], school: Asset) -> None:
    api = api_as("九龙村村干部")
    r = api.post("/village/workshops", {**BODY, "asset": school.pk})
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["operator_phone_masked"], out["asset"], out["state"], out["pay_model_label"]) == (
        "139****0002",
        school.pk,
        "none",
        "计时",
    )
    assert "13907340002" not in r.content.decode()
    r = api.get("/village/workshops", state="none")
    assert [w["name"] for w in r.json()["items"]] == ["九龙村箱包车间"]
    r = api.get(f"/village/workshops/{out['id']}")
    assert r.status_code == 200 and r.json()["steps"] == []


def test_bad_input_is_400_or_422_and_saves_nothing(
    api_as: Callable[[str], Any], school: Asset
) -> None:
    api = api_as("九龙村村干部")
    r = api.post("/village/workshops", {**BODY, "pay_model": "daily"})
    assert (r.status_code, r.json()["code"]) == (400, "pay_model")
    r = api.post("/village/workshops", {**BODY, "operator_phone": "110"})
    assert (r.status_code, r.json()["field"]) == (400, "operator_phone")
    r = api.post("/village/workshops", {**BODY, "asset": 999999})
    assert (r.status_code, r.json()["message"]) == (400, "只能选择本村的集体资产")
    r = api.post("/village/workshops", {**BODY, "name": "x" * 61})
    assert r.status_code == 422
    r = api.post("/village/workshops", {**BODY, "name": "车间\x00"})
    assert r.status_code == 422
    assert not Workshop.objects.exists()


def test_scope_404_and_role_403(
    api_as: Callable[[str], Any], workshop: Workshop, household: Household
) -> None:
    other = api_as("另一村的村干部")
    assert other.get(f"/village/workshops/{workshop.pk}").status_code == 404
    assert other.get("/village/workshops").json()["count"] == 0
    r = other.post(f"/village/workshops/{workshop.pk}/steps", {"kind": "apply"})
    assert r.status_code == 404
    r = other.post("/village/workshops", BODY)
    assert r.status_code == 404
    r = other.post(
        f"/village/workshops/{workshop.pk}/employments",
        {"person": member(household, "李四").pk, "start_on": "2026-11-02"},
    )
    assert r.status_code == 404
    assert other.get("/village/workshops/stats", region="430423100224").status_code == 404
    county = api_as("衡山县管理员")
    assert county.post("/village/workshops", BODY).status_code == 403
    assert not Employment.objects.exists()


def test_steps_employment_reports_and_assessment(
    api_as: Callable[[str], Any], cadre: User, workshop: Workshop, household: Household
) -> None:
    api = api_as("九龙村村干部")
    r = api.post(f"/village/workshops/{workshop.pk}/steps", {"kind": "apply"})
    assert (r.status_code, r.json()["code"]) == (400, "files_missing")
    services.workshop_files_add(actor=cadre, workshop=workshop, files=[("申请表.pdf", PDF)])
    assert api.post(f"/village/workshops/{workshop.pk}/steps", {"kind": "apply"}).status_code == 201
    r = api.post(f"/village/workshops/{workshop.pk}/steps", {"kind": "apply"})
    assert (r.status_code, r.json()["message"]) == (409, "该车间已有待办的认定申请")
    r = api.post(f"/village/workshops/{workshop.pk}/steps", {"kind": "township_pass"})
    assert r.status_code == 403
    town = api_as("开云镇干部")
    r = town.post(f"/village/workshops/{workshop.pk}/steps", {"kind": "township_pass"})
    assert r.status_code == 201 and r.json()["kind_label"] == "乡镇审核通过"
    r = api.post(
        f"/village/workshops/{workshop.pk}/employments",
        {"person": member(household, "李四").pk, "start_on": "2026-11-31"},
    )
    assert r.status_code == 422
    r = api.post(
        f"/village/workshops/{workshop.pk}/employments",
        {"person": member(household, "李四").pk, "start_on": "2026-11-02"},
    )
    assert r.status_code == 201
    job = r.json()["id"]
    r = api.post(
        f"/village/workshops/employments/{job}/end", {"end_on": "2026-11-10", "reason": "辞职"}
    )
    assert r.status_code == 200 and r.json()["end_on"] == "2026-11-10"
    r = api.post(
        f"/village/workshops/{workshop.pk}/reports",
        {"month": "2026-11-01", "headcount": 5, "poverty_headcount": 6, "wages_fen": 100},
    )
    assert (r.status_code, r.json()["code"]) == (400, "poverty_headcount_range")
    r = api.post(
        f"/village/workshops/{workshop.pk}/reports",
        {"month": "2026-11-01", "headcount": 5, "poverty_headcount": 2, "wages_fen": 1_500_000},
    )
    assert r.status_code == 201
    first = r.json()["id"]
    r = api.post(
        f"/village/workshops/{workshop.pk}/reports",
        {
            "month": "2026-11-01",
            "headcount": 6,
            "poverty_headcount": 2,
            "wages_fen": 1_800_000,
            "note": "补报",
            "supersedes": first,
        },
    )
    assert r.status_code == 201 and r.json()["supersedes"] == first
    assert MonthlyReport.objects.filter(current=True).count() == 1
    county = api_as("衡山县管理员")
    r = county.post(
        "/village/workshops/sheets",
        {
            "region": "430423000000",
            "year": 2026,
            "name": "年度考核",
            "criteria": [
                {"name": "吸纳就业", "max_score": 70},
                {"name": "规范管理", "max_score": 30},
            ],
        },
    )
    assert r.status_code == 201, r.content
    sheet = r.json()
    ids = [c["id"] for c in sheet["criteria"]]
    r = town.post(
        f"/village/workshops/{workshop.pk}/assessments",
        {"sheet": sheet["id"], "scores": {str(ids[0]): 70, str(ids[1]): 31}},
    )
    assert (r.status_code, r.json()["message"]) == (400, "“规范管理”得分应在0至30之间")
    r = api.post(
        f"/village/workshops/{workshop.pk}/assessments",
        {"sheet": sheet["id"], "scores": {str(ids[0]): 70, str(ids[1]): 30}},
    )
    assert r.status_code == 403
    r = town.post(
        f"/village/workshops/{workshop.pk}/assessments",
        {"sheet": sheet["id"], "scores": {str(ids[0]): 63, str(ids[1]): 27}},
    )
    assert r.status_code == 201
    assert (r.json()["total"], r.json()["grade"]) == (90, "优秀")
    r = api.get(f"/village/workshops/{workshop.pk}/assessments")
    assert [s["score"] for s in r.json()[0]["scores"]] == [63, 27]
    r = api.get("/village/workshops/stats", month="2026-11-01")
    assert r.status_code == 200
    body = r.json()
    assert (
        body["total"]["conditions"],
        body["total"]["headcount"],
        body["total"]["wages_fen"],
    ) == (1, 6, 1_800_000)
    assert api.get("/village/workshops/stats", month="2026-13-01").status_code == 422
