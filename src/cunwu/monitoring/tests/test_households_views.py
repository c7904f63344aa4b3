"""Pages of monitored households and 脱贫户: scope (another village 404, a villager 403, a
supervisor reads but may not write), forms that refuse bad input with nothing changed, the
masked export, query-count bounds."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils.timezone import localdate
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import (
    Category,
    Measure,
    MonitoredHousehold,
    PovertyExit,
    RiskFactor,
    RiskType,
)
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number

pytestmark = pytest.mark.django_db


def _many(cadre: User, village: Region, n: int) -> None:
    for i in range(n):
        h = make_household(cadre, village, f"1{i:03d}", f"成员{i}", head_id=make_id_number(200 + i))
        m = enter(h, category=Category.MARGINAL, risks=(RiskType.ILLNESS, RiskType.WATER))
        Measure.objects.create(
            monitored=m, village=village, county_code="430423", measure_type="dibao",
            description="低保", start_on=localdate(),
        )  # fmt: skip


def test_list_shows_households_with_filters(
    client: Any, cadre: User, monitored: MonitoredHousehold, jiulong: Region
) -> None:
    _many(cadre, jiulong, 2)
    client.force_login(cadre)
    r = client.get("/monitoring/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "0001 张三" in body and "突发严重困难户" in body and "共 3 户" in body
    assert "共 1 户" in client.get("/monitoring/?q=李四").content.decode()
    assert "共 2 户" in client.get("/monitoring/?category=marginal").content.decode()
    assert "共 2 户" in client.get("/monitoring/?risk=water").content.decode()
    # 0001 has no measure in force: 帮扶措施未落实
    gaps = client.get("/monitoring/?no_measure=1").content.decode()
    assert "共 1 户" in gaps and "0001 张三" in gaps
    assert "共 0 户" in client.get("/monitoring/?state=eliminated").content.decode()
    # junk filters are ignored, never a 500
    assert client.get("/monitoring/?category=junk&page=x&region=9").status_code == 200
    assert client.get("/monitoring/?q=%00").status_code == 400


def test_export_is_masked(
    client: Any, cadre: User, monitored: MonitoredHousehold, household: Household
) -> None:
    from cunwu.monitoring.services.households import cadre_assign

    cadre_assign(actor=cadre, monitored=monitored, name="刘帮扶", phone="13812345678")
    client.force_login(cadre)
    r = client.get("/monitoring/?format=xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][:5] == ("村", "户编号", "户主", "监测类型", "风险状态")
    assert rows[1][1:5] == ("0001", "张三", "突发严重困难户", "风险未消除")
    assert rows[1][7] == "因病" and rows[1][8] == "刘帮扶" and rows[1][9] == "138****5678"
    text = str(rows)
    assert "13812345678" not in text and make_id_number(1, birth="19700101") not in text


@pytest.mark.parametrize("rows", [3, 25])
def test_list_query_count_does_not_grow(
    client: Any, cadre: User, jiulong: Region, rows: int, django_assert_max_num_queries: Any
) -> None:
    _many(cadre, jiulong, rows)
    client.force_login(cadre)
    client.get("/monitoring/")
    with django_assert_max_num_queries(12):
        assert client.get("/monitoring/").status_code == 200


def test_detail_shows_members_masked_risks_and_history(
    client: Any, cadre: User, monitored: MonitoredHousehold
) -> None:
    client.force_login(cadre)
    r = client.get(f"/monitoring/households/{monitored.pk}/")
    assert r.status_code == 200
    body = r.content.decode()
    full = make_id_number(1, birth="19700101")
    assert full not in body and f"{full[:6]}********{full[-4:]}" in body
    assert "李四" in body and "张小明" in body and "因病" in body and "风险未消除" in body
    assert "设置帮扶责任人" in body and "新增风险" in body


def test_scope_on_pages(
    client: Any, monitored: MonitoredHousehold, persona: Callable[[str], User]
) -> None:
    client.force_login(persona("另一村的村干部"))
    assert client.get(f"/monitoring/households/{monitored.pk}/").status_code == 404
    assert client.get(f"/monitoring/households/{monitored.pk}/plan/").status_code == 404
    risk = monitored.risks.get()
    assert client.get(f"/monitoring/risks/{risk.pk}/resolve/").status_code == 404
    assert "0001" not in client.get("/monitoring/").content.decode()
    client.force_login(persona("九龙村村民"))
    assert client.get("/monitoring/").status_code == 403
    assert client.get("/monitoring/exits/").status_code == 403
    assert client.get("/monitoring/exits/new/").status_code == 403
    supervisor = persona("九龙村监委会委员")
    client.force_login(supervisor)
    page = client.get(f"/monitoring/households/{monitored.pk}/")
    assert page.status_code == 200 and "设置帮扶责任人" not in page.content.decode()
    assert client.get(f"/monitoring/households/{monitored.pk}/cadre/").status_code == 403
    r = client.post(f"/monitoring/households/{monitored.pk}/plan/", {"plan": "x"})
    assert r.status_code == 403
    assert MonitoredHousehold.objects.get(pk=monitored.pk).plan == ""
    client.force_login(persona("开云镇干部"))
    assert client.get(f"/monitoring/households/{monitored.pk}/").status_code == 200


def test_risk_forms(client: Any, cadre: User, monitored: MonitoredHousehold) -> None:
    client.force_login(cadre)
    url = f"/monitoring/households/{monitored.pk}/risks/new/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"risk_type": "illness", "note": "", "on": localdate().isoformat()})
    assert r.status_code == 200 and "已有未消除的“因病”风险" in r.content.decode()
    assert RiskFactor.objects.filter(monitored=monitored).count() == 1
    r = client.post(url, {"risk_type": "housing", "note": "危房", "on": localdate().isoformat()})
    assert r.status_code == 302
    risk = RiskFactor.objects.get(monitored=monitored, risk_type="housing")
    resolve = f"/monitoring/risks/{risk.pk}/resolve/"
    r = client.post(
        resolve, {"on": (localdate() - timedelta(days=3)).isoformat(), "note": "已改造"}
    )
    assert "消除日期不能早于发现日期" in r.content.decode()
    r = client.post(resolve, {"on": localdate().isoformat(), "note": "已改造"})
    assert r.status_code == 302
    assert RiskFactor.objects.get(pk=risk.pk).resolved_note == "已改造"


def test_cadre_and_plan_forms(
    client: Any, cadre: User, monitored: MonitoredHousehold, persona: Callable[[str], User]
) -> None:
    team, stranger = persona("九龙村工作队员"), persona("另一村的村干部")
    client.force_login(cadre)
    url = f"/monitoring/households/{monitored.pk}/cadre/"
    page = client.get(url).content.decode()
    assert "九龙村工作队员" in page and "另一村的村干部" not in page
    r = client.post(url, {"cadre": "", "name": "", "phone": ""})
    assert r.status_code == 200 and "请选择系统用户" in r.content.decode()
    r = client.post(url, {"cadre": stranger.pk, "name": "", "phone": ""})
    assert r.status_code == 200  # not among the choices: a form error
    assert MonitoredHousehold.objects.get(pk=monitored.pk).cadre_id is None
    assert client.post(url, {"cadre": team.pk}).status_code == 302
    assert MonitoredHousehold.objects.get(pk=monitored.pk).cadre_id == team.pk
    r = client.post(f"/monitoring/households/{monitored.pk}/plan/",
                    {"plan": "养殖帮扶", "no_labour": ""})  # fmt: skip
    assert r.status_code == 302
    assert MonitoredHousehold.objects.get(pk=monitored.pk).plan == "养殖帮扶"


def test_exit_list_and_form(client: Any, cadre: User, household: Household) -> None:
    client.force_login(cadre)
    assert client.get("/monitoring/exits/new/").status_code == 200
    r = client.post("/monitoring/exits/new/", {"village": household.village_id,
                    "number": "9999", "exit_year": "2018"})  # fmt: skip
    assert r.status_code == 200 and "本村没有这个户编号" in r.content.decode()
    r = client.post("/monitoring/exits/new/", {"village": household.village_id,
                    "number": "0001", "exit_year": "2012"})  # fmt: skip
    assert r.status_code == 200
    assert not PovertyExit.objects.exists()
    r = client.post("/monitoring/exits/new/", {"village": household.village_id, "number": "0001",
                    "exit_year": "2018", "policies": ["教育资助", "小额信贷"]})  # fmt: skip
    assert r.status_code == 302
    assert PovertyExit.objects.get().policies == ["教育资助", "小额信贷"]
    body = client.get("/monitoring/exits/").content.decode()
    assert "共 1 户" in body and "2018年" in body and "教育资助、小额信贷" in body
    assert "共 1 户" in client.get("/monitoring/exits/?policy=小额信贷").content.decode()
    assert "共 0 户" in client.get("/monitoring/exits/?policy=医疗保障").content.decode()
    assert "共 0 户" in client.get("/monitoring/exits/?year=2019").content.decode()
    assert "共 0 户" in client.get("/monitoring/exits/?monitored=1").content.decode()
    rows = list(load_workbook(io.BytesIO(client.get("/monitoring/exits/?format=xlsx").content))
                .active.values)  # fmt: skip
    assert rows[1][1:5] == ("0001", "张三", 2018, "教育资助、小额信贷")
