"""Writes of the points system (积分制).

Rulebooks: a village drafts a version (from scratch, from its previous version or from a
township/county template), records its adoption by the 村民代表会议 and discloses it; the version
takes effect the day after its period passes. Events: proposed by a villager for their own
household, a cadre or a grid worker; reviewed by the village's review group (never by the one who
proposed); disclosed in a batch; posted to the ledger when the batch's period passes, or returned
to review when an objection is upheld. The ledger is append-only; balances move only by
conditional UPDATEs, so that no read-modify-write race can overspend.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Abs
from django.utils import timezone

from cunwu.accounts.models import Role
from cunwu.accounts.permissions import has_perm_in, require, roles_of
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel, code_prefix
from cunwu.core.rows import insert, one
from cunwu.core.services.audit import audit_append
from cunwu.disclosure.models import Category, Notice
from cunwu.disclosure.services import Period, Subject, notice_publish
from cunwu.registry.models import Household, HouseholdStatus, Person, PersonStatus

from .models import (
    DEFAULT_STAR_THRESHOLDS,
    LIVE_STATUSES,
    BatchStatus,
    CapPeriod,
    EntryKind,
    EventStatus,
    Evidence,
    LedgerEntry,
    PointAccount,
    PointBatch,
    PointEvent,
    Proposer,
    Rulebook,
    RulebookVersion,
    RuleCategory,
    RuleItem,
    Unit,
    VersionStatus,
)

MAX_DESCRIPTION = 300
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
MAX_ITEM_POINTS = 1_000
MAX_BATCH_EVENTS = 5_000
# a version's adoption is disclosed for at least this many days (a village may choose more)
MIN_RULEBOOK_PERIOD = 5
DEFAULT_BATCH_PERIOD = 7
MAX_OPENING_POINTS = 1_000_000
MAX_OPENING_ROWS = 10_000


# ---------------------------------------------------------------- ledger


def account_for(household: Household) -> PointAccount:
    account, _ = PointAccount.objects.get_or_create(
        household=household,
        defaults={"village_id": household.village_id, "county_code": household.county_code},
    )
    return account


def _post(
    *,
    account: PointAccount,
    kind: str,
    on: date,
    cumulative: int,
    available: int,
    memo: str,
    actor: Any = None,
    event: PointEvent | None = None,
    person_id: int | None = None,
    ref: tuple[str, str] = ("", ""),
    require_available: int | None = None,
) -> LedgerEntry:
    """Move the account's two figures and append their row, in the caller's transaction.
    With ``require_available`` the move happens only while at least that many points are
    available (one conditional UPDATE: two counters cannot both spend the last points)."""
    accounts = PointAccount.objects.filter(pk=account.pk)
    if require_available is not None:
        accounts = accounts.filter(available__gte=require_available)
    moved = accounts.update(
        cumulative=F("cumulative") + cumulative, available=F("available") + available
    )
    if not moved:
        raise ApplicationError("insufficient_points", "可用积分不足", status=409)
    return LedgerEntry.objects.create(
        account=account,
        village_id=account.village_id,
        county_code=account.county_code,
        kind=kind,
        date=on,
        cumulative=cumulative,
        available=available,
        event=event,
        person_id=person_id,
        ref_type=ref[0],
        ref_id=ref[1],
        memo=memo[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


_DEBIT = (
    f"UPDATE {PointAccount._meta.db_table} SET available = available - %s "  # noqa: S608
    "WHERE household_id = %s AND available >= %s RETURNING id"
)


def points_debit(
    *, actor: Any, household: Household, points: int, ref: tuple[str, str], memo: str
) -> LedgerEntry:
    """Spend available points (a redemption): never below zero, cumulative points untouched.
    For other modules (the store); runs inside their transaction."""
    if points <= 0:
        raise ApplicationError("points_positive", "积分数应为正整数")
    # the claim and the account's id in one round trip (the counter's hot path); no account
    # yet means no points yet
    row = one(_DEBIT, [points, household.pk, points])
    if row is None:
        raise ApplicationError("insufficient_points", "可用积分不足", status=409)
    return insert(LedgerEntry(
        account_id=row[0], village_id=household.village_id, county_code=household.county_code,
        kind=EntryKind.REDEEM, date=timezone.localdate(), cumulative=0, available=-points,
        ref_type=ref[0], ref_id=ref[1], memo=memo[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    ))  # fmt: skip


def points_credit(
    *, actor: Any, household: Household, points: int, ref: tuple[str, str], memo: str
) -> LedgerEntry:
    """Give back spent points (a cancelled redemption)."""
    if points <= 0:
        raise ApplicationError("points_positive", "积分数应为正整数")
    account = account_for(household)
    return _post(
        account=account, kind=EntryKind.REDEEM_CANCEL, on=timezone.localdate(), cumulative=0,
        available=points, memo=memo, actor=actor, ref=ref,
    )  # fmt: skip


def _check_opening(cumulative: int, available: int) -> None:
    """The figures a household may bring from paper: cumulative points above zero, at most
    :data:`MAX_OPENING_POINTS`; available points between zero and the cumulative points."""
    if not 0 <= available <= cumulative <= MAX_OPENING_POINTS:
        raise ApplicationError(
            "opening_figures", "期初可用积分应在0与累计积分之间", field="available"
        )
    if cumulative == 0:
        raise ApplicationError("opening_zero", "期初累计积分为0时无需结转", field="cumulative")


def _check_as_of(as_of: date) -> None:
    if as_of > timezone.localdate():
        raise ApplicationError("opening_date", "结转日期不能晚于今天", field="as_of")


def _book_opening(
    *, actor: Any, household: Household, account: PointAccount, cumulative: int, available: int,
    as_of: date,
) -> LedgerEntry:  # fmt: skip
    entry = _post(
        account=account, kind=EntryKind.OPENING, on=as_of, cumulative=cumulative,
        available=available, memo=f"{as_of.year}年{as_of.month}月{as_of.day}日纸质台账期初结转",
        actor=actor, ref=("points.opening", str(household.pk)),
    )  # fmt: skip
    audit_append(
        actor=actor, region=household.village, action="points.opening", obj=entry,
        payload={"household": household.number, "cumulative": cumulative,
                 "available": available, "as_of": as_of.isoformat()},
    )  # fmt: skip
    return entry


@transaction.atomic
def opening_balance(
    *, actor: Any, household: Household, cumulative: int, available: int, as_of: date
) -> LedgerEntry:
    """期初结转: the figures a household brings from the paper ledger when the village starts
    with cunwu; once per household, before any other row of its account."""
    require(actor, "points.review", household.village_id)
    _check_opening(cumulative, available)
    _check_as_of(as_of)
    account = account_for(household)
    PointAccount.objects.select_for_update().filter(pk=account.pk).first()
    if account.entries.exists():
        raise ApplicationError("opening_late", "该户已有积分流水，不能再结转期初数", status=409)
    return _book_opening(
        actor=actor, household=household, account=account, cumulative=cumulative,
        available=available, as_of=as_of,
    )  # fmt: skip


# the columns of the opening spreadsheet (and of a row error), in order
OPENING_COLUMNS = ("户编号", "户主姓名", "累计积分", "可用积分")
_OPENING_FIELD_COLUMN = {"cumulative": "累计积分", "available": "可用积分"}
RowError = tuple[int, str, str, str]  # (row, column, message, value as given)


@dataclass
class OpeningRow:
    """One household's figures from the paper ledger as given: a spreadsheet row (``row`` is
    its number, the header being row 1) or an item of an API request (its position). The two
    figures are raw cells (text, numbers or None): the check reads them."""

    row: int
    number: Any
    head: Any
    cumulative: Any
    available: Any


@dataclass
class OpeningLine:
    """A row that passed the check: what will be booked."""

    row: int
    household_id: int
    number: str
    head: str
    cumulative: int
    available: int


@dataclass
class OpeningResult:
    """What a check or an import of opening balances found. ``skipped``: rows naming a
    household without any figure (a pre-filled template row left blank)."""

    lines: list[OpeningLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0
    booked: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def households(self) -> int:
        return len(self.lines)

    @property
    def cumulative(self) -> int:
        return sum(line.cumulative for line in self.lines)

    @property
    def available(self) -> int:
        return sum(line.available for line in self.lines)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _figure(value: Any) -> int | str | None:
    """A figure cell: None when blank, the integer, or the reason it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "应为整数"
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return "应为整数"
        number = int(value)
    else:
        try:
            exact = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            return "应为整数"
        if not exact.is_finite() or exact != exact.to_integral_value():
            return "应为整数"
        number = int(exact)
    if number < 0:
        return "不能为负数"
    if number > MAX_OPENING_POINTS:
        return f"不能超过{MAX_OPENING_POINTS}"
    return number


