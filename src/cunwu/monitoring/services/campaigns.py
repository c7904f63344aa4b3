"""Writes of the survey campaigns (回头看 / 入户调查全覆盖): a campaign over a village, township or
county; the assignment of a village's households (a group, or the whole village) to a cadre;
the visit of a household with the 两不愁三保障 and drinking-water checklist, an income estimate
and the risks found; the close of a campaign.

One visit per household per campaign: the unique constraint decides between two cadres
recording the same household at once (the loser gets a clear message, nothing half-written).
A visit that finds a risk or an unmet check may open an identification case
(``services.cases.case_open``, which sets ``Visit.case``); that is not done here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date
from cunwu.core.models import PREFIX_LENGTH, Region, RegionLevel, VillageGroup
from cunwu.registry.models import Household, HouseholdStatus

from ..models import (
    SECURITY_CHECKS,
    SECURITY_KEYS,
    Assignment,
    Campaign,
    CampaignKind,
    RiskType,
    Visit,
)
from .common import audit, clean_text

PERM = "monitoring.campaign"
VISIT_PERM = "monitoring.visit"
MAX_DAYS = 366  # a campaign lasts at most a year
MAX_AHEAD_DAYS = 366  # and starts at most a year ahead
EARLIEST = date(2014, 1, 1)
MAX_INCOME_FEN = 10**10  # 1亿元 per person and year: more is a typing error
CAMPAIGN_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


def region_prefix_of(region: Region) -> str:
    return region.code[: PREFIX_LENGTH[region.level]]


def in_campaign(campaign: Campaign, village_code: str) -> bool:
    region = campaign.region
    return village_code.startswith(region_prefix_of(region))


def _open(campaign: Campaign) -> None:
    if campaign.closed_at is not None:
        raise ApplicationError("campaign_closed", "该排查活动已结束", field="campaign")


@transaction.atomic
def campaign_create(
    *, actor: Any, region: Region, kind: str, title: str, start_on: date, end_on: date
) -> Campaign:
    """A campaign over ``region`` (a county, township or village) from ``start_on`` to
    ``end_on`` inclusive."""
    require(actor, PERM, region)
    if region.level not in CAMPAIGN_LEVELS or region.retired:
        raise ApplicationError("campaign_region", "排查范围应为县、乡镇或村", field="region")
    if kind not in CampaignKind.values:
        raise ApplicationError("campaign_kind", "请选择排查类型", field="kind")
    title = clean_text(title, field="title", label="活动名称", limit=100)
    if not isinstance(start_on, date) or not isinstance(end_on, date):
        raise ApplicationError("campaign_dates", "请填写开始和结束日期", field="start_on")
    today = timezone.localdate()
    if start_on < EARLIEST or start_on > today + timedelta(days=MAX_AHEAD_DAYS):
        raise ApplicationError("start_on_range", "开始日期无效，请核对", field="start_on")
    if end_on < start_on:
        raise ApplicationError("end_before_start", "结束日期不能早于开始日期", field="end_on")
    if (end_on - start_on).days >= MAX_DAYS:
        raise ApplicationError("campaign_long", "排查活动期限至多一年", field="end_on")
    campaign = Campaign.objects.create(
        region=region, county_code=region.code[:6], kind=kind, title=title, start_on=start_on,
        end_on=end_on, created_by=actor,
    )  # fmt: skip
    audit(
        actor, region, "campaign_create", campaign,
        kind=kind, title=title, start_on=start_on.isoformat(), end_on=end_on.isoformat(),
    )  # fmt: skip
    return campaign


@transaction.atomic
def assignment_set(
    *,
    actor: Any,
    campaign: Campaign,
    village: Region,
    group: VillageGroup | None = None,
    cadre: Any,
) -> Assignment:
    """Assign the households of ``group`` (or of the whole ``village`` when no group) to
    ``cadre``, who must hold ``monitoring.visit`` there. An existing assignment of the same
    group changes hands."""
    require(actor, PERM, village)
    _open(campaign)
    if village.level != RegionLevel.VILLAGE or not in_campaign(campaign, village.code):
        raise ApplicationError("assignment_village", "该村不在本次排查范围内", field="village")
    if group is not None and group.village_id != village.code:
        raise ApplicationError("assignment_group", "村民小组不属于该村", field="group")
    if cadre is None or not getattr(cadre, "is_active", False):
        raise ApplicationError("assignment_cadre", "请选择排查人", field="cadre")
    if not has_perm_in(cadre, VISIT_PERM, village):
        raise ApplicationError(
            "assignment_cadre", f"{cadre}没有在{village.name}入户走访的权限", field="cadre"
        )
    existing = (
        Assignment.objects.select_for_update()
        .filter(campaign=campaign, village=village, group=group)
        .order_by("pk")  # the model's ordering would join the (nullable) group
        .first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    campaign=campaign, village=village, group=group, cadre=cadre
                )
        except IntegrityError:  # assigned at the same moment by someone else: take it over
            assignment = (
                Assignment.objects.select_for_update()
                .order_by("pk")
                .get(campaign=campaign, village=village, group=group)
            )
            assignment.cadre = cadre
            assignment.save(update_fields=["cadre"])
    else:
        assignment = existing
        assignment.cadre = cadre
        assignment.save(update_fields=["cadre"])
    audit(
        actor, village, "assignment_set", assignment,
        campaign=campaign.pk, group=group.name if group else "全村", cadre=str(cadre),
    )  # fmt: skip
    return assignment


def _checks(checks: Any) -> dict[str, bool]:
    if not isinstance(checks, dict):
        raise ApplicationError("checks_invalid", "请逐项填写两不愁三保障及饮水情况", field="checks")
    unknown = sorted(str(k) for k in checks if k not in SECURITY_KEYS)
    if unknown:
        raise ApplicationError(
            "checks_unknown", f"核查项目{'、'.join(unknown)}无效", field="checks"
        )
    missing = [label for key, label in SECURITY_CHECKS if key not in checks]
    if missing:
        raise ApplicationError(
            "checks_missing", f"请填写核查项目：{'、'.join(missing)}", field="checks"
        )
    for key, label in SECURITY_CHECKS:
        if not isinstance(checks[key], bool):
            raise ApplicationError("checks_invalid", f"核查项目“{label}”应为是或否", field="checks")
    return {key: checks[key] for key in SECURITY_KEYS}


def _risk_types(risk_types: Any) -> list[str]:
    if not isinstance(risk_types, list | tuple):
        raise ApplicationError("risk_types", "风险类型无效", field="risk_types")
    bad = [str(r) for r in risk_types if r not in RiskType.values]
    if bad:
        names = "、".join(bad)[:50]
        raise ApplicationError("risk_types", f"风险类型{names}无效", field="risk_types")
    return list(dict.fromkeys(risk_types))


@transaction.atomic
def visit_record(
    *,
    actor: Any,
    campaign: Campaign,
    household: Household,
    visited_on: date,
    checks: dict[str, bool],
    income_estimate_fen: int | None,
    risk_types: list[str],
    note: str,
) -> Visit:
    """The visit of ``household`` in ``campaign``: once per household and campaign."""
    require(actor, VISIT_PERM, household.village_id)
    _open(campaign)
    if not in_campaign(campaign, household.village_id):
        raise ApplicationError("visit_region", "该户不在本次排查范围内", field="household")
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("visit_household", "该户已注销，不能登记走访", field="household")
    if not isinstance(visited_on, date):
        raise ApplicationError("visited_on_invalid", "走访日期无效", field="visited_on")
    if not campaign.start_on <= visited_on <= campaign.end_on:
        raise ApplicationError(
            "visited_on_range",
            f"走访日期应在排查期间（{format_date(campaign.start_on)}至"
            f"{format_date(campaign.end_on)}）内",
            field="visited_on",
        )
    if visited_on > timezone.localdate():
        raise ApplicationError("visited_on_future", "走访日期不能晚于今天", field="visited_on")
    clean_checks = _checks(checks)
    if income_estimate_fen is not None and (
        isinstance(income_estimate_fen, bool)
        or not isinstance(income_estimate_fen, int)
        or not 0 <= income_estimate_fen <= MAX_INCOME_FEN
    ):
        raise ApplicationError(
            "income_estimate", "年人均纯收入估算应为不小于0的合理金额", field="income_estimate"
        )
    risks = _risk_types(risk_types)
    note = clean_text(note, field="note", label="走访情况", limit=1000, required=False)
    previous = Visit.objects.filter(campaign=campaign, household=household).first()
    if previous is not None:
        raise _duplicate(previous)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                campaign=campaign, village_id=household.village_id, household=household,
                visitor=actor, visited_on=visited_on, checks=clean_checks,
                income_estimate_fen=income_estimate_fen, risk_types=risks, note=note,
            )  # fmt: skip
    except IntegrityError:  # recorded at the same moment by someone else
        previous = Visit.objects.filter(campaign=campaign, household=household).first()
        raise _duplicate(previous) from None
    audit(
        actor, household.village_id, "visit_record", visit,
        campaign=campaign.pk, household=household.pk, number=household.number,
        visited_on=visited_on.isoformat(), checks=clean_checks,
        income_estimate_fen=income_estimate_fen, risk_types=risks,
    )  # fmt: skip
    return visit


def _duplicate(previous: Visit | None) -> ApplicationError:
    when = f"（{format_date(previous.visited_on)}已登记）" if previous else ""
    return ApplicationError(
        "visit_duplicate", f"该户在本次排查中已走访{when}，不能重复登记", field="household"
    )


@transaction.atomic
def campaign_close(*, actor: Any, campaign: Campaign) -> Campaign:
    """End the campaign: no more assignments or visits."""
    require(actor, PERM, campaign.region_id)
    changed = Campaign.objects.filter(pk=campaign.pk, closed_at=None).update(
        closed_at=timezone.now()
    )
    if not changed:
        raise ApplicationError("campaign_closed", "该排查活动已结束", field="campaign")
    campaign.refresh_from_db()
    audit(actor, campaign.region_id, "campaign_close", campaign, title=campaign.title)
    return campaign
