"""The statistics page of 防返贫监测 (/monitoring/stats/): a region in the user's scope as of a
date, with the period's new and eliminated, charts (ECharts, vendored; the figures also in the
tables) and an xlsx export. Every figure comes from ``selectors.stats.monitoring_stats``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cunwu.accounts.permissions import regions_in_scope, scope_prefixes
from cunwu.core.formatting import format_date
from cunwu.core.listing import get_params, parse_date
from cunwu.core.models import RegionLevel
from cunwu.core.spreadsheets import xlsx_response

from .models import Category, MonitoringState
from .selectors.stats import PERM, StatRow, Stats, monitoring_stats, percent, stats_region_get

HEADER = ["区划", "在册户数", "在册人口", "脱贫户", "脱贫人口",
          *[f"{label}（户）" for _v, label in Category.choices],
          "监测对象（户）", "监测对象（人）", "风险未消除（户）", "风险未消除（人）",
          "风险已消除（户）", "期内新识别（户）", "期内风险消除（户）", "已落实帮扶措施（户）",
          "帮扶措施未落实（户）", "帮扶措施覆盖率", "监测对象发生率", "脱贫人口占比"]  # fmt: skip


def stat_cells(row: StatRow) -> list[Any]:
    """One row of the tables and of the export, in the order of ``HEADER``."""
    return [
        row.region.name, row.households, row.population, row.exit_households, row.exit_persons,
        *[row.households_of(value) for value in Category.values],
        row.monitored, row.monitored_persons, row.at_risk, row.at_risk_persons, row.eliminated,
        row.new, row.eliminated_in_period, row.covered, row.uncovered,
        percent(row.coverage, 1), percent(row.incidence), percent(row.exited_share),
    ]  # fmt: skip


def charts(stats: Stats) -> dict[str, Any]:
    t = stats.total
    children = stats.townships if len(stats.townships) > 1 else stats.villages
    return {
        "by_category": {"kind": "pie", "title": "监测对象按类型（户）",
                        "labels": [label for _v, label in Category.choices],
                        "values": [t.households_of(v) for v in Category.values]},
        "by_state": {"kind": "pie", "title": "监测对象按风险状态（户）",
                     "labels": [label for _v, label in MonitoringState.choices],
                     "values": [t.households_of(state=v) for v in MonitoringState.values]},
        "children": {"kind": "bars", "title": "下级监测对象（户）",
                     "labels": [r.region.name for r in children],
                     "series": [{"name": label,
                                 "values": [r.households_of(state=v) for r in children]}
                                for v, label in MonitoringState.choices]},
    }  # fmt: skip


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    user = request.user
    if scope_prefixes(user, PERM) == []:
        raise PermissionDenied("没有权限查看防返贫监测")
    params = get_params(request, "region", "on", "start", "format", strip=True)
    choices = list(regions_in_scope(user, PERM).filter(level__gte=RegionLevel.COUNTY)[:600])
    code = params["region"] or (choices[0].code if choices else "")
    region = stats_region_get(actor=user, code=code)
    on = parse_date(params["on"]) or timezone.localdate()
    start = parse_date(params["start"])
    if start is not None and start > on:
        start = None
    data = monitoring_stats(actor=user, region=region, on=on, start=start)
    if params["format"] == "xlsx":
        title = f"{region.name}防返贫监测统计"
        head = [["区划", region.name], ["统计日期", format_date(data.on)],
                ["统计期间", f"{format_date(data.start)}至{format_date(data.on)}"]]  # fmt: skip
        sheets = [
            ("说明", ["项目", "内容"], head),
            ("汇总", HEADER, [stat_cells(data.total)]),
            ("分乡镇", HEADER, [stat_cells(r) for r in data.townships]),
            ("分村", HEADER, [stat_cells(r) for r in data.villages]),
        ]
        return xlsx_response(title, sheets)
    context = {
        "data": data, "t": data.total, "region": region, "choices": choices,
        "header": HEADER, "total_cells": stat_cells(data.total),
        "township_cells": [(r, stat_cells(r)) for r in data.townships],
        "village_cells": [(r, stat_cells(r)) for r in data.villages],
        "charts": charts(data), "categories": data.total.by_category(),
        "coverage": percent(data.total.coverage, 1), "incidence": percent(data.total.incidence),
        "exited_share": percent(data.total.exited_share),
    }  # fmt: skip
    return render(request, "monitoring/stats/page.html", context)