def opening_balances_check(
    *, village: Region, rows: list[OpeningRow], booked: set[int] | None = None
) -> OpeningResult:
    """Every row checked, every error kept (row, column, message, value): the 户编号 must name
    a household of the village, once in the file, without ledger rows yet; the 户主姓名 must
    be its head's; the figures pass :func:`_check_opening`. Reads only; ``booked`` (ids of
    households with ledger rows) when the caller has locked their accounts."""
    if len(rows) > MAX_OPENING_ROWS:
        raise ApplicationError(
            "opening_rows_many", f"一次至多结转{MAX_OPENING_ROWS}户，请分批", field="file"
        )
    households = {
        h.number: h
        for h in Household.objects.filter(village=village).only("pk", "number", "status")
    }
    heads = dict(
        Person.objects.filter(
            household__village=village, relation="户主", status=PersonStatus.ACTIVE
        ).values_list("household_id", "name")
    )
    if booked is None:
        booked = set(
            LedgerEntry.objects.filter(village=village)
            .values_list("account__household_id", flat=True)
            .distinct()
        )
    result = OpeningResult()
    first_row: dict[str, int] = {}
    for r in rows:
        number, head = _cell_text(r.number), _cell_text(r.head)
        cumulative, available = _figure(r.cumulative), _figure(r.available)
        if not (number or head) and cumulative is None and available is None:
            continue  # an empty row
        if cumulative is None and available is None:
            result.skipped += 1
            continue
        errors: list[RowError] = []

        def bad(
            column: str, message: str, value: Any, errors: list[RowError] = errors, at: int = r.row
        ) -> None:
            errors.append((at, column, message, _cell_text(value)))

        household = households.get(number) if number else None
        if not number:
            bad("户编号", "请填写户编号", "")
        elif number in first_row:
            bad("户编号", f"与第{first_row[number]}行的户编号重复", number)
        elif household is None:
            bad("户编号", f"本村没有户编号为{number}的户", number)
        elif household.status != HouseholdStatus.ACTIVE:
            bad("户编号", "该户已注销", number)
        elif household.pk in booked:
            bad("户编号", "该户已有积分流水，不能再结转期初数", number)
        if number:
            first_row.setdefault(number, r.row)
        if household is not None:
            registered = heads.get(household.pk, "")
            if not head:
                bad("户主姓名", "请填写户主姓名", "")
            elif head != registered:
                bad("户主姓名", f"与户籍登记的户主（{registered or '无'}）不符", head)
        for column, figure, raw in (
            ("累计积分", cumulative, r.cumulative),
            ("可用积分", available, r.available),
        ):
            if figure is None:
                bad(column, f"请填写{column}", "")
            elif isinstance(figure, str):
                bad(column, f"{column}{figure}", raw)
        if isinstance(cumulative, int) and isinstance(available, int):
            try:
                _check_opening(cumulative, available)
            except ApplicationError as exc:
                column = _OPENING_FIELD_COLUMN[exc.field or "available"]
                message = (
                    f"可用积分不能大于累计积分（{cumulative}）"
                    if exc.code == "opening_figures"
                    else "累计积分为0时无需结转（不结转的户请把两项积分留空）"
                )
                bad(column, message, available if column == "可用积分" else cumulative)
        if errors:
            result.errors.extend(errors)
        elif household is not None and isinstance(cumulative, int) and isinstance(available, int):
            result.lines.append(
                OpeningLine(
                    row=r.row, household_id=household.pk, number=number, head=head,
                    cumulative=cumulative, available=available,
                )
            )  # fmt: skip
    if not result.lines and not result.errors:
        raise ApplicationError(
            "opening_rows_empty", "没有需要结转的户（积分都未填写）", field="file"
        )
    return result


