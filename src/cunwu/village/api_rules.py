"""The rules part of 乡村治理 over the API: 村规民约与公约, their versions (drafts edited,
adoption with the meeting's votes), acknowledgements (a cadre's paper ticks, a villager's own
confirmation) and the coverage. Scoped like the pages: outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.pages import need
from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.registry.selectors import own_household

from .models_rules import Rule, RuleVersion, RuleVersionStatus
from .selectors import rules as selectors
from .services import rules as services

router = Router()
VIEW = "village.view"
MANAGE = "village.manage"
ACKNOWLEDGE = "village.acknowledge"


class RuleOut(Schema):
    id: int
    village: str
    village_name: str
    kind: str
    kind_label: str
    current_version: int | None
    current_number: int | None
    current_title: str | None


class RuleIn(Schema):
    village: Text = Field(max_length=12)
    kind: Text = Field(max_length=12)


class RuleFilter(PageParams):
    q: Text = Field("", max_length=50)
    village: Text = Field("", max_length=12)


class ClauseOut(Schema):
    order: int
    text: str
    points_item: int | None


class VersionOut(Schema):
    id: int
    rule: int
    number: int
    title: str
    preamble: str
    status: str
    clauses: list[ClauseOut]
    meeting_kind: str
    meeting_on: dt.date | None
    members: int | None
    present: int | None
    votes_for: int | None
    votes_against: int | None
    filed_on: dt.date | None
    filed_with: str
    notice: int | None


class RuleDetailOut(RuleOut):
    versions: list[VersionOut]


class VersionIn(Schema):
    title: Text = Field("", max_length=100)
    preamble: Text | None = Field(None, max_length=services.PREAMBLE_LIMIT)
    clauses: list[Text] | None = Field(None, max_length=services.MAX_CLAUSES)


class VersionPatch(Schema):
    title: Text | None = Field(None, max_length=100)
    preamble: Text | None = Field(None, max_length=services.PREAMBLE_LIMIT)
    clauses: list[Text] | None = Field(None, max_length=services.MAX_CLAUSES)


class RuleAdoptIn(Schema):
    meeting_kind: Text = Field(max_length=16)
    meeting_on: Date
    members: int = Field(ge=1, le=services.MAX_MEMBERS)
    present: int = Field(ge=0, le=services.MAX_MEMBERS)
    votes_for: int = Field(ge=0, le=services.MAX_MEMBERS)
    votes_against: int = Field(0, ge=0, le=services.MAX_MEMBERS)
    filed_on: Date | None = None
    filed_with: Text = Field("", max_length=100)


class AckIn(Schema):
    households: list[int] = Field(
        default_factory=list, max_length=services.MAX_ACK_BATCH,
        description="纸质签字的户（村干部）；村民本人确认时留空",
    )  # fmt: skip


class AckOut(Schema):
    household: int
    number: str
    way: str


class RuleGroupOut(Schema):
    name: str
    total: int
    acknowledged: int
    percent: str
    missing: list[str]


class CoverageOut(Schema):
    version: int
    total: int
    acknowledged: int
    paper: int
    phone: int
    percent: str
    groups: list[RuleGroupOut]


def _rule(r: Rule, current: RuleVersion | None = None) -> dict[str, Any]:
    if current is None and not hasattr(r, "current_pk"):
        current = selectors.current_of(r)
    return {
        "id": r.pk, "village": r.village_id, "village_name": r.village.name, "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "current_version": current.pk if current else getattr(r, "current_pk", None),
        "current_number": current.number if current else getattr(r, "current_number", None),
        "current_title": current.title if current else getattr(r, "current_title", None),
    }  # fmt: skip


def _version(v: RuleVersion) -> dict[str, Any]:
    return {
        "id": v.pk, "rule": v.rule_id, "number": v.number, "title": v.title,
        "preamble": v.preamble, "status": v.status,
        "clauses": [{"order": c.order, "text": c.text, "points_item": c.points_item_id}
                    for c in v.clauses.order_by("order")],
        "meeting_kind": v.meeting_kind, "meeting_on": v.meeting_on, "members": v.members,
        "present": v.present, "votes_for": v.votes_for, "votes_against": v.votes_against,
        "filed_on": v.filed_on, "filed_with": v.filed_with, "notice": v.notice_id,
    }  # fmt: skip


@router.get("/rules", response={200: Page[RuleOut], **ERRORS}, summary="村规民约与公约",
            operation_id="rule_list")  # fmt: skip
def rule_list(request: HttpRequest, filters: Query[RuleFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    qs = selectors.rules(user=request.user, q=filters.q, village=filters.village)
    page = paginate(qs, filters)
    page["items"] = [_rule(r) for r in page["items"]]
    return page


@router.post("/rules", response={201: RuleOut, **ERRORS}, summary="制定村规民约或公约",
             operation_id="rule_create")  # fmt: skip
def rule_create(request: HttpRequest, body: RuleIn) -> Status[dict[str, Any]]:
    village = Region.objects.filter(code=body.village).first()
    if village is None or not has_perm_in(request.user, VIEW, village):
        raise Http404
    rule = services.rule_create(actor=request.user, village=village, kind=body.kind)
    return Status(201, _rule(rule))


@router.get("/rules/{rule_id}", response={200: RuleDetailOut, **ERRORS},
            summary="村规民约详情（各版本）", operation_id="rule_detail")  # fmt: skip
def rule_detail(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    rule = selectors.rule_get(user=request.user, pk=rule_id)
    versions = list(rule.versions.prefetch_related("clauses").order_by("-number"))
    current = next((v for v in versions if v.status == RuleVersionStatus.ADOPTED), None)
    return {**_rule(rule, current), "versions": [_version(v) for v in versions]}


@router.post("/rules/{rule_id}/versions", response={201: VersionOut, **ERRORS},
             summary="起草新版本（不给条款时复制现行版本）",
             operation_id="rule_version_create")  # fmt: skip
def rule_version_create(
    request: HttpRequest, rule_id: int, body: VersionIn
) -> Status[dict[str, Any]]:
    rule = selectors.rule_get(user=request.user, pk=rule_id)
    version = services.rule_version_create(
        actor=request.user, rule=rule, title=body.title, preamble=body.preamble,
        clauses=body.clauses,
    )  # fmt: skip
    return Status(201, _version(version))


@router.get("/rule-versions/{version_id}", response={200: VersionOut, **ERRORS},
            summary="版本详情", operation_id="rule_version_detail")  # fmt: skip
def rule_version_detail(request: HttpRequest, version_id: int) -> dict[str, Any]:
    return _version(selectors.version_get(user=request.user, pk=version_id))


@router.patch("/rule-versions/{version_id}", response={200: VersionOut, **ERRORS},
              summary="修改草稿", operation_id="rule_version_update")  # fmt: skip
def rule_version_update(
    request: HttpRequest, version_id: int, body: VersionPatch
) -> dict[str, Any]:
    version = selectors.version_get(user=request.user, pk=version_id)
    clauses = body.clauses
    if clauses is None:
        clauses = list(version.clauses.order_by("order").values_list("text", flat=True))
    version = services.rule_version_update(
        actor=request.user, version=version,
        title=version.title if body.title is None else body.title,
        preamble=version.preamble if body.preamble is None else body.preamble, clauses=clauses,
    )  # fmt: skip
    return _version(version)


@router.post("/rule-versions/{version_id}/adopt", response={200: VersionOut, **ERRORS},
             summary="登记表决结果（通过并公布）", operation_id="rule_version_adopt")  # fmt: skip
def rule_version_adopt(request: HttpRequest, version_id: int, body: RuleAdoptIn) -> dict[str, Any]:
    version = selectors.version_get(user=request.user, pk=version_id)
    version = services.rule_version_adopt(
        actor=request.user, version=version, meeting_kind=body.meeting_kind,
        meeting_on=body.meeting_on, members=body.members, present=body.present,
        votes_for=body.votes_for, votes_against=body.votes_against, filed_on=body.filed_on,
        filed_with=body.filed_with,
    )  # fmt: skip
    return _version(version)


@router.post("/rule-versions/{version_id}/acknowledgements",
             response={201: list[AckOut], **ERRORS},
             summary="签订：村干部登记纸质签字的户，村民为自家确认",
             operation_id="rule_acknowledge")  # fmt: skip
def rule_acknowledge(
    request: HttpRequest, version_id: int, body: AckIn
) -> Status[list[dict[str, Any]]]:
    user = request.user
    if body.households:
        version = selectors.version_get(user=user, pk=version_id)
        households = list(Household.objects.filter(pk__in=body.households,
                                                   village_id=version.village_id))  # fmt: skip
        if len(households) != len(set(body.households)):
            raise Http404
        made = services.acknowledgements_paper(actor=user, version=version, households=households)
    else:
        household = own_household(user)
        if household is None or not has_perm_in(user, ACKNOWLEDGE, household.village_id):
            if scope_prefixes(user, MANAGE) != []:
                raise ApplicationError("rule_ack_empty", "请勾选已签字的户", field="households")
            raise PermissionDenied("只有登记在本村户籍中的村民可以为自家确认")
        found = RuleVersion.objects.filter(pk=version_id, village_id=household.village_id).first()
        if found is None:
            raise Http404
        made = [services.acknowledgement_confirm(actor=user, version=found)]
    return Status(201, [{"household": a.household_id, "number": a.household.number,
                         "way": a.way} for a in made])  # fmt: skip


@router.get("/rule-versions/{version_id}/coverage", response={200: CoverageOut, **ERRORS},
            summary="签订情况（按村民小组）", operation_id="rule_coverage")  # fmt: skip
def rule_coverage(request: HttpRequest, version_id: int) -> dict[str, Any]:
    version = selectors.version_get(user=request.user, pk=version_id)
    cov = selectors.coverage(version)
    return {
        "version": version.pk, "total": cov.total, "acknowledged": cov.acknowledged,
        "paper": cov.paper, "phone": cov.phone, "percent": cov.percent,
        "groups": [{"name": g.name, "total": g.total, "acknowledged": g.acknowledged,
                    "percent": g.percent, "missing": [h.number for h in g.missing]}
                   for g in cov.groups],
    }  # fmt: skip
