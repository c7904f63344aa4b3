"""Pages of the four lists (四清单), cases (办件) and 四议两公开, and the public case tracking.

Thin: selectors read, services write; an ``ApplicationError`` becomes a form error or a message
with nothing changed. Someone without the permission anywhere (a villager) gets 403; an object
outside the user's scope is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, require, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate
from cunwu.core.models import Region, RegionLevel
from cunwu.core.ratelimit import rate_limit

from . import selectors_lists as selectors
from . import services_lists as services
from .flowchart import flowchart_svg
from .forms_lists import (
    MAX_UPLOAD,
    AdoptForm,
    CaseCommentForm,
    CaseForm,
    CaseReturnForm,
    CaseStepForm,
    CaseStopForm,
    DecisionForm,
    ItemForm,
    ItemRetireForm,
    MeetingForm,
    PublishForm,
    TrackForm,
    steps_text,
)
from .models_lists import (
    Case,
    CaseEvent,
    CaseStatus,
    Decision,
    DecisionStage,
    DecisionStatus,
    ListItem,
    ListKind,
)
from .views_public import _context as portal_context

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
LEVELS = [
    (RegionLevel.COUNTY, "县级模板"),
    (RegionLevel.TOWNSHIP, "乡镇"),
    (RegionLevel.VILLAGE, "村"),
]


def _villages(user: Any, perm: str = "disclosure.view") -> QuerySet[Region]:
    return regions_in_scope(user, perm, level=RegionLevel.VILLAGE)


def _act(
    request: HttpRequest, target: str, pk: int, action: Callable[[], Any], ok: str
) -> HttpResponse:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    response: HttpResponse = redirect(target, pk)
    return response


def _upload(request: HttpRequest, form: Any) -> tuple[str, bytes | None]:
    upload = form.cleaned_data.get("attachment")
    if upload is None:
        return "", None
    if upload.size > MAX_UPLOAD:
        raise ApplicationError("attachment_too_big", f"附件“{upload.name}”超过10 MB")
    return str(upload.name), upload.read()


# ---------------------------------------------------------------- list items


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.view", "没有权限查看四清单")
    params = get_params(request, "q", "kind", "level", "region")
    items = selectors.list_items(actor=user, **params, history=request.GET.get("history") == "1")
    page, query = paginate(request, items, PAGE_SIZE)
    context = {
        "page": page, "query": query, "params": params, "kinds": ListKind.choices,
        "levels": LEVELS, "history": request.GET.get("history") == "1",
        "can_manage": scope_prefixes(user, "disclosure.manage_lists") != [],
    }  # fmt: skip
    return render(request, "disclosure/lists/item_list.html", context)


def _manage_regions(user: Any) -> QuerySet[Region]:
    return regions_in_scope(user, "disclosure.manage_lists").filter(
        level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
    )


@login_required
@require_http_methods(GET_POST)
def item_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.manage_lists", "没有权限制定清单")
    form = ItemForm(request.POST or None, regions=_manage_regions(user)[:500])
    if request.method == "POST" and form.is_valid():
        try:
            data, steps = form.data_and_steps()
            item = services.list_item_create(
                actor=user, region=form.cleaned_data["region"], data=data, steps=steps
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已新建清单事项“{item.name}”")
            return redirect("disclosure:list_item", item.pk)
    return render(request, "disclosure/lists/form.html", {"form": form, "title": "新建清单事项"})


@login_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.view", "没有权限查看四清单")
    item = selectors.list_item_get(actor=user, pk=pk)
    steps = list(item.steps.all())
    adopt_regions = _adopt_regions(user, item)
    context = {
        "item": item,
        "steps": steps,
        "svg": flowchart_svg(item, steps),
        "versions": selectors.versions_of(item),
        "adoptions": selectors.adoptions_in_scope(actor=user, item=item)[:200],
        "can_revise": item.active and has_perm_in(user, "disclosure.manage_lists", item.region),
        "adopt_form": AdoptForm(regions=adopt_regions) if item.active and adopt_regions else None,
        "can_open_case": item.active
        and item.region.level == RegionLevel.VILLAGE
        and has_perm_in(user, "disclosure.handle_cases", item.region),
        "case_count": item.cases.count(),
        "retire_form": ItemRetireForm()
        if item.active and has_perm_in(user, "disclosure.manage_lists", item.region)
        else None,
    }
    return render(request, "disclosure/lists/item_detail.html", context)


@login_required
@require_POST
def item_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop using an item: no new cases; its versions and cases stay on record."""
    selectors.require_any(request.user, "disclosure.manage_lists", "没有权限停用清单事项")
    item = selectors.list_item_get(actor=request.user, pk=pk)
    form = ItemRetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写停用理由")
        return redirect("disclosure:list_item", item.pk)
    return _act(
        request, "disclosure:list_item", item.pk,
        lambda: services.list_item_retire(
            actor=request.user, item=item, reason=form.cleaned_data["reason"]
        ),
        "该事项已停用，不再受理新办件",
    )  # fmt: skip