@transaction.atomic
def opening_balances_import(
    *, actor: Any, village: Region, rows: list[OpeningRow], as_of: date, dry_run: bool = False
) -> OpeningResult:
    """期初结转 of many households (a spreadsheet, the API, the command line): every row is
    checked first and every error reported; only when there is none is every row booked, in
    this one transaction (all or nothing), each as :func:`opening_balance` books one.
    ``dry_run`` checks only. ``actor`` None is the command line (``cunwu points opening``), the
    server's operator: no role check, the audit rows name the system."""
    if actor is not None:
        require(actor, "points.review", village)
    if village.level != RegionLevel.VILLAGE:
        raise ApplicationError("opening_village", "期初结转只能按村进行", field="village")
    _check_as_of(as_of)
    result = opening_balances_check(village=village, rows=rows)
    if not result.ok or dry_run:
        return result
    by_id = Household.objects.select_related("village").in_bulk(
        [line.household_id for line in result.lines]
    )
    PointAccount.objects.bulk_create(
        [
            PointAccount(household_id=pk, village_id=h.village_id, county_code=h.county_code)
            for pk, h in by_id.items()
        ],
        ignore_conflicts=True,
    )
    # the accounts are locked and checked again: a batch closing meanwhile is either booked
    # before (and refused here) or waits until this import is done
    accounts = {
        a.household_id: a
        for a in PointAccount.objects.select_for_update().filter(household_id__in=list(by_id))
    }
    booked = set(
        LedgerEntry.objects.filter(account__in=list(accounts.values()))
        .values_list("account__household_id", flat=True)
        .distinct()
    )
    if booked:
        result = opening_balances_check(village=village, rows=rows, booked=booked)
        transaction.set_rollback(True)
        return result
    for line in result.lines:
        _book_opening(
            actor=actor, household=by_id[line.household_id], account=accounts[line.household_id],
            cumulative=line.cumulative, available=line.available, as_of=as_of,
        )  # fmt: skip
    result.booked = True
    return result


@transaction.atomic
def available_reset(*, actor: Any, village: Region, year: int) -> int:
    """年度清零 for a village whose rulebook says so: available points left at the end of
    ``year`` are set to zero (cumulative points stay). Booked once per year; returns the number
    of households reset. ``actor`` None is the command line (``cunwu points reset``), the
    server's operator: no role check, the audit row names the system."""
    if actor is not None:
        require(actor, "points.review", village)
    rulebook = Rulebook.objects.filter(region=village).first()
    if rulebook is None or not rulebook.reset_yearly:
        raise ApplicationError("reset_not_configured", "本村积分细则未规定可用积分每年清零")
    if year >= timezone.localdate().year:
        raise ApplicationError("reset_year", "只能清零已经结束的年度", field="year")
    ref = ("points.reset", str(year))
    if LedgerEntry.objects.filter(village=village, ref_type=ref[0], ref_id=ref[1]).exists():
        raise ApplicationError("reset_done", f"{year}年度已经清零", status=409)
    count = 0
    for account in PointAccount.objects.select_for_update().filter(
        village=village, available__gt=0
    ):
        _post(
            account=account, kind=EntryKind.RESET, on=date(year, 12, 31), cumulative=0,
            available=-account.available, memo=f"{year}年度可用积分清零", actor=actor, ref=ref,
        )  # fmt: skip
        count += 1
    audit_append(
        actor=actor, region=village, action="points.reset", object_type="points.rulebook",
        object_id=str(rulebook.pk), payload={"year": year, "households": count},
    )  # fmt: skip
    return count


# ---------------------------------------------------------------- rulebooks


@dataclass
class ItemData:
    """One item as entered in the form, the API or a template file."""

    category: str
    code: str
    name: str
    points: int
    points_min: int | None = None
    points_max: int | None = None
    unit: str = Unit.EVENT
    cap: int | None = None
    cap_period: str = CapPeriod.YEAR
    evidence: str = Evidence.NONE
    proposers: list[str] = field(
        default_factory=lambda: [Proposer.VILLAGER, Proposer.CADRE, Proposer.GRID]
    )
    repeat_same_day: bool = False
    valid_from: date | None = None
    valid_until: date | None = None


def _manage_perm(actor: Any, region: Region) -> None:
    require(actor, "points.manage_rulebook", region)
    if region.level < RegionLevel.COUNTY:
        raise ApplicationError("rulebook_level", "积分细则只能由县、乡镇（模板）或村制定")


def rulebook_for(*, actor: Any, region: Region, name: str = "") -> Rulebook:
    """The region's rulebook, created on first use."""
    _manage_perm(actor, region)
    rulebook = Rulebook.objects.filter(region=region).first()
    if rulebook is None:
        suffix = "积分制管理细则" if region.level == RegionLevel.VILLAGE else "积分制细则模板"
        rulebook = Rulebook.objects.create(
            region=region, name=(name or f"{region.name}{suffix}")[:100]
        )
    return rulebook


def _copy_items(source: RulebookVersion, target: RulebookVersion) -> None:
    categories = {}
    for category in source.categories.all():
        categories[category.pk] = RuleCategory.objects.create(
            version=target, name=category.name, order=category.order
        )
    RuleItem.objects.bulk_create(
        RuleItem(
            version=target,
            category=categories[item.category_id],
            code=item.code,
            name=item.name,
            points=item.points,
            points_min=item.points_min,
            points_max=item.points_max,
            unit=item.unit,
            cap=item.cap,
            cap_period=item.cap_period,
            evidence=item.evidence,
            proposers=item.proposers,
            repeat_same_day=item.repeat_same_day,
            valid_from=item.valid_from,
            valid_until=item.valid_until,
            order=item.order,
        )
        for item in source.items.all()
    )


