"""Writes of identification (识别) and risk-elimination (风险消除) cases.

An identification walks 入户核实 → 信息比对 → 民主评议 → 村内公示 → 乡镇审核 → 县级审定; a risk
elimination the same without 信息比对. Every action is a ``CaseStep`` row (with its files); the
case row is locked (``select_for_update``) and its stage re-checked before anything is written,
so two clicks or two users never apply a step twice (the second one gets a 409). A rejection
keeps its reason, which the applicant sees on the public page by the case's code.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.crypto import blind_index, encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone, normalize_phone
from cunwu.core.idnumber import validate_id_number
from cunwu.core.models import Region, RegionLevel
from cunwu.disclosure.content import check_attachment
from cunwu.registry.models import Household, HouseholdStatus, Person, PersonStatus
from cunwu.registry.services import ID_CONTEXT

from ..models import (
    SECURITY_KEYS,
    Alert,
    AlertStatus,
    Case,
    CaseFile,
    CaseKind,
    CaseSource,
    CaseStep,
    Category,
    MonitoredHousehold,
    MonitoringState,
    Outcome,
    RiskType,
    Stage,
    StepResult,
    Visit,
)
from ..policy import Policy, policy_for
from .common import audit, clean_text, due_after
from .households import monitoring_eliminate, monitoring_enter

Upload = tuple[str, bytes]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
CODE_LENGTH = 8
MAX_FILES_PER_STEP = 10
MAX_FINDINGS = 2_000
PHONE_CONTEXT = "monitoring.applicant_phone"

# 信息比对: the departments whose records the township compares (财政供养、公安车辆、住建房产、
# 社保、市场监管工商登记)
COMPARE_ITEMS: tuple[tuple[str, str], ...] = (
    ("finance", "财政供养人员"),
    ("police", "公安户籍"),
    ("housing", "住建商品房"),
    ("vehicle", "车辆登记"),
    ("social", "社保缴费"),
    ("market", "市场监管工商注册"),
)
COMPARE_KEYS: tuple[str, ...] = tuple(key for key, _label in COMPARE_ITEMS)

_NEXT: dict[str, dict[str, str]] = {
    CaseKind.IDENTIFY: {
        Stage.VERIFY: Stage.COMPARE,
        Stage.COMPARE: Stage.APPRAISE,
        Stage.APPRAISE: Stage.DISCLOSE,
        Stage.DISCLOSE: Stage.TOWNSHIP,
        Stage.TOWNSHIP: Stage.COUNTY,
    },
    CaseKind.ELIMINATE: {
        Stage.VERIFY: Stage.APPRAISE,
        Stage.APPRAISE: Stage.DISCLOSE,
        Stage.DISCLOSE: Stage.TOWNSHIP,
        Stage.TOWNSHIP: Stage.COUNTY,
    },
}

# who acts at each stage
STAGE_PERMS: dict[str, str] = {
    Stage.VERIFY: "monitoring.handle",
    Stage.COMPARE: "monitoring.review",
    Stage.APPRAISE: "monitoring.handle",
    Stage.DISCLOSE: "monitoring.handle",
    Stage.TOWNSHIP: "monitoring.review",
    Stage.COUNTY: "monitoring.approve",
}


# ---------------------------------------------------------------- helpers


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _unique_code() -> str:
    for _ in range(20):
        code = new_code()
        if not Case.objects.filter(code=code).exists():
            return code
    raise ApplicationError(
        "code_exhausted", "生成查询码失败，请重试", status=503
    )  # pragma: no cover


def _policy(case: Case) -> Policy:
    return policy_for(case.village_id, case.opened_on.year)


def _stage_workdays(policy: Policy, stage: str) -> int:
    limits: dict[str, int] = {
        Stage.VERIFY: policy.verify_workdays,
        Stage.COMPARE: policy.compare_workdays,
        Stage.APPRAISE: policy.appraise_workdays,
        Stage.TOWNSHIP: policy.township_workdays,
        Stage.COUNTY: policy.county_workdays,
    }
    return limits.get(stage, policy.appraise_workdays)


def _day(on: date | None, case: Case | None = None) -> date:
    today = timezone.localdate()
    day = on or today
    if day > today:
        raise ApplicationError("date_future", "办理日期不能晚于今天", field="on")
    if case is not None and day < case.opened_on:
        raise ApplicationError("date_before_open", "办理日期不能早于受理日期", field="on")
    return day


def _findings(text: str, *, required: bool, label: str = "情况记录") -> str:
    text = str(text or "").strip()
    if required and not text:
        raise ApplicationError("findings_empty", f"请填写{label}", field="findings")
    if len(text) > MAX_FINDINGS or "\x00" in text:
        raise ApplicationError("findings_long", f"{label}至多{MAX_FINDINGS}字", field="findings")
    return text


def _risk_types(values: Sequence[str]) -> list[str]:
    out = list(dict.fromkeys(str(v) for v in values))
    bad = [v for v in out if v not in RiskType.values]
    if bad:
        raise ApplicationError("risk_type_invalid", "风险类型无效", field="risk_types")
    return out


def _check_files(files: Sequence[Upload]) -> list[tuple[str, bytes, str, str, str]]:
    if len(files) > MAX_FILES_PER_STEP:
        raise ApplicationError(
            "files_too_many", f"每次至多上传{MAX_FILES_PER_STEP}个附件", field="files"
        )
    checked = []
    for name, data in files:
        clean_name = clean_text(name, field="files", label="文件名", limit=200)
        try:
            content_type, extension, sha = check_attachment(clean_name, data)
        except ApplicationError as exc:
            raise ApplicationError(exc.code, exc.message, field="files") from exc
        checked.append((clean_name, data, content_type, extension, sha))
    return checked


def _save_files(case: Case, step: CaseStep, actor: Any, files: Sequence[Upload]) -> list[str]:
    names = []
    for name, data, content_type, extension, sha in _check_files(files):
        record = CaseFile(
            case=case, step=step, original_name=name, content_type=content_type,
            size=len(data), sha256=sha, uploaded_by=actor,
        )  # fmt: skip
        record.file.save(f"{sha[:16]}.{extension}", ContentFile(data), save=False)
        record.save()
        names.append(name)
    return names


def _lock(case: Case, *stages: str) -> Case:
    """The case row, locked, at one of ``stages`` and open; else a 409 naming where it is."""
    locked = Case.objects.select_for_update().select_related("village").get(pk=case.pk)
    if locked.outcome != Outcome.OPEN:
        raise ApplicationError(
            "case_closed", f"该办件已办结（{locked.get_outcome_display()}），不能再办理", status=409
        )
    if locked.stage not in stages:
        raise ApplicationError(
            "case_stage",
            f"该办件当前在“{locked.get_stage_display()}”环节，请刷新页面后再办理",
            status=409,
        )
    return locked


def _step(
    case: Case, actor: Any, result: str, on: date, *, findings: str = "",
    data: dict[str, Any] | None = None, files: Sequence[Upload] = (), stage: str | None = None,
) -> CaseStep:  # fmt: skip
    overdue = case.stage_due_on is not None and on > case.stage_due_on
    step = CaseStep.objects.create(
        case=case, stage=stage or case.stage, result=result, findings=findings,
        data=data or {}, on=on, overdue=overdue, actor=actor,
    )  # fmt: skip
    _save_files(case, step, actor, files)
    return step


def _advance(case: Case, on: date) -> None:
    nxt = _NEXT[case.kind][case.stage]
    case.stage = nxt
    if nxt != Stage.DISCLOSE:  # appraisal and publication share the appraisal's time limit
        case.stage_due_on = due_after(on, _stage_workdays(_policy(case), nxt))
    case.save(update_fields=["stage", "stage_due_on"])


def _close(case: Case, outcome: str, reason: str) -> None:
    case.stage = Stage.DONE
    case.outcome = outcome
    case.outcome_reason = reason
    case.closed_at = timezone.now()
    case.stage_due_on = None
    case.save(update_fields=["stage", "outcome", "outcome_reason", "closed_at", "stage_due_on"])


def _monitored(case: Case) -> MonitoredHousehold:
    if case.monitored is None:
        raise ApplicationError("not_monitored", "该户不是监测对象", status=409)
    return case.monitored


def _reject(case: Case, actor: Any, step: CaseStep, reason: str) -> Case:
    stage_label = Stage(step.stage).label
    _close(case, Outcome.REJECTED, f"{stage_label}未通过：{reason}")
    audit(actor, case.village, "case_reject", case, code=case.code, stage=step.stage)
    return case


# ---------------------------------------------------------------- opening


def _open(
    *,
    actor: Any,
    household: Household,
    kind: str,
    source: str,
    category: str,
    risk_types: Sequence[str],
    description: str,
    applicant_name: str,
    applicant_phone: str,
    commitment_signed: bool,
    alert: Alert | None,
    visit: Visit | None,
    on: date | None,
) -> Case:
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    village = household.village
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("household_inactive", "该户已注销，不能受理", field="household")
    if kind not in CaseKind.values:
        raise ApplicationError("kind_invalid", "办件类型无效", field="kind")
    if source not in CaseSource.values:
        raise ApplicationError("source_invalid", "请选择线索来源", field="source")
    if category and category not in Category.values:
        raise ApplicationError("category_invalid", "监测类型无效", field="category")
    risks = _risk_types(risk_types)
    description = _findings(description, required=False, label="情况说明")
    applicant_name = clean_text(
        applicant_name, field="applicant_name", label="申请人", limit=50, required=False
    )
    phone = normalize_phone(applicant_phone) if applicant_phone.strip() else ""
    opened_on = _day(on)
    monitored = MonitoredHousehold.objects.filter(household=household).first()
    if kind == CaseKind.IDENTIFY:
        if source == CaseSource.PROPOSAL:
            raise ApplicationError(
                "source_invalid", "识别办件的来源不能是风险消除提议", field="source"
            )
        if monitored is not None and monitored.state == MonitoringState.AT_RISK:
            raise ApplicationError(
                "already_monitored", "该户已是风险未消除的监测对象，无需再识别", field="household"
            )
        if source == CaseSource.APPLICATION and not commitment_signed:
            raise ApplicationError(
                "commitment_required", "农户申报须签署承诺授权书", field="commitment_signed"
            )
    else:
        if source != CaseSource.PROPOSAL:
            raise ApplicationError(
                "source_invalid", "风险消除办件的来源应为风险消除提议", field="source"
            )
        if monitored is None or monitored.state != MonitoringState.AT_RISK:
            raise ApplicationError("not_at_risk", "该户不是风险未消除的监测对象", field="household")
        from ..selectors.cases import elimination_check

        failed = [c for c in elimination_check(monitored, opened_on) if not c.passed]
        if failed:
            raise ApplicationError(
                "elimination_criteria",
                "未达到风险消除条件：" + "；".join(c.reason for c in failed),
            )
        category = category or monitored.category
    existing = Case.objects.filter(household=household, kind=kind, outcome=Outcome.OPEN).first()
    if existing is not None:
        raise ApplicationError(
            "case_open_exists",
            f"该户已有办理中的{existing.get_kind_display()}办件（查询码{existing.code}）",
            field="household",
            status=409,
        )
    if alert is not None:
        if alert.village_id != village.code:
            raise ApplicationError("alert_village", "所选预警不是本村的", field="alert")
        if alert.status not in (AlertStatus.OPEN, AlertStatus.CONFIRMED):
            raise ApplicationError("alert_handled", "该预警已处理或已启动识别", field="alert")
    if visit is not None and visit.village_id != village.code:
        raise ApplicationError("visit_village", "所选走访记录不是本村的", field="visit")
    policy = policy_for(village, opened_on.year)
    case = Case.objects.create(
        kind=kind,
        village=village,
        county_code=household.county_code,
        household=household,
        monitored=monitored,
        source=source,
        alert=alert,
        visit=visit,
        code=_unique_code(),
        applicant_name=applicant_name,
        applicant_phone_enc=encrypt_text(phone, context=PHONE_CONTEXT) if phone else "",
        applicant_phone_masked=mask_phone(phone) if phone else "",
        commitment_signed=bool(commitment_signed),
        category=category,
        risk_types=risks,
        description=description,
        stage=Stage.VERIFY,
        stage_due_on=due_after(opened_on, policy.verify_workdays),
        opened_on=opened_on,
        due_on=due_after(opened_on, policy.identify_max_workdays),
        created_by=actor,
    )
    if alert is not None:
        updated = Alert.objects.filter(
            pk=alert.pk, status__in=(AlertStatus.OPEN, AlertStatus.CONFIRMED)
        ).update(status=AlertStatus.CASE_OPENED, case=case, handled_by=actor,
                 handled_at=timezone.now())  # fmt: skip
        if not updated:
            raise ApplicationError("alert_handled", "该预警已处理或已启动识别", field="alert")
    if visit is not None:
        Visit.objects.filter(pk=visit.pk).update(case=case)
    audit(
        actor, village, "case_open", case, code=case.code, kind=kind, source=source,
        household=household.number, category=category, risk_types=risks,
        alert=alert.pk if alert else None, visit=visit.pk if visit else None,
    )  # fmt: skip
    return case


@transaction.atomic
def case_open(
    *,
    actor: Any,
    household: Household,
    kind: str = CaseKind.IDENTIFY,
    source: str,
    category: str = "",
    risk_types: Sequence[str] = (),
    description: str = "",
    applicant_name: str = "",
    applicant_phone: str = "",
    commitment_signed: bool = False,
    alert: Alert | None = None,
    visit: Visit | None = None,
    on: date | None = None,
) -> Case:
    """Register an identification (an application, a cadre's finding, an alert, a campaign
    visit) or propose a risk elimination (refused while a criterion fails)."""
    require(actor, "monitoring.handle", household.village_id)
    return _open(
        actor=actor, household=household, kind=kind, source=source, category=category,
        risk_types=risk_types, description=description, applicant_name=applicant_name,
        applicant_phone=applicant_phone, commitment_signed=commitment_signed, alert=alert,
        visit=visit, on=on,
    )  # fmt: skip


NO_MATCH = "未能核对您填写的信息。请核对所选的村、姓名和身份证号码，或到村委会当面申报。"


@transaction.atomic
def case_apply_public(
    *,
    village_code: str,
    name: str,
    id_number: str,
    phone: str,
    risk_types: Sequence[str],
    description: str,
    commitment_signed: bool,
) -> Case:
    """A household's own application (农户自主申报) from the public form: matched to the
    household through the ID blind index and the name; no match says nothing about why."""
    village = Region.objects.filter(
        code=village_code, level=RegionLevel.VILLAGE, retired=False
    ).first()
    if village is None:
        raise ApplicationError("village_not_found", "请选择所在的村", field="village")
    name = clean_text(name, field="name", label="姓名", limit=50)
    if not commitment_signed:
        raise ApplicationError(
            "commitment_required", "请阅读并签署承诺授权书", field="commitment_signed"
        )
    if not phone.strip():
        raise ApplicationError("phone_empty", "请填写联系电话", field="phone")
    normalize_phone(phone)
    if not risk_types and not description.strip():
        raise ApplicationError("description_empty", "请说明遇到了什么困难", field="description")
    try:
        number = validate_id_number(id_number)
    except ApplicationError as exc:
        raise ApplicationError(exc.code, exc.message, field="id_number") from exc
    person = (
        Person.objects.select_related("household")
        .filter(
            id_number_index=blind_index(number, context=ID_CONTEXT),
            status=PersonStatus.ACTIVE,
            household__village=village,
            household__status=HouseholdStatus.ACTIVE,
        )
        .first()
    )
    if person is None or person.name != name:
        raise ApplicationError("apply_no_match", NO_MATCH)
    return _open(
        actor=None, household=person.household, kind=CaseKind.IDENTIFY,
        source=CaseSource.APPLICATION, category="", risk_types=risk_types,
        description=description, applicant_name=name, applicant_phone=phone,
        commitment_signed=True, alert=None, visit=None, on=None,
    )  # fmt: skip


# ---------------------------------------------------------------- the steps


def _checks(checks: dict[str, Any]) -> dict[str, bool]:
    if not isinstance(checks, dict) or set(checks) - set(SECURITY_KEYS):
        raise ApplicationError("checks_invalid", "两不愁三保障核查项无效", field="checks")
    return {key: checks.get(key) is True for key in SECURITY_KEYS}


@transaction.atomic
def case_verify(
    *,
    actor: Any,
    case: Case,
    passed: bool,
    findings: str,
    checks: dict[str, Any],
    income_estimate_fen: int | None = None,
    category: str = "",
    risk_types: Sequence[str] | None = None,
    on: date | None = None,
    files: Sequence[Upload] = (),
) -> Case:
    """入户核实: the 两不愁三保障 and drinking-water checklist, an income estimate, the findings."""
    require(actor, STAGE_PERMS[Stage.VERIFY], case.village_id)
    case = _lock(case, Stage.VERIFY)
    day = _day(on, case)
    findings = _findings(findings, required=True, label="核实情况")
    clean_checks = _checks(checks)
    if income_estimate_fen is not None and not 0 <= income_estimate_fen <= 10**12:
        raise ApplicationError("income_invalid", "收入估算应为不小于0的金额", field="income")
    if category and category not in Category.values:
        raise ApplicationError("category_invalid", "监测类型无效", field="category")
    risks = _risk_types(risk_types) if risk_types is not None else list(case.risk_types)
    if passed and case.kind == CaseKind.IDENTIFY:
        category = category or case.category
        if not category:
            raise ApplicationError("category_required", "请确定拟纳入的监测类型", field="category")
        if not risks:
            raise ApplicationError("risks_required", "请选择至少一项风险类型", field="risk_types")
        case.category = category
        case.risk_types = risks
        case.save(update_fields=["category", "risk_types"])
    if passed and case.kind == CaseKind.ELIMINATE and not all(clean_checks.values()):
        raise ApplicationError(
            "checks_not_secured",
            "两不愁三保障及饮水安全尚未全部保障，不能通过风险消除核实",
            field="checks",
        )
    data = {"checks": clean_checks, "income_estimate_fen": income_estimate_fen}
    result = StepResult.PASSED if passed else StepResult.FAILED
    step = _step(case, actor, result, day, findings=findings, data=data, files=files)
    audit(actor, case.village, "case_verify", case, code=case.code, passed=passed,
          overdue=step.overdue)  # fmt: skip
    if not passed:
        return _reject(case, actor, step, findings)
    _advance(case, day)
    return case


@transaction.atomic
def case_compare(
    *,
    actor: Any,
    case: Case,
    passed: bool,
    findings: str,
    results: dict[str, Any],
    on: date | None = None,
    files: Sequence[Upload] = (),
) -> Case:
    """信息比对 by the township: each department's record, normal (True) or not."""
    require(actor, STAGE_PERMS[Stage.COMPARE], case.village_id)
    case = _lock(case, Stage.COMPARE)
    day = _day(on, case)
    if not isinstance(results, dict) or set(results) - set(COMPARE_KEYS):
        raise ApplicationError("results_invalid", "比对项目无效", field="results")
    clean = {key: results.get(key) is True for key in COMPARE_KEYS}
    findings = _findings(findings, required=not passed, label="比对情况")
    step = _step(case, actor, StepResult.PASSED if passed else StepResult.FAILED, day,
                 findings=findings, data={"results": clean}, files=files)  # fmt: skip
    audit(actor, case.village, "case_compare", case, code=case.code, passed=passed,
          overdue=step.overdue)  # fmt: skip
    if not passed:
        return _reject(case, actor, step, findings)
    _advance(case, day)
    return case


