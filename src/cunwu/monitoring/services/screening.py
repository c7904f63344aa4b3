"""Writes of 防返贫监测 (part: screening): the year's policy (监测标准), the registry screening
run, department data imports and the village's verification of alerts.

The screening is set-based: per kind of flag one aggregate over the registry (incomes of the
year and of the year before, active members, members without labour capacity) or the department
records of the year, each alert keyed by its ``dedupe_key`` — re-running a year, or re-importing
a file, creates nothing twice. ``alerts_for`` is the one way in for runs and department imports
alike, so that an import's alerts are the screening's. On PostgreSQL the flags are computed and
written by the database (``alerts_sql``: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per
family of flags, no alert through Python, as a county's run writes a million or more); elsewhere
(SQLite, the tests) Python computes them (``alerts_python``). Both give the same alerts, field
for field: each rule below has its twin in SQL, and a test runs both on the same households.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain, pairwise
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
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
logger = logging.getLogger(__name__)


class RunStatus:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportStatus:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# a part of a run: the households whose ids lie in [first, last]
HouseholdRange = tuple[int, int]
ALL_HOUSEHOLDS: HouseholdRange = (0, 2**63 - 1)


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


def income_flags(
    prefix: str, policy: Policy, year: int, households: HouseholdRange = ALL_HOUSEHOLDS
) -> Iterable[Flag]:
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
        "household_id__gte": households[0],
        "household_id__lte": households[1],
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
            # in tenths of a percent, half up, in whole numbers (as the SQL twin computes it)
            tenths = (2000 * (net0 - net) + net0) // (2 * net0)
            yield Flag(
                AlertKind.INCOME_DROP, Department.REGISTRY, pk, village, county, year, "drop",
                amount_fen=net0 - net,
                details={"net_fen": net, "last_year_net_fen": net0,
                         "drop_percent": tenths / 10, "threshold_percent": pct},
            )  # fmt: skip


def labour_flags(
    prefix: str, year: int, households: HouseholdRange = ALL_HOUSEHOLDS
) -> Iterable[Flag]:
    """LABOUR_LOSS: an active member whose 劳动技能 says 丧失劳动力 / 无劳动力."""
    qs = (
        Person.objects.filter(
            household_id__gte=households[0],
            household_id__lte=households[1],
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
    prefix: str,
    policy: Policy,
    year: int,
    records: QuerySet[DepartmentRecord] | None = None,
    households: HouseholdRange = ALL_HOUSEHOLDS,
) -> Iterable[Flag]:
    """Department records of the year matched to a person: 医保 out-of-pocket summed per
    household above ``medical_expense_fen``; every other record an alert of its kind."""
    base = records if records is not None else DepartmentRecord.objects.all()
    base = base.filter(
        year=year,
        person__isnull=False,
        household_id__gte=households[0],
        household_id__lte=households[1],
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
        touched = list(
            base.filter(kind=AlertKind.MEDICAL_EXPENSE)
            .values_list("household_id", flat=True)
            .distinct()
        )
        medical = (
            DepartmentRecord.objects.filter(
                year=year, person__isnull=False, kind=AlertKind.MEDICAL_EXPENSE,
                household_id__in=touched,
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
        households = {f.household_id for f, _key in batch}
        existing = set(
            Alert.objects.filter(household_id__in=households).values_list("dedupe_key", flat=True)
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


def alerts_python(
    prefix: str,
    policy: Policy,
    year: int,
    *,
    run: ScreeningRun | None = None,
    source: DepartmentImport | None = None,
    households: HouseholdRange = ALL_HOUSEHOLDS,
    on_step: Callable[[], None] | None = None,
) -> dict[str, int]:
    """``alerts_for`` computed in Python: the flags above, written by ``write_alerts``."""
    flags: Iterable[Flag]
    if source is not None:
        records = DepartmentRecord.objects.filter(source_import=source)
        flags = record_flags(prefix, policy, year, records, households)
    else:
        flags = chain(
            income_flags(prefix, policy, year, households),
            labour_flags(prefix, year, households),
            record_flags(prefix, policy, year, households=households),
        )
    with transaction.atomic():
        counts = write_alerts(flags, run=run, source=source)
    if on_step is not None:
        on_step()
    return counts


# ---------------------------------------------------------------- the same flags in SQL
#
# The twins of ``income_flags``, ``labour_flags`` and ``record_flags`` for PostgreSQL. Each
# SELECT gives an alert's columns and its ``source`` (the last part of the dedupe key); one
# statement per family of flags writes them. The amounts are whole numbers of 分 as in Python
# (sums cast to bigint; half-up rounding in integer arithmetic).

_SCOPE = (
    "h.status = %(household_active)s AND h.village_id LIKE %(village_like)s"
    " AND h.id BETWEEN %(first)s AND %(last)s"
)
# the same range on the table a family reads first (PostgreSQL does not carry a range across a
# join): a part of a run then reads its own households' rows only
_RANGE = "{column} BETWEEN %(first)s AND %(last)s"
_JOIN_HOUSEHOLD = "JOIN registry_household h ON h.id = d.household_id"

_INCOME_SQL = """
WITH income AS (
    -- one aggregate over both years' records and the active members: two aggregates joined
    -- were misestimated a thousandfold, and PostgreSQL then spent half a second of a 0.1 M
    -- household county compiling the statement (JIT)
    SELECT h.id AS household_id, h.village_id, h.county_code, SUM(u.net)::bigint AS net,
        SUM(u.net0)::bigint AS net0, SUM(u.member) AS m
    FROM (
        SELECT i.household_id, CASE WHEN i.year = %(year)s THEN {signed} END AS net,
            CASE WHEN i.year = %(last_year)s THEN {signed} END AS net0, 0 AS member
        FROM registry_incomerecord i
        WHERE i.year IN (%(year)s, %(last_year)s) AND {range_i}
        UNION ALL
        SELECT p.household_id, NULL, NULL, 1
        FROM registry_person p
        WHERE p.status = %(person_active)s AND {range_p}
    ) u JOIN registry_household h ON h.id = u.household_id
    WHERE {scope}
    GROUP BY h.id
    HAVING SUM(u.net) IS NOT NULL AND SUM(u.member) > 0
), low AS (
    SELECT income.*, CASE WHEN net >= 0 THEN (2 * net + m) / (2 * m)
                          ELSE -((m - 2 * net) / (2 * m)) END AS per_capita
    FROM income
    WHERE 2 * net - (2 * %(threshold)s::bigint - 1) * m < 0
)
SELECT village_id, county_code, household_id, NULL::bigint AS person_id,
    %(registry)s::text AS department, %(low_income)s::text AS kind, per_capita AS amount_fen,
    jsonb_build_object('per_capita_fen', per_capita, 'threshold_fen', %(threshold)s::bigint,
                       'members', m) AS details,
    'income' AS source