@transaction.atomic
def version_create(
    *, actor: Any, rulebook: Rulebook, copy_from: RulebookVersion | None = None, note: str = ""
) -> RulebookVersion:
    """A new draft version: a copy of ``copy_from`` (the rulebook's own latest version when
    None and there is one; a template of the township or county above the village)."""
    _manage_perm(actor, rulebook.region)
    if rulebook.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ApplicationError("draft_exists", "已有一个草稿版本，请先完成或修改它", status=409)
    if copy_from is None:
        copy_from = rulebook.versions.exclude(status=VersionStatus.DRAFT).first()
    elif copy_from.rulebook_id != rulebook.pk:
        template = copy_from.rulebook.region
        if (
            copy_from.status != VersionStatus.EFFECTIVE
            or template.level not in (RegionLevel.TOWNSHIP, RegionLevel.COUNTY)
            or not rulebook.region_id.startswith(code_prefix(template.code, template.level))
        ):
            raise ApplicationError(
                "template_scope", "只能复制本乡镇或本县已发布的积分细则模板", field="template"
            )
    last = rulebook.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = RulebookVersion.objects.create(
        rulebook=rulebook,
        number=last + 1,
        copied_from=copy_from,
        note=" ".join(note.split())[:200],
        star_thresholds=copy_from.thresholds if copy_from else DEFAULT_STAR_THRESHOLDS,
        created_by=actor,
    )
    if copy_from is not None:
        _copy_items(copy_from, version)
    audit_append(
        actor=actor, region=rulebook.region, action="points.version_create", obj=version,
        payload={"number": version.number, "copied_from": copy_from.pk if copy_from else None},
    )  # fmt: skip
    return version


def _draft(actor: Any, version: RulebookVersion) -> RulebookVersion:
    _manage_perm(actor, version.rulebook.region)
    locked = RulebookVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status not in (VersionStatus.DRAFT, VersionStatus.RETURNED):
        raise ApplicationError("version_not_draft", "只有草稿版本可以修改", status=409)
    return locked


def _clean_item(data: ItemData) -> ItemData:
    name = " ".join(data.name.split())
    code = data.code.strip().upper()
    category = " ".join(data.category.split())
    if not category or len(category) > 30:
        raise ApplicationError("item_category", "请填写类别（至多30字）", field="category")
    if not code or len(code) > 10 or not code.isalnum():
        raise ApplicationError("item_code", "编号应为1到10位字母或数字", field="code")
    if not name or len(name) > 100:
        raise ApplicationError("item_name", "请填写事项名称（至多100字）", field="name")
    if data.points == 0 or abs(data.points) > MAX_ITEM_POINTS:
        raise ApplicationError(
            "item_points", f"分值应为非零整数，绝对值不超过{MAX_ITEM_POINTS}", field="points"
        )
    low = data.points if data.points_min is None else data.points_min
    high = data.points if data.points_max is None else data.points_max
    if not low <= data.points <= high:
        raise ApplicationError("item_bounds", "分值应在最低与最高分值之间", field="points_min")
    if (low > 0) != (data.points > 0) or (high > 0) != (data.points > 0):
        raise ApplicationError(
            "item_bounds_sign", "加分事项的分值范围不能含零或负数，扣分事项反之", field="points_min"
        )
    if data.unit not in Unit.values:
        raise ApplicationError("item_unit", "计分单位不正确", field="unit")
    if data.cap_period not in CapPeriod.values:
        raise ApplicationError("item_cap_period", "上限周期不正确", field="cap_period")
    if data.cap is not None and not 0 < data.cap <= 100 * MAX_ITEM_POINTS:
        raise ApplicationError("item_cap", "周期上限应为正整数", field="cap")
    if data.cap is not None and data.cap < max(abs(low), abs(high)):
        raise ApplicationError("item_cap_small", "周期上限不能小于单次分值", field="cap")
    if data.evidence not in Evidence.values:
        raise ApplicationError("item_evidence", "佐证材料要求不正确", field="evidence")
    proposers = [p for p in Proposer.values if p in set(data.proposers)]
    if not proposers or set(data.proposers) - set(Proposer.values):
        raise ApplicationError("item_proposers", "请选择可申报人", field="proposers")
    if data.valid_from and data.valid_until and data.valid_from > data.valid_until:
        raise ApplicationError("item_validity", "有效期止不能早于有效期起", field="valid_until")
    return ItemData(
        category=category, code=code, name=name, points=data.points, points_min=low,
        points_max=high, unit=data.unit, cap=data.cap, cap_period=data.cap_period,
        evidence=data.evidence, proposers=proposers, repeat_same_day=data.repeat_same_day,
        valid_from=data.valid_from, valid_until=data.valid_until,
    )  # fmt: skip


@transaction.atomic
def item_save(
    *, actor: Any, version: RulebookVersion, data: ItemData, item: RuleItem | None = None
) -> RuleItem:
    """Add an item to a draft version, or change one of its items."""
    version = _draft(actor, version)
    data = _clean_item(data)
    if item is not None and item.version_id != version.pk:
        raise ApplicationError("item_version", "该事项不属于此版本")
    clash = version.items.filter(code=data.code)
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if clash.exists():
        raise ApplicationError("item_code_taken", f"编号{data.code}已被使用", field="code")
    category, _ = RuleCategory.objects.get_or_create(
        version=version,
        name=data.category,
        defaults={"order": version.categories.count() + 1},
    )
    fields = {
        "category": category, "code": data.code, "name": data.name, "points": data.points,
        "points_min": data.points_min, "points_max": data.points_max, "unit": data.unit,
        "cap": data.cap, "cap_period": data.cap_period, "evidence": data.evidence,
        "proposers": ",".join(data.proposers), "repeat_same_day": data.repeat_same_day,
        "valid_from": data.valid_from, "valid_until": data.valid_until,
    }  # fmt: skip
    if item is None:
        item = RuleItem.objects.create(version=version, order=version.items.count() + 1, **fields)
    else:
        for name, value in fields.items():
            setattr(item, name, value)
        item.save()
    RuleCategory.objects.filter(version=version, items__isnull=True).delete()
    audit_append(
        actor=actor, region=version.rulebook.region, action="points.item_save", obj=item,
        payload={"version": version.number, "code": item.code, "name": item.name,
                 "points": item.points},
    )  # fmt: skip
    return item


@transaction.atomic
def item_delete(*, actor: Any, item: RuleItem) -> None:
    version = _draft(actor, item.version)
    payload: dict[str, Any] = {"version": version.number, "code": item.code, "name": item.name}
    item.delete()
    RuleCategory.objects.filter(version=version, items__isnull=True).delete()
    audit_append(
        actor=actor, region=version.rulebook.region, action="points.item_delete",
        object_type="points.ruleitem", object_id=item.code, payload=payload,
    )  # fmt: skip


