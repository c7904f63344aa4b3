"""The case pages and API: the walk through forms, scope (outsider 404, wrong role 403),
export, the overdue command, query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cunwu.accounts.models import User
from cunwu.monitoring.models import Case, CaseSource, Category, Outcome, RiskType, Stage
from cunwu.monitoring.services import cases as svc
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_case(cadre: User, household: Household, **kw: Any) -> Case:
    return svc.case_open(
        actor=cadre,
        household=household,
        source=CaseSource.CADRE,
        category=Category.SUDDEN,
        risk_types=[RiskType.ILLNESS],
        **kw,
    )


def test_cadre_registers_and_verifies_through_the_pages(
    cadre: User, kaiyun_staff: User, household: Household
) -> None:
    client = login(cadre)
    page = client.get(f"/monitoring/cases/new/?household={household.pk}")
    assert page.status_code == 200 and "登记识别线索" in page.content.decode()
    response = client.post("/monitoring/cases/new/", {
        "household": household.pk, "source": "cadre", "category": "sudden",
        "risk_types": ["illness"], "description": "户主住院",
    })  # fmt: skip
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/cases/{case.pk}/"
    detail = client.get(f"/monitoring/cases/{case.pk}/").content.decode()
    assert "入户核实" in detail and 'name="findings"' in detail
    # the township sees the case, but no form for the village's step
    assert (
        'name="findings"'
        not in login(kaiyun_staff).get(f"/monitoring/cases/{case.pk}/").content.decode()
    )
    response = client.post(f"/monitoring/cases/{case.pk}/step/", {
        "stage": "verify", "passed": "1", "findings": "属实", "check_food": "on",
    })  # fmt: skip
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.COMPARE
    assert case.steps.get().data["checks"]["food"] is True
    # a second click of the same form changes nothing
    again = client.post(
        f"/monitoring/cases/{case.pk}/step/", {"stage": "verify", "passed": "1", "findings": "属实"}
    )
    assert again.status_code == 302 and case.steps.count() == 1


def test_step_error_is_shown_on_the_form(cadre: User, household: Household) -> None:
    case = open_case(cadre, household)
    response = login(cadre).post(
        f"/monitoring/cases/{case.pk}/step/",
        {"stage": "verify", "passed": "1", "findings": "属实", "income": "abc"},
    )
    assert response.status_code == 200
    assert not case.steps.exists()


def test_outsider_gets_404_and_wrong_role_403(
    cadre: User, kaiyun_staff: User, outsider: User, household: Household
) -> None:
    case = open_case(cadre, household)
    out = login(outsider)
    assert out.get(f"/monitoring/cases/{case.pk}/").status_code == 404
    assert out.post(f"/monitoring/cases/{case.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert out.get(f"/monitoring/cases/new/?household={household.pk}").status_code == 404
    assert "0001" not in out.get("/monitoring/cases/").content.decode()
    township = login(kaiyun_staff)
    assert (
        township.post(
            f"/monitoring/cases/{case.pk}/step/",
            {"stage": "verify", "passed": "1", "findings": "x"},
        ).status_code
        == 403
    )
    assert (
        township.post(f"/monitoring/cases/{case.pk}/withdraw/", {"reason": "x"}).status_code == 403
    )
    assert township.get("/monitoring/cases/new/").status_code == 403


def test_list_filters_search_and_export(
    cadre: User, household: Household, django_assert_max_num_queries: Any
) -> None:
    case = open_case(cadre, household)
    client = login(cadre)
    with django_assert_max_num_queries(12):
        page = client.get("/monitoring/cases/", {"q": case.code})
    assert case.code in page.content.decode()
    assert case.code in client.get("/monitoring/cases/", {"q": "张三"}).content.decode()
    assert (
        case.code not in client.get("/monitoring/cases/", {"outcome": "approved"}).content.decode()
    )
    xlsx = client.get("/monitoring/cases/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_overdue_page_and_command(cadre: User, kaiyun_staff: User, household: Household) -> None:
    case = open_case(cadre, household, on=date(2026, 3, 2))
    page = login(kaiyun_staff).get("/monitoring/cases/overdue/", {"today": "2026-03-06"})
    assert case.code in page.content.decode()
    out = StringIO()
    call_command("monitoring_cases", "overdue", "--region", "430423100224",
                 "--today", "2026-03-06", stdout=out)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{case.code}\t430423100224") and lines[-1] == "超时办件 1 件"
    out = StringIO()
    call_command("monitoring_cases", "overdue", "--today", "2026-03-05", stdout=out)
    assert out.getvalue().strip() == "超时办件 0 件"


# ---------------------------------------------------------------- API


def test_api_walk_and_scope(
    api_as: Callable[[str], Any], household: Household, persona: Callable[[str], User]
) -> None:
    cadre = api_as("九龙村村干部")
    made = cadre.post(
        "/monitoring/cases",
        {
            "household": household.pk,
            "source": "cadre",
            "category": "sudden",
            "risk_types": ["illness"],
        },
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    verified = cadre.post(
        f"/monitoring/cases/{pk}/verify",
        {"passed": True, "findings": "属实", "checks": {"food": True}},
    )
    assert verified.json()["stage"] == "compare"
    assert (
        cadre.post(
            f"/monitoring/cases/{pk}/verify", {"passed": True, "findings": "属实"}
        ).status_code
        == 409
    )
    assert cadre.post(f"/monitoring/cases/{pk}/compare", {"passed": True}).status_code == 403
    township = api_as("开云镇干部")
    assert (
        township.post(f"/monitoring/cases/{pk}/compare", {"passed": True}).json()["stage"]
        == "appraise"
    )
    bad = cadre.post(
        f"/monitoring/cases/{pk}/appraise",
        {"members": 30, "present": 10, "votes_for": 10, "votes_against": 0},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "present"
    outsider = api_as("另一村的村干部")
    assert outsider.get(f"/monitoring/cases/{pk}").status_code == 404
    assert outsider.post(f"/monitoring/cases/{pk}/withdraw", {"reason": "x"}).status_code == 404
    assert outsider.get("/monitoring/cases").json()["count"] == 0
    listed = cadre.get("/monitoring/cases", stage="appraise")
    assert [c["id"] for c in listed.json()["items"]] == [pk]
    assert (
        cadre.post(f"/monitoring/cases/{pk}/withdraw", {"reason": "重复登记"}).json()["outcome"]
        == Outcome.WITHDRAWN
    )
    assert (
        cadre.post("/monitoring/cases", {"household": 10**9, "source": "cadre"}).status_code == 404
    )
    assert cadre.post("/monitoring/cases", {"household": "x"}).status_code == 422


def test_api_elimination_check(api_as: Callable[[str], Any], monitored: Any) -> None:
    out = api_as("九龙村村干部").get(f"/monitoring/monitored/{monitored.pk}/elimination-check")
    assert out.status_code == 200
    body = out.json()
    assert body["eligible"] is False
    assert {c["name"] for c in body["criteria"]} == {
        "income",
        "stable",
        "security",
        "alerts",
        "basic_needs",
        "no_labour",
    }
    assert (
        api_as("另一村的村干部")
        .get(f"/monitoring/monitored/{monitored.pk}/elimination-check")
        .status_code
        == 404
    )


def test_case_files_are_served_within_scope_only(
    cadre: User, outsider: User, household: Household
) -> None:
    case = open_case(cadre, household)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 16
    svc.case_verify(actor=cadre, case=case, passed=True, findings="属实", checks={},
                    files=[("照片.png", png)])  # fmt: skip
    f = case.files.get()
    response = login(cadre).get(f"/monitoring/cases/{case.pk}/files/{f.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == png
    assert login(outsider).get(f"/monitoring/cases/{case.pk}/files/{f.pk}/").status_code == 404
    upload = SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    login(cadre).post(f"/monitoring/cases/{case.pk}/files/", {"attachments": upload})
    assert sorted(case.files.values_list("original_name", flat=True)) == ["授权书.pdf", "照片.png"]


def test_api_list_needs_a_fixed_number_of_queries(
    api_as: Callable[[str], Any], persona: Callable[[str], User], jiulong: Any,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    cadre = persona("九龙村村干部")
    client = api_as("九龙村村干部")
    for n in range(5):
        h = make_household(cadre, jiulong, f"01{n:02d}", "赵六", head_id=make_id_number(100 + n))
        open_case(cadre, h)
    client.get("/monitoring/cases")
    with django_assert_max_num_queries(8):
        body = client.get("/monitoring/cases").json()
    assert body["count"] == 5


def test_elimination_proposal_page_lists_the_failing_criteria(cadre: User, monitored: Any) -> None:
    client = login(cadre)
    page = client.get(f"/monitoring/cases/new/?monitored={monitored.pk}").content.decode()
    assert "风险消除条件" in page and "纳入监测未满6个月" in page
    assert "尚未达到风险消除条件" in page
    client.post("/monitoring/cases/new/", {"monitored": monitored.pk})
    assert not Case.objects.exists()


def test_work_team_sees_no_publish_form_and_withdraws_by_page(
    cadre: User, kaiyun_staff: User, household: Household, persona: Callable[[str], User]
) -> None:
    case = open_case(cadre, household)
    svc.case_verify(actor=cadre, case=case, passed=True, findings="属实", checks={})
    svc.case_compare(actor=kaiyun_staff, case=case, passed=True, findings="", results={})
    svc.case_appraise(actor=cadre, case=case, members=9, present=9, votes_for=9,
                      votes_against=0)  # fmt: skip
    team = login(persona("九龙村工作队员"))
    assert "发布公示" not in team.get(f"/monitoring/cases/{case.pk}/").content.decode()
    assert "发布公示" in login(cadre).get(f"/monitoring/cases/{case.pk}/").content.decode()
    empty = team.post(f"/monitoring/cases/{case.pk}/withdraw/", {"reason": ""})
    assert empty.status_code == 200
    team.post(f"/monitoring/cases/{case.pk}/withdraw/", {"reason": "农户外出务工，申请撤回"})
    case.refresh_from_db()
    assert (case.outcome, case.outcome_reason) == (Outcome.WITHDRAWN, "农户外出务工，申请撤回")


def test_api_uploads_case_files_within_scope(
    api_as: Callable[[str], Any], cadre: User, household: Household
) -> None:
    case = open_case(cadre, household)

    def send(who: str, *files: tuple[str, bytes]) -> Any:
        api = api_as(who)
        body = {"files": [SimpleUploadedFile(name, data) for name, data in files]}
        return api.client.post(f"/api/v1/monitoring/cases/{case.pk}/files", body,
                               headers=api.headers)  # fmt: skip

    pdf = b"%PDF-1.4 signed commitment"
    sent = send("九龙村村干部", ("承诺授权书.pdf", pdf), ("照片.png", b"\x89PNG\r\n\x1a\n0000"))
    assert sent.status_code == 201, sent.content
    assert [(f["original_name"], f["content_type"]) for f in sent.json()] == [
        ("承诺授权书.pdf", "application/pdf"), ("照片.png", "image/png"),
    ]  # fmt: skip
    assert send("九龙村村干部", ("a.pdf", b"plain text")).status_code == 400
    assert send("另一村的村干部", ("a.pdf", pdf)).status_code == 404
    assert send("九龙村监委会委员", ("a.pdf", pdf)).status_code == 403
    assert case.files.count() == 2
