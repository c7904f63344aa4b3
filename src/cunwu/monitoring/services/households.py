"""Writes of monitored households and 脱贫户 records.

``monitoring_enter`` and ``monitoring_eliminate`` carry out a county decision (called by the
case services, which check permission and walk the procedure); they are not entry points for
views. The rest (帮扶责任人, risks, plan, exit records) are the village's and township's writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from cunwu.registry.models import Household

from ..models import (
    Case,
    MonitoredHousehold,
    MonitoringState,
    RiskFactor,
    RiskType,
    StateChange,
)
from .common import audit


def _open_risks(monitored: MonitoredHousehold, risk_types: list[str], on: date, actor: Any) -> None:
    open_types = set(monitored.risks.filter(resolved_on=None).values_list("risk_type", flat=True))
    for risk_type in dict.fromkeys(risk_types):
        if risk_type in RiskType.values and risk_type not in open_types:
            RiskFactor.objects.create(
                monitored=monitored, risk_type=risk_type, identified_on=on, created_by=actor
            )


@transaction.atomic
def monitoring_enter(
    *,
    actor: Any,
    household: Household,
    category: str,
    risk_types: list[str],
    on: date,
    case: Case | None = None,
    note: str = "",
) -> MonitoredHousehold:
    """The county approved the identification: the household is (again) 风险未消除, with its
    risks opened. A household already at risk keeps its row; its category follows the case."""
    monitored = MonitoredHousehold.objects.select_for_update().filter(household=household).first()
    if monitored is None:
        monitored = MonitoredHousehold.objects.create(
            household=household,
            village=household.village,
            county_code=household.county_code,
            category=category,
            identified_on=on,
        )
    else:
        monitored.category = category
        monitored.state = MonitoringState.AT_RISK
        monitored.identified_on = on
        monitored.eliminated_on = None
        monitored.save(
            update_fields=["category", "state", "identified_on", "eliminated_on", "updated_at"]
        )
    _open_risks(monitored, risk_types, on, actor)
    StateChange.objects.create(
        monitored=monitored, state=MonitoringState.AT_RISK, category=category, on=on,
        case=case, note=note[:200], actor=actor,
    )  # fmt: skip
    audit(
        actor, household.village, "enter", monitored,
        category=category, risk_types=sorted(set(risk_types)), on=on.isoformat(),
        case=case.code if case else "",
    )  # fmt: skip
    return monitored


@transaction.atomic
def monitoring_eliminate(
    *,
    actor: Any,
    monitored: MonitoredHousehold,
    on: date,
    case: Case | None = None,
    note: str = "",
) -> MonitoredHousehold:
    """The county approved the risk elimination: 风险已消除, every open risk resolved. The
    household stays in the system and keeps being screened."""
    monitored = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
    monitored.state = MonitoringState.ELIMINATED
    monitored.eliminated_on = on
    monitored.save(update_fields=["state", "eliminated_on", "updated_at"])
    monitored.risks.filter(resolved_on=None).update(
        resolved_on=on, resolved_note=(note or "风险消除")[:300]
    )
    StateChange.objects.create(
        monitored=monitored, state=MonitoringState.ELIMINATED, category=monitored.category,
        on=on, case=case, note=note[:200], actor=actor,
    )  # fmt: skip
    audit(
        actor, monitored.village_id, "eliminate", monitored,
        on=on.isoformat(), case=case.code if case else "",
    )  # fmt: skip
    return monitored