def appraisal_outcome(members: int, present: int, votes_for: int, votes_against: int) -> bool:
    """村民代表会议: valid with at least two thirds of the members present; passes with more
    than half of those present in favour. Raises when the numbers do not add up or the
    meeting had no quorum."""
    if members < 1:
        raise ApplicationError("members_invalid", "应到人数至少为1", field="members")
    if not 0 <= present <= members:
        raise ApplicationError("present_invalid", "实到人数应在0至应到人数之间", field="present")
    if votes_for < 0 or votes_against < 0 or votes_for + votes_against > present:
        raise ApplicationError(
            "votes_invalid", "赞成与反对票数之和不能超过实到人数", field="votes_for"
        )
    if present * 3 < members * 2:
        raise ApplicationError(
            "appraise_quorum",
            f"实到{present}人，不足应到{members}人的三分之二，评议无效，请另行召开",
            field="present",
        )
    return votes_for * 2 > present


@transaction.atomic
def case_appraise(
    *,
    actor: Any,
    case: Case,
    members: int,
    present: int,
    votes_for: int,
    votes_against: int,
    findings: str = "",
    on: date | None = None,
    files: Sequence[Upload] = (),
) -> Case:
    """民主评议 (村民代表会议): attendance and votes decide."""
    require(actor, STAGE_PERMS[Stage.APPRAISE], case.village_id)
    case = _lock(case, Stage.APPRAISE)
    day = _day(on, case)
    findings = _findings(findings, required=False, label="评议情况")
    passed = appraisal_outcome(members, present, votes_for, votes_against)
    data = {"members": members, "present": present, "votes_for": votes_for,
            "votes_against": votes_against}  # fmt: skip
    step = _step(case, actor, StepResult.PASSED if passed else StepResult.FAILED, day,
                 findings=findings, data=data, files=files)  # fmt: skip
    audit(actor, case.village, "case_appraise", case, code=case.code, passed=passed, **data)
    if not passed:
        reason = f"赞成{votes_for}票、反对{votes_against}票，未超过实到{present}人的半数"
        if findings:
            reason += f"；{findings}"
        return _reject(case, actor, step, reason)
    _advance(case, day)
    return case