FROM low
UNION ALL
SELECT village_id, county_code, household_id, NULL, %(registry)s::text,
    %(income_drop)s::text, net0 - net,
    jsonb_build_object('net_fen', net, 'last_year_net_fen', net0,
                       'drop_percent', ROUND(((2000 * (net0 - net) + net0) / (2 * net0)) / 10.0, 1),
                       'threshold_percent', %(drop_percent)s::integer),
    'drop'
FROM income
WHERE net0 > 0 AND (net0 - net) * 100 - %(drop_percent)s::integer * net0 >= 0
"""

_LABOUR_SQL = """
SELECT h.village_id, p.county_code, p.household_id, p.id AS person_id,
    %(registry)s::text AS department, %(labour_loss)s::text AS kind, NULL::bigint AS amount_fen,
    jsonb_build_object('labour_ability', p.labour_ability) AS details,
    'person:' || p.id AS source
FROM registry_person p JOIN registry_household h ON h.id = p.household_id
WHERE p.status = %(person_active)s AND p.labour_ability = ANY(%(labour_values)s) AND {scope}
    AND {range_p}
"""

_MEDICAL_SQL = """
SELECT d.village_id, d.county_code, d.household_id, NULL::bigint AS person_id,
    %(medical)s::text AS department, %(medical_expense)s::text AS kind,
    SUM(d.amount_fen)::bigint AS amount_fen,
    jsonb_build_object('total_fen', SUM(d.amount_fen)::bigint, 'records', COUNT(*),
                       'threshold_fen', %(medical_fen)s::bigint) AS details,
    'medical' AS source
