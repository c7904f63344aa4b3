"""Campaign pages: create, detail with coverage and findings, assignment form, my households,
the phone visit form (bad input → Chinese error, nothing changed), visits with export; scope
(outsider 404, wrong role 403); query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

from django.utils.timezone import localdate
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import SECURITY_KEYS, Assignment, Campaign, Visit
from cunwu.monitoring.services import campaigns as svc
from cunwu.monitoring.tests.test_campaigns_services import campaign, visit
from cunwu.monitoring.tests.test_measures_services import households


def visit_form(**kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {f"check_{k}": "on" for k in SECURITY_KEYS}
    data.update(visited_on=localdate().isoformat(), income_estimate="9800.5", note="")
    data.update(kw)
    return data


def test_create_assign_visit_and_follow_the_progress(
    client: Any, kaiyun_staff: User, cadre: User, jiulong: Region,
    persona: Callable[[str], User],
) -> None:  # fmt: skip
    today = localdate()
    hs = households(cadre, jiulong, 1, 4)
    client.force_login(kaiyun_staff)
    assert client.get("/monitoring/campaigns/new/").status_code == 200
    r = client.post("/monitoring/campaigns/new/", {
        "region": "430423100000", "kind": "review", "title": "开云镇回头看",
        "start_on": today.isoformat(), "end_on": (today - timedelta(days=1)).isoformat(),
    })  # fmt: skip
    assert r.status_code == 200 and "结束日期不能早于开始日期" in r.content.decode()
    r = client.post("/monitoring/campaigns/new/", {
        "region": "430423100000", "kind": "review", "title": "开云镇回头看",
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=20)).isoformat(),
    })  # fmt: skip
    c = Campaign.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/monitoring/campaigns/{c.pk}/"
    team = persona("九龙村工作队员")
    assert client.get(f"/monitoring/campaigns/{c.pk}/assignments/new/").status_code == 200
    r = client.post(f"/monitoring/campaigns/{c.pk}/assignments/new/",
                    {"village": jiulong.code, "group": "", "cadre": str(team.pk)})  # fmt: skip
    assert r.status_code == 302 and Assignment.objects.get().cadre == team
    client.force_login(team)
    assert "我的走访" in client.get("/monitoring/campaigns/").content.decode()
    mine = client.get(f"/monitoring/campaigns/{c.pk}/mine/").content.decode()
    assert "还有 4 户待走访" in mine and "户主2" in mine
    assert "还有 1 户待走访" in client.get(
        f"/monitoring/campaigns/{c.pk}/mine/?q=户主3").content.decode()  # fmt: skip
    url = f"/monitoring/campaigns/{c.pk}/households/{hs[0].pk}/visit/"
    form = client.get(url).content.decode()
    assert "不愁吃" in form and "饮水安全有保障" in form and "因病" in form
    # a missing check is an unmet check (unticked), not an error; a bad amount is refused
    r = client.post(url, visit_form(income_estimate="-3"))
    assert r.status_code == 200 and "不小于0" in r.content.decode()
    r = client.post(url, visit_form(visited_on=(today + timedelta(days=40)).isoformat()))
    assert "走访日期应在排查期间" in r.content.decode()
    assert Visit.objects.count() == 0
    data = visit_form(risk_types=["illness"], note="户主住院")
    del data["check_medical"]
    r = client.post(url, data)
    v = Visit.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/monitoring/visits/{v.pk}/"
    assert v.checks["medical"] is False and v.income_estimate_fen == 980_050
    detail = client.get(f"/monitoring/visits/{v.pk}/").content.decode()
    assert "基本医疗有保障：<strong>否</strong>" in detail and "因病" in detail
    r = client.post(url, visit_form())
    assert "不能重复登记" in r.content.decode() and Visit.objects.count() == 1
    assert "还有 3 户待走访" in client.get(f"/monitoring/campaigns/{c.pk}/mine/").content.decode()
    page = client.get(f"/monitoring/campaigns/{c.pk}/").content.decode()
    assert "1/4" in page and "25%" in page and "发现的问题（1）" in page
    visits = client.get(f"/monitoring/campaigns/{c.pk}/visits/?findings=1").content.decode()
    assert "共 1 户" in visits and "基本医疗有保障" in visits
    xlsx = client.get(f"/monitoring/campaigns/{c.pk}/visits/?format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheet" in xlsx["Content-Type"]
    xlsx = client.get(f"/monitoring/campaigns/{c.pk}/?format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheet" in xlsx["Content-Type"]
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert ["九龙村委会", "村", 1, 4, 25] in rows and ["开云镇", "乡镇", 1, 4, 25] in rows


def test_scope_on_pages(
    client: Any, cadre: User, jiulong: Region, outsider: User, persona: Callable[[str], User]
) -> None:
    h = households(cadre, jiulong, 1, 1)[0]
    c = campaign(cadre, jiulong)
    v = visit(cadre, c, h)
    client.force_login(outsider)
    for url in (f"/monitoring/campaigns/{c.pk}/", f"/monitoring/campaigns/{c.pk}/visits/",
                f"/monitoring/campaigns/{c.pk}/mine/", f"/monitoring/visits/{v.pk}/",
                f"/monitoring/campaigns/{c.pk}/assignments/new/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"/monitoring/campaigns/{c.pk}/close/").status_code == 404
    supervisor = persona("九龙村监委会委员")
    client.force_login(supervisor)
    assert client.get(f"/monitoring/campaigns/{c.pk}/").status_code == 200
    assert client.get("/monitoring/campaigns/new/").status_code == 403
    assert client.get(f"/monitoring/campaigns/{c.pk}/assignments/new/").status_code == 403
    url = f"/monitoring/campaigns/{c.pk}/households/{h.pk}/visit/"
    assert client.post(url, visit_form()).status_code == 403
    assert client.post(f"/monitoring/campaigns/{c.pk}/close/").status_code == 403
    c.refresh_from_db()
    assert c.closed_at is None
    client.force_login(persona("九龙村村民"))
    assert client.get("/monitoring/campaigns/").status_code == 403


def test_close_from_the_page(client: Any, cadre: User, jiulong: Region) -> None:
    c = campaign(cadre, jiulong)
    client.force_login(cadre)
    assert "结束排查活动" in client.get(f"/monitoring/campaigns/{c.pk}/").content.decode()
    client.post(f"/monitoring/campaigns/{c.pk}/close/")
    c.refresh_from_db()
    assert c.closed_at is not None
    page = client.get(f"/monitoring/campaigns/{c.pk}/", follow=True).content.decode()
    assert "已于" in page and "结束排查活动" not in page


def test_list_pages_query_counts(
    client: Any, cadre: User, jiulong: Region, kaiyun_staff: User, regions: dict[str, Region],
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    hs = households(cadre, jiulong, 1, 15)
    c = campaign(kaiyun_staff, regions["430423100000"])
    svc.assignment_set(actor=cadre, campaign=c, village=jiulong, cadre=cadre)
    for i, h in enumerate(hs):
        campaign(cadre, jiulong, title=f"活动{i}")
        if i < 10:
            visit(cadre, c, h, risk_types=["illness"] if i % 2 else [])
    client.force_login(cadre)
    with django_assert_max_num_queries(10):
        assert "共 16 次" in client.get("/monitoring/campaigns/").content.decode()
    with django_assert_max_num_queries(14):
        page = client.get(f"/monitoring/campaigns/{c.pk}/").content.decode()
    assert "10/15" in page and "67%" in page and "发现的问题（5）" in page
    with django_assert_max_num_queries(10):
        assert "共 10 户" in client.get(f"/monitoring/campaigns/{c.pk}/visits/").content.decode()
    with django_assert_max_num_queries(10):
        mine = client.get(f"/monitoring/campaigns/{c.pk}/mine/").content.decode()
    assert "还有 5 户待走访" in mine


def test_finding_links_to_a_new_identification_case(
    client: Any, cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    hs = households(cadre, jiulong, 1, 2)
    c = campaign(cadre, jiulong)
    found = visit(cadre, c, hs[0], risk_types=["illness"])
    fine = visit(cadre, c, hs[1])
    link = f"/monitoring/cases/new/?household={hs[0].pk}&amp;visit={found.pk}"
    client.force_login(cadre)
    assert link in client.get(f"/monitoring/visits/{found.pk}/").content.decode()
    assert link in client.get(f"/monitoring/campaigns/{c.pk}/").content.decode()
    assert "启动识别" not in client.get(f"/monitoring/visits/{fine.pk}/").content.decode()
    client.force_login(persona("九龙村监委会委员"))  # may look, may not open a case
    page = client.get(f"/monitoring/visits/{found.pk}/").content.decode()
    assert link not in page and "尚未启动识别" in page


def test_finding_shows_the_case_once_opened(client: Any, cadre: User, jiulong: Region) -> None:
    from cunwu.monitoring.services.cases import case_open

    h = households(cadre, jiulong, 1, 1)[0]
    c = campaign(cadre, jiulong)
    found = visit(cadre, c, h, risk_types=["illness"])
    case = case_open(actor=cadre, household=h, source="campaign", category="sudden",
                     risk_types=["illness"], description="户主住院", visit=found)  # fmt: skip
    client.force_login(cadre)
    page = client.get(f"/monitoring/campaigns/{c.pk}/").content.decode()
    assert f"已启动（{case.code}）" in page and "启动识别</a>" not in page
    assert case.code in client.get(f"/monitoring/visits/{found.pk}/").content.decode()
