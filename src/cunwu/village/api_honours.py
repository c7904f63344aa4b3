"""The honours part of 乡村治理 over the API: selections (list, create, detail, cancel),
nominations (group, self, from the points ranking), the appraisal votes, publishing, awards and
a household's honours. Scoped like the pages: outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household

from .models_honours import Award, Nomination, Selection
from .selectors import honours as selectors
from .services import honours as services

router = Router(tags=["乡村治理"])
MAX_ID = 2**62
Kind = Literal["civilised", "family", "star"]


class HonSelectionOut(Schema):
    id: int
    village: str
    village_name: str
    year: int
    kind: str
    kind_label: str
    quota: int
    stage: str
    stage_label: str
    members_total: int | None
    members_present: int | None
    appraised_on: dt.date | None
    notice: int | None
    cancel_reason: str


class HonNominationOut(Schema):
    id: int
    selection: int
    household: int
    household_number: str
    source: str
    reason: str
    points: int | None
    votes: int | None
    candidate: bool


class HonAwardOut(Schema):
    id: int
    selection: int
    year: int
    kind: str
    kind_label: str
    household: int
    household_number: str
    number: str
    awarded_on: dt.date


class HonSelectionDetailOut(HonSelectionOut):
    nominations: list[HonNominationOut]
    awards: list[HonAwardOut]


class HonFilter(PageParams):
    year: int | None = Field(None, ge=2000, le=2100)
    kind: Kind | None = None
    stage: Literal["nominating", "appraising", "disclosing", "awarded", "cancelled"] | None = None
    q: Text = Field("", max_length=50)


class HonSelectionIn(Schema):
    village: str = Field(..., pattern=r"^\d{12}$")
    year: int = Field(..., ge=2000, le=2100)
    kind: Kind
    quota: int = Field(..., ge=1, le=500)


class HonNominationIn(Schema):
    household: int = Field(..., ge=1, lt=MAX_ID)
    source: Literal["group", "self"] = "group"
    reason: Text = Field(..., max_length=300)


class HonRankingIn(Schema):
    top: int = Field(..., ge=1, le=200)


class HonVoteIn(Schema):
    nomination: int = Field(..., ge=1, lt=MAX_ID)
    votes: int = Field(..., ge=0, le=1000)


class HonVotesIn(Schema):
    members_total: int = Field(..., ge=1, le=1000)
    members_present: int = Field(..., ge=0, le=1000)
    appraised_on: Date
    votes: list[HonVoteIn] = Field(..., max_length=500)


class HonCancelIn(Schema):
    reason: Text = Field(..., max_length=200)


def _selection(s: Selection) -> dict[str, Any]:
    return {
        "id": s.pk, "village": s.village_id, "village_name": s.village.name, "year": s.year,
        "kind": s.kind, "kind_label": s.get_kind_display(), "quota": s.quota, "stage": s.stage,
        "stage_label": s.get_stage_display(), "members_total": s.members_total,
        "members_present": s.members_present, "appraised_on": s.appraised_on,
        "notice": s.notice_id, "cancel_reason": s.cancel_reason,
    }  # fmt: skip


def _nomination(n: Nomination) -> dict[str, Any]:
    return {
        "id": n.pk, "selection": n.selection_id, "household": n.household_id,
        "household_number": n.household.number, "source": n.source, "reason": n.reason,
        "points": n.points, "votes": n.votes, "candidate": n.candidate,
    }  # fmt: skip


def _award(a: Award) -> dict[str, Any]:
    return {
        "id": a.pk, "selection": a.selection_id, "year": a.selection.year,
        "kind": a.selection.kind, "kind_label": a.selection.get_kind_display(),
        "household": a.household_id, "household_number": a.household.number,
        "number": a.number, "awarded_on": a.awarded_on,
    }  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    s = selectors.selection_get(actor=request.user, pk=pk)
    out = _selection(s)
    out["nominations"] = [_nomination(n) for n in selectors.nominations_of(s)]
    out["awards"] = [_award(a) for a in selectors.award_list(actor=request.user, selection=s)]
    return out


@router.get("/selections", response={200: Page[HonSelectionOut], **ERRORS}, summary="评选活动")
def honours_selection_list(request: HttpRequest, filters: Query[HonFilter]) -> dict[str, Any]:
    qs = selectors.selection_list(
        actor=request.user, q=filters.q, year=filters.year, kind=filters.kind or "",
        stage=filters.stage or "",
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_selection(s) for s in page["items"]]
    return page


@router.post("/selections", response={201: HonSelectionDetailOut, **ERRORS}, summary="新建评选")
def honours_selection_create(request: HttpRequest, body: HonSelectionIn) -> Status[dict[str, Any]]:
    village = Region.objects.filter(code=body.village).first()
    if village is None:
        raise Http404("村不存在")
    s = services.selection_create(actor=request.user, village=village, year=body.year,
                                  kind=body.kind, quota=body.quota)  # fmt: skip
    return Status(201, _detail(request, s.pk))


@router.get("/selections/{pk}", response={200: HonSelectionDetailOut, **ERRORS}, summary="评选详情")
def honours_selection_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, pk)


@router.post("/selections/{pk}/nominations", response={201: HonNominationOut, **ERRORS},
             summary="提名（村民小组推荐或自荐）")  # fmt: skip
def honours_nomination_create(
    request: HttpRequest, pk: int, body: HonNominationIn
) -> Status[dict[str, Any]]:
    user = request.user
    s = selectors.selection_get(actor=user, pk=pk)
    household = Household.objects.filter(pk=body.household, village_id=s.village_id).first()
    if household is None:
        raise ApplicationError("household_missing", "本村没有这一户", field="household")
    n = services.nomination_add(actor=user, selection=s, household=household,
                                source=body.source, reason=body.reason)  # fmt: skip
    return Status(201, _nomination(n))


@router.post("/selections/{pk}/nominations/ranking", response={201: list[HonNominationOut],
             **ERRORS}, summary="从积分排名提名前N户")  # fmt: skip
def honours_nomination_ranking(
    request: HttpRequest, pk: int, body: HonRankingIn
) -> Status[list[dict[str, Any]]]:
    s = selectors.selection_get(actor=request.user, pk=pk)
    made = services.nominate_from_ranking(actor=request.user, selection=s, top=body.top)
    return Status(201, [_nomination(n) for n in made])


@router.post("/selections/{pk}/appraise", response={200: HonSelectionDetailOut, **ERRORS},
             summary="结束提名，开始评议")  # fmt: skip
def honours_selection_appraise(request: HttpRequest, pk: int) -> dict[str, Any]:
    s = selectors.selection_get(actor=request.user, pk=pk)
    services.appraisal_start(actor=request.user, selection=s)
    return _detail(request, pk)


@router.post("/selections/{pk}/votes", response={200: HonSelectionDetailOut, **ERRORS},
             summary="登记评议会和得票")  # fmt: skip
def honours_selection_votes(request: HttpRequest, pk: int, body: HonVotesIn) -> dict[str, Any]:
    s = selectors.selection_get(actor=request.user, pk=pk)
    votes = {v.nomination: v.votes for v in body.votes}
    services.appraisal_record(
        actor=request.user, selection=s, members_total=body.members_total,
        members_present=body.members_present, on=body.appraised_on, votes=votes,
    )  # fmt: skip
    return _detail(request, pk)


@router.post("/selections/{pk}/publish", response={200: HonSelectionDetailOut, **ERRORS},
             summary="公示拟表彰名单")  # fmt: skip
def honours_selection_publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    s = selectors.selection_get(actor=request.user, pk=pk)
    services.selection_publish(actor=request.user, selection=s)
    return _detail(request, pk)


@router.post("/selections/{pk}/cancel", response={200: HonSelectionDetailOut, **ERRORS},
             summary="取消评选")  # fmt: skip
def honours_selection_cancel(request: HttpRequest, pk: int, body: HonCancelIn) -> dict[str, Any]:
    s = selectors.selection_get(actor=request.user, pk=pk)
    services.selection_cancel(actor=request.user, selection=s, reason=body.reason)
    return _detail(request, pk)


@router.get("/awards", response={200: Page[HonAwardOut], **ERRORS}, summary="表彰记录")
def honours_award_list(request: HttpRequest, filters: Query[PageParams]) -> dict[str, Any]:
    page = paginate(selectors.award_list(actor=request.user), filters)
    page["items"] = [_award(a) for a in page["items"]]
    return page


@router.get("/households/{pk}/honours", response={200: list[HonAwardOut], **ERRORS},
            summary="一户的荣誉记录")  # fmt: skip
def honours_household(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    household = selectors.household_get(actor=request.user, pk=pk)
    return [_award(a) for a in selectors.household_honours(household)]
