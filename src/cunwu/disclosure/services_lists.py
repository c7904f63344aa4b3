"""Writes of the four lists (四清单), their cases (办件) and 四议两公开 decisions.

Lists: a county (or township) keeps template items; a village adopts one (a copy of its own)
and adjusts it. Every change is a new version; the old one stays, retired, and the cases begun
under it keep following its steps.

Cases: opened on an active item of the village, moved step by step (each step's deadline counts
working days under the official holiday calendar), followed by the applicant with a code;
``cunwu cases escalate`` flags a step past its deadline to the township once.

Decisions (四议两公开): 村党组织提议 → 村“两委”会议商议 → 党员大会审议 → 村民代表会议或村民会议
决议 → 决议公开 → 实施结果公开. Each meeting is checked against the quorum and majority rules of
村民委员会组织法 (:data:`DEFAULT_QUORUM`, overridable by ``settings.CUNWU_QUORUM``); the two
disclosures go out through :func:`disclosure.services.notice_publish`, and the outcome of their
periods (``notice_closed``) moves the decision on or back to the 两委.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from cunwu.accounts.permissions import require
from cunwu.core import workdays
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel
from cunwu.core.services.audit import audit_append

from . import content
from .models import Category, Notice
from .models_lists import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Decision,
    DecisionRecord,
    DecisionStage,
    DecisionStatus,
    ListItem,
    ListKind,
    ListStep,
    MeetingBody,
)
from .services import Period, Subject, notice_publish

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
CODE_LENGTH = 10
MAX_STEPS = 20
MAX_STEP_DAYS = 60
MAX_TEXT = 2_000
DECISION_SUBJECT = "disclosure.decision"
# 决议公开 and 实施结果公开 stay up this many days; settings.CUNWU_DECISION_NOTICE_DAYS overrides
DEFAULT_DECISION_NOTICE_DAYS = 5


# ---------------------------------------------------------------- quorum rules


@dataclass(frozen=True)
class Threshold:
    """``value / base`` must be more than (``strict``) or at least ``num / den``."""

    num: int
    den: int
    strict: bool

    def met(self, value: int, base: int) -> bool:
        if self.strict:
            return value * self.den > self.num * base
        return value * self.den >= self.num * base

    def minimum(self, base: int) -> int:
        """The smallest whole ``value`` that meets the threshold over ``base``."""
        if self.strict:
            return self.num * base // self.den + 1
        return -(-self.num * base // self.den)

    @property
    def label(self) -> str:
        """过半数, 三分之二以上 (以上 includes the figure itself, as the law reads)."""
        names = {(1, 2): "半数", (2, 3): "三分之二", (3, 4): "四分之三"}
        name = names.get((self.num, self.den), f"{self.num}/{self.den}")
        if self.strict:
            return "过半数" if name == "半数" else f"超过{name}"
        return f"{name}以上"


# 村民委员会组织法 (2018): 第22条 村民会议 — more than half of the adults, or representatives of
# at least two thirds of the households; more than half of those present. 第26条 村民代表会议 —
# two thirds of its members; more than half of those present. 四议两公开: 党员大会 with at least
# two thirds of the members, a majority of those present. The 两委 joint meeting: more than
# half present, more than half of those present (local practice; set it to what the province
# rules). Values are (num, den, strict); settings.CUNWU_QUORUM overrides any body's entry.
DEFAULT_QUORUM: dict[str, dict[str, tuple[int, int, bool]]] = {
    MeetingBody.TWO_COMMITTEES: {"quorum": (1, 2, True), "majority": (1, 2, True)},
    MeetingBody.PARTY_MEMBERS: {"quorum": (2, 3, False), "majority": (1, 2, True)},
    MeetingBody.REPRESENTATIVES: {"quorum": (2, 3, False), "majority": (1, 2, True)},
    MeetingBody.VILLAGERS: {
        "quorum": (1, 2, True),
        "households": (2, 3, False),
        "majority": (1, 2, True),
    },
}


def quorum_rules(body: str) -> dict[str, Threshold]:
    rules = {**DEFAULT_QUORUM.get(body, {}), **getattr(settings, "CUNWU_QUORUM", {}).get(body, {})}
    return {name: Threshold(*value) for name, value in rules.items()}


def decision_notice_days() -> int:
    days = int(getattr(settings, "CUNWU_DECISION_NOTICE_DAYS", DEFAULT_DECISION_NOTICE_DAYS))
    if not 1 <= days <= 60:
        raise ValueError("CUNWU_DECISION_NOTICE_DAYS: 1 to 60")
    return days


@dataclass(frozen=True)
class Meeting:
    """A meeting's attendance and votes; ``households``/``households_present`` only for a
    村民会议 counted by household representatives."""

    held_on: date
    eligible: int
    present: int
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0
    households: int | None = None
    households_present: int | None = None


_WHO = {
    MeetingBody.TWO_COMMITTEES: "成员",
    MeetingBody.PARTY_MEMBERS: "党员",
    MeetingBody.REPRESENTATIVES: "村民代表",
    MeetingBody.VILLAGERS: "年满十八周岁的村民",
}


def _check_numbers(meeting: Meeting) -> None:
    numbers = [meeting.eligible, meeting.present, meeting.votes_for, meeting.votes_against,
               meeting.votes_abstain]  # fmt: skip
    if any(n < 0 for n in numbers):
        raise ApplicationError("meeting_negative", "人数和票数不能为负数", field="present")
    if meeting.eligible < 1:
        raise ApplicationError("meeting_eligible", "应到人数至少为1", field="eligible")
    if meeting.present > meeting.eligible:
        raise ApplicationError("meeting_present", "实到人数不能多于应到人数", field="present")
    cast = meeting.votes_for + meeting.votes_against + meeting.votes_abstain
    if cast > meeting.present:
        raise ApplicationError(
            "meeting_votes",
            f"赞成、反对、弃权合计{cast}票，多于实到人数{meeting.present}人",
            field="votes_for",
        )
    if (meeting.households is None) != (meeting.households_present is None):
        raise ApplicationError(
            "meeting_households", "按户计算时请同时填写总户数和到会代表户数", field="households"
        )
    if meeting.households is not None and meeting.households_present is not None:
        if meeting.households < 1 or meeting.households_present < 0:
            raise ApplicationError("meeting_households", "户数有误", field="households")
        if meeting.households_present > meeting.households:
            raise ApplicationError(
                "meeting_households", "到会代表户数不能多于总户数", field="households_present"
            )


def meeting_outcome(body: str, meeting: Meeting) -> tuple[bool, str]:
    """(passed, why not) of a meeting under the quorum and majority rules of ``body``.
    Inconsistent numbers raise ``ApplicationError``; a failed quorum or vote does not."""
    _check_numbers(meeting)
    rules = quorum_rules(body)
    who = _WHO.get(MeetingBody(body), "成员")
    quorum, majority = rules["quorum"], rules["majority"]
    by_households = rules.get("households")
    quorate = quorum.met(meeting.present, meeting.eligible)
    if (
        not quorate
        and by_households is not None
        and meeting.households is not None
        and meeting.households_present is not None
    ):
        quorate = by_households.met(meeting.households_present, meeting.households)
    if not quorate:
        message = (
            f"到会{who}{meeting.present}人，未达到应到{meeting.eligible}人的{quorum.label}"
            f"（至少{quorum.minimum(meeting.eligible)}人）"
        )
        if by_households is not None:
            if meeting.households is not None and meeting.households_present is not None:
                message += (
                    f"，到会代表{meeting.households_present}户也未达到总户数"
                    f"{meeting.households}户的{by_households.label}"
                    f"（至少{by_households.minimum(meeting.households)}户）"
                )
            else:
                message += f"，也没有按户（{by_households.label}的户的代表）计算"
        return False, message + "，会议不能作出决定"
    if not majority.met(meeting.votes_for, meeting.present):
        return False, (
            f"赞成{meeting.votes_for}票，未达到到会{meeting.present}人的{majority.label}"
            f"（至少{majority.minimum(meeting.present)}票），未通过"
        )
    return True, ""


# ---------------------------------------------------------------- helpers


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _line(text: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = " ".join(str(text).split())
    if required and not text:
        raise ApplicationError(f"{field}_required", f"请填写{label}", field=field)
    if len(text) > limit or "\x00" in text:
        raise ApplicationError(f"{field}_long", f"{label}不能超过{limit}字", field=field)
    return text


def _text(
    text: str, *, field: str, label: str, limit: int = MAX_TEXT, required: bool = False
) -> str:
    text = str(text).replace("\r\n", "\n").strip()
    if required and not text:
        raise ApplicationError(f"{field}_required", f"请填写{label}", field=field)
    if len(text) > limit or "\x00" in text:
        raise ApplicationError(f"{field}_long", f"{label}不能超过{limit}字", field=field)
    return content.mask_numbers(text)


def _not_future(day: date, field: str, label: str) -> date:
    if day > timezone.localdate():
        raise ApplicationError(f"{field}_future", f"{label}不能晚于今天", field=field)
    return day


# ---------------------------------------------------------------- list items


@dataclass(frozen=True)
class StepData:
    name: str
    actor: str
    limit_days: int = 0
    disclose: str = ""


@dataclass(frozen=True)
class ItemData:
    kind: str
    name: str
    responsible: str
    basis: str = ""
    materials: str = ""
    disclosure: str = ""


def _clean_item(data: ItemData) -> ItemData:
    if data.kind not in ListKind.values:
        raise ApplicationError("list_kind", "清单类别无效", field="kind")
    return ItemData(
        kind=data.kind,
        name=_line(data.name, field="name", label="事项名称", limit=100),
        responsible=_line(data.responsible, field="responsible", label="责任主体", limit=100),
        basis=_text(data.basis, field="basis", label="办理依据"),
        materials=_text(data.materials, field="materials", label="所需材料"),
        disclosure=_text(data.disclosure, field="disclosure", label="公开要求"),
    )


def _clean_steps(steps: Sequence[StepData]) -> list[StepData]:
    if not steps:
        raise ApplicationError("steps_required", "请至少填写一个办理环节", field="steps")
    if len(steps) > MAX_STEPS:
        raise ApplicationError("steps_many", f"办理环节至多{MAX_STEPS}个", field="steps")
    clean = []
    for i, step in enumerate(steps, start=1):
        try:
            days = int(step.limit_days)
        except (TypeError, ValueError):
            days = -1
        if not 0 <= days <= MAX_STEP_DAYS:
            raise ApplicationError(
                "step_days", f"第{i}个环节的时限应为0到{MAX_STEP_DAYS}个工作日", field="steps"
            )
        name = " ".join(str(step.name).split())
        actor = " ".join(str(step.actor).split())
        if not name or not actor:
            raise ApplicationError(
                "step_incomplete", f"第{i}个环节缺少环节名称或办理主体", field="steps"
            )
        if len(name) > 60 or len(actor) > 60 or len(step.disclose) > 200:
            raise ApplicationError("step_long", f"第{i}个环节的内容过长", field="steps")
        clean.append(StepData(name, actor, days, " ".join(str(step.disclose).split())))
    return clean


def _item_summary(item: ListItem, steps: Sequence[StepData]) -> dict[str, Any]:
    return {
        "key": item.key,
        "kind": item.kind,
        "name": item.name,
        "version": item.version,
        "steps": [[s.name, s.actor, s.limit_days] for s in steps],
    }


def _save_version(
    item: ListItem, steps: Sequence[StepData], actor: Any, note: str = ""
) -> ListItem:
    item.created_by = actor if getattr(actor, "is_authenticated", False) else None
    item.change_note = note
    item.save()
    ListStep.objects.bulk_create(
        ListStep(item=item, order=i, name=s.name, actor=s.actor, limit_days=s.limit_days,
                 disclose=s.disclose)
        for i, s in enumerate(steps, start=1)
    )  # fmt: skip
    return item


def _steps_of(item: ListItem) -> list[StepData]:
    return [StepData(s.name, s.actor, s.limit_days, s.disclose) for s in item.steps.all()]


def _list_region(region: Region) -> None:
    if region.level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise ApplicationError("list_region", "清单只能由县、乡镇或村制定", field="region")


@transaction.atomic
def list_item_create(
    *,
    actor: Any,
    region: Region,
    data: ItemData,
    steps: Sequence[StepData],
) -> ListItem:
    """A new item of ``region``'s lists (a county or township template, or a village's own)."""
    require(actor, "disclosure.manage_lists", region)
    return _create(actor, region, data, steps)


def _create(
    actor: Any,
    region: Region,
    data: ItemData,
    steps: Sequence[StepData],
    *,
    key: str = "",
    example: bool = False,
) -> ListItem:
    _list_region(region)
    clean = _clean_item(data)
    clean_steps = _clean_steps(steps)
    key = key or secrets.token_hex(4)
    if ListItem.objects.filter(region=region, key=key).exists():
        raise ApplicationError("list_key", "该事项已存在", status=409)
    item = ListItem(
        region=region, county_code=region.code[:6], key=key, example=example, **asdict(clean)
    )
    _save_version(item, clean_steps, actor, "示例，请按本地实际调整" if example else "")
    audit_append(
        actor=actor, region=region, action="disclosure.list_item_create", obj=item,
        payload={**_item_summary(item, clean_steps), "example": example},
    )  # fmt: skip
    return item


@transaction.atomic
def list_seed(*, county: Region) -> int:
    """Load the example county template (:mod:`disclosure.seed_lists`) into ``county``; items
    already there are left alone. Run by the operator (``cunwu lists seed``); returns how many
    items were added."""
    from .seed_lists import SEED

    if county.level != RegionLevel.COUNTY:
        raise ApplicationError("seed_county", f"{county.name}不是县级区划", field="county")
    existing = set(ListItem.objects.filter(region=county).values_list("key", flat=True))
    added = 0
    for key, kind, name, responsible, basis, materials, disclosure, steps in SEED:
        if key in existing:
            continue
        data = ItemData(kind=kind, name=name, responsible=responsible, basis=basis,
                        materials=materials, disclosure=disclosure)  # fmt: skip
        _create(None, county, data, [StepData(*s) for s in steps], key=key, example=True)
        added += 1
    return added


def _ancestor_of(template: Region, region: Region) -> bool:
    return template.level < region.level and region.code.startswith(
        template.code[: {RegionLevel.COUNTY: 6, RegionLevel.TOWNSHIP: 9}.get(
            RegionLevel(template.level), 12)]
    )  # fmt: skip


@transaction.atomic
def list_item_adopt(*, actor: Any, template: ListItem, region: Region) -> ListItem:
    """A township or village adopts a template of its county (or township): a copy of the
    current version of its own, which it may then adjust."""
    require(actor, "disclosure.manage_lists", region)
    _list_region(region)
    template = ListItem.objects.select_related("region").get(pk=template.pk)
    if not template.active:
        raise ApplicationError("list_template_old", "该版本已停用，请采用现行版本", status=409)
    if not _ancestor_of(template.region, region):
        raise ApplicationError(
            "list_template_region", "只能采用上级（县或乡镇）制定的清单模板", field="region"
        )
    if ListItem.objects.filter(region=region, key=template.key, active=True).exists():
        raise ApplicationError(
            "list_adopted", f"{region.name}已采用“{template.name}”，请在本地版本上修改", status=409
        )
    version = ListItem.objects.filter(region=region, key=template.key).order_by("-version").first()
    steps = _steps_of(template)
    copy = ListItem(
        region=region, county_code=region.code[:6], key=template.key, kind=template.kind,
        name=template.name, basis=template.basis, responsible=template.responsible,
        materials=template.materials, disclosure=template.disclosure,
        version=(version.version + 1) if version else 1, based_on=template,
        example=template.example,
    )  # fmt: skip
    _save_version(copy, steps, actor, f"采用{template.region.name}模板第{template.version}版")
    audit_append(
        actor=actor, region=region, action="disclosure.list_item_adopt", obj=copy,
        payload={**_item_summary(copy, steps), "template": template.pk,
                 "template_region": template.region_id,
                 "template_version": template.version},
    )  # fmt: skip
    return copy


@transaction.atomic
def list_item_revise(
    *, actor: Any, item: ListItem, data: ItemData, steps: Sequence[StepData], note: str
) -> ListItem:
    """Change an item: a new version that becomes the current one; the old one is retired and
    stays, with the cases begun under it."""
    require(actor, "disclosure.manage_lists", item.region)
    clean = _clean_item(data)
    clean_steps = _clean_steps(steps)
    note = _line(note, field="note", label="修订说明", limit=200)
    current = ListItem.objects.select_for_update().filter(pk=item.pk).first()
    if current is None or not current.active:
        raise ApplicationError(
            "list_item_old", "该版本已不是现行版本，请在现行版本上修改", status=409
        )
    if clean.kind != current.kind:
        raise ApplicationError("list_kind_change", "事项不能改到另一张清单", field="kind")
    before = _item_summary(current, _steps_of(current))
    ListItem.objects.filter(pk=current.pk).update(active=False)
    new = ListItem(
        region=current.region, county_code=current.county_code, key=current.key,
        version=current.version + 1, based_on=current.based_on, example=False,
        **asdict(clean),
    )  # fmt: skip
    _save_version(new, clean_steps, actor, note)
    after = _item_summary(new, clean_steps)
    audit_append(
        actor=actor, region=new.region, action="disclosure.list_item_revise", obj=new,
        payload={"key": new.key, "version": new.version, "previous": current.pk, "note": note,
                 "changed": sorted(k for k in after if k != "version" and before[k] != after[k]),
                 "before": before, "after": after},
    )  # fmt: skip
    return new


@transaction.atomic
def list_item_retire(*, actor: Any, item: ListItem, reason: str) -> ListItem:
    """Stop using an item (no new cases); its versions and cases stay on record."""
    require(actor, "disclosure.manage_lists", item.region)
    reason = _line(reason, field="reason", label="停用理由", limit=200)
    if not ListItem.objects.filter(pk=item.pk, active=True).update(active=False):
        raise ApplicationError("list_item_old", "该版本已停用", status=409)
    item.refresh_from_db()
    audit_append(
        actor=actor, region=item.region, action="disclosure.list_item_retire", obj=item,
        payload={"key": item.key, "version": item.version, "reason": reason},
    )  # fmt: skip
    return item


# ---------------------------------------------------------------- cases


def _step_deadline(start: date, step: ListStep | None) -> tuple[date | None, str]:
    if step is None or step.limit_days == 0:
        return None, ""
    span = workdays.period(start, step.limit_days, "working")
    return span.end, span.warning.message if span.warning else ""


def _event(
    case: Case, kind: str, actor: Any, step: ListStep | None, note: str = "", **file: Any
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None,
        step_order=step.order if step else None, step_name=step.name if step else "",
        note=note, **file,
    )  # fmt: skip


def _audit_case(actor: Any, case: Case, action: str, **payload: Any) -> None:
    audit_append(
        actor=actor, region=case.village, action=f"disclosure.case_{action}", obj=case,
        payload={"code": case.code, "item": case.item_id, "step": case.step_order, **payload},
    )  # fmt: skip


def _attachment(name: str, data: bytes | None) -> dict[str, Any]:
    if not data:
        return {}
    content_type, extension, sha256 = content.check_attachment(name, data)
    stored = ContentFile(data, name=f"{sha256[:16]}{extension}")
    return {"file": stored, "original_name": (name.rsplit("/", 1)[-1] or "附件")[:200],
            "content_type": content_type, "size": len(data), "sha256": sha256}  # fmt: skip


@transaction.atomic
def case_open(
    *,
    actor: Any,
    item: ListItem,
    applicant_name: str,
    summary: str = "",
    person_id: int | None = None,
    household_id: int | None = None,
    today: date | None = None,
) -> Case:
    """Accept an application under the current version of a village's item; its first step
    starts today and is due ``limit`` working days later (today itself does not count)."""
    item = ListItem.objects.select_related("region").get(pk=item.pk)
    require(actor, "disclosure.handle_cases", item.region)
    if item.region.level != RegionLevel.VILLAGE:
        raise ApplicationError(
            "case_template", "请先由本村采用该事项，再按本村的事项受理", field="item"
        )
    if not item.active:
        raise ApplicationError("case_item_old", "该事项版本已停用，请按现行版本受理", field="item")
    steps = list(item.steps.all())
    if not steps:
        raise ApplicationError("case_no_steps", "该事项没有办理环节", field="item")
    name = _line(applicant_name, field="applicant_name", label="申请人姓名", limit=50)
    for value, field in ((person_id, "person_id"), (household_id, "household_id")):
        if value is not None and value < 1:
            raise ApplicationError("case_ref", "人员或户的编号无效", field=field)
    today = today or timezone.localdate()
    due, warning = _step_deadline(today, steps[0])
    case = Case.objects.create(
        village=item.region, county_code=item.county_code, item=item, code=new_code(),
        applicant_name=name, person_id=person_id, household_id=household_id,
        summary=_text(summary, field="summary", label="申请事由"),
        step_order=steps[0].order, step_started=today, step_due=due, due_warning=warning,
        opened_by=actor,
    )  # fmt: skip
    _event(case, CaseEventKind.OPEN, actor, steps[0])
    _audit_case(actor, case, "open", version=item.version,
                due=due.isoformat() if due else "")  # fmt: skip
    return case


def _locked_case(case: Case, step_order: int | None) -> Case:
    locked = Case.objects.select_for_update().select_related("village", "item").get(pk=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise ApplicationError(
            "case_state", f"该办件{locked.get_status_display()}，不能再办理", status=409
        )
    if step_order is not None and locked.step_order != step_order:
        raise ApplicationError(
            "case_step_moved", "该办件的环节已变化，请刷新页面后再办理", status=409
        )
    return locked


def _move(case: Case, step: ListStep | None, today: date) -> None:
    if step is None:
        case.status = CaseStatus.DONE
        case.step_order = None
        case.step_started = None
        case.step_due = None
        case.due_warning = ""
        case.closed_at = timezone.now()
    else:
        case.step_order = step.order
        case.step_started = today
        case.step_due, case.due_warning = _step_deadline(today, step)
    case.escalated_at = None  # each step is escalated once when it runs late
    case.save()


@transaction.atomic
def case_advance(
    *,
    actor: Any,
    case: Case,
    step_order: int | None = None,
    note: str = "",
    attachment_name: str = "",
    attachment: bytes | None = None,
    today: date | None = None,
) -> Case:
    """The step under way is done: the next one starts today (or the case is finished).
    ``step_order`` is the step the actor saw, so that a double submission moves it once."""
    require(actor, "disclosure.handle_cases", case.village)
    file = _attachment(attachment_name, attachment)
    case = _locked_case(case, step_order)
    steps = list(case.item.steps.all())
    current = next(s for s in steps if s.order == case.step_order)
    later = [s for s in steps if s.order > current.order]
    today = today or timezone.localdate()
    _event(case, CaseEventKind.DONE, actor, current,
           _text(note, field="note", label="办理说明"), **file)  # fmt: skip
    _move(case, later[0] if later else None, today)
    _audit_case(actor, case, "advance", done=current.order, status=case.status,
                due=case.step_due.isoformat() if case.step_due else "",
                sha256=file.get("sha256", ""))  # fmt: skip
    return case


@transaction.atomic
def case_return(
    *, actor: Any, case: Case, note: str, step_order: int | None = None, today: date | None = None
) -> Case:
    """Send the case back to the previous step (materials missing, a check failed), which
    starts again today with its full time limit."""
    require(actor, "disclosure.handle_cases", case.village)
    note = _text(note, field="note", label="退回理由", required=True)
    case = _locked_case(case, step_order)
    steps = list(case.item.steps.all())
    current = next(s for s in steps if s.order == case.step_order)
    earlier = [s for s in steps if s.order < current.order]
    if not earlier:
        raise ApplicationError("case_first_step", "已是第一个环节，不能再退回", status=409)
    _event(case, CaseEventKind.RETURN, actor, current, note)
    _move(case, earlier[-1], today or timezone.localdate())
    _audit_case(actor, case, "return", returned=current.order, note=note)
    return case


@transaction.atomic
def case_comment(
    *,
    actor: Any,
    case: Case,
    note: str,
    attachment_name: str = "",
    attachment: bytes | None = None,
) -> CaseEvent:
    """A note (and perhaps a document) on the case, without moving it."""
    require(actor, "disclosure.handle_cases", case.village)
    file = _attachment(attachment_name, attachment)
    note = _text(note, field="note", label="备注", required=not file)
    case = Case.objects.select_related("village", "item").get(pk=case.pk)
    step = case.item.steps.filter(order=case.step_order).first() if case.step_order else None
    event = _event(case, CaseEventKind.COMMENT, actor, step, note, **file)
    _audit_case(actor, case, "comment", sha256=file.get("sha256", ""))
    return event


@transaction.atomic
def case_stop(*, actor: Any, case: Case, reason: str) -> Case:
    """Stop a case that will not be handled (withdrawn, not eligible), with the reason."""
    require(actor, "disclosure.handle_cases", case.village)
    reason = _text(reason, field="reason", label="终止理由", required=True)
    case = _locked_case(case, None)
    step = case.item.steps.filter(order=case.step_order or 0).first()
    _event(case, CaseEventKind.STOP, actor, step, reason)
    case.status = CaseStatus.STOPPED
    case.step_due = None
    case.closed_at = timezone.now()
    case.save()
    _audit_case(actor, case, "stop", reason=reason)
    return case


def cases_escalate_due(*, today: date | None = None) -> int:
    """Flag every case whose step is past its deadline to the township, once per step (a
    conditional update claims each, so it is safe to run twice or from two machines)."""
    today = today or timezone.localdate()
    due = Case.objects.filter(
        status=CaseStatus.OPEN, step_due__lt=today, escalated_at__isnull=True
    ).values_list("pk", "step_order")
    escalated = 0
    for pk, step_order in list(due):
        with transaction.atomic():
            if not Case.objects.filter(
                pk=pk, step_order=step_order, status=CaseStatus.OPEN, escalated_at__isnull=True
            ).update(escalated_at=timezone.now()):
                continue
            case = Case.objects.select_related("village", "item").get(pk=pk)
            step = case.item.steps.filter(order=step_order or 0).first()
            late = workdays.working_days_between(case.step_due, today) if case.step_due else 0
            _event(case, CaseEventKind.ESCALATE, None, step, f"超过期限{late}个工作日")
            due_text = case.step_due.isoformat() if case.step_due else ""
            _audit_case(None, case, "escalate", due=due_text, late=late)
            escalated += 1
    return escalated


# ---------------------------------------------------------------- decisions (四议两公开)

MEETING_BODIES: dict[int, tuple[str, ...]] = {
    DecisionStage.CONSULTATION: (MeetingBody.TWO_COMMITTEES,),
    DecisionStage.PARTY_REVIEW: (MeetingBody.PARTY_MEMBERS,),
    DecisionStage.RESOLUTION: (MeetingBody.REPRESENTATIVES, MeetingBody.VILLAGERS),
}


def _audit_decision(actor: Any, decision: Decision, action: str, **payload: Any) -> None:
    audit_append(
        actor=actor, region=decision.village, action=f"disclosure.decision_{action}",
        obj=decision, payload={"title": decision.title, "stage": decision.stage, **payload},
    )  # fmt: skip


@transaction.atomic
def decision_create(
    *, actor: Any, village: Region, title: str, description: str, proposed_on: date, note: str = ""
) -> Decision:
    """A major matter proposed by the village Party organisation (四议 第一议): recorded with the
    date of the proposal; the 两委 consultation comes next."""
    require(actor, "disclosure.decide", village)
    if village.level != RegionLevel.VILLAGE:
        raise ApplicationError("decision_village", "四议两公开由村办理", field="village")
    title = _line(title, field="title", label="事项", limit=120)
    description = _text(description, field="description", label="内容", required=True)
    proposed_on = _not_future(proposed_on, "held_on", "提议日期")
    decision = Decision.objects.create(
        village=village, county_code=village.code[:6], title=title, description=description,
        stage=DecisionStage.CONSULTATION, created_by=actor,
    )  # fmt: skip
    DecisionRecord.objects.create(
        decision=decision, stage=DecisionStage.PROPOSAL, body=MeetingBody.PARTY_BRANCH,
        held_on=proposed_on, passed=True, note=_text(note, field="note", label="说明"),
        recorded_by=actor,
    )  # fmt: skip
    _audit_decision(actor, decision, "create", proposed_on=proposed_on.isoformat())
    return decision


def _locked_decision(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().select_related("village").get(pk=decision.pk)


@transaction.atomic
def decision_record_meeting(
    *, actor: Any, decision: Decision, body: str, meeting: Meeting, note: str = ""
) -> DecisionRecord:
    """Record the meeting of the current stage. A meeting without its quorum or majority is
    recorded as failed (``passed`` False, ``failure`` says why) and the decision stays at the
    stage; one that passes moves it to the next."""
    require(actor, "disclosure.decide", decision.village)
    decision = _locked_decision(decision)
    if decision.status != DecisionStatus.OPEN or decision.stage not in MEETING_BODIES:
        raise ApplicationError(
            "decision_stage",
            f"当前环节为“{DecisionStage(decision.stage).label}”，不是会议环节",
            status=409,
        )
    if body not in MEETING_BODIES[decision.stage]:
        allowed = "或".join(str(MeetingBody(b).label) for b in MEETING_BODIES[decision.stage])
        raise ApplicationError("decision_body", f"本环节应由{allowed}进行", field="body")
    _not_future(meeting.held_on, "held_on", "会议日期")
    last = decision.records.order_by("-held_on").values_list("held_on", flat=True).first()
    if last is not None and meeting.held_on < last:
        raise ApplicationError(
            "decision_date_order", "会议日期不能早于上一环节的日期", field="held_on"
        )
    if body != MeetingBody.VILLAGERS and meeting.households is not None:
        meeting = replace(meeting, households=None, households_present=None)
    passed, failure = meeting_outcome(body, meeting)
    record = DecisionRecord.objects.create(
        decision=decision, stage=decision.stage, body=body, held_on=meeting.held_on,
        eligible=meeting.eligible, present=meeting.present, households=meeting.households,
        households_present=meeting.households_present, votes_for=meeting.votes_for,
        votes_against=meeting.votes_against, votes_abstain=meeting.votes_abstain,
        passed=passed, failure=failure, note=_text(note, field="note", label="说明"),
        recorded_by=actor,
    )  # fmt: skip
    stage = decision.stage
    if passed:
        decision.stage = stage + 1
        decision.save(update_fields=["stage", "updated_at"])
    _audit_decision(
        actor, decision, "meeting", meeting_stage=stage, body=body, passed=passed,
        failure=failure, eligible=meeting.eligible, present=meeting.present,
        votes=[meeting.votes_for, meeting.votes_against, meeting.votes_abstain],
    )  # fmt: skip
    return record


@transaction.atomic
def decision_publish(*, actor: Any, decision: Decision, text: str) -> Notice:
    """决议公开 (after the resolution) or 实施结果公开 (after carrying it out): a 村务 notice
    with its disclosure period, through ``notice_publish``; the notice's outcome moves the
    decision on (:func:`decision_notice_closed`)."""
    require(actor, "disclosure.decide", decision.village)
    decision = _locked_decision(decision)
    stage = decision.stage
    if decision.status != DecisionStatus.OPEN or stage not in (
        DecisionStage.RESOLUTION_NOTICE,
        DecisionStage.RESULT_NOTICE,
    ):
        raise ApplicationError(
            "decision_stage",
            f"当前环节为“{DecisionStage(stage).label}”，还不能公开",
            status=409,
        )
    text = _text(text, field="text", label="公开内容", required=True)
    title = (
        f"{decision.title}{'决议' if stage == DecisionStage.RESOLUTION_NOTICE else '实施结果'}公开"
    )
    if stage == DecisionStage.RESOLUTION_NOTICE:
        resolution = (
            decision.records.filter(stage=DecisionStage.RESOLUTION, passed=True)
            .order_by("-pk")
            .first()
        )
        if resolution is not None:
            text += (
                f"\n{resolution.held_on.year}年{resolution.held_on.month}月{resolution.held_on.day}日"
                f"{resolution.get_body_display()}：应到{resolution.eligible}人，实到"
                f"{resolution.present}人；赞成{resolution.votes_for}票，反对"
                f"{resolution.votes_against}票，弃权{resolution.votes_abstain}票。"
            )
    body = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n") if line.strip())
    notice = notice_publish(
        actor=actor, region=decision.village, category=Category.VILLAGE, title=title[:120],
        body=body, period=Period(days=decision_notice_days()),
        subject=Subject(DECISION_SUBJECT, str(decision.pk)),
    )  # fmt: skip
    DecisionRecord.objects.create(
        decision=decision, stage=stage, held_on=timezone.localdate(), notice=notice,
        note=text, recorded_by=actor,
    )  # fmt: skip
    decision.status = DecisionStatus.NOTICE
    decision.save(update_fields=["status", "updated_at"])
    end = notice.period_end.isoformat() if notice.period_end else ""
    _audit_decision(actor, decision, "publish", notice=notice.pk, period_end=end)
    return notice


def decision_notice_closed(*, notice: Notice, outcome: str) -> Decision | None:
    """A disclosure of a decision ended (inside the transaction that closes the notice):
    passed → the next stage (or done); returned → back to the 两委 consultation with the
    objections upheld noted."""
    if notice.subject_type != DECISION_SUBJECT or not notice.subject_id.isdigit():
        return None
    decision = (
        Decision.objects.select_for_update()
        .select_related("village")
        .filter(pk=int(notice.subject_id))
        .first()
    )
    if decision is None:
        return None
    record = decision.records.filter(notice=notice).first()
    if record is None or record.passed is not None or decision.status != DecisionStatus.NOTICE:
        return None  # already handled
    passed = outcome == "passed"
    record.passed = passed
    if passed:
        decision.stage = record.stage + 1
        decision.status = (
            DecisionStatus.DONE if decision.stage == DecisionStage.DONE else DecisionStatus.OPEN
        )
    else:
        upheld = [
            o.outcome for o in notice.objections.filter(status="upheld").order_by("handled_at")
        ]
        record.failure = "公示期间异议成立"
        decision.stage = DecisionStage.CONSULTATION
        decision.status = DecisionStatus.OPEN
        decision.returned_note = (
            f"“{notice.title}”公示期间异议成立，退回村“两委”会议重新商议。"
            + "".join(f"\n异议处理结果：{text}" for text in upheld)
        )[:MAX_TEXT]
    record.save(update_fields=["passed", "failure"])
    decision.save(update_fields=["stage", "status", "returned_note", "updated_at"])
    _audit_decision(None, decision, "notice_closed", notice=notice.pk, outcome=outcome,
                    notice_stage=record.stage)  # fmt: skip
    return decision


def on_notice_closed(sender: Any, notice: Notice, outcome: str, **kwargs: Any) -> None:
    """``notice_closed`` receiver (connected in ``DisclosureConfig.ready``)."""
    decision_notice_closed(notice=notice, outcome=outcome)
