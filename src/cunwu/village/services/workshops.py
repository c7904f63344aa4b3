"""Writes of 乡村车间: workshops, their recognition workflow and documents, employment, the
monthly headcount and wages, and the yearly assessment.

Recognition: the village applies (with at least one document), the township reviews (passes →
具备条件或在建, or returns with a reason), the county recognises (已认定) or refuses with a
reason. Each transition is a conditional UPDATE on the workshop's ``stage``, so two people acting
on the same application at once cannot both succeed; the loser gets a 409.

Employment of a person from a monitored household is an employment measure of monitoring
(乡村车间就业), started and ended with the job, as for 公益性岗位. A monthly report is unique per
workshop and month; a correction supersedes the current one (the partial unique constraint makes
two concurrent first reports land once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.crypto import encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text, mask_phone, normalize_phone
from cunwu.core.models import Region, code_prefix
from cunwu.disclosure.content import store_attachments
from cunwu.registry.models import Person, PersonStatus

from ..models_workshops import (
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    AssessmentSheet,
    Employment,
    MonthlyReport,
    PayModel,
    Workshop,
    WorkshopFile,
    WorkshopStage,
    WorkshopState,
    WorkshopStep,
    WorkshopStepKind,
)
from .common import audit, check_date, check_int

PERM = "village.workshop"
REVIEW = "village.workshop_review"
RECOGNISE = "village.workshop_recognise"
ASSESS = "village.assess"
PHONE_CONTEXT = "village.workshop_operator_phone"
MAX_FILES = 10
MAX_HEADCOUNT = 10_000
MAX_WAGES_FEN = 10**10  # 1亿元 a month for one workshop is a typing error
MAX_CRITERIA = 30
GRADES = ((90, "优秀"), (75, "良好"), (60, "合格"))
EARLIEST = date(2015, 1, 1)  # 扶贫车间 began with the targeted poverty alleviation


# ---------------------------------------------------------------- workshops


@dataclass(frozen=True)
class WorkshopData:
    name: str
    operator: str
    operator_phone: str
    premises: str
    products: str
    pay_model: str
    pay_note: str = ""
    asset: Any = None  # an assets.Asset of the workshop's village, or None


def _clean(village_id: str, data: WorkshopData) -> dict[str, Any]:
    if data.pay_model not in PayModel.values:
        raise ApplicationError("pay_model", "请选择薪酬方式", field="pay_model")
    if data.asset is not None and data.asset.village_id != village_id:
        raise ApplicationError("asset_village", "只能选择本村的集体资产", field="asset")
    if data.asset is not None and data.asset.status == "disposed":
        raise ApplicationError("asset_disposed", "该资产已处置，不能作为车间场所", field="asset")
    phone = ""
    if data.operator_phone.strip():
        try:
            phone = normalize_phone(data.operator_phone)
        except ApplicationError as exc:
            raise ApplicationError(exc.code, exc.message, field="operator_phone") from exc
    return {
        "name": clean_text(data.name, field="name", label="车间名称", limit=60),
        "operator": clean_text(data.operator, field="operator", label="经营主体", limit=60),
        "operator_phone_enc": encrypt_text(phone, context=PHONE_CONTEXT) if phone else "",
        "operator_phone_masked": mask_phone(phone) if phone else "",
        "premises": clean_text(data.premises, field="premises", label="场所", limit=200),
        "products": clean_text(data.products, field="products", label="主要产品", limit=200),
        "pay_model": data.pay_model,
        "pay_note": clean_text(
            data.pay_note, field="pay_note", label="薪酬说明", limit=200, required=False
        ),
        "asset": data.asset,
    }


@transaction.atomic
def workshop_create(*, actor: Any, village: Region, data: WorkshopData) -> Workshop:
    """A new workshop of ``village`` (未认定, no application open)."""
    require(actor, PERM, village)
    if village.level != 5:
        raise ApplicationError("village_level", "车间只能登记在村", field="village")
    fields = _clean(village.code, data)
    workshop = Workshop.objects.create(
        village=village, county_code=village.code[:6], created_by=actor, **fields
    )
    audit(actor, village, "workshop_create", workshop, name=workshop.name,
          asset=workshop.asset_id, pay_model=workshop.pay_model)  # fmt: skip
    return workshop


@transaction.atomic
def workshop_update(*, actor: Any, workshop: Workshop, data: WorkshopData) -> Workshop:
    """Change the register data of a workshop (not its recognition state). An empty phone keeps
    the phone on file."""
    require(actor, PERM, workshop.village_id)
    fields = _clean(workshop.village_id, data)
    if not data.operator_phone.strip():
        fields.pop("operator_phone_enc")
        fields.pop("operator_phone_masked")
    changed = {}
    for key, value in fields.items():
        before = getattr(workshop, key)
        if before != value:
            if key != "operator_phone_enc":
                changed[key] = [str(getattr(before, "pk", before) or ""),
                                str(getattr(value, "pk", value) or "")]  # fmt: skip
            setattr(workshop, key, value)
    if changed:
        workshop.save(update_fields=[*fields])
        audit(actor, workshop.village_id, "workshop_update", workshop, changes=changed)
    return workshop


# ---------------------------------------------------------------- files


@transaction.atomic
def workshop_files_add(
    *, actor: Any, workshop: Workshop, files: list[tuple[str, bytes]],
    step: WorkshopStep | None = None,
) -> list[WorkshopFile]:  # fmt: skip
    """Documents of a workshop: PDF, PNG or JPEG up to 10 MB each, checked by their bytes.
    The village uploads them; the township and the county may attach theirs to a step."""
    village = workshop.village_id
    if not any(has_perm_in(actor, p, village) for p in (PERM, REVIEW, RECOGNISE)):
        require(actor, PERM, village)
    if step is not None and step.workshop_id != workshop.pk:
        raise ApplicationError("step_workshop", "该环节不属于此车间", field="step")
    out = store_attachments(
        files, partial(WorkshopFile, workshop=workshop, step=step, uploaded_by=actor),
        limit=MAX_FILES, default_name="file",
    )  # fmt: skip
    audit(actor, village, "workshop_files", workshop, count=len(out),
          names=[f.original_name for f in out])  # fmt: skip
    return out


# ---------------------------------------------------------------- recognition


@dataclass(frozen=True)
class Transition:
    perm: str
    source: str
    target: str
    state: str | None  # the new recognition state, or unchanged
    note_required: bool
    wrong_stage: str


TRANSITIONS: dict[str, Transition] = {
    WorkshopStepKind.APPLY: Transition(
        PERM, WorkshopStage.NONE, WorkshopStage.APPLIED, None, False,
        "该车间已有待办的认定申请",
    ),
    WorkshopStepKind.TOWNSHIP_PASS: Transition(
        REVIEW, WorkshopStage.APPLIED, WorkshopStage.TOWNSHIP_PASSED, WorkshopState.CONDITIONS,
        False, "该车间没有待乡镇审核的申请",
    ),
    WorkshopStepKind.TOWNSHIP_RETURN: Transition(
        REVIEW, WorkshopStage.APPLIED, WorkshopStage.NONE, None, True,
        "该车间没有待乡镇审核的申请",
    ),
    WorkshopStepKind.COUNTY_RECOGNISE: Transition(
        RECOGNISE, WorkshopStage.TOWNSHIP_PASSED, WorkshopStage.NONE, WorkshopState.RECOGNISED,
        False, "该车间没有待县级认定的申请",
    ),
    WorkshopStepKind.COUNTY_REFUSE: Transition(
        RECOGNISE, WorkshopStage.TOWNSHIP_PASSED, WorkshopStage.NONE, None, True,
        "该车间没有待县级认定的申请",
    ),
}  # fmt: skip


@transaction.atomic
def workshop_step(*, actor: Any, workshop: Workshop, kind: str, note: str = "") -> WorkshopStep:
    """One step of 申请 → 乡镇审核 → 县级认定. Applying needs at least one document and a
    workshop not yet recognised; returning and refusing need a reason."""
    rule = TRANSITIONS.get(kind)
    if rule is None:
        raise ApplicationError("step_kind", "请选择办理环节", field="kind")
    require(actor, rule.perm, workshop.village_id)
    note = clean_text(note, field="note", label="意见", limit=300, required=rule.note_required)
    if kind == WorkshopStepKind.APPLY:
        if workshop.state == WorkshopState.RECOGNISED:
            raise ApplicationError("already_recognised", "该车间已认定，无需再申请",
                                   field="kind", status=409)  # fmt: skip
        if not WorkshopFile.objects.filter(workshop=workshop).exists():
            raise ApplicationError("files_missing", "申请认定须先上传至少一份材料",
                                   field="kind")  # fmt: skip
    changes: dict[str, Any] = {"stage": rule.target}
    if rule.state is not None:
        changes["state"] = rule.state
    moved = Workshop.objects.filter(pk=workshop.pk, stage=rule.source).update(**changes)
    if not moved:
        raise ApplicationError("wrong_stage", rule.wrong_stage, field="kind", status=409)
    step = WorkshopStep.objects.create(workshop=workshop, kind=kind, note=note, actor=actor)
    workshop.refresh_from_db(fields=["stage", "state"])
    audit(actor, workshop.village_id, f"workshop_{kind}", workshop, step=step.pk, note=note,
          state=workshop.state)  # fmt: skip
    return step


# ---------------------------------------------------------------- employment


@transaction.atomic
def employment_start(
    *, actor: Any, workshop: Workshop, person: Person, start_on: date
) -> Employment:
    """``person`` (of the workshop's county) starts work; a monitored household gets a
    乡村车间就业 measure, which needs the actor's monitoring scope over the person's village."""
    require(actor, PERM, workshop.village_id)
    start_on = check_date(start_on, field="start_on", label="入职日期")
    if start_on > timezone.localdate():
        raise ApplicationError("start_on_future", "入职日期不能晚于今天", field="start_on")
    if start_on < EARLIEST:
        raise ApplicationError("start_on_early", "入职日期不能早于2015年", field="start_on")
    household = person.household
    if household.village_id[:6] != workshop.county_code:
        raise ApplicationError("person_county", "只能登记本县人员", field="person")
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_status", f"{person.name}不在册", field="person")
    if Employment.objects.filter(workshop=workshop, person=person, end_on=None).exists():
        raise ApplicationError("employment_exists", f"{person.name}已在该车间务工",
                               field="person", status=409)  # fmt: skip
    monitored = getattr(household, "monitoring", None)
    measure = None
    if monitored is not None:
        if not has_perm_in(actor, "monitoring.assist", monitored.village_id):
            raise ApplicationError(
                "measure_scope",
                f"{person.name}家为监测对象，用工须作为帮扶措施登记：请由其所在村或乡镇干部登记",
                field="person",
            )
        from cunwu.monitoring.models import MeasureType
        from cunwu.monitoring.services.measures import measure_add

        measure = measure_add(
            actor=actor, monitored=monitored, measure_type=MeasureType.WORKSHOP,
            description=f"到{workshop.name}务工（{workshop.get_pay_model_display()}）",
            start_on=start_on, department=workshop.name[:100],
        )  # fmt: skip
    try:
        with transaction.atomic():
            employment = Employment.objects.create(
                workshop=workshop, village_id=workshop.village_id,
                county_code=workshop.county_code, person=person, start_on=start_on,
                poverty="|脱贫户|" in (household.tags or ""), monitored=monitored is not None,
                measure=measure, created_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ApplicationError("employment_exists", f"{person.name}已在该车间务工",
                               field="person", status=409) from exc  # fmt: skip
    audit(
        actor, workshop.village_id, "workshop_employment_start", employment,
        workshop=workshop.pk, person=person.pk, start_on=start_on.isoformat(),
        measure=measure.pk if measure else None,
    )  # fmt: skip
    return employment


@transaction.atomic
def employment_end(*, actor: Any, employment: Employment, end_on: date, reason: str) -> Employment:
    """The person leaves the workshop on ``end_on``; the measure ends with the job."""
    require(actor, PERM, employment.village_id)
    end_on = check_date(end_on, field="end_on", label="离职日期")
    reason = clean_text(reason, field="reason", label="离职原因", limit=200)
    if end_on < employment.start_on:
        raise ApplicationError("end_before_start", "离职日期不能早于入职日期", field="end_on")
    if end_on > timezone.localdate():
        raise ApplicationError("end_on_future", "离职日期不能晚于今天", field="end_on")
    ended = Employment.objects.filter(pk=employment.pk, end_on=None).update(
        end_on=end_on, end_reason=reason
    )
    if not ended:
        raise ApplicationError("employment_ended", "该人员已离职", field="end_on", status=409)
    employment.refresh_from_db()
    if employment.measure is not None and employment.measure.end_on is None:
        from cunwu.monitoring.services.measures import measure_end

        measure_end(actor=actor, measure=employment.measure, end_on=end_on, note=reason)
    audit(actor, employment.village_id, "workshop_employment_end", employment,
          end_on=end_on.isoformat(), reason=reason)  # fmt: skip
    return employment


# ---------------------------------------------------------------- monthly reports


@transaction.atomic
def report_add(
    *, actor: Any, workshop: Workshop, month: date, headcount: int, poverty_headcount: int,
    wages_fen: int, note: str = "", supersedes: MonthlyReport | None = None,
) -> MonthlyReport:  # fmt: skip
    """The headcount and wages of ``month``; a second report of a month must be a correction
    (``supersedes`` the current one, with a note)."""
    require(actor, PERM, workshop.village_id)
    month = check_date(month, field="month", label="月份").replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ApplicationError("month_future", "不能填报以后月份", field="month")
    headcount = check_int(headcount, field="headcount", label="用工人数", low=0, high=MAX_HEADCOUNT)
    poverty_headcount = check_int(poverty_headcount, field="poverty_headcount",
                             label="脱贫人口和监测对象人数", low=0, high=headcount)  # fmt: skip
    wages_fen = check_int(wages_fen, field="wages_fen", label="发放工资", low=0, high=MAX_WAGES_FEN)
    note = clean_text(note, field="note", label="更正说明", limit=200,
                      required=supersedes is not None)  # fmt: skip
    label = f"{month.year}年{month.month}月"
    if supersedes is not None:
        if supersedes.workshop_id != workshop.pk or supersedes.month != month:
            raise ApplicationError("supersedes_mismatch", f"所更正的不是本车间{label}的月报",
                                   field="month")  # fmt: skip
        retired = MonthlyReport.objects.filter(pk=supersedes.pk, current=True).update(current=False)
        if not retired:
            raise ApplicationError("report_superseded", f"{label}的这份月报已被更正，请刷新后再试",
                                   status=409)  # fmt: skip
    elif MonthlyReport.objects.filter(workshop=workshop, month=month, current=True).exists():
        raise ApplicationError("report_exists", f"{label}的月报已填报，如有错误请更正",
                               field="month", status=409)  # fmt: skip
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(
                workshop=workshop, village_id=workshop.village_id,
                county_code=workshop.county_code, month=month, headcount=headcount,
                poverty_headcount=poverty_headcount, wages_fen=wages_fen, note=note,
                supersedes=supersedes, created_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ApplicationError("report_exists", f"{label}的月报已填报，如有错误请更正",
                               field="month", status=409) from exc  # fmt: skip
    audit(actor, workshop.village_id, "workshop_report", report, month=month.isoformat(),
          headcount=headcount, poverty_headcount=poverty_headcount, wages_fen=wages_fen,
          supersedes=supersedes.pk if supersedes else None)  # fmt: skip
    return report


# ---------------------------------------------------------------- assessment


def grade_of(total: int, max_total: int) -> str:
    """优秀 ≥ 90%, 良好 ≥ 75%, 合格 ≥ 60% of the sheet's maximum (exact: integer arithmetic),
    else 不合格."""
    for percent, grade in GRADES:
        if total * 100 >= percent * max_total:
            return grade
    return "不合格"


def sheet_covers(sheet: AssessmentSheet, village_code: str) -> bool:
    return village_code.startswith(code_prefix(sheet.region_id, sheet.region.level))


@transaction.atomic
def sheet_create(
    *, actor: Any, region: Region, year: int, name: str, criteria: list[tuple[str, int]]
) -> AssessmentSheet:
    """A county's or township's criteria sheet: its items in order, each with its maximum."""
    require(actor, ASSESS, region)
    if region.level not in (3, 4):
        raise ApplicationError("sheet_region", "考核表由县或乡镇制定", field="region")
    this_year = timezone.localdate().year
    year = check_int(year, field="year", label="年度", low=2015, high=this_year + 1)
    name = clean_text(name, field="name", label="考核表名称", limit=60)
    if not criteria:
        raise ApplicationError("criteria_empty", "请填写考核项目", field="criteria")
    if len(criteria) > MAX_CRITERIA:
        raise ApplicationError("criteria_many", f"考核项目至多{MAX_CRITERIA}项", field="criteria")
    items = []
    for raw_name, raw_score in criteria:
        item_name = clean_text(raw_name, field="criteria", label="考核项目", limit=100)
        max_score = check_int(raw_score, field="criteria", label=f"“{item_name}”的分值", low=1,
                         high=1000)  # fmt: skip
        items.append((item_name, max_score))
    if len({n for n, _ in items}) != len(items):
        raise ApplicationError("criteria_duplicate", "考核项目不能重复", field="criteria")
    if AssessmentSheet.objects.filter(region=region, year=year, name=name).exists():
        raise ApplicationError("sheet_exists", f"{year}年已有考核表“{name}”", field="name")
    sheet = AssessmentSheet.objects.create(region=region, year=year, name=name, created_by=actor)
    AssessmentCriterion.objects.bulk_create(
        AssessmentCriterion(sheet=sheet, order=i, name=n, max_score=m)
        for i, (n, m) in enumerate(items, start=1)
    )
    audit(actor, region, "workshop_sheet_create", sheet, year=year, name=name,
          criteria=[[n, m] for n, m in items])  # fmt: skip
    return sheet


@transaction.atomic
def sheet_set_active(*, actor: Any, sheet: AssessmentSheet, active: bool) -> AssessmentSheet:
    require(actor, ASSESS, sheet.region_id)
    AssessmentSheet.objects.filter(pk=sheet.pk).update(active=active)
    sheet.active = active
    audit(actor, sheet.region_id, "workshop_sheet_active", sheet, active=active)
    return sheet


@transaction.atomic
def assessment_record(
    *, actor: Any, workshop: Workshop, sheet: AssessmentSheet, scores: dict[int, int],
    note: str = "",
) -> Assessment:  # fmt: skip
    """The year's assessment of ``workshop`` against ``sheet``: a score 0..max for every item;
    once per workshop and sheet."""
    require(actor, ASSESS, workshop.village_id)
    if not sheet.active:
        raise ApplicationError("sheet_inactive", "该考核表已停用", field="sheet")
    if not sheet_covers(sheet, workshop.village_id):
        raise ApplicationError("sheet_scope", "该考核表不适用于此车间", field="sheet")
    note = clean_text(note, field="note", label="说明", limit=300, required=False)
    criteria = list(sheet.criteria.order_by("order"))
    unknown = set(scores) - {c.pk for c in criteria}
    if unknown:
        raise ApplicationError("score_unknown", "得分中有不属于该考核表的项目", field="scores")
    values = []
    for c in criteria:
        if c.pk not in scores:
            raise ApplicationError("score_missing", f"请为“{c.name}”打分", field=f"item_{c.pk}")
        values.append((c, check_int(scores[c.pk], field=f"item_{c.pk}", label=f"“{c.name}”得分",
                               low=0, high=c.max_score)))  # fmt: skip
    if Assessment.objects.filter(workshop=workshop, sheet=sheet).exists():
        raise ApplicationError("assessment_exists", f"该车间已按“{sheet}”考核",
                               field="sheet", status=409)  # fmt: skip
    total = sum(v for _c, v in values)
    max_total = sum(c.max_score for c in criteria)
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                workshop=workshop, village_id=workshop.village_id, sheet=sheet, assessor=actor,
                total=total, max_total=max_total, grade=grade_of(total, max_total), note=note,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ApplicationError("assessment_exists", f"该车间已按“{sheet}”考核",
                               field="sheet", status=409) from exc  # fmt: skip
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, criterion=c, score=v) for c, v in values
    )
    audit(actor, workshop.village_id, "workshop_assess", assessment, sheet=sheet.pk,
          total=total, max_total=max_total, grade=assessment.grade,
          scores={str(c.pk): v for c, v in values})  # fmt: skip
    return assessment


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"