def _mask_name(name: str) -> str:
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def notice_table(case: Case) -> dict[str, Any]:
    """The public table of a case: masked name, group, category, risks; nothing else."""
    head = case.household.members.filter(relation="户主").first() or case.household.members.first()
    name = _mask_name(head.name) if head else "—"
    group = case.household.group.name if case.household.group is not None else "—"
    risks = "、".join(RiskType(r).label for r in case.risk_types if r in RiskType.values) or "—"
    if case.kind == CaseKind.IDENTIFY:
        columns = ["户主", "村民小组", "拟纳入类型", "风险类型"]
        category = Category(case.category).label if case.category else "—"
        return {"columns": columns, "rows": [[name, group, category, risks]]}
    columns = ["户主", "村民小组", "监测类型", "拟消除风险"]
    category = Category(case.category).label if case.category else "—"
    return {"columns": columns, "rows": [[name, group, category, risks]]}


@transaction.atomic
def case_disclose(*, actor: Any, case: Case, on: date | None = None) -> Case:
    """村内公示 through the disclosure module (masked); the period's end is the stage's limit."""
    from cunwu.disclosure.models import Category as NoticeCategory
    from cunwu.disclosure.services import Period, Subject, notice_publish

    require(actor, STAGE_PERMS[Stage.DISCLOSE], case.village_id)
    case = _lock(case, Stage.DISCLOSE)
    if case.notice is not None and case.notice.status in ("published", "pending_signoff"):
        raise ApplicationError("notice_running", "本办件的公示正在进行中", status=409)
    day = _day(on, case)
    policy = _policy(case)
    kind_word = "监测对象识别" if case.kind == CaseKind.IDENTIFY else "监测对象风险消除"
    verb = "纳入" if case.kind == CaseKind.IDENTIFY else "消除风险"
    village = Region.objects.get(code=case.village_id)
    notice = notice_publish(
        actor=actor,
        region=village,
        category=NoticeCategory.MONITORING,
        title=f"{village.name}{kind_word}公示（{case.code}）",
        body=(
            f"<p>经入户核实和民主评议，现将拟{verb}的监测对象公示如下。公示期{policy.disclosure_days}天，如有异议，请在公示期内提出。</p>"
        ),
        rows=notice_table(case),
        period=Period(days=policy.disclosure_days),
        subject=Subject("monitoring.case", str(case.pk)),
    )
    step = _step(case, actor, StepResult.NOTE, day, findings="发布公示",
                 data={"notice": notice.pk})  # fmt: skip
    case.notice = notice
    case.stage_due_on = notice.period_end
    case.save(update_fields=["notice", "stage_due_on"])
    audit(actor, case.village, "case_disclose", case, code=case.code, notice=notice.pk,
          overdue=step.overdue)  # fmt: skip
    return case


