"""Writes of monitored households and 脱贫户 records.

``monitoring_enter`` and ``monitoring_eliminate`` carry out a county decision (called by the
case services, which check permission and walk the procedure); they are not entry points for
views. The rest (帮扶责任人, risks, plan, exit records) are the village's and township's writes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.crypto import encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone, normalize_phone
from cunwu.registry.models import Household
from cunwu.registry.services import household_update

from ..models import (
    EXIT_POLICIES,
    Case,
    MonitoredHousehold,
    MonitoringState,
    PovertyExit,
    RiskFactor,
    RiskType,
    StateChange,
)
from .common import audit, clean_text

MANAGE = "monitoring.manage"
CADRE_PHONE_CONTEXT = "monitoring.cadre_phone"
EXIT_TAG = "脱贫户"
FIRST_EXIT_YEAR = 2013  # 精准扶贫 started in 2013: no household left poverty on record before
PLAN_LIMIT = 2000


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


# ---------------------------------------------------------------- the household's record


def _not_future(on: date, field: str = "on") -> None:
    if on > timezone.localdate():
        raise ApplicationError("date_future", "日期不能晚于今天", field=field)


@transaction.atomic
def cadre_assign(
    *,
    actor: Any,
    monitored: MonitoredHousehold,
    cadre: Any = None,
    name: str = "",
    phone: str = "",
) -> MonitoredHousehold:
    """帮扶责任人: a user who works in the village (holds monitoring.view there), or, for a
    cadre without an account, a name and phone (stored encrypted, shown masked)."""
    require(actor, MANAGE, monitored.village_id)
    monitored = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
    if cadre is not None:
        if not has_perm_in(cadre, "monitoring.view", monitored.village_id):
            raise ApplicationError(
                "cadre_outside", "帮扶责任人须为在本村工作的干部或工作队员", field="cadre"
            )
        cadre_name = (getattr(cadre, "display_name", "") or cadre.get_username())[:50]
        phone_enc, phone_masked = "", ""
    else:
        cadre_name = clean_text(name, field="name", label="帮扶责任人姓名", limit=50)
        number = normalize_phone(phone) if phone.strip() else ""
        phone_enc = encrypt_text(number, context=CADRE_PHONE_CONTEXT) if number else ""
        phone_masked = mask_phone(number) if number else ""
    monitored.cadre = cadre
    monitored.cadre_name = cadre_name
    monitored.cadre_phone_enc = phone_enc
    monitored.cadre_phone_masked = phone_masked
    monitored.save(
        update_fields=["cadre", "cadre_name", "cadre_phone_enc", "cadre_phone_masked",
                       "updated_at"]
    )  # fmt: skip
    audit(
        actor, monitored.village_id, "cadre_assign", monitored,
        cadre=cadre.pk if cadre is not None else None, name=cadre_name, phone=phone_masked,
    )  # fmt: skip
    return monitored


@transaction.atomic
def risk_add(
    *, actor: Any, monitored: MonitoredHousehold, risk_type: str, note: str, on: date
) -> RiskFactor:
    """A newly found risk of a household at risk; one open risk of each type (a second one of
    the same type is the same risk: resolve it first)."""
    require(actor, MANAGE, monitored.village_id)
    if risk_type not in RiskType.values:
        raise ApplicationError("risk_type_invalid", "请选择风险类型", field="risk_type")
    note = clean_text(note, field="note", label="情况说明", limit=300, required=False)
    _not_future(on)
    monitored = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
    if monitored.state != MonitoringState.AT_RISK:
        raise ApplicationError(
            "monitored_eliminated", "该户风险已消除，新的风险须重新识别纳入监测", field="risk_type"
        )
    label = RiskType(risk_type).label
    if monitored.risks.filter(risk_type=risk_type, resolved_on=None).exists():
        raise ApplicationError("risk_open", f"该户已有未消除的“{label}”风险", field="risk_type")
    try:
        with transaction.atomic():
            risk = RiskFactor.objects.create(
                monitored=monitored, risk_type=risk_type, note=note, identified_on=on,
                created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise ApplicationError(
            "risk_open", f"该户已有未消除的“{label}”风险", field="risk_type"
        ) from None
    audit(
        actor, monitored.village_id, "risk_add", risk,
        monitored=monitored.pk, risk_type=risk_type, on=on.isoformat(),
    )  # fmt: skip
    return risk


@transaction.atomic
def risk_resolve(*, actor: Any, risk: RiskFactor, on: date, note: str) -> RiskFactor:
    """One risk resolved (the household's state changes only by an elimination case)."""
    monitored = MonitoredHousehold.objects.only("village_id").get(pk=risk.monitored_id)
    require(actor, MANAGE, monitored.village_id)
    note = clean_text(note, field="note", label="消除说明", limit=300)
    _not_future(on)
    if on < risk.identified_on:
        raise ApplicationError("date_before_risk", "消除日期不能早于发现日期", field="on")
    updated = RiskFactor.objects.filter(pk=risk.pk, resolved_on=None).update(
        resolved_on=on, resolved_note=note
    )
    if not updated:
        raise ApplicationError("risk_resolved", "该风险已消除")
    risk.refresh_from_db()
    audit(
        actor, monitored.village_id, "risk_resolve", risk,
        monitored=monitored.pk, risk_type=risk.risk_type, on=on.isoformat(),
    )  # fmt: skip
    return risk


@transaction.atomic
def plan_set(
    *, actor: Any, monitored: MonitoredHousehold, plan: str, no_labour: bool
) -> MonitoredHousehold:
    """一户一方案: work-based help where there is labour capacity, 兜底 where there is none."""
    require(actor, MANAGE, monitored.village_id)
    text = str(plan or "").strip()
    if len(text) > PLAN_LIMIT or "\x00" in text:
        raise ApplicationError("plan_long", f"帮扶计划至多{PLAN_LIMIT}字", field="plan")
    monitored = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
    monitored.plan = text
    monitored.no_labour = bool(no_labour)
    monitored.save(update_fields=["plan", "no_labour", "updated_at"])
    audit(
        actor, monitored.village_id, "plan_set", monitored,
        no_labour=monitored.no_labour, length=len(text),
    )  # fmt: skip
    return monitored


# ---------------------------------------------------------------- 脱贫户


def clean_policies(policies: list[str] | str) -> list[str]:
    """The policies kept in force (四个不摘), in the order of ``EXIT_POLICIES``."""
    items = (
        policies
        if isinstance(policies, list)
        else policies.replace("，", "、").replace(",", "、").split("、")
    )
    chosen = {str(p).strip() for p in items if str(p).strip()}
    unknown = sorted(chosen - set(EXIT_POLICIES))
    if unknown:
        raise ApplicationError(
            "policy_invalid",
            f"政策“{unknown[0]}”无效，可填：{'、'.join(EXIT_POLICIES)}",
            field="policies",
        )
    return [p for p in EXIT_POLICIES if p in chosen]


def check_exit_year(exit_year: int) -> int:
    current = timezone.localdate().year
    if not FIRST_EXIT_YEAR <= exit_year <= current:
        raise ApplicationError(
            "exit_year_invalid",
            f"脱贫年度应在{FIRST_EXIT_YEAR}年至{current}年之间",
            field="exit_year",
        )
    return exit_year


@transaction.atomic
def exit_record_set(
    *, actor: Any, household: Household, exit_year: int, policies: list[str] | str, note: str = ""
) -> PovertyExit:
    """A household that left poverty (脱贫户): its year and the policies kept in force. The
    registry household keeps its 脱贫户 tag (set through the registry service, which needs
    registry.edit as well)."""
    require(actor, MANAGE, household.village_id)
    check_exit_year(exit_year)
    chosen = clean_policies(policies)
    note = clean_text(note, field="note", label="说明", limit=200, required=False)
    record = PovertyExit.objects.select_for_update().filter(household=household).first()
    before = {"exit_year": record.exit_year, "policies": record.policies} if record else None
    if record is None:
        try:
            with transaction.atomic():
                record = PovertyExit.objects.create(
                    household=household, village_id=household.village_id,
                    county_code=household.county_code, exit_year=exit_year, policies=chosen,
                    note=note, recorded_by=actor,
                )  # fmt: skip
        except IntegrityError:
            raise ApplicationError("exit_exists", "该户的脱贫户记录刚被他人登记，请刷新") from None
    else:
        record.exit_year = exit_year
        record.policies = chosen
        record.note = note
        record.save(update_fields=["exit_year", "policies", "note", "updated_at"])
    household = Household.objects.select_for_update().get(pk=household.pk)
    if EXIT_TAG not in household.tag_list:
        household_update(
            actor=actor, household=household, group=household.group,
            address=household.address, tags=[*household.tag_list, EXIT_TAG],
        )  # fmt: skip
    audit(
        actor, household.village_id, "exit_record_set", record,
        household=household.number, exit_year=exit_year, policies=chosen, before=before,
    )  # fmt: skip
    return record


# ---------------------------------------------------------------- 脱贫户 import

EXIT_IMPORT_MAX_BYTES = 4 * 1024 * 1024
EXIT_IMPORT_MAX_ROWS = 5_000
EXIT_COLUMNS: tuple[str, ...] = ("户编号", "脱贫年度", "保持政策")
EXIT_ALIASES = {"脱贫年份": "脱贫年度", "保持不变的政策": "保持政策", "政策": "保持政策",
                "户号": "户编号"}  # fmt: skip
RowError = tuple[int, str, str, str]  # (row, column, message, value as given)


@dataclass
class ExitImport:
    """The outcome of an import: every row's error (then nothing was written), else the
    number of households recorded."""

    errors: list[RowError] = field(default_factory=list)
    count: int = 0


def _exit_rows(file_name: str, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from cunwu.disclosure.benefit_sheets import cell_text
    from cunwu.registry.imports import read_rows

    name = str(file_name or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ApplicationError("import_file_type", "只能上传xlsx或csv文件", field="file")
    if not data:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    if len(data) > EXIT_IMPORT_MAX_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过4MB", field="file")
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    with tempfile.NamedTemporaryFile(suffix=".csv" if name.endswith(".csv") else ".xlsx") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            for n, cells in read_rows(Path(tmp.name)):
                texts = [cell_text(c) for c in cells]
                if not header:
                    if any(texts):
                        header = ["".join(t.split()) for t in texts]
                        header = [EXIT_ALIASES.get(h, h) for h in header]
                    continue
                if any(texts):
                    rows.append((n, texts))
                if len(rows) > EXIT_IMPORT_MAX_ROWS:
                    raise ApplicationError(
                        "import_too_many", f"一次至多导入{EXIT_IMPORT_MAX_ROWS}户", field="file"
                    )
        except ApplicationError as exc:
            raise ApplicationError(exc.code, exc.message, field="file") from None
        except Exception:  # a damaged file: whatever the reader raised, it is the file's fault
            raise ApplicationError(
                "import_unreadable", "文件无法读取，请检查格式", field="file"
            ) from None
    if not header:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    return header, rows


@transaction.atomic
def exits_import(*, actor: Any, village: Any, file_name: str, data: bytes) -> ExitImport:
    """脱贫户 from a sheet (户编号, 脱贫年度, 保持政策) of one village: all or nothing; every bad
    cell reported with its row and column (unknown 户编号, a year outside 2013–this year, an
    unknown policy, a household twice in the file)."""
    require(actor, MANAGE, village)
    header, rows = _exit_rows(file_name, data)
    result = ExitImport()
    missing = [c for c in EXIT_COLUMNS[:2] if c not in header]
    if missing:
        result.errors = [(1, c, "缺少此列", "") for c in missing]
        return result
    at = {c: header.index(c) for c in EXIT_COLUMNS if c in header}

    def cell(texts: list[str], column: str) -> str:
        i = at.get(column)
        return texts[i].strip() if i is not None and i < len(texts) else ""

    numbers = [cell(texts, "户编号") for _n, texts in rows]
    households = {
        h.number: h for h in Household.objects.filter(village=village, number__in=numbers)
    }
    seen: dict[str, int] = {}
    checked: list[tuple[Household, int, list[str]]] = []
    for n, texts in rows:
        number, year_text, policy_text = (cell(texts, c) for c in EXIT_COLUMNS)
        errors: list[RowError] = []
        household = households.get(number)
        if not number:
            errors.append((n, "户编号", "请填写户编号", ""))
        elif number in seen:
            errors.append((n, "户编号", f"与第{seen[number]}行重复", number))
        elif household is None:
            errors.append((n, "户编号", "本村没有这个户编号", number))
        seen.setdefault(number, n)
        year = int(year_text) if year_text.isascii() and year_text.isdigit() else None
        try:
            check_exit_year(year if year is not None else 0)
        except ApplicationError as exc:
            errors.append((n, "脱贫年度", exc.message, year_text))
        try:
            chosen = clean_policies(policy_text)
        except ApplicationError as exc:
            errors.append((n, "保持政策", exc.message, policy_text))
        result.errors.extend(errors)
        if not errors and household is not None and year is not None:
            checked.append((household, year, chosen))
    if result.errors or not rows:
        if not rows:
            result.errors.append((1, "", "没有数据行", ""))
        return result
    for household, year, chosen in checked:
        exit_record_set(actor=actor, household=household, exit_year=year, policies=chosen)
    result.count = len(checked)
    audit(actor, village, "exits_import", village, file=str(file_name)[:100], count=result.count)
    return result
