"""Writes of the meetings part of 乡村治理 (屋场恳谈会)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.models import VillageGroup
from cunwu.core.services.audit import audit_append

from ..models_meetings import Meeting

__all__ = ["meeting_create"]


def _text(value: str, *, field: str, label: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise ApplicationError(f"meeting_{field}_empty", f"请填写{label}", field=field)
    if len(value) > limit:
        raise ApplicationError(f"meeting_{field}_long", f"{label}不能超过{limit}字", field=field)
    return value


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    group: VillageGroup,
    held_on: date,
    place: str,
    topic: str,
    minutes: str = "",
) -> Meeting:
    """Record a 屋场恳谈会 of ``group``; needs village.manage in its village."""
    village = group.village
    require(actor, "village.manage", village)
    if held_on > timezone.localdate():
        raise ApplicationError("meeting_date_future", "会议日期不能晚于今天", field="held_on")
    meeting = Meeting.objects.create(
        village=village,
        county_code=village.code[:6],
        group=group,
        held_on=held_on,
        place=_text(place, field="place", label="地点", limit=100),
        topic=_text(topic, field="topic", label="议题", limit=200),
        minutes=minutes.strip()[:10_000],
        created_by=actor,
    )
    audit_append(
        actor=actor, region=village, action="village.meeting_create", obj=meeting,
        payload={"group": group.pk, "held_on": held_on.isoformat()},
    )  # fmt: skip
    return meeting
