"""Measures pages: the household's measures, add/end/follow-up forms (bad input → Chinese form
error, nothing changed), the list with filters and export, 帮扶措施未落实; scope (outsider 404,
wrong role 403); query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import FollowUp, Measure, MonitoredHousehold
from cunwu.monitoring.tests.conftest import enter
from cunwu.monitoring.tests.test_measures_services import add, households


def test_household_measures_add_end_follow_up(
    client: Any, cadre: User, monitored: MonitoredHousehold
) -> None:
    today = localdate()
    client.force_login(cadre)
    base = f"/monitoring/monitored/{monitored.pk}/measures/"
    page = client.get(base).content.decode()
    assert "帮扶措施未落实" in page and "登记帮扶措施" in page and "张三" in page
    r = client.post(base + "new/", {
        "measure_type": "workshop", "description": "村扶贫车间就业", "department": "九龙村",
        "amount": "800.5", "start_on": today.isoformat(), "end_on": "",
    })  # fmt: skip
    assert r.status_code == 302
    m = Measure.objects.get()
    assert m.amount_fen == 80_050 and m.end_on is None
    page = client.get(base).content.decode()
    assert "村扶贫车间就业" in page and "实施中" in page and "800.50" in page
    assert "帮扶措施未落实" not in page
    r = client.post(f"/monitoring/measures/{m.pk}/follow-ups/new/",
                    {"visited_on": today.isoformat(), "in_place": "0", "note": ""})  # fmt: skip
    assert r.status_code == 200 and "请填写回访情况" in r.content.decode()
    data = {"visited_on": today.isoformat(), "in_place": "0", "note": "车间停工"}
    r = client.post(f"/monitoring/measures/{m.pk}/follow-ups/new/", data)
    assert r.status_code == 302 and FollowUp.objects.get().in_place is False
    r = client.post(
        f"/monitoring/measures/{m.pk}/end/",
        {"end_on": (today - timedelta(days=1)).isoformat(), "note": "车间停工"},
    )
    assert r.status_code == 200 and "结束日期不能早于措施开始日期" in r.content.decode()
    r = client.post(f"/monitoring/measures/{m.pk}/end/",
                    {"end_on": today.isoformat(), "note": "车间停工"})  # fmt: skip
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.end_on == today
    assert "未落实" in client.get(base).content.decode()


def test_bad_measure_form_shows_chinese_error(
    client: Any, cadre: User, monitored: MonitoredHousehold
) -> None:
    client.force_login(cadre)
    url = f"/monitoring/monitored/{monitored.pk}/measures/new/"
    r = client.post(url, {"measure_type": "dibao", "description": "低保", "amount": "-5",
                          "start_on": localdate().isoformat()})  # fmt: skip
    assert r.status_code == 200 and "金额不能为负数" in r.content.decode()
    r = client.post(url, {"measure_type": "dibao", "description": "低保", "amount": "abc",
                          "start_on": localdate().isoformat()})  # fmt: skip
    assert r.status_code == 200
    r = client.post(url, {"measure_type": "dibao", "description": "低保",
                          "start_on": localdate().isoformat(),
                          "end_on": (localdate() - timedelta(days=3)).isoformat()})  # fmt: skip
    assert "结束日期不能早于开始日期" in r.content.decode()
    assert Measure.objects.count() == 0


def test_scope_on_pages(
    client: Any, cadre: User, monitored: MonitoredHousehold, outsider: User,
    persona: Callable[[str], User],
) -> None:  # fmt: skip
    today = localdate()
    m = add(cadre, monitored)
    client.force_login(outsider)
    assert client.get(f"/monitoring/monitored/{monitored.pk}/measures/").status_code == 404
    assert client.get(f"/monitoring/measures/{m.pk}/end/").status_code == 404
    assert client.post(f"/monitoring/measures/{m.pk}/end/",
                       {"end_on": today.isoformat(), "note": "x"}).status_code == 404  # fmt: skip
    assert "推荐到县城工业园务工" not in client.get("/monitoring/measures/").content.decode()
    supervisor = persona("九龙村监委会委员")
    client.force_login(supervisor)
    page = client.get(f"/monitoring/monitored/{monitored.pk}/measures/").content.decode()
    assert "推荐到县城工业园务工" in page and "登记帮扶措施" not in page
    assert client.get(f"/monitoring/monitored/{monitored.pk}/measures/new/").status_code == 403
    assert client.post(f"/monitoring/measures/{m.pk}/end/",
                       {"end_on": today.isoformat(), "note": "x"}).status_code == 403  # fmt: skip
    assert (
        client.post(
            f"/monitoring/measures/{m.pk}/follow-ups/new/",
            {"visited_on": today.isoformat(), "in_place": "1"},
        ).status_code
        == 403
    )
    client.force_login(persona("九龙村村民"))
    assert client.get("/monitoring/measures/").status_code == 403
    assert client.get("/monitoring/measures/gaps/").status_code == 403
    m.refresh_from_db()
    assert m.end_on is None and not FollowUp.objects.exists()


def test_list_filters_export_and_query_count(
    client: Any, cadre: User, jiulong: Region, django_assert_max_num_queries: Any
) -> None:
    hs = [enter(h) for h in households(cadre, jiulong, 1, 12)]
    for i, h in enumerate(hs):
        add(cadre, h, measure_type="dibao" if i % 2 else "industry", description=f"措施{i}",
            department="县民政局" if i % 2 else "县农业农村局",
            end_on=localdate() - timedelta(days=1) if i == 0 else None)  # fmt: skip
    client.force_login(cadre)
    with django_assert_max_num_queries(12):
        page = client.get("/monitoring/measures/").content.decode()
    assert "共 12 项" in page
    assert "共 6 项" in client.get("/monitoring/measures/?type=dibao").content.decode()
    assert "共 11 项" in client.get("/monitoring/measures/?status=active").content.decode()
    assert "共 1 项" in client.get("/monitoring/measures/?status=ended").content.decode()
    assert "共 6 项" in client.get("/monitoring/measures/?department=民政").content.decode()
    assert "共 1 项" in client.get("/monitoring/measures/?q=0003").content.decode()
    assert "共 1 项" in client.get("/monitoring/measures/?q=户主4").content.decode()
    assert "共 0 项" in client.get("/monitoring/measures/?region=430423100227").content.decode()
    xlsx = client.get("/monitoring/measures/?format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheet" in xlsx["Content-Type"]
    with django_assert_max_num_queries(14):
        gaps = client.get("/monitoring/measures/gaps/").content.decode()
    assert "未落实措施的户（1）" in gaps and "户主1" in gaps
    xlsx = client.get("/monitoring/measures/gaps/?format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheet" in xlsx["Content-Type"]
    assert client.get("/monitoring/measures/gaps/?on=junk&page=zz").status_code == 200


def test_gaps_page_per_township_for_the_county(
    client: Any, cadre: User, county_admin: User, persona: Callable[[str], User],
    jiulong: Region,
) -> None:  # fmt: skip
    bali = Region.objects.get(code="430423100227")
    enter(households(cadre, jiulong, 1, 1)[0])
    enter(households(persona("八里村村干部"), bali, 101, 1)[0])
    client.force_login(county_admin)
    page = client.get("/monitoring/measures/gaps/").content.decode()
    assert "开云镇" in page and "九龙村委会" in page and "八里村委会" in page
    assert "未落实措施的户（2）" in page
