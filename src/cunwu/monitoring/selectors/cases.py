"""Reads of identification and risk-elimination cases in the actor's scope (404 outside), the
overdue list, the public view of a case by its code, and the criteria of a risk elimination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.formatting import format_fen
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.models import Household, IncomeRecord, PersonStatus
from cunwu.registry.selectors import region_prefix
from cunwu.registry.services import per_capita_net_income

from ..models import (
    SAFETY_NET_TYPES,
    SECURITY_KEYS,
    Alert,
    AlertStatus,
    Case,
    CaseKind,
    CaseSource,
    CaseStep,
    Measure,
    MonitoredHousehold,
    Outcome,
    RiskType,
    Stage,
    Visit,
)
from ..policy import policy_for

PERM = "monitoring.view"
MAX_Q = 50


def case_villages(actor: Any, perm: str = PERM) -> QuerySet[Region]:
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE)


def village_get(*, actor: Any, code: str, perm: str = PERM) -> Region:
    village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, perm, village):
        raise Http404("村不存在")
    return village


def household_get(*, actor: Any, pk: int, perm: str = PERM) -> Household:
    household = Household.objects.select_related("village").filter(pk=pk).first()
    if household is None or not has_perm_in(actor, perm, household.village_id):
        raise Http404("户不存在")
    return household


def case_list(
    *,
    actor: Any,
    q: str = "",
    region: str = "",
    kind: str = "",
    stage: str = "",
    outcome: str = "",
    source: str = "",
    overdue: bool = False,
    today: date | None = None,
) -> QuerySet[Case]:
    """Cases in scope; ``q`` finds a code, a 户编号 or a member's name; ``overdue`` keeps open
    cases past their stage's or the whole procedure's time limit."""
    qs = Case.objects.filter(scope_q(actor, PERM))
    if region:
        qs = qs.filter(village__code__startswith=region_prefix(region))
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(
            Q(code=q.upper())
            | Q(household__number=q)
            | Q(household__in=Household.objects.filter(members__name=q).values("pk"))
        )
    if kind in CaseKind.values:
        qs = qs.filter(kind=kind)
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    if outcome in Outcome.values:
        qs = qs.filter(outcome=outcome)
    if source in CaseSource.values:
        qs = qs.filter(source=source)
    if overdue:
        qs = overdue_filter(qs, today or timezone.localdate())
    ordered: QuerySet[Case] = qs.select_related("village", "household").order_by(
        "-opened_on", "-pk"
    )
    return ordered


def overdue_filter(qs: QuerySet[Case], today: date) -> QuerySet[Case]:
    return qs.filter(outcome=Outcome.OPEN).filter(Q(stage_due_on__lt=today) | Q(due_on__lt=today))


def overdue_cases(
    *, actor: Any | None, region: str = "", today: date | None = None
) -> QuerySet[Case]:
    """Open cases past a time limit; ``actor=None`` (the cron command) sees every region."""
    qs = Case.objects.all() if actor is None else Case.objects.filter(scope_q(actor, PERM))
    if region:
        qs = qs.filter(village__code__startswith=region_prefix(region))
    ordered: QuerySet[Case] = (
        overdue_filter(qs, today or timezone.localdate())
        .select_related("village", "household")
        .order_by("village_id", "stage_due_on", "pk")
    )
    return ordered


def case_get(*, actor: Any, pk: int) -> Case:
    case = (
        Case.objects.select_related(
            "village", "household", "household__group", "monitored", "notice"
        )
        .filter(pk=pk)
        .first()
    )
    if case is None or not has_perm_in(actor, PERM, case.village_id):
        raise Http404("办件不存在")
    return case


def case_steps(case: Case) -> list[CaseStep]:
    return list(case.steps.select_related("actor").prefetch_related("files").order_by("at", "pk"))


def public_case(code: str) -> Case:
    """A case by its code for the public page (nothing personal is read from it there)."""
    code = code.strip().upper()[:12]
    case = Case.objects.select_related("village").filter(code=code).first() if code else None
    if case is None:
        raise Http404("查询码不存在")
    return case


def public_steps(case: Case) -> list[dict[str, Any]]:
    """Stage, result and date of each step: no findings (they may name illnesses or people)."""
    return [
        {"stage": s.get_stage_display(), "result": s.get_result_display(), "on": s.on}
        for s in case.steps.order_by("at", "pk")
    ]


def stage_actors(actor: Any, case: Case) -> dict[str, bool]:
    """What ``actor`` may do on ``case`` now (the forms shown on the detail page)."""
    from ..services.cases import STAGE_PERMS

    is_open = case.outcome == Outcome.OPEN
    perm = STAGE_PERMS.get(case.stage)
    act = is_open and perm is not None and has_perm_in(actor, perm, case.village_id)
    if act and case.stage == Stage.DISCLOSE:  # the 公示 itself is published by the village
        act = has_perm_in(actor, "disclosure.publish", case.village_id)
    return {
        "act": act,
        "withdraw": is_open and has_perm_in(actor, "monitoring.handle", case.village_id),
        "files": has_perm_in(actor, "monitoring.handle", case.village_id),
    }


# ---------------------------------------------------------------- risk elimination


@dataclass(frozen=True)
class Criterion:
    name: str
    passed: bool
    reason: str


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)  # pragma: no cover


def latest_checks(household: Household) -> tuple[date, dict[str, Any]] | None:
    """The latest 两不愁三保障 checklist of the household: a verification step or a visit."""
    found: list[tuple[date, int, dict[str, Any]]] = []
    step = (
        CaseStep.objects.filter(
            case__household=household, stage=Stage.VERIFY, data__has_key="checks"
        )
        .order_by("-on", "-pk")
        .first()
    )
    if step is not None and isinstance(step.data.get("checks"), dict):
        found.append((step.on, 1, step.data["checks"]))
    visit = Visit.objects.filter(household=household).order_by("-visited_on", "-pk").first()
    if visit is not None and isinstance(visit.checks, dict):
        found.append((visit.visited_on, 0, visit.checks))
    if not found:
        return None
    on, _rank, checks = max(found, key=lambda f: (f[0], f[1]))
    return on, checks


def elimination_check(monitored: MonitoredHousehold, on: date) -> list[Criterion]:
    """The criteria of a risk elimination, each checked from the registry, measures, alerts
    and the latest home check (收入稳定达标、两不愁三保障及饮水安全、无未处理预警 …)."""
    household = monitored.household
    year = on.year - 1
    policy = policy_for(monitored.village_id, year)
    out: list[Criterion] = []

    members = household.members.filter(status=PersonStatus.ACTIVE).count()
    amounts = dict(
        IncomeRecord.objects.filter(household=household, year=year).values_list(
            "category", "amount_fen"
        )
    )
    line = policy.income_threshold_fen
    if not amounts or members == 0:
        out.append(Criterion("income", False, f"缺少{year}年收入记录或家庭在册人口"))
    else:
        income = per_capita_net_income(amounts, members)
        passed = income > line
        word = "高于" if passed else "未高于"
        out.append(Criterion(
            "income", passed,
            f"{year}年人均纯收入{format_fen(income)}元，{word}监测标准{format_fen(line)}元",
        ))  # fmt: skip

    since = _add_months(monitored.identified_on, policy.stable_months)
    months_ok = on >= since
    out.append(Criterion(
        "stable", months_ok,
        f"纳入监测已满{policy.stable_months}个月" if months_ok
        else f"纳入监测未满{policy.stable_months}个月（{since.isoformat()}起方可提出）",
    ))  # fmt: skip

    checks = latest_checks(household)
    if checks is None:
        out.append(Criterion("security", False, "没有入户核实或走访的两不愁三保障核查记录"))
    else:
        day, values = checks
        missing = [k for k in SECURITY_KEYS if values.get(k) is not True]
        out.append(Criterion(
            "security", not missing,
            f"{day.isoformat()}入户核查两不愁三保障及饮水安全均有保障" if not missing
            else f"{day.isoformat()}入户核查尚有未保障项目（{len(missing)}项）",
        ))  # fmt: skip

    alerts = Alert.objects.filter(
        household=household, status__in=(AlertStatus.OPEN, AlertStatus.CONFIRMED)
    ).count()
    out.append(Criterion(
        "alerts", alerts == 0,
        "没有未处理的筛查预警" if alerts == 0 else f"尚有{alerts}条未处理或核实有风险的筛查预警",
    ))  # fmt: skip

    basic = monitored.risks.filter(
        resolved_on=None, risk_type__in=(RiskType.HOUSING, RiskType.WATER)
    ).values_list("risk_type", flat=True)
    basic_labels = [RiskType(t).label for t in basic]
    out.append(Criterion(
        "basic_needs", not basic_labels,
        "住房安全、饮水安全无未解决的风险" if not basic_labels
        else "尚有未解决的" + "、".join(basic_labels) + "风险",
    ))  # fmt: skip

    active = set(
        Measure.objects.filter(monitored=monitored, start_on__lte=on)
        .filter(Q(end_on=None) | Q(end_on__gte=on))
        .values_list("measure_type", flat=True)
    )
    only_safety_net = bool(active) and active <= set(SAFETY_NET_TYPES)
    if monitored.no_labour and only_safety_net:
        out.append(Criterion(
            "no_labour", False,
            "无劳动能力、仅有兜底保障措施的户不标注风险消除，继续跟踪",
        ))  # fmt: skip
    else:
        out.append(Criterion("no_labour", True, "不属于仅靠兜底保障的无劳动能力户"))
    return out


def monitored_get(*, actor: Any, pk: int) -> MonitoredHousehold:
    monitored = (
        MonitoredHousehold.objects.select_related("household", "village").filter(pk=pk).first()
    )
    if monitored is None or not has_perm_in(actor, PERM, monitored.village_id):
        raise Http404("监测对象不存在")
    return monitored
