"""The household's own application and following a case by its code: matched by ID and name,
no match saves nothing, the public page never shows personal data, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.monitoring.models import Case, CaseSource, Category, RiskType
from cunwu.monitoring.services import cases as svc
from cunwu.registry.models import Household
from cunwu.testing import make_id_number

LISI = make_id_number(2, birth="19720304")


def form(**kw: Any) -> dict[str, Any]:
    data = {"village": "430423100224", "name": "李四", "id_number": LISI,
            "phone": "13800138000", "risk_types": ["illness"], "description": "丈夫住院",
            "commitment_signed": "on"}  # fmt: skip
    data.update(kw)
    return data


def test_application_shows_the_follow_code(household: Household) -> None:
    client = Client()
    assert "防返贫监测帮扶" in client.get("/public/monitoring/apply/").content.decode()
    response = client.post("/public/monitoring/apply/", form())
    case = Case.objects.get()
    body = response.content.decode()
    assert case.code in body and case.source == CaseSource.APPLICATION
    page = client.get(f"/public/monitoring/case/{case.code}/").content.decode()
    assert "入户核实" in page and "李四" not in page and "138" not in page
    assert "丈夫住院" not in page


@pytest.mark.parametrize("changes", [{"name": "王五"}, {"id_number": make_id_number(8)},
                                     {"village": "430423100225"}])  # fmt: skip
def test_unknown_id_or_wrong_name_saves_nothing(changes: dict[str, str],
                                                household: Household) -> None:  # fmt: skip
    response = Client().post("/public/monitoring/apply/", form(**changes))
    assert response.status_code == 200
    assert not Case.objects.exists()
    if "village" not in changes:
        assert svc.NO_MATCH in response.content.decode()


def test_commitment_is_required(household: Household) -> None:
    data = form()
    del data["commitment_signed"]
    Client().post("/public/monitoring/apply/", data)
    assert not Case.objects.exists()


def test_rejection_reason_is_public_by_code(
    cadre: User, household: Household, api_as: Callable[[str], Any]
) -> None:
    case = svc.case_open(
        actor=cadre,
        household=household,
        source=CaseSource.CADRE,
        category=Category.SUDDEN,
        risk_types=[RiskType.ILLNESS],
    )
    svc.case_verify(actor=cadre, case=case, passed=False, findings="家庭收入稳定", checks={})
    page = Client().get(f"/public/monitoring/case/{case.code.lower()}/").content.decode()
    assert "入户核实未通过：家庭收入稳定" in page
    out = Client().get(f"/api/v1/public/monitoring/cases/{case.code}")
    assert out.status_code == 200
    assert out.json()["outcome_reason"] == "入户核实未通过：家庭收入稳定"
    assert Client().get("/api/v1/public/monitoring/cases/NOPE2345").status_code == 404
    lookup = Client().post("/public/monitoring/case/", {"code": case.code})
    assert lookup["Location"] == f"/public/monitoring/case/{case.code}/"


def test_api_application_and_rate_limit(household: Household) -> None:
    client = Client()
    body = {"village": "430423100224", "name": "王五", "id_number": LISI, "phone": "13800138000",
            "risk_types": ["illness"], "commitment_signed": True}  # fmt: skip
    wrong = client.post("/api/v1/public/monitoring/cases", body, content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["message"] == svc.NO_MATCH
    ok = client.post("/api/v1/public/monitoring/cases", {**body, "name": "李四"},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 201 and len(ok.json()["code"]) == 8
    statuses = [
        client.post("/api/v1/public/monitoring/cases", body,
                    content_type="application/json").status_code
        for _ in range(10)
    ]  # fmt: skip
    assert statuses[-1] == 429


def test_poster_has_a_qr_code_to_the_form(jiulong: Any) -> None:
    page = Client().get("/public/monitoring/poster/430423100224/").content.decode()
    assert "data:image/png;base64," in page and "430423100224" in page
    assert Client().get("/public/monitoring/poster/999999999999/").status_code == 404
