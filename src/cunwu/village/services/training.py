"""Writes of §7 培训与劳务输出: sessions (by a village or a township), attendees from the villages
under the organiser, attendance marks, certificates, employment outcomes, and the yearly labour
export records (劳务输出), seeded from the registry persons who work away when a cadre confirms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text
from cunwu.core.models import Region
from cunwu.registry.models import Person

from ..models import (
    Destination,
    LabourExport,
    Outcome,
    TrainingAttendee,
    TrainingCertificate,
    TrainingKind,
    TrainingSession,
)
from .common import audit, check_date

PERM = "village.manage"
TOWNSHIP_PERM = "village.training"  # a township organises its own sessions
AWAY_WORDS = ("外出", "务工", "省外", "县外")


@transaction.atomic
def training_session_create(
    *, actor: Any, region: Region, kind: str, title: str, start_on: date, end_on: date,
    place: str, organiser: str, hours: int,
) -> TrainingSession:  # fmt: skip
    """A session of a village (村干部, 工作队) or a township (乡镇干部)."""
    if region.level == 5:
        require(actor, PERM, region)
    elif region.level == 4:
        require(actor, TOWNSHIP_PERM, region)
    else:
        raise ApplicationError("region_level", "培训应由村或乡镇组织", field="region")
    if kind not in TrainingKind.values:
        raise ApplicationError("kind", "请选择培训类型", field="kind")
    title = clean_text(title, field="title", label="培训名称", limit=100)
    place = clean_text(place, field="place", label="培训地点", limit=100)
    organiser = clean_text(organiser, field="organiser", label="组织单位", limit=100)
    start_on = check_date(start_on, field="start_on", label="开始日期")
    end_on = check_date(end_on, field="end_on", label="结束日期")
    if end_on < start_on:
        raise ApplicationError("end_before_start", "结束日期不能早于开始日期", field="end_on")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 2000:
        raise ApplicationError("hours_range", "学时应在1至2000之间", field="hours")
    session = TrainingSession.objects.create(
        region=region, county_code=region.code[:6], kind=kind, title=title, start_on=start_on,
        end_on=end_on, place=place, organiser=organiser, hours=hours, created_by=actor,
    )  # fmt: skip
    audit(actor, region, "training_create", session, title=title, kind=kind)
    return session


@transaction.atomic
def training_attendee_add(
    *, actor: Any, session: TrainingSession, person: Person
) -> TrainingAttendee:
    """Put ``person`` (of a village under the organiser) on the list of ``session``."""
    village = person.household.village
    if not village.code.startswith(session.region.code[: 9 if session.region.level == 4 else 12]):
        raise ApplicationError("person_region", "该人员不属于组织地区", field="person")
    require(actor, PERM if session.region.level == 5 else TOWNSHIP_PERM, session.region)
    try:
        with transaction.atomic():
            attendee = TrainingAttendee.objects.create(
                session=session, village=village, county_code=village.code[:6], person=person
            )
    except IntegrityError:
        raise ApplicationError(
            "attendee_exists", f"{person.name}已在名单中", field="person"
        ) from None
    audit(actor, village, "training_attendee_add", attendee, session=session.pk, person=person.pk)
    return attendee


def _require_attendee(actor: Any, attendee: TrainingAttendee) -> None:
    session = attendee.session
    require(actor, PERM if session.region.level == 5 else TOWNSHIP_PERM, session.region)


@transaction.atomic
def training_attendance_mark(
    *, actor: Any, attendee: TrainingAttendee, attended: bool
) -> TrainingAttendee:
    _require_attendee(actor, attendee)
    if not isinstance(attended, bool):
        raise ApplicationError("attended", "请选择是否参训", field="attended")
    TrainingAttendee.objects.filter(pk=attendee.pk).update(attended=attended)
    attendee.refresh_from_db()
    audit(actor, attendee.village_id, "training_attendance", attendee, attended=attended)
    return attendee


@transaction.atomic
def training_certificate_add(
    *, actor: Any, attendee: TrainingAttendee, name: str, number: str, issuer: str,
    issued_on: date,
) -> TrainingCertificate:  # fmt: skip
    _require_attendee(actor, attendee)
    name = clean_text(name, field="name", label="证书名称", limit=100)
    number = clean_text(number, field="number", label="证书编号", limit=50)
    issuer = clean_text(issuer, field="issuer", label="发证机关", limit=100)
    issued_on = check_date(issued_on, field="issued_on", label="发证日期")
    if issued_on < attendee.session.start_on:
        raise ApplicationError("issued_early", "发证日期不能早于培训开始日期", field="issued_on")
    if TrainingCertificate.objects.filter(issuer=issuer, number=number).exists():
        raise ApplicationError("certificate_exists", "该证书编号已登记", field="number")
    cert = TrainingCertificate.objects.create(
        attendee=attendee, name=name, number=number, issuer=issuer, issued_on=issued_on
    )
    audit(actor, attendee.village_id, "training_certificate", cert, number=number)
    return cert


@transaction.atomic
def training_outcome_set(
    *, actor: Any, attendee: TrainingAttendee, outcome: str, place: str = "",
    since: date | None = None,
) -> TrainingAttendee:  # fmt: skip
    """The employment outcome of ``attendee``: where and from when (not for 未就业)."""
    _require_attendee(actor, attendee)
    if outcome not in Outcome.values:
        raise ApplicationError("outcome", "请选择就业情况", field="outcome")
    employed = outcome != Outcome.NONE
    place = clean_text(place, field="place", label="就业地点", limit=100, required=employed)
    if employed:
        since = check_date(since, field="since", label="就业起始日期")
    else:
        place, since = "", None
    TrainingAttendee.objects.filter(pk=attendee.pk).update(
        outcome=outcome, outcome_place=place, outcome_from=since
    )
    attendee.refresh_from_db()
    audit(actor, attendee.village_id, "training_outcome", attendee, outcome=outcome, place=place,
          since=since.isoformat() if since else None)  # fmt: skip
    return attendee


@transaction.atomic
def labour_export_record(
    *, actor: Any, person: Person, year: int, destination: str, place: str, from_month: int,
    to_month: int,
) -> LabourExport:  # fmt: skip
    """Where ``person`` works in ``year`` (one record per person and year)."""
    village = person.household.village
    require(actor, PERM, village)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ApplicationError("year_range", "年度无效", field="year")
    if destination not in Destination.values:
        raise ApplicationError("destination", "请选择务工去向", field="destination")
    place = clean_text(place, field="place", label="务工地点", limit=100, required=False)
    for value, field in ((from_month, "from_month"), (to_month, "to_month")):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
            raise ApplicationError(f"{field}_range", "月份应在1至12之间", field=field)
    if to_month < from_month:
        raise ApplicationError("months_order", "截止月不能早于起始月", field="to_month")
    if LabourExport.objects.filter(person=person, year=year).exists():
        raise ApplicationError("export_exists", f"{person.name}{year}年已登记", field="person")
    record = LabourExport.objects.create(
        village=village, county_code=village.code[:6], person=person, year=year,
        destination=destination, place=place, from_month=from_month, to_month=to_month,
        created_by=actor,
    )  # fmt: skip
    audit(actor, village, "labour_export", record, person=person.pk, year=year,
          destination=destination)  # fmt: skip
    return record


def labour_export_candidates(*, village: Region, year: int) -> list[Person]:
    """Registry persons of ``village`` whose 务工状况 says they work away and who have no record
    of ``year`` yet: what 从户籍导入 proposes."""
    done = LabourExport.objects.filter(village=village, year=year).values("person_id")
    people = Person.objects.filter(household__village=village).exclude(pk__in=done)
    return [p for p in people.order_by("pk") if any(w in p.work_status for w in AWAY_WORDS)]


@transaction.atomic
def labour_export_seed(*, actor: Any, village: Region, year: int) -> int:
    """从户籍导入 (confirmed by the cadre): one record of ``year`` per candidate, 省外 unless the
    work status says 县外 or 省内; returns how many were created."""
    require(actor, PERM, village)
    count = 0
    for person in labour_export_candidates(village=village, year=year):
        status = person.work_status
        destination = (
            Destination.PROVINCE
            if ("县外" in status or "省内" in status)
            else (Destination.OUTSIDE)
        )
        labour_export_record(
            actor=actor, person=person, year=year, destination=destination,
            place=person.work_place[:100], from_month=1, to_month=12,
        )  # fmt: skip
        count += 1
    return count