FROM monitoring_departmentrecord d {join}
WHERE d.year = %(year)s AND d.person_id IS NOT NULL AND d.kind = %(medical_expense)s
    AND {range_d} AND {households}
GROUP BY d.household_id, d.village_id, d.county_code
HAVING SUM(d.amount_fen) > %(medical_fen)s::bigint
"""
# an import: the households of its own 医保 rows, whose whole year counts (not only this file's)
_IMPORT_HOUSEHOLDS = """d.household_id IN (
    SELECT r.household_id
    FROM monitoring_departmentrecord r JOIN registry_household h ON h.id = r.household_id
    WHERE r.source_import_id = %(import_id)s AND r.year = %(year)s AND r.person_id IS NOT NULL
        AND r.kind = %(medical_expense)s AND {scope}
)"""

_RECORDS_SQL = """
SELECT d.village_id, d.county_code, d.household_id, d.person_id, d.department, d.kind,
    d.amount_fen,
    (d.details - 'key')
        || jsonb_build_object('event_date', COALESCE(to_char(d.event_date, 'YYYY-MM-DD'), ''))
        AS details,
    d.department || ':' || COALESCE(d.details ->> 'key', '') AS source
FROM monitoring_departmentrecord d JOIN registry_household h ON h.id = d.household_id
WHERE d.year = %(year)s AND d.person_id IS NOT NULL AND d.kind <> %(medical_expense)s
    AND {range_d} AND {scope} {this_import}
