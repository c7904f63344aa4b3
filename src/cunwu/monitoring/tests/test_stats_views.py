"""The statistics page, its export and the API: the same figures as the selector, scope
(404 outside, 403 without monitoring.view), bad input never a 500."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import MonitoredHousehold
from cunwu.monitoring.tests.test_stats_selector import build_town
from cunwu.registry.models import Household
from cunwu.testing import BALI, JIULONG, KAIYUN

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(
    household: Household,
    regions: dict[str, Region],
    persona: Callable[[str], User],
    cadre: User,
) -> dict[str, MonitoredHousehold]:
    return build_town(household, regions, persona, cadre)


def test_page_shows_figures_and_chart_data(
    client: Any,
    town: dict[str, MonitoredHousehold],
    kaiyun_staff: User,
) -> None:
    client.force_login(kaiyun_staff)
    r = client.get("/monitoring/stats/", {"on": "2026-09-01"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "开云镇防返贫监测统计" in body and "截至2026年9月1日" in body
    assert "3户/6人" in body  # monitored and at risk
    assert "85.71%" in body  # 6 ÷ 7
    assert "33.3%" in body  # coverage 1 ÷ 3
    start = body.index('id="chart-data"')
    data = json.loads(body[body.index(">", start) + 1 : body.index("</script>", start)])
    assert data["by_category"]["values"] == [1, 1, 1]
    assert data["by_state"]["values"] == [3, 0]
    assert "<script>" not in body.replace('<script type="application/json"', "")


def test_export_has_the_same_figures(
    client: Any,
    town: dict[str, MonitoredHousehold],
    kaiyun_staff: User,
) -> None:
    client.force_login(kaiyun_staff)
    r = client.get("/monitoring/stats/", {"on": "2026-10-15", "format": "xlsx"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["说明", "汇总", "分乡镇", "分村"]
    header, total = list(wb["汇总"].values)
    row = dict(zip(header, total, strict=True))
    assert row["区划"] == "开云镇" and row["在册人口"] == 7
    assert (row["风险未消除（户）"], row["风险已消除（户）"]) == (2, 1)
    assert row["期内风险消除（户）"] == 1
    assert row["监测对象发生率"] == "42.86%"
    villages = {r[0]: r for r in list(wb["分村"].values)[1:]}
    assert len(villages) >= 2


def test_api_returns_exact_fractions(
    api_as: Any,
    town: dict[str, MonitoredHousehold],
) -> None:
    api = api_as("开云镇干部")
    r = api.get("/monitoring/stats", region=KAIYUN, on="2026-09-01")
    assert r.status_code == 200, r.content
    t = r.json()["total"]
    assert t["incidence"] == {"numerator": 6, "denominator": 7, "percent": "85.71%"}
    assert t["coverage"]["numerator"] == 1 and t["coverage"]["denominator"] == 3
    assert t["exited_share"]["numerator"] == 3
    assert (t["monitored"], t["at_risk"], t["new"]) == (3, 3, 2)
    assert {c["category"]: c["households"] for c in t["by_category"]} == {
        "unstable": 1, "marginal": 1, "sudden": 1,
    }  # fmt: skip
    assert r.json()["start"] == "2026-01-01"
    villages = {v["region"]: v for v in r.json()["villages"]}
    assert villages[BALI]["at_risk"] == 1 and villages[JIULONG]["at_risk"] == 2
    # default region: the caller's widest
    assert api.get("/monitoring/stats", on="2026-09-01").json()["region"] == KAIYUN


def test_api_scope_and_bad_input(
    api_as: Any,
    town: dict[str, MonitoredHousehold],
) -> None:
    assert api_as("八里村村干部").get("/monitoring/stats", region=KAIYUN).status_code == 404
    assert api_as("另一村的村干部").get("/monitoring/stats", region=JIULONG).status_code == 404
    assert api_as("九龙村村民").get("/monitoring/stats").status_code == 404
    api = api_as("开云镇干部")
    assert api.get("/monitoring/stats", region="999999999999").status_code == 404
    assert api.get("/monitoring/stats", on="yesterday").status_code == 422
    r = api.get("/monitoring/stats", on="2026-01-01", start="2026-02-01")
    assert r.status_code == 400 and r.json()["field"] == "start"


def test_page_scope_and_bad_input(
    client: Any,
    town: dict[str, MonitoredHousehold],
    persona: Callable[[str], User],
) -> None:
    client.force_login(persona("八里村村干部"))
    assert client.get("/monitoring/stats/", {"region": KAIYUN}).status_code == 404
    page = client.get("/monitoring/stats/", {"on": "junk", "start": "x"})
    assert page.status_code == 200 and "八里村" in page.content.decode()
    client.force_login(persona("九龙村村民"))
    assert client.get("/monitoring/stats/").status_code == 403
    client.force_login(persona("衡山县管理员"))
    r = client.get("/monitoring/stats/", {"on": "2026-09-01"})
    assert r.status_code == 200 and "衡山县防返贫监测统计" in r.content.decode()


def test_page_query_count_is_bounded(
    client: Any, town: dict[str, MonitoredHousehold], county_admin: User,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    client.force_login(county_admin)
    client.get("/monitoring/stats/")
    with django_assert_max_num_queries(20):
        assert client.get("/monitoring/stats/").status_code == 200
