"""Writes of the care part: persons under care, their carers, visits, ending a record."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.crypto import encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text, mask_phone, normalize_phone
from cunwu.registry.models import Person

from ..models_care import DEFAULT_INTERVALS, CareGroup, CareRecord, CareVisit
from .common import audit

CARE = "village.care"
PHONE_CONTEXT = "village.carer_phone"
END_REASONS = ("父母返乡", "年满18岁", "去世", "迁出", "情况好转", "其他")


def _carer(
    actor: Any, village_id: str, carer_user: Any, carer_name: str, carer_phone: str
) -> dict[str, Any]:
    if carer_user is not None:
        if not has_perm_in(carer_user, CARE, village_id):
            raise ApplicationError(
                "carer_scope", "关爱责任人须是本村有关爱工作权限的干部", field="carer_user"
            )
        return {"carer_user": carer_user, "carer_name": "", "carer_phone_enc": "",
                "carer_phone_masked": ""}  # fmt: skip
    name = clean_text(carer_name, field="carer_name", label="关爱责任人", limit=50)
    phone = ""
    if carer_phone.strip():
        phone = normalize_phone(carer_phone)
    return {
        "carer_user": None, "carer_name": name,
        "carer_phone_enc": encrypt_text(phone, context=PHONE_CONTEXT) if phone else "",
        "carer_phone_masked": mask_phone(phone) if phone else "",
    }  # fmt: skip


@transaction.atomic
def care_add(
    *, actor: Any, person: Person, group: str, since: date, interval_days: int | None = None,
    carer_user: Any = None, carer_name: str = "", carer_phone: str = "", note: str = "",
) -> CareRecord:  # fmt: skip
    village_id = person.household.village_id
    require(actor, CARE, village_id)
    if group not in CareGroup.values:
        raise ApplicationError("care_group", "请选择关爱类别", field="group")
    if since > timezone.localdate():
        raise ApplicationError("care_since", "纳入日期不能晚于今天", field="since")
    interval = DEFAULT_INTERVALS[group] if interval_days is None else interval_days
    if not (1 <= interval <= 366):
        raise ApplicationError("care_interval", "走访周期应在1至366天之间", field="interval_days")
    note = clean_text(note, field="note", label="情况说明", limit=300, required=False)
    carer = _carer(actor, village_id, carer_user, carer_name, carer_phone)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one writer per person
    if CareRecord.objects.filter(person=person, group=group, ended_on__isnull=True).exists():
        raise ApplicationError(
            "care_exists", f"{person.name}已在{CareGroup(group).label}关爱名单中", field="group"
        )
    record = CareRecord.objects.create(
        village_id=village_id, person=person, group=group, since=since, interval_days=interval,
        note=note, created_by=actor, **carer,
    )  # fmt: skip
    audit(actor, village_id, "care_add", record, person=person.pk, group=group,
          interval=interval)  # fmt: skip
    return record


def _open(record: CareRecord) -> CareRecord:
    locked = CareRecord.objects.select_for_update().get(pk=record.pk)
    if locked.ended_on is not None:
        raise ApplicationError("care_ended", "该关爱记录已结束")
    return locked


@transaction.atomic
def carer_assign(
    *, actor: Any, record: CareRecord, carer_user: Any = None, carer_name: str = "",
    carer_phone: str = "",
) -> CareRecord:  # fmt: skip
    require(actor, CARE, record.village_id)
    record = _open(record)
    carer = _carer(actor, record.village_id, carer_user, carer_name, carer_phone)
    for key, value in carer.items():
        setattr(record, key, value)
    record.save(update_fields=list(carer))
    audit(actor, record.village_id, "care_carer", record,
          carer=carer_user.pk if carer_user is not None else carer["carer_name"])  # fmt: skip
    return record


@transaction.atomic
def care_end(*, actor: Any, record: CareRecord, ended_on: date, reason: str) -> CareRecord:
    require(actor, CARE, record.village_id)
    record = _open(record)
    reason = clean_text(reason, field="reason", label="结束原因", limit=100)
    if ended_on < record.since:
        raise ApplicationError("care_end_date", "结束日期不能早于纳入日期", field="ended_on")
    if ended_on > timezone.localdate():
        raise ApplicationError("care_end_future", "结束日期不能晚于今天", field="ended_on")
    record.ended_on = ended_on
    record.end_reason = reason
    record.save(update_fields=["ended_on", "end_reason"])
    audit(actor, record.village_id, "care_end", record, ended_on=ended_on.isoformat(),
          reason=reason)  # fmt: skip
    return record


@transaction.atomic
def visit_add(
    *, actor: Any, record: CareRecord, visited_on: date, needs: str = "", help_given: str = "",
    follow_up: str = "",
) -> CareVisit:  # fmt: skip
    require(actor, CARE, record.village_id)
    record = _open(record)
    if visited_on > timezone.localdate():
        raise ApplicationError("visit_future", "走访日期不能晚于今天", field="visited_on")
    if visited_on < record.since:
        raise ApplicationError("visit_before", "走访日期不能早于纳入日期", field="visited_on")
    needs = clean_text(needs, field="needs", label="发现的需求", limit=300, required=False)
    help_given = clean_text(help_given, field="help_given", label="提供的帮助", limit=300,
                            required=False)  # fmt: skip
    follow_up = clean_text(follow_up, field="follow_up", label="后续跟进", limit=300,
                           required=False)  # fmt: skip
    if not needs and not help_given:
        raise ApplicationError("visit_empty", "请填写发现的需求或提供的帮助", field="needs")
    visit = CareVisit.objects.create(
        record=record, village_id=record.village_id, visited_on=visited_on, visitor=actor,
        needs=needs, help_given=help_given, follow_up=follow_up,
    )  # fmt: skip
    audit(actor, record.village_id, "care_visit", visit, record=record.pk,
          visited_on=visited_on.isoformat())  # fmt: skip
    return visit