"""

_INSERT_SQL = """
WITH flag AS ({flags}), new AS (
    INSERT INTO monitoring_alert (village_id, county_code, household_id, person_id, department,
        kind, year, amount_fen, details, dedupe_key, source_import_id, source_run_id, status,
        handled_note, created_at)
    SELECT village_id, county_code, household_id, person_id, department, kind, %(year)s,
        amount_fen, details,
        encode(sha256(convert_to(
            kind || '|' || household_id || '|' || %(year)s::text || '|' || source, 'UTF8'
        )), 'hex'),
        %(import_id)s, %(run_id)s, %(open)s, '', now()
    FROM flag
    -- in household order, the unique index and the person's are written, and the foreign
    -- keys' checks at commit read their rows, page after page: at random it took a county of
    -- a million households 1.7 times as long
    ORDER BY household_id, person_id
    ON CONFLICT (household_id, year, kind, dedupe_key) DO NOTHING
    RETURNING kind
)
SELECT kind, COUNT(*) FROM new GROUP BY kind
"""


def _families(source: DepartmentImport | None) -> list[str]:
    """The statements of ``alerts_sql``: a run's four families, or an import's two."""
    ranges = {
        "range_i": _RANGE.format(column="i.household_id"),
        "range_p": _RANGE.format(column="p.household_id"),
        "range_d": _RANGE.format(column="d.household_id"),
    }
    signed = "CASE WHEN i.category = %(business_expense)s THEN -i.amount_fen ELSE i.amount_fen END"
    if source is None:
        return [
            _INCOME_SQL.format(scope=_SCOPE, signed=signed, **ranges),
            _LABOUR_SQL.format(scope=_SCOPE, **ranges),
            _MEDICAL_SQL.format(join=_JOIN_HOUSEHOLD, households=_SCOPE, **ranges),
            _RECORDS_SQL.format(scope=_SCOPE, this_import="", **ranges),
        ]
    return [
        _MEDICAL_SQL.format(join="", households=_IMPORT_HOUSEHOLDS.format(scope=_SCOPE), **ranges),
        _RECORDS_SQL.format(
            scope=_SCOPE, this_import="AND d.source_import_id = %(import_id)s", **ranges
        ),
    ]


def alerts_sql(
    prefix: str,
    policy: Policy,
    year: int,
    *,
    run: ScreeningRun | None = None,
    source: DepartmentImport | None = None,
    households: HouseholdRange = ALL_HOUSEHOLDS,
    on_step: Callable[[], None] | None = None,
) -> dict[str, int]:
    """``alerts_for`` computed and written by PostgreSQL: the flags, their dedupe keys
    (``sha256`` of the same text as ``dedupe_key``) and details in SQL, nothing per alert in
    Python."""
    params: dict[str, Any] = {
        "year": year, "last_year": year - 1, "village_like": f"{prefix}%",
        "household_active": HouseholdStatus.ACTIVE, "person_active": PersonStatus.ACTIVE,
        "business_expense": IncomeCategory.BUSINESS_EXPENSE,
        "threshold": policy.income_threshold_fen, "drop_percent": policy.income_drop_percent,
        "medical_fen": policy.medical_expense_fen, "labour_values": list(LABOUR_LOSS_VALUES),
        "registry": Department.REGISTRY, "medical": Department.MEDICAL,
        "low_income": AlertKind.LOW_INCOME, "income_drop": AlertKind.INCOME_DROP,
        "labour_loss": AlertKind.LABOUR_LOSS, "medical_expense": AlertKind.MEDICAL_EXPENSE,
        "open": AlertStatus.OPEN, "run_id": run.pk if run is not None else None,
        "import_id": source.pk if source is not None else None,
        "first": households[0], "last": households[1],
    }  # fmt: skip
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for step, flags in enumerate(_families(source), start=1):
            began = time.perf_counter()
            with transaction.atomic():  # its own (or a savepoint of the caller's)
                cursor.execute(_INSERT_SQL.format(flags=flags), params)
                written = cursor.fetchall()
            for kind, n in written:
                counts[kind] = counts.get(kind, 0) + n
            logger.info("screening %s households %d-%d step %d: %d alerts in %.1f s", prefix,
                        *households, step, sum(n for _k, n in written),
                        time.perf_counter() - began)  # fmt: skip
            if on_step is not None:
                on_step()
    return counts


def alerts_for(
    prefix: str,
    policy: Policy,
    year: int,
    *,
    run: ScreeningRun | None = None,
    source: DepartmentImport | None = None,
    households: HouseholdRange = ALL_HOUSEHOLDS,
    on_step: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Write the new alerts of ``year`` for the households under ``prefix`` (one county's
    policy), or those of them in the range ``households``; new alerts by kind. A run
    (``run``) flags the registry and every department record of the year; an import
    (``source``) only its own rows (the 医保 totals over the whole year of the households they
    touch). Each step (``steps_of``) is a transaction of its own, or a savepoint within the
    caller's; ``on_step`` is called after each."""
    write = alerts_sql if connection.vendor == "postgresql" else alerts_python
    return write(prefix, policy, year, run=run, source=source, households=households,
                 on_step=on_step)  # fmt: skip


def steps_of(source: DepartmentImport | None = None) -> int:
    """How many steps ``alerts_for`` reports: a statement per family of flags on PostgreSQL
    (a run's four, an import's two), one in all in Python."""
    return len(_families(source)) if connection.vendor == "postgresql" else 1


def _workers() -> int:
    """Parts of a run side by side: ``SCREENING_WORKERS`` connections on PostgreSQL (each a
    server process: one per core pays), one on SQLite (a single writer)."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, int(settings.SCREENING_WORKERS))


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


@dataclass(frozen=True)
class Part:
    """A part of a run: one county's policy over a range of its households."""

    prefix: str
    policy: Policy
    households: HouseholdRange


# a county with fewer households than this runs as one part (a part reads its tables once)
PART_MIN_HOUSEHOLDS = 20_000