@transaction.atomic
def version_settings(
    *, actor: Any, version: RulebookVersion, star_thresholds: list[int], note: str = ""
) -> RulebookVersion:
    version = _draft(actor, version)
    if (
        not star_thresholds
        or len(star_thresholds) > 10
        or any(t <= 0 for t in star_thresholds)
        or star_thresholds != sorted(set(star_thresholds))
    ):
        raise ApplicationError(
            "star_thresholds", "星级门槛应为1到10个递增的正整数", field="star_thresholds"
        )
    version.star_thresholds = star_thresholds
    version.note = " ".join(note.split())[:200]
    version.save(update_fields=["star_thresholds", "note"])
    audit_append(
        actor=actor, region=version.rulebook.region, action="points.version_settings",
        obj=version, payload={"star_thresholds": star_thresholds},
    )  # fmt: skip
    return version


def _rulebook_table(version: RulebookVersion) -> dict[str, Any]:
    items = version.items.select_related("category")
    return {
        "columns": ["类别", "编号", "事项", "分值", "计分单位", "周期上限", "佐证"],
        "rows": [
            [
                item.category.name,
                item.code,
                item.name,
                f"{item.points:+d}"
                if item.points_min == item.points_max
                else f"{item.points:+d}（{item.points_min:+d}至{item.points_max:+d}）",
                item.get_unit_display(),
                f"{item.cap}分/{item.get_cap_period_display()}" if item.cap else "不限",
                item.get_evidence_display(),
            ]
            for item in items
        ],
    }


def _check_vote(members_total: int, members_present: int, votes_for: int) -> None:
    """村民代表会议 (第26条): two thirds of the members present; more than half of them for."""
    if members_total <= 0 or members_present > members_total or votes_for > members_present:
        raise ApplicationError(
            "resolution_counts",
            "人数不合理：实到不超过应到，赞成不超过实到",
            field="members_present",
        )
    if members_present * 3 < members_total * 2:
        raise ApplicationError(
            "resolution_quorum",
            f"村民代表会议须有三分之二以上组成人员参加：应到{members_total}人，实到{members_present}人",
            field="members_present",
        )
    if votes_for * 2 <= members_present:
        raise ApplicationError(
            "resolution_majority",
            f"须经到会人员过半数同意：实到{members_present}人，赞成{votes_for}人",
            field="votes_for",
        )


@transaction.atomic
def version_adopt(
    *,
    actor: Any,
    version: RulebookVersion,
    resolution_date: date,
    members_total: int,
    members_present: int,
    votes_for: int,
    effective_from: date | None = None,
    period_days: int = MIN_RULEBOOK_PERIOD,
) -> RulebookVersion:
    """Record the 村民代表会议's adoption of a village's draft (quorum: two thirds of the
    members; more than half of those present in favour) and disclose it; it takes effect when
    the period passes without an upheld objection. A township or county template is published
    at once (it binds nobody until a village adopts its copy)."""
    version = _draft(actor, version)
    region = version.rulebook.region
    today = timezone.localdate()
    if not version.items.exists():
        raise ApplicationError("version_empty", "细则还没有任何积分事项")
    if region.level != RegionLevel.VILLAGE:
        version.status = VersionStatus.EFFECTIVE
        version.effective_from = today
        version.save(update_fields=["status", "effective_from"])
        audit_append(
            actor=actor, region=region, action="points.template_publish", obj=version,
            payload={"number": version.number, "items": version.items.count()},
        )  # fmt: skip
        return version
    if resolution_date > today:
        raise ApplicationError("resolution_future", "表决日期不能晚于今天", field="resolution_date")
    _check_vote(members_total, members_present, votes_for)
    if not MIN_RULEBOOK_PERIOD <= period_days <= 60:
        raise ApplicationError(
            "period_days", f"公示天数应在{MIN_RULEBOOK_PERIOD}到60天之间", field="period_days"
        )
    version.resolution_date = resolution_date
    version.members_total = members_total
    version.members_present = members_present
    version.votes_for = votes_for
    version.effective_requested = effective_from
    version.status = VersionStatus.DISCLOSING
    version.save()
    body = (
        f"<p>{resolution_date.year}年{resolution_date.month}月{resolution_date.day}日村民代表会议"
        f"表决通过《{version.rulebook.name}》第{version.number}版：应到{members_total}人，"
        f"实到{members_present}人，赞成{votes_for}人。公示期满无异议后施行。</p>"
    )
    notice = notice_publish(
        actor=actor, region=region, category=Category.POINTS,
        title=f"关于《{version.rulebook.name}》（第{version.number}版）的公示", body=body,
        rows=_rulebook_table(version), period=Period(days=period_days),
        subject=Subject("points.rulebook_version", str(version.pk)),
    )  # fmt: skip
    version.notice = notice
    version.save(update_fields=["notice"])
    audit_append(
        actor=actor, region=region, action="points.version_adopt", obj=version,
        payload={
            "number": version.number, "resolution_date": resolution_date.isoformat(),
            "members_total": members_total, "members_present": members_present,
            "votes_for": votes_for, "notice": notice.pk,
        },
    )  # fmt: skip
    return version


@transaction.atomic
def version_record_adopted(
    *,
    actor: Any,
    version: RulebookVersion,
    resolution_date: date,
    members_total: int,
    members_present: int,
    votes_for: int,
    disclosed_from: date,
    disclosed_until: date,
    effective_from: date,
) -> RulebookVersion:
    """补录: a village that kept its rulebook on paper records the version already adopted,
    disclosed and in force before it used cunwu, with the dates of that paper disclosure."""
    version = _draft(actor, version)
    region = version.rulebook.region
    if region.level != RegionLevel.VILLAGE:
        raise ApplicationError("backfill_village", "只有村的细则需要补录表决和公示")
    if not version.items.exists():
        raise ApplicationError("version_empty", "细则还没有任何积分事项")
    _check_vote(members_total, members_present, votes_for)
    today = timezone.localdate()
    if not resolution_date <= disclosed_from <= disclosed_until < effective_from <= today:
        raise ApplicationError(
            "backfill_dates",
            "日期应依次为：表决日期、公示开始、公示截止、施行日期，且施行日期不晚于今天",
            field="effective_from",
        )
    if (disclosed_until - disclosed_from).days + 1 < MIN_RULEBOOK_PERIOD:
        raise ApplicationError(
            "backfill_period", f"公示期不少于{MIN_RULEBOOK_PERIOD}天", field="disclosed_until"
        )
    if RulebookVersion.objects.filter(
        rulebook=version.rulebook,
        status=VersionStatus.EFFECTIVE,
        effective_from__gte=effective_from,
    ).exists():
        raise ApplicationError(
            "backfill_order", "补录的版本施行日期须晚于已生效的各版本", field="effective_from"
        )
    version.resolution_date = resolution_date
    version.members_total = members_total
    version.members_present = members_present
    version.votes_for = votes_for
    version.effective_requested = effective_from
    version.effective_from = effective_from
    version.status = VersionStatus.EFFECTIVE
    version.save()
    audit_append(
        actor=actor, region=region, action="points.version_backfill", obj=version,
        payload={
            "number": version.number, "resolution_date": resolution_date.isoformat(),
            "members_total": members_total, "members_present": members_present,
            "votes_for": votes_for, "disclosed": [disclosed_from.isoformat(),
                                                  disclosed_until.isoformat()],
            "effective_from": effective_from.isoformat(),
        },
    )  # fmt: skip
    return version