def on_notice_closed(sender: Any, notice: Any, outcome: str, **kwargs: Any) -> None:
    """disclosure.signals.notice_closed: a case's 公示 ended (runs inside the closing
    transaction). Passed → 乡镇审核; returned (an objection upheld) → back to 民主评议."""
    if notice.subject_type != "monitoring.case" or not notice.subject_id.isdigit():
        return
    case = (
        Case.objects.select_for_update()
        .filter(
            pk=int(notice.subject_id),
            notice_id=notice.pk,
            stage=Stage.DISCLOSE,
            outcome=Outcome.OPEN,
        )
        .first()
    )
    if case is None:
        return
    day = timezone.localdate()
    if outcome == "passed":
        _step(case, None, StepResult.PASSED, day, findings="公示期满，无异议",
              data={"notice": notice.pk})  # fmt: skip
        _advance(case, day)
        audit(None, case.village_id, "case_disclosed", case, code=case.code, outcome=outcome)
        return
    upheld = [
        o.outcome for o in notice.objections.filter(status="upheld").order_by("handled_at", "pk")
    ]
    findings = "公示期间异议成立，退回重新评议：" + "；".join(upheld)
    _step(case, None, StepResult.RETURNED, day, findings=findings[:MAX_FINDINGS],
          data={"notice": notice.pk, "upheld": len(upheld)})  # fmt: skip
    case.stage = Stage.APPRAISE
    case.returns += 1
    case.stage_due_on = due_after(day, _policy(case).appraise_workdays)
    case.save(update_fields=["stage", "returns", "stage_due_on"])
    audit(None, case.village_id, "case_returned", case, code=case.code, returns=case.returns)


