"""Writes of 防返贫监测 (part: screening): the year's policy (监测标准), the registry screening
run, department data imports and the village's verification of alerts.

The screening is set-based: one aggregate query per kind of flag (incomes of the year and of
the year before, active members, members without labour capacity, department records of the
year), then the alerts written with ``bulk_create(ignore_conflicts=True)`` on their
``dedupe_key`` — re-running a year, or re-importing a file, creates nothing twice. Department
files and the screening share ``alerts_for`` so that an import's alerts are the screening's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models import Case as DbCase
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.models import (
    Household,
    HouseholdStatus,
    IncomeCategory,
    IncomeRecord,
    Person,
    PersonStatus,
)

from ..models import (
    Alert,
    AlertKind,
    AlertStatus,
    Department,
    DepartmentImport,
    DepartmentRecord,
    MonitoringPolicy,
    ScreeningRun,
)
from ..policy import FIELDS, Policy, policy_for
from .common import audit, clean_text

# what the registry's free-text 劳动技能 says of a member who cannot work
LABOUR_LOSS_VALUES: tuple[str, ...] = ("丧失劳动力", "无劳动力", "丧失劳动能力", "无劳动能力")
WORKDAY_FIELDS = (
    "identify_max_workdays", "verify_workdays", "compare_workdays", "appraise_workdays",
    "township_workdays", "county_workdays",
)  # fmt: skip
MONEY_FIELDS = ("income_threshold_fen", "medical_expense_fen", "rigid_expense_fen")
MONEY_MAX = 100_000_000_00  # 1 亿元
BATCH = 5000


class RunStatus:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportStatus:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def dedupe_key(kind: str, household_id: int, year: int, source: str) -> str:
    """sha256 of (kind, household, year, source-specific key)."""
    return hashlib.sha256(f"{kind}|{household_id}|{year}|{source}".encode()).hexdigest()


# ---------------------------------------------------------------- policy


def _check_policy_value(name: str, value: int) -> None:
    if name in MONEY_FIELDS:
        if value <= 0:
            raise ApplicationError("policy_amount", "金额应大于0", field=name)
        if value > MONEY_MAX:
            raise ApplicationError("policy_amount", "金额超过1亿元，请核对", field=name)
    elif name == "income_drop_percent":
        if not 1 <= value <= 100:
            raise ApplicationError("policy_percent", "比例应在1到100之间", field=name)
    elif name == "disclosure_days":
        if not 5 <= value <= 60:
            raise ApplicationError("policy_disclosure_days", "公示天数应在5到60天之间", field=name)
    elif name == "stable_months":
        if not 1 <= value <= 60:
            raise ApplicationError("policy_months", "稳定达标月数应在1到60之间", field=name)
    elif name in WORKDAY_FIELDS and not 1 <= value <= 60:
        raise ApplicationError("policy_workdays", "时限应在1到60个工作日之间", field=name)


@transaction.atomic
def policy_set(
    *, actor: Any, region: Region, year: int, note: str = "", **values: int | None
) -> MonitoringPolicy:
    """Set (or clear, with ``None``) the fields of ``region``'s line for ``year``. Only a county
    or a province sets a line; a field left out keeps its value; old and new are audited."""
    require(actor, "monitoring.policy", region)
    if region.level not in (RegionLevel.PROVINCE, RegionLevel.COUNTY):
        raise ApplicationError("policy_region", "监测标准由省或县设置", field="region")
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ApplicationError("policy_year", "年度无效", field="year")
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ApplicationError("policy_field", f"未知的标准项：{unknown[0]}", field=unknown[0])
    for name, value in values.items():
        if value is not None:
            _check_policy_value(name, value)
    note = clean_text(note, field="note", label="依据", limit=200, required=False)
    row = MonitoringPolicy.objects.select_for_update().filter(region=region, year=year).first()
    before = {name: getattr(row, name) for name in FIELDS} if row else {}
    if row is None:
        row = MonitoringPolicy(region=region, year=year, updated_by=actor)
        try:
            with transaction.atomic():
                row.save()
        except Exception:  # a concurrent first save: take theirs and update it
            row = MonitoringPolicy.objects.select_for_update().get(region=region, year=year)
    for name, value in values.items():
        setattr(row, name, value)
    row.note = note or row.note
    row.updated_by = actor
    row.save()
    after = {name: getattr(row, name) for name in FIELDS}
    changed = {n: [before.get(n), after[n]] for n in FIELDS if before.get(n) != after[n]}
    audit(actor, region, "policy_set", row, year=year, changes=changed, note=row.note)
    return row


# ---------------------------------------------------------------- the flags


@dataclass(frozen=True)
class Flag:
    kind: str
    department: str
    household_id: int
    village_id: str
    county_code: str
    year: int
    source: str
    person_id: int | None = None
    amount_fen: int | None = None
    details: dict[str, Any] | None = None


def _household_scope(region: Region) -> Q:
    return Q(village__code__startswith=region.prefix, status=HouseholdStatus.ACTIVE)


def _policies(region: Region, year: int) -> list[tuple[str, Policy]]:
    """(code prefix, policy) for the counties within ``region`` (one for a county or below)."""
    if region.level >= RegionLevel.COUNTY:
        return [(region.prefix, policy_for(region, year))]
    counties = Region.objects.filter(
        code__startswith=region.prefix, level=RegionLevel.COUNTY
    ).values_list("code", flat=True)
    return [(code[:6], policy_for(code, year)) for code in counties]


def income_flags(prefix: str, policy: Policy, year: int) -> Iterable[Flag]:
    """LOW_INCOME: per-capita net income (half up, as ``per_capita_net_income``) below the line;
    INCOME_DROP: net income down by at least ``income_drop_percent`` against last year (the
    members are today's for both years, so the per-capita drop is the net drop).

    Two grouped queries (the members of each household; both years' net income of each) rather
    than correlated subqueries per household, which cost a county's screening most of its time.
    """
    threshold = policy.income_threshold_fen
    pct = policy.income_drop_percent
    in_scope = {
        "household__village__code__startswith": prefix,
        "household__status": HouseholdStatus.ACTIVE,
    }
    members = dict(
        Person.objects.filter(status=PersonStatus.ACTIVE, **in_scope)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    signed = DbCase(
        When(category=IncomeCategory.BUSINESS_EXPENSE, then=-F("amount_fen")),
        default=F("amount_fen"),
        output_field=BigIntegerField(),
    )
    nets = (
        IncomeRecord.objects.filter(year__in=(year, year - 1), **in_scope)
        .order_by()
        .values("household_id", "household__village_id", "household__county_code")
        .annotate(
            net=Sum(DbCase(When(year=year, then=signed), output_field=BigIntegerField())),
            net0=Sum(DbCase(When(year=year - 1, then=signed), output_field=BigIntegerField())),
        )
        .values_list(
            "household_id", "household__village_id", "household__county_code", "net", "net0"
        )
    )
    for pk, village, county, net, net0 in nets.iterator(chunk_size=BATCH):
        m = members.get(pk, 0)
        if net is None or m <= 0:
            continue
        # round(net / m) < T  ⇔  2·net < (2T − 1)·m  (half up, whole 分)
        low = 2 * net - (2 * threshold - 1) * m < 0
        drop = net0 is not None and net0 > 0 and (net0 - net) * 100 - pct * net0 >= 0
        if not (low or drop):
            continue
        if low:
            per_capita = (2 * net + m) // (2 * m) if net >= 0 else -((-2 * net + m) // (2 * m))
            yield Flag(
                AlertKind.LOW_INCOME, Department.REGISTRY, pk, village, county, year, "income",
                amount_fen=per_capita,
                details={"per_capita_fen": per_capita, "threshold_fen": threshold,
                         "members": m},
            )  # fmt: skip
        if drop and net0 is not None:
            yield Flag(
                AlertKind.INCOME_DROP, Department.REGISTRY, pk, village, county, year, "drop",
                amount_fen=net0 - net,
                details={"net_fen": net, "last_year_net_fen": net0,
                         "drop_percent": round(100 * (net0 - net) / net0, 1),
                         "threshold_percent": pct},
            )  # fmt: skip


def labour_flags(prefix: str, year: int) -> Iterable[Flag]:
    """LABOUR_LOSS: an active member whose 劳动技能 says 丧失劳动力 / 无劳动力."""
    qs = (
        Person.objects.filter(
            household__village__code__startswith=prefix,
            household__status=HouseholdStatus.ACTIVE,
            status=PersonStatus.ACTIVE,
            labour_ability__in=LABOUR_LOSS_VALUES,
        )
        .order_by()
        .values_list("pk", "household_id", "household__village_id", "county_code",
                     "labour_ability")
    )  # fmt: skip
    for pk, household, village, county, ability in qs.iterator(chunk_size=BATCH):
        yield Flag(
            AlertKind.LABOUR_LOSS, Department.REGISTRY, household, village, county, year,
            f"person:{pk}", person_id=pk, details={"labour_ability": ability},
        )  # fmt: skip


def record_flags(
    prefix: str, policy: Policy, year: int, records: QuerySet[DepartmentRecord] | None = None
) -> Iterable[Flag]:
    """Department records of the year matched to a person: 医保 out-of-pocket summed per
    household above ``medical_expense_fen``; every other record an alert of its kind."""
    base = records if records is not None else DepartmentRecord.objects.all()
    base = base.filter(
        year=year,
        person__isnull=False,
        household__village__code__startswith=prefix,
        household__status=HouseholdStatus.ACTIVE,
    ).order_by()
    medical = (
        base.filter(kind=AlertKind.MEDICAL_EXPENSE)
        .values("household_id")
        .annotate(total=Sum("amount_fen"), n=Count("pk"))
        .filter(total__gt=policy.medical_expense_fen)
        .values_list("household_id", "village_id", "county_code", "total", "n")
    )
    if records is not None:
        # an import: the household's whole year counts, not only this file's rows
        households = list(
            base.filter(kind=AlertKind.MEDICAL_EXPENSE)
            .values_list("household_id", flat=True)
            .distinct()
        )
        medical = (
            DepartmentRecord.objects.filter(
                year=year, person__isnull=False, kind=AlertKind.MEDICAL_EXPENSE,
                household_id__in=households,
            )
            .order_by()
            .values("household_id")
            .annotate(total=Sum("amount_fen"), n=Count("pk"))
            .filter(total__gt=policy.medical_expense_fen)
            .values_list("household_id", "village_id", "county_code", "total", "n")
        )  # fmt: skip
    for household, village, county, total, n in medical.iterator(chunk_size=BATCH):
        yield Flag(
            AlertKind.MEDICAL_EXPENSE, Department.MEDICAL, household, village, county, year,
            "medical", amount_fen=total,
            details={"total_fen": total, "records": n, "threshold_fen": policy.medical_expense_fen},
        )  # fmt: skip
    others = base.exclude(kind=AlertKind.MEDICAL_EXPENSE).values_list(
        "household_id", "village_id", "county_code", "person_id", "department", "kind",
        "amount_fen", "details", "event_date",
    )  # fmt: skip
    for household, village, county, person, dept, kind, amount, details, on in others.iterator(
        chunk_size=BATCH
    ):
        key = (details or {}).get("key", "")
        yield Flag(
            kind, dept, household, village, county, year, f"{dept}:{key}", person_id=person,
            amount_fen=amount,
            details={**{k: v for k, v in (details or {}).items() if k != "key"},
                     "event_date": on.isoformat() if on else ""},
        )  # fmt: skip


# the columns of an alert that a screening writes (the rest: status open, nothing handled)
_ALERT_COLUMNS = (
    "village_id", "county_code", "household_id", "person_id", "department", "kind", "year",
    "amount_fen", "details", "dedupe_key", "source_import_id", "source_run_id",
)  # fmt: skip


@transaction.atomic
def _insert_postgresql(
    batch: list[tuple[Flag, str]], *, run_id: int | None, source_id: int | None
) -> list[str]:
    """The kinds of the alerts of ``batch`` that were new: one ``COPY`` into a temporary table
    and one ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING`` (the ORM's ``bulk_create`` spent
    most of a county's screening building its statements)."""
    columns = ", ".join(_ALERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS monitoring_alert_batch (village_id varchar(12), "
            "county_code varchar(6), household_id bigint, person_id bigint, "
            "department varchar(12), kind varchar(20), year smallint, amount_fen bigint, "
            "details jsonb, dedupe_key varchar(64), source_import_id bigint, "
            "source_run_id bigint) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE monitoring_alert_batch")
        with cursor.copy(f"COPY monitoring_alert_batch ({columns}) FROM STDIN") as copy:
            for f, key in batch:
                copy.write_row((
                    f.village_id, f.county_code, f.household_id, f.person_id, f.department,
                    f.kind, f.year, f.amount_fen, json.dumps(f.details or {}, ensure_ascii=False),
                    key, source_id, run_id,
                ))  # fmt: skip
        cursor.execute(
            f"INSERT INTO {Alert._meta.db_table} ({columns}, status, handled_note, created_at) "  # noqa: S608 (constant names)
            f"SELECT {columns}, %s, '', now() FROM monitoring_alert_batch "
            "ON CONFLICT (dedupe_key) DO NOTHING RETURNING kind",
            [AlertStatus.OPEN],
        )
        return [row[0] for row in cursor.fetchall()]


def write_alerts(
    flags: Iterable[Flag],
    *,
    run: ScreeningRun | None = None,
    source: DepartmentImport | None = None,
) -> dict[str, int]:
    """Write the flags as open alerts (existing dedupe keys are skipped); new alerts by kind."""
    counts: dict[str, int] = {}
    batch: list[tuple[Flag, str]] = []
    run_id = run.pk if run is not None else None
    source_id = source.pk if source is not None else None

    def flush() -> None:
        if connection.vendor == "postgresql":
            kinds = _insert_postgresql(batch, run_id=run_id, source_id=source_id)
        else:
            existing = set(
                Alert.objects.filter(dedupe_key__in=[key for _f, key in batch]).values_list(
                    "dedupe_key", flat=True
                )
            )
            fresh = [
                Alert(
                    village_id=f.village_id, county_code=f.county_code,
                    household_id=f.household_id, person_id=f.person_id,
                    department=f.department, kind=f.kind, year=f.year, amount_fen=f.amount_fen,
                    details=f.details or {}, dedupe_key=key, source_run_id=run_id,
                    source_import_id=source_id,
                )
                for f, key in batch
                if key not in existing
            ]  # fmt: skip
            Alert.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
            kinds = [a.kind for a in fresh]
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
        batch.clear()

    seen: set[str] = set()
    for flag in flags:
        key = dedupe_key(flag.kind, flag.household_id, flag.year, flag.source)
        if key in seen:
            continue
        seen.add(key)
        batch.append((flag, key))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return counts


# ---------------------------------------------------------------- the screening run


def _check_year(year: int) -> None:
    if not 2000 <= year <= timezone.localdate().year:
        raise ApplicationError(
            "screening_year", f"年度应在2000至{timezone.localdate().year}之间", field="year"
        )


@transaction.atomic
def screening_start(*, actor: Any, region: Region, year: int) -> ScreeningRun:
    """A run waiting for its task (the web starts it in the background). ``actor`` None is
    the command line acting as the system."""
    if actor is not None:
        require(actor, "monitoring.screen", region)
    _check_year(year)
    if region.level > RegionLevel.VILLAGE:
        raise ApplicationError("screening_region", "区划无效", field="region")
    run = ScreeningRun.objects.create(
        region=region, year=year, status=RunStatus.RUNNING, created_by=actor
    )
    audit(actor, region, "screening_run", run, year=year)
    return run


def screening_execute(run_id: int) -> ScreeningRun | None:
    """Compute the flags of a run and write its alerts; a run not running does nothing."""
    run = ScreeningRun.objects.select_related("region").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING or run.finished_at is not None:
        return run
    try:
        with transaction.atomic():
            counts: dict[str, int] = {}
            households = 0
            for prefix, policy in _policies(run.region, run.year):
                households += Household.objects.filter(
                    village__code__startswith=prefix, status=HouseholdStatus.ACTIVE
                ).count()
                for flags in (
                    income_flags(prefix, policy, run.year),
                    labour_flags(prefix, run.year),
                    record_flags(prefix, policy, run.year),
                ):
                    for kind, n in write_alerts(flags, run=run).items():
                        counts[kind] = counts.get(kind, 0) + n
            ScreeningRun.objects.filter(pk=run.pk).update(
                status=RunStatus.DONE, households=households,
                alerts_created=sum(counts.values()), counts=counts, finished_at=timezone.now(),
            )  # fmt: skip
    except Exception as exc:  # recorded on the run, shown to the user
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def screening_run(*, actor: Any, region: Region, year: int) -> ScreeningRun:
    """Screen ``region`` for ``year`` now (the command, the tests)."""
    run = screening_start(actor=actor, region=region, year=year)
    done = screening_execute(run.pk)
    if done is None:  # pragma: no cover - just created
        raise RuntimeError("lost")
    return done


def screening_start_background(*, actor: Any, region: Region, year: int) -> ScreeningRun:
    """Start a run and hand it to the task worker once committed."""
    from functools import partial

    from .. import tasks_screening

    with transaction.atomic():
        run = screening_start(actor=actor, region=region, year=year)
        transaction.on_commit(partial(tasks_screening.screening_task.enqueue, run.pk))
    return run


# ---------------------------------------------------------------- department imports


@transaction.atomic
def department_import_upload(
    *, actor: Any, department: str, region: Region, name: str, data: bytes
) -> DepartmentImport:
    """Keep an uploaded department file (checked later row by row by its task)."""
    from .. import sheets_screening as sheets

    require(actor, "monitoring.import", region)
    if department not in sheets.TEMPLATES:
        raise ApplicationError("import_department", "请选择数据来源部门", field="department")
    sheets.check_upload(name, data)
    digest = hashlib.sha256(data).hexdigest()
    original = (" ".join(str(name).split()) or "导入文件")[-200:]
    record = DepartmentImport(
        department=department, region=region, original_name=original,
        sha256=digest, status=ImportStatus.PENDING, created_by=actor,
    )  # fmt: skip
    suffix = ".csv" if name.lower().endswith(".csv") else ".xlsx"
    record.file.save(f"{department}-{digest[:12]}{suffix}", ContentFile(data), save=False)
    record.save()
    audit(actor, region, "import", record, department=department, name=record.original_name,
          sha256=digest)  # fmt: skip
    return record


def department_import_process(import_id: int) -> DepartmentImport | None:
    """Check, match and keep the rows of a pending import, then write its alerts."""
    from .. import sheets_screening as sheets

    updated = DepartmentImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING
    )
    record = DepartmentImport.objects.select_related("region").filter(pk=import_id).first()
    if record is None or not updated:
        return record
    try:
        with record.file.open("rb") as fh:
            data = fh.read()
        result = sheets.check_rows(record, data)
        with transaction.atomic():
            DepartmentRecord.objects.bulk_create(result.records, batch_size=1000)
            alerts = 0
            created = DepartmentRecord.objects.filter(source_import=record)
            for year in sorted({r.year for r in result.records}):
                for prefix, policy in _policies(record.region, year):
                    flags = record_flags(prefix, policy, year, created)
                    alerts += sum(write_alerts(flags, source=record).values())
            report = sheets.error_report_bytes(result.errors) if result.errors else b""
            if report:
                record.error_report.save(
                    f"errors-{record.pk}.xlsx", ContentFile(report), save=False
                )
            DepartmentImport.objects.filter(pk=record.pk).update(
                status=ImportStatus.DONE, total_rows=result.total, processed_rows=result.total,
                matched_rows=result.matched, unmatched_rows=result.unmatched,
                invalid_rows=result.invalid, duplicate_rows=result.duplicates,
                alerts_created=alerts, errors=[list(e) for e in result.errors[:200]],
                error_report=record.error_report.name or "", finished_at=timezone.now(),
            )  # fmt: skip
    except ApplicationError as exc:
        DepartmentImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.FAILED, errors=[[0, exc.field or "", exc.message, ""]],
            finished_at=timezone.now(),
        )  # fmt: skip
    record.refresh_from_db()
    return record


def department_import(
    *, actor: Any, department: str, region: Region, name: str, data: bytes
) -> DepartmentImport:
    """Upload and process at once (the command, the tests)."""
    record = department_import_upload(
        actor=actor, department=department, region=region, name=name, data=data
    )
    done = department_import_process(record.pk)
    if done is None:  # pragma: no cover - just created
        raise RuntimeError("lost")
    return done


def department_import_background(
    *, actor: Any, department: str, region: Region, name: str, data: bytes
) -> DepartmentImport:
    from functools import partial

    from .. import tasks_screening

    with transaction.atomic():
        record = department_import_upload(
            actor=actor, department=department, region=region, name=name, data=data
        )
        transaction.on_commit(partial(tasks_screening.import_task.enqueue, record.pk))
    return record


# ---------------------------------------------------------------- alerts


def _alert_handle(*, actor: Any, alert: Alert, note: str, status: str, action: str) -> Alert:
    require(actor, "monitoring.handle", alert.village_id)
    note = clean_text(note, field="note", label="核实情况", limit=300)
    done = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=status, handled_by=actor, handled_at=timezone.now(), handled_note=note
    )
    if not done:
        raise ApplicationError("alert_not_open", "该预警已核实处理，不能重复处理")
    alert.refresh_from_db()
    audit(actor, alert.village_id, action, alert, kind=alert.kind, note=note)
    return alert


@transaction.atomic
def alert_confirm(*, actor: Any, alert: Alert, note: str) -> Alert:
    """The village found the risk real (核实有风险): next, an identification case."""
    return _alert_handle(
        actor=actor, alert=alert, note=note, status=AlertStatus.CONFIRMED, action="alert_confirm"
    )


@transaction.atomic
def alert_dismiss(*, actor: Any, alert: Alert, note: str) -> Alert:
    """The village found no risk (核实无风险); the note says why."""
    return _alert_handle(
        actor=actor, alert=alert, note=note, status=AlertStatus.DISMISSED, action="alert_dismiss"
    )


__all__ = [
    "alert_confirm", "alert_dismiss", "department_import", "department_import_process",
    "department_import_upload", "policy_set", "screening_execute", "screening_run",
    "screening_start", "write_alerts",
]  # fmt: skip