def _parts(run: ScreeningRun, workers: int) -> tuple[list[Part], int]:
    """The parts of ``run`` and how many households it screens: per county, its households cut
    into ``workers`` ranges of about the same size (when there are enough of them)."""
    parts: list[Part] = []
    total = 0
    for prefix, policy in _policies(run.region, run.year):
        ids = Household.objects.filter(
            village__code__startswith=prefix, status=HouseholdStatus.ACTIVE
        ).order_by("pk")
        n = ids.count()
        total += n
        cuts = workers if n >= PART_MIN_HOUSEHOLDS * workers else 1
        # the first id of each part after the first (offsets into the ordered ids)
        firsts = [ids.values_list("pk", flat=True)[n * k // cuts] for k in range(1, cuts)]
        bounds = [ALL_HOUSEHOLDS[0], *firsts, ALL_HOUSEHOLDS[1] + 1]
        parts += [Part(prefix, policy, (lo, hi - 1)) for lo, hi in pairwise(bounds)]
    return parts, total


def _run_part(run: ScreeningRun, part: Part) -> dict[str, int]:
    """One part, each of its steps counted on the run once committed (the count is its own
    short transaction: a part holds no lock that another waits for)."""

    def step() -> None:
        ScreeningRun.objects.filter(pk=run.pk).update(steps_done=F("steps_done") + 1)

    return alerts_for(part.prefix, part.policy, run.year, run=run,
                      households=part.households, on_step=step)  # fmt: skip


def _run_part_in_thread(run: ScreeningRun, part: Part) -> dict[str, int]:
    try:
        return _run_part(run, part)
    finally:
        connection.close()  # this thread's own connection


def screening_execute(run_id: int) -> ScreeningRun | None:
    """Compute the flags of a run and write its alerts; a run not running does nothing.

    A run cut in parts (``_parts``) runs them side by side on PostgreSQL, and each step of a
    part (``alerts_for``: a family of flags) commits on its own: a county of a million
    households writes its alerts on every core, holds no transaction open for the whole run,
    and shows its progress. Called within a transaction (a test, a caller's own), the parts run
    one after the other in it. A step that fails fails the run; the steps done keep their
    alerts, and a run again writes only what is missing."""
    run = ScreeningRun.objects.select_related("region").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING or run.finished_at is not None:
        return run
    counts: dict[str, int] = {}
    try:
        workers = 1 if connection.in_atomic_block else _workers()
        parts, households = _parts(run, workers)
        ScreeningRun.objects.filter(pk=run.pk).update(
            households=households, steps=len(parts) * steps_of(), steps_done=0
        )
        if workers == 1 or len(parts) == 1:
            results = [_run_part(run, part) for part in parts]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_run_part_in_thread, run, part) for part in parts]
                results = [f.result() for f in futures]
        for result in results:
            for kind, n in result.items():
                counts[kind] = counts.get(kind, 0) + n
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, alerts_created=sum(counts.values()), counts=counts,
            finished_at=timezone.now(),
        )  # fmt: skip
    except Exception as exc:  # recorded on the run, shown to the user
        written = _written_by(run)
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now(),
            alerts_created=sum(written.values()), counts=written,
        )  # fmt: skip
        raise
    run.refresh_from_db()
    return run


def _written_by(run: ScreeningRun) -> dict[str, int]:
    """The alerts a failed run's finished steps wrote, by kind (none if the database cannot
    tell: the failure may be the database's own)."""
    try:
        rows = (
            Alert.objects.filter(source_run=run)
            .order_by()
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
        return {kind: n for kind, n in rows}
    except DatabaseError:
        return {}


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
            for year in sorted({r.year for r in result.records}):
                for prefix, policy in _policies(record.region, year):
                    alerts += sum(alerts_for(prefix, policy, year, source=record).values())
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
    "alert_confirm", "alert_dismiss", "alerts_for", "alerts_python", "alerts_sql",
    "department_import", "department_import_process", "department_import_upload", "policy_set",
    "screening_execute", "screening_run", "screening_start", "write_alerts",
]  # fmt: skip