@transaction.atomic
def template_publish_default(*, actor: Any, region: Region) -> RulebookVersion:
    """A township or county publishes the built-in default (five categories, 38 items) as
    its template; villages copy and adjust it."""
    from .seed import DEFAULT_ITEMS

    if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.COUNTY):
        raise ApplicationError("template_level", "模板只能由乡镇或县发布")
    rulebook = rulebook_for(actor=actor, region=region)
    version = version_create(actor=actor, rulebook=rulebook, note="默认细则（五类38项）")
    RuleItem.objects.filter(version=version).delete()
    RuleCategory.objects.filter(version=version).delete()
    for data in DEFAULT_ITEMS:
        item_save(actor=actor, version=version, data=data)
    return version_adopt(
        actor=actor, version=version, resolution_date=timezone.localdate(), members_total=0,
        members_present=0, votes_for=0,
    )  # fmt: skip


def _version_closed(version_id: int, notice: Notice, outcome: str) -> None:
    version = RulebookVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None or version.status != VersionStatus.DISCLOSING:
        return
    if outcome == "passed":
        start = (notice.period_end or timezone.localdate()) + timedelta(days=1)
        if version.effective_requested and version.effective_requested > start:
            start = version.effective_requested
        version.status = VersionStatus.EFFECTIVE
        version.effective_from = start
    else:
        version.status = VersionStatus.RETURNED
    version.save(update_fields=["status", "effective_from"])
    audit_append(
        actor=None, region=version.rulebook.region, action=f"points.version_{outcome}",
        obj=version,
        payload={"number": version.number, "effective_from": str(version.effective_from or "")},
    )  # fmt: skip


def version_in_force(village: Region | str, on: date) -> RulebookVersion | None:
    """The village's version that scores events of ``on``: the effective one that started
    last on or before that day."""
    code = village if isinstance(village, str) else village.code
    return (
        RulebookVersion.objects.filter(
            rulebook__region_id=code, status=VersionStatus.EFFECTIVE, effective_from__lte=on
        )
        .order_by("-effective_from", "-number")
        .first()
    )


# ---------------------------------------------------------------- events