TOWNSHIP_DECISIONS = ("pass", "fail", "return")


@transaction.atomic
def case_township(
    *,
    actor: Any,
    case: Case,
    decision: str,
    findings: str,
    on: date | None = None,
    files: Sequence[Upload] = (),
) -> Case:
    """乡镇审核: pass to the county, reject, or return to the village for a new home check."""
    require(actor, STAGE_PERMS[Stage.TOWNSHIP], case.village_id)
    case = _lock(case, Stage.TOWNSHIP)
    day = _day(on, case)
    if decision not in TOWNSHIP_DECISIONS:
        raise ApplicationError("decision_invalid", "请选择审核意见", field="decision")
    findings = _findings(findings, required=decision != "pass", label="审核意见")
    result = {"pass": StepResult.PASSED, "fail": StepResult.FAILED,
              "return": StepResult.RETURNED}[decision]  # fmt: skip
    step = _step(case, actor, result, day, findings=findings, files=files)
    audit(actor, case.village, "case_township", case, code=case.code, decision=decision,
          overdue=step.overdue)  # fmt: skip
    if decision == "fail":
        return _reject(case, actor, step, findings)
    if decision == "return":
        case.stage = Stage.VERIFY
        case.stage_due_on = due_after(day, _policy(case).verify_workdays)
        case.save(update_fields=["stage", "stage_due_on"])
        return case
    _advance(case, day)
    return case


