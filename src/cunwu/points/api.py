"""The points system (积分制) over the API, under /points.

Scoped like the pages: rulebooks, versions, events, batches and balances of a village the caller
may not see are 404 (a township's or county's template is also seen by the villages below it).
Writes go through the services, which check permissions (403) and rules (400/409 with
``{code, message, field}``). Photos (required by some items) are uploaded through the web form
(``/points/events/new/`` or a villager's ``/points/declare/``); an item that needs one is
refused here with ``photo_required``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.permissions import has_perm_in
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.registry.models import Household, Person, PersonStatus

from . import selectors, services
from .models import (
    CapPeriod,
    Evidence,
    PointEvent,
    Rulebook,
    RulebookVersion,
    RuleItem,
    Unit,
)

router = Router(tags=["积分制"])

VersionStatusName = Literal["draft", "disclosing", "effective", "returned"]
EventStatusName = Literal["proposed", "approved", "rejected", "disclosing", "effective"]
BatchStatusName = Literal["disclosing", "passed", "returned"]
UnitName = Literal["event", "month", "quarter", "year"]
CapPeriodName = Literal["month", "quarter", "year"]
EvidenceName = Literal["none", "photo"]
ProposerName = Literal["villager", "cadre", "grid"]
Region12 = Field(pattern=r"^\d{12}$", description="区划代码（12位）")


# ---------------------------------------------------------------- schemas


class PointsRulebookOut(Schema):
    id: int
    region: str
    region_name: str
    is_template: bool
    name: str
    reset_yearly: bool


class PointsVersionOut(Schema):
    id: int
    rulebook: int
    region: str
    region_name: str
    number: int
    status: str
    status_label: str
    note: str
    star_thresholds: list[int]
    copied_from: int | None
    resolution_date: dt.date | None
    members_total: int | None
    members_present: int | None
    votes_for: int | None
    effective_requested: dt.date | None
    effective_from: dt.date | None
    notice: int | None = Field(description="公示公告编号")


class PointsItemOut(Schema):
    id: int
    category: str
    code: str
    name: str
    points: int
    points_min: int
    points_max: int
    unit: str
    cap: int | None
    cap_period: str
    evidence: str
    proposers: list[str]
    repeat_same_day: bool
    valid_from: dt.date | None
    valid_until: dt.date | None


class PointsVersionDetailOut(PointsVersionOut):
    items: list[PointsItemOut]


class PointsVersionFilter(PageParams):
    region: Text = Field("", max_length=12, description="区划代码（12位）")
    status: VersionStatusName | None = None


class PointsVersionIn(Schema):
    copy_from: int | None = Field(
        None, ge=1, description="复制的版本（本乡镇或本县已发布的模板）；不填则复制本细则上一版"
    )
    note: Text = Field("", max_length=200)


class PointsItemIn(Schema):
    category: Text = Field(max_length=30)
    code: Text = Field(max_length=10)
    name: Text = Field(max_length=100)
    points: int = Field(ge=-services.MAX_ITEM_POINTS, le=services.MAX_ITEM_POINTS)
    points_min: int | None = Field(None, ge=-services.MAX_ITEM_POINTS, le=services.MAX_ITEM_POINTS)
    points_max: int | None = Field(None, ge=-services.MAX_ITEM_POINTS, le=services.MAX_ITEM_POINTS)
    unit: UnitName = "event"
    cap: int | None = Field(None, ge=1, le=100 * services.MAX_ITEM_POINTS)
    cap_period: CapPeriodName = "year"
    evidence: EvidenceName = "none"
    proposers: list[ProposerName] = Field(["villager", "cadre", "grid"], max_length=3)
    repeat_same_day: bool = False
    valid_from: Date | None = None
    valid_until: Date | None = None

    def data(self) -> services.ItemData:
        return services.ItemData(
            category=self.category, code=self.code, name=self.name, points=self.points,
            points_min=self.points_min, points_max=self.points_max, unit=Unit(self.unit),
            cap=self.cap, cap_period=CapPeriod(self.cap_period),
            evidence=Evidence(self.evidence), proposers=[str(p) for p in self.proposers],
            repeat_same_day=self.repeat_same_day, valid_from=self.valid_from,
            valid_until=self.valid_until,
        )  # fmt: skip


class PointsSettingsIn(Schema):
    star_thresholds: list[int] = Field(min_length=1, max_length=10)
    note: Text = Field("", max_length=200)


class PointsAdoptIn(Schema):
    resolution_date: Date
    members_total: int = Field(ge=0, le=10_000)
    members_present: int = Field(ge=0, le=10_000)
    votes_for: int = Field(ge=0, le=10_000)
    effective_from: Date | None = None
    period_days: int = Field(services.MIN_RULEBOOK_PERIOD, ge=1, le=60)


class PointsRecordAdoptedIn(Schema):
    resolution_date: Date
    members_total: int = Field(ge=0, le=10_000)
    members_present: int = Field(ge=0, le=10_000)
    votes_for: int = Field(ge=0, le=10_000)
    disclosed_from: Date = Field(description="纸质公示开始日期")
    disclosed_until: Date = Field(description="纸质公示截止日期")
    effective_from: Date = Field(description="施行日期（不晚于今天）")


class PointsOpeningRowIn(Schema):
    number: Text = Field(max_length=20, description="户编号")
    head: Text = Field(max_length=50, description="户主姓名（与户籍登记一致）")
    cumulative: int = Field(ge=-10_000_000, le=10_000_000, description="累计积分")
    available: int = Field(ge=-10_000_000, le=10_000_000, description="可用积分")


class PointsOpeningIn(Schema):
    as_of: Date = Field(description="结转日期（不晚于今天）")
    rows: list[PointsOpeningRowIn] = Field(min_length=1, max_length=services.MAX_OPENING_ROWS)
    dry_run: bool = Field(False, description="只校验，不结转")


class PointsOpeningOut(Schema):
    booked: bool = Field(description="是否已结转（只校验时为 false）")
    households: int
    cumulative: int = Field(description="累计积分合计")
    available: int = Field(description="可用积分合计")


class PointsEventOut(Schema):
    id: int
    village: str
    household: int
    household_number: str
    person: str
    item: int
    item_code: str
    item_name: str
    date: dt.date
    points: int
    description: str
    has_photo: bool
    source: str
    status: str
    status_label: str
    reverses: int | None
    proposed_by: str
    proposed_at: dt.datetime
    reviewed_by: str
    reviewed_at: dt.datetime | None
    review_note: str
    batch: int | None
    effective_at: dt.datetime | None


class PointsEventFilter(PageParams):
    status: EventStatusName | None = None
    village: Text = Field("", max_length=12)
    group: int | None = Field(None, ge=1, le=2_147_483_647)
    item: Text = Field("", max_length=10, description="事项编号")
    q: Text = Field("", max_length=50, description="户编号或户主姓名")
    start: Date | None = None
    end: Date | None = None
    batch: int | None = Field(None, ge=1, le=2_147_483_647)


class PointsEventIn(Schema):
    household: int = Field(ge=1, le=2_147_483_647)
    item: int = Field(ge=1, le=2_147_483_647)
    date: Date
    points: int | None = Field(None, ge=-10_000, le=10_000, description="不填按事项分值")
    person: int | None = Field(None, ge=1, le=2_147_483_647, description="获得人（该户在册成员）")
    description: Text = Field("", max_length=services.MAX_DESCRIPTION)


class PointsReviewIn(Schema):
    approve: bool
    points: int | None = Field(
        None, ge=-10_000, le=10_000, description="调整后的分值（须写明理由）"
    )
    note: Text = Field("", max_length=200, description="审核意见：调整分值或不予通过时必填")


class PointsReverseIn(Schema):
    reason: Text = Field(max_length=200)


class PointsBatchOut(Schema):
    id: int
    village: str
    title: str
    status: str
    status_label: str
    notice: int | None
    notice_status: str
    period_end: dt.date | None
    events: int
    total: int
    created_at: dt.datetime
    closed_at: dt.datetime | None


class PointsBatchFilter(PageParams):
    village: Text = Field("", max_length=12)
    status: BatchStatusName | None = None


class PointsBatchIn(Schema):
    village: Text = Region12
    title: Text = Field("", max_length=120)
    period_days: int = Field(services.DEFAULT_BATCH_PERIOD, ge=1, le=60)
    period_unit: Literal["natural", "working"] = "natural"
    events: list[int] | None = Field(
        None, max_length=services.MAX_BATCH_EVENTS, description="不填则公示本村全部待公示的申报"
    )


class PointsBalanceOut(Schema):
    household: int
    village: str
    number: str
    head: str
    group: str
    cumulative: int
    available: int


class PointsBalanceFilter(PageParams):
    village: Text = Field("", max_length=12)
    group: int | None = Field(None, ge=1, le=2_147_483_647)
    q: Text = Field("", max_length=50)


class PointsEntryOut(Schema):
    id: int
    date: dt.date
    kind: str
    kind_label: str
    memo: str
    person: str
    event: int | None
    change_cumulative: int
    change_available: int
    cumulative: int = Field(description="本行后的累计积分")
    available: int = Field(description="本行后的可用积分")
    created_at: dt.datetime


class PointsStatementOut(PointsBalanceOut):
    rank: int
    households: int
    stars: int
    entries: list[PointsEntryOut]


class PointsRankingFilter(Schema):
    village: Text = Region12
    group: int | None = Field(None, ge=1, le=2_147_483_647)
    start: Date | None = Field(None, description="期间起（含）；起止都不填按累计积分排行")
    end: Date | None = Field(None, description="期间止（含）")


class PointsRankOut(Schema):
    rank: int
    household: int
    number: str
    head: str
    group: str
    points: int
    stars: int


# ---------------------------------------------------------------- helpers


def _rulebook(b: Rulebook) -> dict[str, Any]:
    return {
        "id": b.pk, "region": b.region_id, "region_name": b.region.name,
        "is_template": b.is_template, "name": b.name, "reset_yearly": b.reset_yearly,
    }  # fmt: skip


def _version(v: RulebookVersion) -> dict[str, Any]:
    return {
        "id": v.pk, "rulebook": v.rulebook_id, "region": v.rulebook.region_id,
        "region_name": v.rulebook.region.name, "number": v.number, "status": v.status,
        "status_label": v.get_status_display(), "note": v.note, "star_thresholds": v.thresholds,
        "copied_from": v.copied_from_id, "resolution_date": v.resolution_date,
        "members_total": v.members_total, "members_present": v.members_present,
        "votes_for": v.votes_for, "effective_requested": v.effective_requested,
        "effective_from": v.effective_from, "notice": v.notice_id,
    }  # fmt: skip


def _item(i: RuleItem, category: str | None = None) -> dict[str, Any]:
    return {
        "id": i.pk, "category": category or i.category.name, "code": i.code, "name": i.name,
        "points": i.points, "points_min": i.points_min, "points_max": i.points_max,
        "unit": i.unit, "cap": i.cap, "cap_period": i.cap_period, "evidence": i.evidence,
        "proposers": sorted(i.proposer_set), "repeat_same_day": i.repeat_same_day,
        "valid_from": i.valid_from, "valid_until": i.valid_until,
    }  # fmt: skip


def _version_detail(v: RulebookVersion) -> dict[str, Any]:
    items = [_item(i, g.category.name) for g in selectors.items_by_category(v) for i in g.items]
    return {**_version(v), "items": items}


def _event(e: PointEvent) -> dict[str, Any]:
    return {
        "id": e.pk, "village": e.village_id, "household": e.household_id,
        "household_number": e.household.number, "person": e.person.name if e.person else "",
        "item": e.item_id, "item_code": e.item.code, "item_name": e.item.name, "date": e.date,
        "points": e.points, "description": e.description, "has_photo": bool(e.photo),
        "source": e.source, "status": e.status, "status_label": e.get_status_display(),
        "reverses": e.reverses_id, "proposed_by": str(e.proposed_by or ""),
        "proposed_at": e.proposed_at, "reviewed_by": str(e.reviewed_by or ""),
        "reviewed_at": e.reviewed_at, "review_note": e.review_note, "batch": e.batch_id,
        "effective_at": e.effective_at,
    }  # fmt: skip


def _batch(b: Any) -> dict[str, Any]:
    return {
        "id": b.pk, "village": b.village_id, "title": b.title, "status": b.status,
        "status_label": b.get_status_display(), "notice": b.notice_id,
        "notice_status": b.notice.get_status_display() if b.notice else "",
        "period_end": b.notice.period_end if b.notice else None,
        "events": b.n_events, "total": b.n_total or 0, "created_at": b.created_at,
        "closed_at": b.closed_at,
    }  # fmt: skip


def _balance(h: Any) -> dict[str, Any]:
    return {
        "household": h.pk, "village": h.village_id, "number": h.number, "head": h.head or "",
        "group": h.group.name if h.group else "", "cumulative": h.cumulative,
        "available": h.available,
    }  # fmt: skip


def _in_scope_version(request: HttpRequest, pk: int) -> RulebookVersion:
    selectors.require_any(request.user)
    return selectors.version_get(actor=request.user, pk=pk)


# ---------------------------------------------------------------- rulebooks


@router.get(
    "/rulebooks", response={200: Page[PointsRulebookOut], **ERRORS}, summary="积分细则（含模板）"
)
def rulebook_list(request: HttpRequest, filters: Query[PageParams]) -> dict[str, Any]:
    selectors.require_any(request.user)
    page = paginate(selectors.rulebooks(actor=request.user), filters)
    page["items"] = [_rulebook(b) for b in page["items"]]
    return page


@router.get("/versions", response={200: Page[PointsVersionOut], **ERRORS}, summary="细则版本列表")
def version_list(request: HttpRequest, filters: Query[PointsVersionFilter]) -> dict[str, Any]:
    selectors.require_any(request.user)
    qs = selectors.versions(actor=request.user, region=filters.region, status=filters.status or "")
    page = paginate(qs, filters)
    page["items"] = [_version(v) for v in page["items"]]
    return page


@router.get(
    "/versions/{int:pk}",
    response={200: PointsVersionDetailOut, **ERRORS},
    summary="细则版本及其事项",
)
def version_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _version_detail(_in_scope_version(request, pk))


@router.post(
    "/rulebooks/{code}/versions",
    response={201: PointsVersionDetailOut, **ERRORS},
    summary="起草新版本（复制上一版或乡镇、县模板）",
)
def version_create(
    request: HttpRequest, code: str, body: PointsVersionIn
) -> Status[dict[str, Any]]:
    selectors.require_any(request.user)
    region = selectors.region_get(actor=request.user, code=code)
    source = None
    if body.copy_from is not None:
        source = selectors.version_get(actor=request.user, pk=body.copy_from)
    rulebook = services.rulebook_for(actor=request.user, region=region)
    version = services.version_create(
        actor=request.user, rulebook=rulebook, copy_from=source, note=body.note
    )
    return Status(201, _version_detail(selectors.version_get(actor=request.user, pk=version.pk)))


@router.post(
    "/versions/{int:pk}/items", response={201: PointsItemOut, **ERRORS}, summary="草稿版本添加事项"
)
def item_add(request: HttpRequest, pk: int, body: PointsItemIn) -> Status[dict[str, Any]]:
    version = _in_scope_version(request, pk)
    item = services.item_save(actor=request.user, version=version, data=body.data())
    return Status(201, _item(item))


@router.put(
    "/items/{int:pk}", response={200: PointsItemOut, **ERRORS}, summary="修改草稿版本的事项"
)
def item_change(request: HttpRequest, pk: int, body: PointsItemIn) -> dict[str, Any]:
    selectors.require_any(request.user)
    item = selectors.item_get(actor=request.user, pk=pk)
    item = services.item_save(actor=request.user, version=item.version, data=body.data(), item=item)
    return _item(item)


@router.delete("/items/{int:pk}", response={204: None, **ERRORS}, summary="删除草稿版本的事项")
def item_remove(request: HttpRequest, pk: int) -> Status[None]:
    selectors.require_any(request.user)
    item = selectors.item_get(actor=request.user, pk=pk)
    services.item_delete(actor=request.user, item=item)
    return Status(204, None)


@router.post(
    "/versions/{int:pk}/settings",
    response={200: PointsVersionOut, **ERRORS},
    summary="星级门槛与修订说明（草稿）",
)
def version_settings(request: HttpRequest, pk: int, body: PointsSettingsIn) -> dict[str, Any]:
    version = _in_scope_version(request, pk)
    services.version_settings(
        actor=request.user, version=version, star_thresholds=body.star_thresholds, note=body.note
    )
    return _version(selectors.version_get(actor=request.user, pk=pk))


@router.post(
    "/versions/{int:pk}/adopt",
    response={200: PointsVersionOut, **ERRORS},
    summary="登记村民代表会议表决并公示（村）；发布模板（乡镇、县）",
)
def version_adopt(request: HttpRequest, pk: int, body: PointsAdoptIn) -> dict[str, Any]:
    """A village's version needs two thirds of the representatives present and more than half
    of them in favour; it is disclosed and takes effect when its period passes. A template
    (township, county) is published at once; the vote figures are then ignored."""
    version = _in_scope_version(request, pk)
    services.version_adopt(
        actor=request.user, version=version, resolution_date=body.resolution_date,
        members_total=body.members_total, members_present=body.members_present,
        votes_for=body.votes_for, effective_from=body.effective_from,
        period_days=body.period_days,
    )  # fmt: skip
    return _version(selectors.version_get(actor=request.user, pk=pk))


@router.post(
    "/versions/{int:pk}/record-adopted",
    response={200: PointsVersionOut, **ERRORS},
    summary="补录已表决、公示并施行的版本（村）",
)
def version_record_adopted(
    request: HttpRequest, pk: int, body: PointsRecordAdoptedIn
) -> dict[str, Any]:
    """A village that kept its rulebook on paper records the version in force: the vote of
    the 村民代表会议 and the dates of the paper disclosure. It is effective from
    ``effective_from`` at once, without a new disclosure."""
    version = _in_scope_version(request, pk)
    services.version_record_adopted(
        actor=request.user, version=version, resolution_date=body.resolution_date,
        members_total=body.members_total, members_present=body.members_present,
        votes_for=body.votes_for, disclosed_from=body.disclosed_from,
        disclosed_until=body.disclosed_until, effective_from=body.effective_from,
    )  # fmt: skip
    return _version(selectors.version_get(actor=request.user, pk=pk))


@router.post(
    "/templates/{code}/default",
    response={201: PointsVersionOut, **ERRORS},
    summary="乡镇、县发布默认细则模板（五类38项）",
)
def template_publish_default(request: HttpRequest, code: str) -> Status[dict[str, Any]]:
    selectors.require_any(request.user)
    region = selectors.region_get(actor=request.user, code=code)
    version = services.template_publish_default(actor=request.user, region=region)
    return Status(201, _version(selectors.version_get(actor=request.user, pk=version.pk)))


# ---------------------------------------------------------------- opening balances


@router.post(
    "/opening/{village}",
    response={200: PointsOpeningOut, **ERRORS},
    summary="期初结转：各户纸质台账的累计、可用积分（全部通过才结转）",
)
def opening_import(
    request: HttpRequest, village: str, body: PointsOpeningIn
) -> dict[str, Any] | Status[dict[str, Any]]:
    """Every row is checked first (row = position in ``rows``, from 1); with any error the
    answer is 400 ``opening_rows`` listing each ``{row, column, message, value}`` and nothing
    is booked; otherwise every row is booked in one transaction."""
    selectors.require_any(request.user)
    found = selectors.village_get(actor=request.user, code=village, perm=selectors.VIEW)
    rows = [
        services.OpeningRow(
            row=n, number=r.number, head=r.head, cumulative=r.cumulative, available=r.available
        )
        for n, r in enumerate(body.rows, start=1)
    ]
    result = services.opening_balances_import(
        actor=request.user, village=found, rows=rows, as_of=body.as_of, dry_run=body.dry_run
    )
    if not result.ok:
        return Status(
            400,
            {
                "code": "opening_rows",
                "message": f"发现{len(result.errors)}处错误，未结转任何积分",
                "errors": [
                    {"row": row, "column": column, "message": message, "value": value}
                    for row, column, message, value in result.errors
                ],
            },
        )
    return {
        "booked": result.booked, "households": result.households,
        "cumulative": result.cumulative, "available": result.available,
    }  # fmt: skip


# ---------------------------------------------------------------- events


@router.get("/events", response={200: Page[PointsEventOut], **ERRORS}, summary="积分申报列表")
def event_list(request: HttpRequest, filters: Query[PointsEventFilter]) -> dict[str, Any]:
    selectors.require_any(request.user)
    qs = selectors.events(
        actor=request.user, status=filters.status or "", village=filters.village,
        group=filters.group, item=filters.item, q=filters.q, start=filters.start,
        end=filters.end, batch=filters.batch,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_event(e) for e in page["items"]]
    return page


@router.get("/events/{int:pk}", response={200: PointsEventOut, **ERRORS}, summary="积分申报详情")
def event_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    selectors.require_any(request.user)
    return _event(selectors.event_get(actor=request.user, pk=pk))


@router.post("/events", response={201: PointsEventOut, **ERRORS}, summary="申报积分")
def event_propose(request: HttpRequest, body: PointsEventIn) -> Status[dict[str, Any]]:
    """A cadre or grid worker for a household of the village, a villager for the own household.
    Photos cannot be sent here: an item that needs one is refused with ``photo_required``;
    use the web form (``/points/events/new/``, ``/points/declare/``)."""
    user = request.user
    household = Household.objects.select_related("village").filter(pk=body.household).first()
    if household is None or not (
        has_perm_in(user, selectors.VIEW, household.village_id)
        or has_perm_in(user, "points.declare", household.village_id)
    ):
        raise ApplicationError("household_not_found", "户不存在", field="household", status=404)
    item = RuleItem.objects.filter(pk=body.item).select_related("version").first()
    if item is None or item.version.rulebook.region_id != household.village_id:
        raise ApplicationError("item_not_found", "本村细则中没有该事项", field="item")
    person = None
    if body.person is not None:
        person = Person.objects.filter(pk=body.person, household=household).first()
        if person is None or person.status != PersonStatus.ACTIVE:
            raise ApplicationError("person_not_member", "获得人不是该户的在册成员", field="person")
    event = services.event_propose(
        actor=user, household=household, item=item, on=body.date, points=body.points,
        person=person, description=body.description,
    )  # fmt: skip
    return Status(201, _event(event))


@router.post(
    "/events/{int:pk}/review",
    response={200: PointsEventOut, **ERRORS},
    summary="审核：通过（可调整分值）或不予通过",
)
def event_review(request: HttpRequest, pk: int, body: PointsReviewIn) -> dict[str, Any]:
    selectors.require_any(request.user)
    event = selectors.event_get(actor=request.user, pk=pk)
    services.event_review(
        actor=request.user, event=event, approve=body.approve, points=body.points, note=body.note
    )
    return _event(selectors.event_get(actor=request.user, pk=pk))


@router.post(
    "/events/{int:pk}/reverse",
    response={201: PointsEventOut, **ERRORS},
    summary="冲销已生效的积分（随下一批公示）",
)
def event_reverse(request: HttpRequest, pk: int, body: PointsReverseIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user)
    event = selectors.event_get(actor=request.user, pk=pk)
    reversal = services.event_reverse(actor=request.user, event=event, reason=body.reason)
    return Status(201, _event(selectors.event_get(actor=request.user, pk=reversal.pk)))


# ---------------------------------------------------------------- batches


def _batches_counted(qs: Any) -> Any:
    from django.db.models import Count, Sum

    return qs.annotate(n_events=Count("events"), n_total=Sum("events__points"))


@router.get("/batches", response={200: Page[PointsBatchOut], **ERRORS}, summary="积分公示批次")
def batch_list(request: HttpRequest, filters: Query[PointsBatchFilter]) -> dict[str, Any]:
    selectors.require_any(request.user)
    qs = selectors.batches(actor=request.user, village=filters.village, status=filters.status or "")
    page = paginate(_batches_counted(qs), filters)
    page["items"] = [_batch(b) for b in page["items"]]
    return page


@router.post("/batches", response={201: PointsBatchOut, **ERRORS}, summary="发布积分公示")
def batch_publish(request: HttpRequest, body: PointsBatchIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user)
    village = selectors.village_get(actor=request.user, code=body.village)
    batch = services.batch_publish(
        actor=request.user, village=village, title=body.title, period_days=body.period_days,
        period_unit=body.period_unit, event_ids=body.events,
    )  # fmt: skip
    counted = _batches_counted(selectors.batches(actor=request.user)).get(pk=batch.pk)
    return Status(201, _batch(counted))


# ---------------------------------------------------------------- balances and rankings


@router.get("/balances", response={200: Page[PointsBalanceOut], **ERRORS}, summary="各户积分余额")
def balance_list(request: HttpRequest, filters: Query[PointsBalanceFilter]) -> dict[str, Any]:
    selectors.require_any(request.user)
    qs = selectors.balances(
        actor=request.user, village=filters.village, group=filters.group, q=filters.q
    )
    page = paginate(qs, filters)
    page["items"] = [_balance(h) for h in page["items"]]
    return page


@router.get(
    "/households/{int:pk}",
    response={200: PointsStatementOut, **ERRORS},
    summary="一户的积分、名次、星级与流水",
)
def household_statement(request: HttpRequest, pk: int) -> dict[str, Any]:
    selectors.require_any(request.user)
    household = selectors.household_get(actor=request.user, pk=pk)
    row = selectors.balances(actor=request.user, village=household.village_id).get(pk=pk)
    rank, total, stars = selectors.household_rank(household)
    entries = [
        {
            "id": r.entry.pk,
            "date": r.entry.date,
            "kind": r.entry.kind,
            "kind_label": r.entry.get_kind_display(),
            "memo": r.entry.memo,
            "person": r.entry.person.name if r.entry.person else "",
            "event": r.entry.event_id,
            "change_cumulative": r.entry.cumulative,
            "change_available": r.entry.available,
            "cumulative": r.cumulative,
            "available": r.available,
            "created_at": r.entry.created_at,
        }
        for r in selectors.household_statement(household)
    ]
    return {**_balance(row), "rank": rank, "households": total, "stars": stars, "entries": entries}


@router.get(
    "/rankings", response={200: list[PointsRankOut], **ERRORS}, summary="积分排行（可按期间）"
)
def rankings(request: HttpRequest, filters: Query[PointsRankingFilter]) -> list[dict[str, Any]]:
    """Households of the village by points, ties sharing a rank (1, 2, 2, 4). With ``start``
    or ``end``: the points earned in the period (by the events' dates); without: cumulative
    points. Stars: the thresholds of the version in force that the points reach."""
    selectors.require_any(request.user)
    village = selectors.village_get(actor=request.user, code=filters.village)
    rows = selectors.rankings(
        actor=request.user, village=village, group=filters.group, start=filters.start,
        end=filters.end,
    )  # fmt: skip
    return [
        {
            "rank": r.rank,
            "household": r.household.pk,
            "number": r.household.number,
            "head": r.head,
            "group": r.household.group.name if r.household.group else "",
            "points": r.points,
            "stars": r.stars,
        }
        for r in rows
    ]