def _cap_window(period: str, on: date) -> tuple[date, date]:
    if period == CapPeriod.MONTH:
        return on.replace(day=1), on.replace(day=calendar.monthrange(on.year, on.month)[1])
    if period == CapPeriod.QUARTER:
        first = 3 * ((on.month - 1) // 3) + 1
        last = first + 2
        return date(on.year, first, 1), date(on.year, last, calendar.monthrange(on.year, last)[1])
    return date(on.year, 1, 1), date(on.year, 12, 31)


def _check_cap(item: RuleItem, household_id: int, on: date, points: int, exclude: int = 0) -> None:
    if item.cap is None:
        return
    start, end = _cap_window(item.cap_period, on)
    used = (
        PointEvent.objects.filter(
            household_id=household_id,
            item__code=item.code,
            item__version__rulebook_id=item.version.rulebook_id,
            date__range=(start, end),
            status__in=LIVE_STATUSES,
            reverses__isnull=True,
        )
        .exclude(pk=exclude)
        .aggregate(total=Sum(Abs("points")))["total"]
        or 0
    )
    if used + abs(points) > item.cap:
        raise ApplicationError(
            "cap_reached",
            f"“{item.name}”{item.get_cap_period_display()}上限{item.cap}分，"
            f"本户本期已计{used}分，不能再计{abs(points)}分",
            field="points",
            status=409,
        )


def _source_for(actor: Any, household: Household, source: str | None) -> str:
    """Who proposes: the system (another module, ``actor`` None), a cadre, a grid worker of the
    work team, or a villager for their own household."""
    if actor is None:
        if source != Proposer.SYSTEM:
            raise PermissionDenied("没有权限执行此操作")
        return Proposer.SYSTEM
    if has_perm_in(actor, "points.propose", household.village_id):
        roles = roles_of(actor)
        if Role.VILLAGE_STAFF in roles or actor.is_superuser:
            return Proposer.CADRE
        return Proposer.GRID
    if (
        has_perm_in(actor, "points.declare", household.village_id)
        and Person.objects.filter(
            user=actor, household=household, status=PersonStatus.ACTIVE
        ).exists()
    ):
        return Proposer.VILLAGER
    raise PermissionDenied("没有权限执行此操作")


def _check_photo(photo: UploadedFile[bytes] | None) -> None:
    if photo is None:
        return
    if photo.size is None or photo.size > MAX_PHOTO_BYTES:
        raise ApplicationError("photo_size", "照片不能超过8MB", field="photo")
    head = photo.read(12)
    photo.seek(0)
    is_image = (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1")
    )
    if not is_image:
        raise ApplicationError("photo_type", "照片应为JPEG、PNG、WebP或HEIC图片", field="photo")


@transaction.atomic
def event_propose(
    *,
    actor: Any,
    household: Household,
    item: RuleItem,
    on: date,
    points: int | None = None,
    person: Person | None = None,
    description: str = "",
    photo: UploadedFile[bytes] | None = None,
    source: str | None = None,
    today: date | None = None,
) -> PointEvent:
    """积分申报. The item must belong to the version in force on the event's date (a stale
    version is refused); the same item for the same household on the same day is refused
    unless the item allows repeats; the item's cap per period is enforced."""
    today = today or timezone.localdate()
    source = _source_for(actor, household, source)
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("household_inactive", "该户已注销，不能计分", field="household")
    if on > today:
        raise ApplicationError("date_future", "发生日期不能晚于今天", field="date")
    if on < today - timedelta(days=366):
        raise ApplicationError("date_old", "发生日期不能早于一年前", field="date")
    in_force = version_in_force(household.village_id, on)
    if in_force is None:
        raise ApplicationError(
            "no_rulebook", "该日期本村还没有生效的积分细则", field="date", status=409
        )
    if item.version_id != in_force.pk:
        raise ApplicationError(
            "stale_version",
            f"该事项属于已失效的细则版本，{on.isoformat()}适用第{in_force.number}版",
            field="item",
            status=409,
        )
    if (item.valid_from and on < item.valid_from) or (item.valid_until and on > item.valid_until):
        raise ApplicationError("item_not_valid", "该事项在发生日期不在有效期内", field="item")
    if source not in item.proposer_set:
        raise ApplicationError(
            "proposer_not_allowed",
            f"“{item.name}”不接受{Proposer(source).label}申报",
            field="item",
        )
    if person is not None and (
        person.household_id != household.pk or person.status != PersonStatus.ACTIVE
    ):
        raise ApplicationError("person_not_member", "获得人不是该户的在册成员", field="person")
    points = item.points if points is None else points
    if not item.points_min <= points <= item.points_max:
        raise ApplicationError(
            "points_bounds",
            f"分值应在{item.points_min}到{item.points_max}之间",
            field="points",
        )
    if item.evidence == Evidence.PHOTO and photo is None and source != Proposer.SYSTEM:
        raise ApplicationError("photo_required", "该事项须上传照片作为佐证", field="photo")
    _check_photo(photo)
    description = " ".join(description.split())
    if len(description) > MAX_DESCRIPTION:
        raise ApplicationError(
            "description_long", f"事由至多{MAX_DESCRIPTION}字", field="description"
        )
    # one household's proposals queue here, so that caps hold under concurrency
    account = account_for(household)
    PointAccount.objects.select_for_update().filter(pk=account.pk).first()
    key = None if item.repeat_same_day else f"{item.code}:{household.pk}:{on.isoformat()}"
    if key and PointEvent.objects.filter(dedupe_key=key).exists():
        raise ApplicationError(
            "duplicate_event",
            f"该户{on.month}月{on.day}日已申报过“{item.name}”，同一事项同日不能重复计分",
            field="item",
            status=409,
        )
    _check_cap(item, household.pk, on, points)
    event = PointEvent(
        village_id=household.village_id, county_code=household.county_code,
        household=household, person=person, item=item, date=on, points=points,
        description=description, source=source, dedupe_key=key,
        proposed_by=actor if actor is not None else None,
    )  # fmt: skip
    if photo is not None:
        event.photo.save(photo.name or "photo.jpg", photo, save=False)
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError as exc:
        raise ApplicationError(
            "duplicate_event", "同一事项同日不能重复计分", field="item", status=409
        ) from exc
    audit_append(
        actor=actor, region=household.village, action="points.event_propose", obj=event,
        payload={"household": household.number, "item": item.code, "date": on.isoformat(),
                 "points": points, "source": source},
    )  # fmt: skip
    return event


@transaction.atomic
def event_review(
    *, actor: Any, event: PointEvent, approve: bool, points: int | None = None, note: str = ""
) -> PointEvent:
    """The review group approves (optionally adjusting within the item's bounds) or rejects
    with a reason. Nobody reviews what they proposed themselves."""
    require(actor, "points.review", event.village_id)
    event = PointEvent.objects.select_for_update().select_related("item__version").get(pk=event.pk)
    if event.status != EventStatus.PROPOSED:
        raise ApplicationError("event_not_proposed", "该申报已审核过", status=409)
    if event.proposed_by_id is not None and event.proposed_by_id == actor.pk:
        raise ApplicationError("review_own", "不能审核自己提出的申报", status=403)
    note = " ".join(note.split())
    if len(note) > 200:
        raise ApplicationError("note_long", "审核意见至多200字", field="note")
    before = event.points
    if approve:
        if points is not None and points != event.points:
            item = event.item
            if event.reverses_id is not None:
                raise ApplicationError("reversal_fixed", "冲销的分值不能调整", field="points")
            if not item.points_min <= points <= item.points_max:
                raise ApplicationError(
                    "points_bounds",
                    f"分值应在{item.points_min}到{item.points_max}之间",
                    field="points",
                )
            if not note:
                raise ApplicationError("adjust_reason", "调整分值请写明理由", field="note")
            _check_cap(item, event.household_id, event.date, points, exclude=event.pk)
            event.points = points
        event.status = EventStatus.APPROVED
    else:
        if not note:
            raise ApplicationError("reject_reason", "不予通过请写明理由", field="note")
        event.status = EventStatus.REJECTED
        event.dedupe_key = None
    event.reviewed_by = actor
    event.reviewed_at = timezone.now()
    event.review_note = note
    event.save()
    audit_append(
        actor=actor, region=event.village, action="points.event_review", obj=event,
        payload={"approve": approve, "points": event.points, "before": before, "note": note},
    )  # fmt: skip
    return event


@transaction.atomic
def event_reverse(*, actor: Any, event: PointEvent, reason: str) -> PointEvent:
    """Correct an effective event: a reversal carrying its negated points, approved by the
    reviewer who records it and disclosed in the next batch like any event."""
    require(actor, "points.review", event.village_id)
    event = PointEvent.objects.select_for_update().get(pk=event.pk)
    reason = " ".join(reason.split())
    if not reason or len(reason) > 200:
        raise ApplicationError("reverse_reason", "请写明冲销理由（至多200字）", field="reason")
    if event.status != EventStatus.EFFECTIVE or event.reverses_id is not None:
        raise ApplicationError("reverse_not_effective", "只有已生效的积分可以冲销", status=409)
    if PointEvent.objects.filter(reverses=event).exists():
        raise ApplicationError("reverse_twice", "该积分已经冲销过", status=409)
    now = timezone.now()
    reversal = PointEvent.objects.create(
        village_id=event.village_id, county_code=event.county_code,
        household_id=event.household_id, person_id=event.person_id, item_id=event.item_id,
        date=event.date, points=-event.points, description=f"冲销：{reason}",
        source=Proposer.CADRE, status=EventStatus.APPROVED, reverses=event, proposed_by=actor,
        reviewed_by=actor, reviewed_at=now, review_note=reason,
    )  # fmt: skip
    audit_append(
        actor=actor, region=event.village, action="points.event_reverse", obj=reversal,
        payload={"reverses": event.pk, "points": reversal.points, "reason": reason},
    )  # fmt: skip
    return reversal


def _batch_table(events: list[PointEvent], heads: dict[int, str]) -> dict[str, Any]:
    return {
        "columns": ["户编号", "户主", "获得人", "事项", "日期", "分值", "说明"],
        "rows": [
            [
                e.household.number,
                heads.get(e.household_id, ""),
                e.person.name if e.person else "",
                f"{e.item.code} {e.item.name}",
                f"{e.date.month}月{e.date.day}日",
                f"{e.points:+d}",
                e.description[:100],
            ]
            for e in events
        ],
    }


@transaction.atomic
def batch_publish(
    *,
    actor: Any,
    village: Region,
    title: str = "",
    period_days: int = DEFAULT_BATCH_PERIOD,
    period_unit: str = "natural",
    event_ids: list[int] | None = None,
) -> PointBatch:
    """Disclose the village's approved events (all of them, or those named) as one notice;
    they post to the ledger when its period passes."""
    require(actor, "points.review", village)
    require(actor, "disclosure.publish", village)
    events_qs = (
        PointEvent.objects.select_for_update()
        .filter(village=village, status=EventStatus.APPROVED, batch__isnull=True)
        .order_by("household__number", "date", "pk")
    )
    if event_ids is not None:
        events_qs = events_qs.filter(pk__in=event_ids)
    locked = list(events_qs.values_list("pk", flat=True))
    if not locked:
        raise ApplicationError("batch_empty", "没有已审核待公示的积分申报")
    if event_ids is not None and len(locked) != len(set(event_ids)):
        raise ApplicationError("batch_events", "所选申报中有不属于本村或不是待公示状态的")
    if len(locked) > MAX_BATCH_EVENTS:
        raise ApplicationError("batch_large", f"一次至多公示{MAX_BATCH_EVENTS}条，请分批")
    events = list(
        PointEvent.objects.filter(pk__in=locked)
        .select_related("household", "person", "item")
        .order_by("household__number", "date", "pk")
    )
    heads = dict(
        Person.objects.filter(
            household_id__in={e.household_id for e in events}, relation="户主",
            status=PersonStatus.ACTIVE,
        ).values_list("household_id", "name")
    )  # fmt: skip
    today = timezone.localdate()
    title = " ".join(title.split()) or (
        f"{village.name.removesuffix('委会')}{today.year}年{today.month}月积分公示"
    )
    total = sum(e.points for e in events)
    body = (
        f"<p>以下{len(events)}条积分经村积分评议小组审核，现予公示，合计{total:+d}分。"
        "公示期内如有异议，请向村务监督委员会反映。</p>"
    )
    batch = PointBatch.objects.create(
        village=village, county_code=village.code[:6], title=title[:120], created_by=actor
    )
    batch.notice = notice_publish(
        actor=actor, region=village, category=Category.POINTS, title=title[:120], body=body,
        rows=_batch_table(events, heads), period=Period(days=period_days, unit=period_unit),
        subject=Subject("points.batch", str(batch.pk)),
    )  # fmt: skip
    batch.save(update_fields=["notice"])
    PointEvent.objects.filter(pk__in=locked).update(batch=batch, status=EventStatus.DISCLOSING)
    audit_append(
        actor=actor, region=village, action="points.batch_publish", obj=batch,
        payload={"events": len(events), "total": total, "notice": batch.notice.pk},
    )  # fmt: skip
    return batch


def _batch_closed(batch_id: int, outcome: str) -> None:
    batch = PointBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None or batch.status != BatchStatus.DISCLOSING:
        return
    now = timezone.now()
    events = list(
        PointEvent.objects.select_for_update()
        .filter(batch=batch, status=EventStatus.DISCLOSING)
        .select_related("item", "household")
        .order_by("pk")
    )
    if outcome == "passed":
        for event in events:
            account = account_for(event.household)
            kind = EntryKind.REVERSAL if event.reverses_id else EntryKind.EARN
            _post(
                account=account, kind=kind, on=event.date, cumulative=event.points,
                available=event.points, memo=f"{event.item.code} {event.item.name}",
                event=event, person_id=event.person_id,
            )  # fmt: skip
        PointEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            status=EventStatus.EFFECTIVE, effective_at=now
        )
        batch.status = BatchStatus.PASSED
    else:
        # an upheld objection sends the whole list back to the review group
        PointEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            status=EventStatus.PROPOSED, batch=None, review_note="公示期间异议成立，退回复审"
        )
        batch.status = BatchStatus.RETURNED
    batch.closed_at = now
    batch.save(update_fields=["status", "closed_at"])
    audit_append(
        actor=None, region=batch.village, action=f"points.batch_{outcome}", obj=batch,
        payload={"events": len(events), "total": sum(e.points for e in events)},
    )  # fmt: skip


def on_notice_closed(sender: Any, notice: Notice, outcome: str, **kwargs: Any) -> None:
    """disclosure.signals.notice_closed: runs inside the transaction that closes the notice."""
    if notice.subject_type == "points.batch" and notice.subject_id.isdigit():
        _batch_closed(int(notice.subject_id), outcome)
    elif notice.subject_type == "points.rulebook_version" and notice.subject_id.isdigit():
        _version_closed(int(notice.subject_id), notice, outcome)


def ledger_mismatches(*, prefix: str = "") -> list[tuple[PointAccount, int, int]]:
    """Accounts whose figures differ from the sums of their rows: (account, Σcumulative,
    Σavailable). Empty when the books are right."""
    sums = (
        LedgerEntry.objects.filter(village__code__startswith=prefix)
        .values("account_id")
        .annotate(c=Sum("cumulative"), a=Sum("available"))
    )
    by_account = {row["account_id"]: (row["c"], row["a"]) for row in sums}
    wrong = []
    for account in PointAccount.objects.filter(village__code__startswith=prefix).select_related(
        "household"
    ):
        c, a = by_account.get(account.pk, (0, 0))
        if (account.cumulative, account.available) != (c, a):
            wrong.append((account, c, a))
    return wrong