@transaction.atomic
def case_county(
    *,
    actor: Any,
    case: Case,
    approved: bool,
    findings: str = "",
    on: date | None = None,
    files: Sequence[Upload] = (),
) -> Case:
    """县级审定: approval enters (or eliminates) the monitored household."""
    require(actor, STAGE_PERMS[Stage.COUNTY], case.village_id)
    case = _lock(case, Stage.COUNTY)
    day = _day(on, case)
    findings = _findings(findings, required=not approved, label="审定意见")
    if approved and case.kind == CaseKind.ELIMINATE:
        from ..selectors.cases import elimination_check

        failed = [c for c in elimination_check(_monitored(case), day) if not c.passed]
        if failed:
            raise ApplicationError(
                "elimination_criteria",
                "未达到风险消除条件：" + "；".join(c.reason for c in failed),
            )
    step = _step(case, actor, StepResult.PASSED if approved else StepResult.FAILED, day,
                 findings=findings, files=files)  # fmt: skip
    audit(actor, case.village, "case_county", case, code=case.code, approved=approved,
          overdue=step.overdue)  # fmt: skip
    if not approved:
        return _reject(case, actor, step, findings)
    if case.kind == CaseKind.IDENTIFY:
        monitored = monitoring_enter(
            actor=actor, household=case.household, category=case.category,
            risk_types=list(case.risk_types), on=day, case=case, note=f"识别办件{case.code}",
        )  # fmt: skip
        case.monitored = monitored
        case.save(update_fields=["monitored"])
    else:
        monitoring_eliminate(
            actor=actor, monitored=_monitored(case), on=day, case=case,
            note=f"风险消除办件{case.code}",
        )  # fmt: skip
    _close(case, Outcome.APPROVED, findings or "县级审定通过")
    return case