def _adopt_regions(user: Any, item: ListItem) -> QuerySet[Region]:
    """Regions below the item's owner where the user may adopt it and has not yet."""
    if item.region.level == RegionLevel.VILLAGE:
        return Region.objects.none()
    prefix = item.region_id[:6] if item.region.level == RegionLevel.COUNTY else item.region_id[:9]
    adopted = ListItem.objects.filter(key=item.key, active=True).values("region_id")
    return (
        _manage_regions(user)
        .filter(code__startswith=prefix, level__gt=item.region.level)
        .exclude(code__in=adopted)[:500]
    )


@login_required
@require_GET
def item_svg(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_any(request.user, "disclosure.view", "没有权限查看四清单")
    item = selectors.list_item_get(actor=request.user, pk=pk)
    response = HttpResponse(
        flowchart_svg(item, list(item.steps.all())), content_type="image/svg+xml; charset=utf-8"
    )
    name = quote(f"{item.name}-第{item.version}版-流程图.svg")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
@require_http_methods(GET_POST)
def item_revise(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.view", "没有权限查看四清单")
    item = selectors.list_item_get(actor=user, pk=pk)
    require(user, "disclosure.manage_lists", item.region)
    initial = {
        "kind": item.kind, "name": item.name, "responsible": item.responsible,
        "basis": item.basis, "materials": item.materials, "disclosure": item.disclosure,
        "steps": steps_text(item),
    }  # fmt: skip
    form = ItemForm(request.POST or None, initial=initial, revising=True)
    if request.method == "POST" and form.is_valid():
        try:
            data, steps = form.data_and_steps()
            new = services.list_item_revise(
                actor=user, item=item, data=data, steps=steps, note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已修订为第{new.version}版，原版本保留")
            return redirect("disclosure:list_item", new.pk)
    context = {"form": form, "title": f"修订：{item.name}（第{item.version}版）", "item": item}
    return render(request, "disclosure/lists/form.html", context)


@login_required
@require_POST
def item_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.manage_lists", "没有权限采用清单")
    item = selectors.list_item_get(actor=user, pk=pk)
    form = AdoptForm(request.POST, regions=_manage_regions(user))
    if not form.is_valid():
        messages.error(request, "请选择采用单位")
        return redirect("disclosure:list_item", item.pk)
    try:
        copy = services.list_item_adopt(
            actor=user, template=item, region=form.cleaned_data["region"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("disclosure:list_item", item.pk)
    messages.success(request, f"{copy.region.name}已采用“{copy.name}”，可按本地实际修订")
    return redirect("disclosure:list_item", copy.pk)


# ---------------------------------------------------------------- cases


@login_required
@require_http_methods(GET_POST)
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.handle_cases", "没有权限受理办件")
    item = selectors.list_item_get(actor=user, pk=pk)
    require(user, "disclosure.handle_cases", item.region)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_open(
                actor=user, item=item, applicant_name=d["applicant_name"], summary=d["summary"],
                person_id=d["person_id"], household_id=d["household_id"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已受理，查询码 {case.code}，请告知申请人")
            return redirect("disclosure:case_detail", case.pk)
    context = {"form": form, "title": f"受理：{item.name}", "item": item}
    return render(request, "disclosure/lists/form.html", context)


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.view", "没有权限查看办件")
    params = get_params(request, "q", "status", "kind", "region")
    flags = {"overdue": request.GET.get("overdue") == "1",
             "escalated": request.GET.get("escalated") == "1"}  # fmt: skip
    cases = selectors.case_list(
        actor=user, q=params["q"], status=params["status"], kind=params["kind"],
        region=params["region"], overdue=flags["overdue"], escalated=flags["escalated"],
    )  # fmt: skip
    page, query = paginate(request, cases, PAGE_SIZE)
    context = {
        "page": page, "query": query, "params": params, "flags": flags,
        "statuses": CaseStatus.choices, "kinds": ListKind.choices,
        "villages": _villages(user)[:500], "today": timezone.localdate(),
        "can_see_overdue": scope_prefixes(user, "disclosure.view_overdue") != [],
    }  # fmt: skip
    return render(request, "disclosure/lists/case_list.html", context)


@login_required
@require_GET
def case_overdue(request: HttpRequest) -> HttpResponse:
    """The township's list of cases past their step's deadline (村民委员会组织法 第31条 spirit:
    the township follows up on a village that lets things lie)."""
    user = request.user
    selectors.require_any(user, "disclosure.view_overdue")
    q = request.GET.get("q", "")[:50]
    region = request.GET.get("region", "")[:12]
    cases = selectors.overdue_cases(actor=user)
    if q:
        cases = cases.filter(code__iexact=q) | cases.filter(item__name__icontains=q)
    if region.isdigit() and len(region) == 12:
        cases = cases.filter(village_id=region)
    page, query = paginate(request, cases, PAGE_SIZE)
    context = {
        "page": page, "query": query, "q": q, "region": region, "today": timezone.localdate(),
        "villages": _villages(user, "disclosure.view_overdue")[:500],
    }  # fmt: skip
    return render(request, "disclosure/lists/case_overdue.html", context)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.view", "没有权限查看办件")
    case = selectors.case_get(actor=user, pk=pk)
    steps = list(case.item.steps.all())
    can_handle = case.status == CaseStatus.OPEN and has_perm_in(
        user, "disclosure.handle_cases", case.village
    )
    step = {"step": case.step_order}
    context = {
        "case": case,
        "steps": steps,
        "events": selectors.events_of(case),
        "today": timezone.localdate(),
        "can_handle": can_handle,
        "can_comment": has_perm_in(user, "disclosure.handle_cases", case.village),
        "first_step": bool(steps) and case.step_order == steps[0].order,
        "advance_form": CaseStepForm(initial=step),
        "return_form": CaseReturnForm(initial=step),
        "comment_form": CaseCommentForm(),
        "stop_form": CaseStopForm(),
    }
    return render(request, "disclosure/lists/case_detail.html", context)


def _handled(request: HttpRequest, pk: int) -> Case:
    selectors.require_any(request.user, "disclosure.handle_cases", "没有权限办理")
    case = selectors.case_get(actor=request.user, pk=pk)
    require(request.user, "disclosure.handle_cases", case.village)
    return case


@login_required
@require_POST
def case_advance(request: HttpRequest, pk: int) -> HttpResponse:
    case = _handled(request, pk)
    form = CaseStepForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "提交的内容有误，请刷新页面后重试")
        return redirect("disclosure:case_detail", case.pk)

    def action() -> None:
        name, data = _upload(request, form)
        services.case_advance(
            actor=request.user, case=case, step_order=form.cleaned_data["step"],
            note=form.cleaned_data["note"], attachment_name=name, attachment=data,
        )  # fmt: skip

    return _act(request, "disclosure:case_detail", case.pk, action, "本环节已办结")


@login_required
@require_POST
def case_return(request: HttpRequest, pk: int) -> HttpResponse:
    case = _handled(request, pk)
    form = CaseReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写退回理由")
        return redirect("disclosure:case_detail", case.pk)
    return _act(
        request, "disclosure:case_detail", case.pk,
        lambda: services.case_return(actor=request.user, case=case,
                                     step_order=form.cleaned_data["step"],
                                     note=form.cleaned_data["note"]),
        "已退回上一环节",
    )  # fmt: skip


@login_required
@require_POST
def case_comment(request: HttpRequest, pk: int) -> HttpResponse:
    case = _handled(request, pk)
    form = CaseCommentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "备注有误")
        return redirect("disclosure:case_detail", case.pk)

    def action() -> None:
        name, data = _upload(request, form)
        services.case_comment(
            actor=request.user, case=case, note=form.cleaned_data["note"],
            attachment_name=name, attachment=data,
        )  # fmt: skip

    return _act(request, "disclosure:case_detail", case.pk, action, "已添加备注")


@login_required
@require_POST
def case_stop(request: HttpRequest, pk: int) -> HttpResponse:
    case = _handled(request, pk)
    form = CaseStopForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写终止理由")
        return redirect("disclosure:case_detail", case.pk)
    return _act(
        request, "disclosure:case_detail", case.pk,
        lambda: services.case_stop(actor=request.user, case=case,
                                   reason=form.cleaned_data["reason"]),
        "已终止办理",
    )  # fmt: skip


@login_required
@require_GET
def case_attachment(request: HttpRequest, pk: int, event_pk: int) -> FileResponse:
    selectors.require_any(request.user, "disclosure.view", "没有权限查看办件")
    case = selectors.case_get(actor=request.user, pk=pk)
    event = get_object_or_404(CaseEvent, pk=event_pk, case=case)
    if not event.file:
        raise Http404
    try:
        handle = event.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=event.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(event.original_name)}"
    return response


# ---------------------------------------------------------------- decisions


@login_required
@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.view", "没有权限查看")
    params = get_params(request, "q", "stage", "status", "region")
    page, query = paginate(request, selectors.decision_list(actor=user, **params), PAGE_SIZE)
    context = {
        "page": page, "query": query, "params": params, "stages": DecisionStage.choices,
        "statuses": DecisionStatus.choices, "villages": _villages(user)[:500],
        "can_decide": scope_prefixes(user, "disclosure.decide") != [],
    }  # fmt: skip
    return render(request, "disclosure/lists/decision_list.html", context)


@login_required
@require_http_methods(GET_POST)
def decision_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.decide", "没有权限登记四议两公开")
    form = DecisionForm(request.POST or None, villages=_villages(user, "disclosure.decide"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            decision = services.decision_create(
                actor=user, village=d["village"], title=d["title"], description=d["description"],
                proposed_on=d["proposed_on"], note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记村党组织提议，下一步：村“两委”会议商议")
            return redirect("disclosure:decision_detail", decision.pk)
    context = {"form": form, "title": "四议两公开：登记村党组织提议"}
    return render(request, "disclosure/lists/form.html", context)


@login_required
@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.view", "没有权限查看")
    decision = selectors.decision_get(actor=user, pk=pk)
    return render(request, "disclosure/lists/decision_detail.html", _decision_context(
        user, decision, meeting_form=None, publish_form=None))  # fmt: skip


def _decision_context(
    user: Any, decision: Decision, *, meeting_form: Any, publish_form: Any
) -> dict[str, Any]:
    can_decide = has_perm_in(user, "disclosure.decide", decision.village)
    open_now = decision.status == DecisionStatus.OPEN
    bodies = services.MEETING_BODIES.get(decision.stage)
    publishing = decision.stage in (DecisionStage.RESOLUTION_NOTICE, DecisionStage.RESULT_NOTICE)
    if can_decide and open_now and bodies and meeting_form is None:
        meeting_form = MeetingForm(bodies=bodies, initial={"held_on": timezone.localdate()})
    if can_decide and open_now and publishing and publish_form is None:
        publish_form = PublishForm()
    return {
        "decision": decision,
        "records": selectors.records_of(decision),
        "stages": [(value, label) for value, label in DecisionStage.choices if value < 7],
        "meeting_form": meeting_form if can_decide and open_now and bodies else None,
        "publish_form": publish_form if can_decide and open_now and publishing else None,
        "notice_days": services.decision_notice_days(),
    }


@login_required
@require_http_methods(GET_POST)
def decision_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.decide", "没有权限")
    decision = selectors.decision_get(actor=user, pk=pk)
    require(user, "disclosure.decide", decision.village)
    if request.method == "GET":
        return redirect("disclosure:decision_detail", decision.pk)
    bodies = services.MEETING_BODIES.get(decision.stage, ())
    form = MeetingForm(request.POST, bodies=bodies or ("two_committees",))
    if form.is_valid():
        try:
            record = services.decision_record_meeting(
                actor=user, decision=decision, body=form.cleaned_data["body"],
                meeting=form.meeting(), note=form.cleaned_data["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if record.passed:
                messages.success(request, f"{record.get_body_display()}已通过")
            else:
                messages.error(request, f"{record.get_body_display()}未通过：{record.failure}")
            return redirect("disclosure:decision_detail", decision.pk)
    decision.refresh_from_db()
    context = _decision_context(user, decision, meeting_form=form, publish_form=None)
    return render(request, "disclosure/lists/decision_detail.html", context, status=400)


@login_required
@require_POST
def decision_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user, "disclosure.decide", "没有权限")
    decision = selectors.decision_get(actor=user, pk=pk)
    require(user, "disclosure.decide", decision.village)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            notice = services.decision_publish(
                actor=user, decision=decision, text=form.cleaned_data["text"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已发布“{notice.title}”，公示期满后自动进入下一环节")
            return redirect("disclosure:decision_detail", decision.pk)
    context = _decision_context(user, decision, meeting_form=None, publish_form=form)
    return render(request, "disclosure/lists/decision_detail.html", context, status=400)


# ---------------------------------------------------------------- public case tracking


@require_http_methods(GET_POST)
@rate_limit("case_track", 30, 600)
def public_track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = selectors.normalize_code(form.cleaned_data["code"])
        return redirect("portal:case_track_code", code or "0")
    return render(request, "disclosure/lists/track.html", portal_context(request, form=form))


@require_GET
@rate_limit("case_track", 30, 600)
def public_track_code(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.public_case(code)
    context = portal_context(
        request, case=case, steps=list(case.item.steps.all()),
        events=selectors.public_events(case), today=timezone.localdate(),
    )  # fmt: skip
    return render(request, "disclosure/lists/track_code.html", context)