@transaction.atomic
def case_withdraw(*, actor: Any, case: Case, reason: str, on: date | None = None) -> Case:
    """Withdraw an open case (the applicant asked, a duplicate); a running 公示 is taken down."""
    require(actor, "monitoring.handle", case.village_id)
    case = _lock(case, *STAGE_PERMS)
    day = _day(on, case)
    reason = clean_text(reason, field="reason", label="撤回理由", limit=200)
    step = _step(case, actor, StepResult.NOTE, day, findings=f"撤回：{reason}")
    if case.notice is not None and case.notice.status in ("published", "pending_signoff"):
        from cunwu.disclosure.services import notice_withdraw

        notice_withdraw(actor=actor, notice=case.notice, reason=f"办件撤回：{reason}")
    _close(case, Outcome.WITHDRAWN, reason)
    audit(actor, case.village, "case_withdraw", case, code=case.code, reason=reason,
          stage=step.stage)  # fmt: skip
    return case


@transaction.atomic
def case_file_add(*, actor: Any, case: Case, files: Sequence[Upload]) -> list[CaseFile]:
    """More attachments on the case's latest step (e.g. the signed 承诺授权书 scanned later)."""
    require(actor, "monitoring.handle", case.village_id)
    case = Case.objects.select_for_update().get(pk=case.pk)
    step = case.steps.order_by("-at", "-pk").first()
    before = set(case.files.values_list("pk", flat=True))
    checked = _check_files(files)
    if not checked:
        raise ApplicationError("files_empty", "请选择要上传的文件", field="files")
    for name, data, content_type, extension, sha in checked:
        record = CaseFile(
            case=case, step=step, original_name=name, content_type=content_type,
            size=len(data), sha256=sha, uploaded_by=actor,
        )  # fmt: skip
        record.file.save(f"{sha[:16]}.{extension}", ContentFile(data), save=False)
        record.save()
    audit(actor, case.village_id, "case_file_add", case, code=case.code,
          files=[c[0] for c in checked])  # fmt: skip
    return list(case.files.exclude(pk__in=before))
