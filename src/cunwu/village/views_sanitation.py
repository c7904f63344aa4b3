"""Pages of the sanitation part: the front page (roster, inspections, waste chain, handover)
with xlsx exports of the roster, the inspection scores and the waste runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in, regions_in_scope
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.models import Region, RegionLevel
from cunwu.core.spreadsheets import xlsx_response
from cunwu.points.models import RuleItem
from cunwu.points.services import version_in_force
from cunwu.registry.models import Household

from . import forms_sanitation as forms
from .models_sanitation import (
    ChecklistItem,
    DutyPost,
    InspectionRound,
    InspectionScore,
    RoadSection,
)
from .selectors import sanitation as sel
from .services import sanitation as services

GET_POST = ["GET", "POST"]

TABS = {
    "roster": "五定值守",
    "inspections": "督查",
    "waste": "垃圾收运",
    "handover": "乡转运交接",
    "stats": "统计",
}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """村级卫生协会: one tab at a time; ``village`` narrows to one village in scope."""
    need(request.user, sel.VIEW)
    tab = request.GET.get("tab", "roster")
    if tab not in TABS:
        tab = "roster"
    villages = list(regions_in_scope(request.user, sel.VIEW, level=RegionLevel.VILLAGE))
    code = request.GET.get("village", "")
    if code:
        sel.village_get(actor=request.user, code=code)
    today = timezone.localdate()
    can = {
        "manage": bool(code) and has_perm_in(request.user, "village.manage", code),
        "inspect": bool(code) and has_perm_in(request.user, "village.inspect", code),
        "transfer": bool(code) and has_perm_in(request.user, "village.transfer", code),
    }
    context: dict[str, object] = {
        "can": can, "tab": tab, "tabs": TABS, "tab_label": TABS[tab], "villages": villages,
        "village": code, "today": today,
        "q": request.GET.get("q", "")[:50],
    }  # fmt: skip
    if tab == "roster":
        qs = sel.duties(actor=request.user, village=code, on=today, q=str(context["q"]),
                        open_only=True)  # fmt: skip
        context["page"] = Paginator(qs, 50).get_page(request.GET.get("page"))
        context["members"] = list(sel.members(actor=request.user, village=code)[:50])
    elif tab == "inspections":
        context["page"] = Paginator(sel.rounds(actor=request.user, village=code), 30).get_page(
            request.GET.get("page")
        )
        context["due"] = [
            (v, *sel.next_round_due(v, today)) for v in villages if not code or v.code == code
        ][:50]
    elif tab == "waste":
        runs = sel.waste_runs(actor=request.user, village=code, stage=request.GET.get("stage", ""))
        context["page"] = Paginator(runs, 50).get_page(request.GET.get("page"))
    elif tab == "stats":
        try:
            year = int(request.GET.get("year", today.year))
        except ValueError:
            year = today.year
        year = min(max(year, 2000), today.year + 1)
        context["year"] = year
        context["charts"] = sel.statistics(actor=request.user, year=year, village=code)
    else:
        context["rows"] = sel.handover_report(
            actor=request.user, start=today - timedelta(days=30), end=today
        )
    return render(request, "village/sanitation/index.html", context)


@login_required
def roster_print(request: HttpRequest, code: str) -> HttpResponse:
    """The printable roster of one village (print CSS of the base layout)."""
    need(request.user, sel.VIEW)
    village = sel.village_get(actor=request.user, code=code)
    today = timezone.localdate()
    duties = sel.duties(actor=request.user, village=code, on=today, open_only=True)
    return render(
        request, "village/sanitation/roster_print.html",
        {"village": village, "duties": duties, "today": today},
    )  # fmt: skip


@login_required
def export(request: HttpRequest, what: str) -> HttpResponse:
    """xlsx of the roster, the inspection scores or the waste runs in scope."""
    need(request.user, sel.VIEW)
    code = request.GET.get("village", "")
    if code:
        sel.village_get(actor=request.user, code=code)
    if what == "roster":
        rows = (
            (d.village.name, d.section.name, d.post.name, d.person.name, d.weekdays_label,
             f"{d.start_time:%H:%M}-{d.end_time:%H:%M}", d.tasks, "是" if d.welfare else "",
             d.start_on, d.end_on)
            for d in sel.duties(actor=request.user, village=code)
        )  # fmt: skip
        header = [
            "村",
            "路段",
            "岗位",
            "值守人",
            "星期",
            "时段",
            "任务",
            "公益性岗位",
            "开始",
            "结束",
        ]
        return xlsx_response("卫生值守表", [("值守表", header, rows)])
    if what == "scores":
        rows2 = (
            (s.round.on, s.section.name if s.section else "", s.household.number if s.household
             else "", s.total, s.max_total, s.note)
            for s in sel.scores(actor=request.user).filter(**({"village_id": code} if code else {}))
        )  # fmt: skip
        header = ["督查日期", "路段", "户编号", "得分", "满分", "备注"]
        return xlsx_response("卫生督查得分", [("得分", header, rows2)])
    rows3 = (
        (r.village.name, r.get_stage_display(), r.group.name if r.group else "", r.on,
         r.quantity_kg, r.note)
        for r in sel.waste_runs(actor=request.user, village=code)
    )  # fmt: skip
    header = ["村", "环节", "村民小组", "日期", "数量（千克）", "备注"]
    return xlsx_response("垃圾收运记录", [("收运", header, rows3)])


# ---------------------------------------------------------------- forms


def _village_for(request: HttpRequest, code: str, perm: str) -> Region:
    village = sel.village_get(actor=request.user, code=code)
    if not has_perm_in(request.user, perm, village):
        raise PermissionDenied("没有权限执行此操作")
    return village


def _back(code: str, tab: str) -> str:
    return f"{reverse('village:sanitation')}?tab={tab}&village={code}"


@login_required
@require_http_methods(GET_POST)
def section_create(request: HttpRequest, code: str) -> HttpResponse:
    village = _village_for(request, code, "village.manage")
    form = forms.SectionForm(request.POST or None, village=village)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.section_add(
                actor=request.user, village=village, name=d["name"], group=d["group"],
                description=d["description"], length_m=d["length_m"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记路段")
            return redirect(_back(code, "roster"))
    return form_page(request, form, f"登记卫生路段：{village.name}", _back(code, "roster"))


@login_required
@require_http_methods(GET_POST)
def post_create(request: HttpRequest, code: str) -> HttpResponse:
    village = _village_for(request, code, "village.manage")
    form = forms.PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_add(actor=request.user, village=village, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记岗位")
            return redirect(_back(code, "roster"))
    return form_page(request, form, f"登记卫生岗位：{village.name}", _back(code, "roster"))


@login_required
@require_http_methods(GET_POST)
def duty_create(request: HttpRequest, code: str) -> HttpResponse:
    village = _village_for(request, code, "village.manage")
    form = forms.DutyForm(request.POST or None, village=village)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.duty_assign(
                actor=request.user, village=village, person=d["person"], post=d["post"],
                section=d["section"], weekdays=d["weekdays"], start_time=d["start_time"],
                end_time=d["end_time"], tasks=d["tasks"], start_on=d["start_on"],
                replaces=d["replaces"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已安排值守")
            return redirect(_back(code, "roster"))
    return form_page(request, form, f"安排值守：{village.name}", _back(code, "roster"),
                     intro="更换人员或时间时选择原值守：原值守结束，记录保留。")  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def round_create(request: HttpRequest, code: str) -> HttpResponse:
    village = _village_for(request, code, "village.inspect")
    form = forms.RoundForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                services.checklist_default(actor=request.user, village=village)
                rnd = services.round_create(
                    actor=request.user, village=village, on=d["on"],
                    inspectors=d["inspectors"], note=d["note"],
                )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记督查，请逐项打分")
            return redirect("village:sanitation_score_create", rnd.pk)
    return form_page(request, form, f"登记卫生督查：{village.name}", _back(code, "inspections"))


@login_required
@require_http_methods(GET_POST)
def score_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's page: the score form, the scores so far with their point postings (奖惩),
    and the round's photos."""
    rnd = sel.get_in_scope(request.user, InspectionRound, pk)
    village = _village_for(request, rnd.village_id, "village.inspect")
    items = list(sel.checklist(village=village))
    form = forms.ScoreForm(request.POST or None, village=village, items=items)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        number = d["household_number"].strip()
        household = (
            Household.objects.filter(village=village, number=number).first() if number else None
        )
        try:
            if number and household is None:
                raise ApplicationError("household_unknown", "本村没有该户编号",
                                       field="household_number")  # fmt: skip
            services.score_record(
                actor=request.user, round=rnd, section=d["section"], household=household,
                scores={i.pk: d[f"item_{i.pk}"] for i in items}, note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已记录得分，可继续打分")
            return redirect("village:sanitation_score_create", rnd.pk)
    scores = list(sel.scores(actor=request.user, round=rnd).select_related("point_event"))
    context = {
        "round": rnd, "village": village, "form": form, "scores": scores,
        "photos": list(sel.round_photos(round=rnd)), "back": _back(rnd.village_id, "inspections"),
        "can_points": has_perm_in(request.user, "points.propose", village),
    }  # fmt: skip
    return render(request, "village/sanitation/round.html", context)


@login_required
@require_http_methods(GET_POST)
def waste_create(request: HttpRequest, code: str) -> HttpResponse:
    village = sel.village_get(actor=request.user, code=code)
    township = has_perm_in(request.user, "village.transfer", village)
    if not township and not has_perm_in(request.user, "village.manage", village):
        raise PermissionDenied("没有权限执行此操作")
    form = forms.WasteForm(request.POST or None, village=village, township=township,
                           initial={"on": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.waste_run_record(
                actor=request.user, village=village, stage=d["stage"], on=d["on"],
                quantity_kg=d["quantity_kg"], group=d["group"], note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记收运")
            return redirect(_back(code, "waste"))
    return form_page(request, form, f"登记垃圾收运：{village.name}", _back(code, "waste"))


@login_required
@require_http_methods(GET_POST)
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = sel.get_in_scope(request.user, InspectionRound, pk)
    village = _village_for(request, rnd.village_id, "village.inspect")
    form = forms.PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["photo"]
        try:
            services.round_photos_add(
                actor=request.user, round=rnd, files=[(upload.name or "photo", upload.read())]
            )
        except ApplicationError as exc:
            if exc.field == "files":
                exc.field = "photo"
            apply_error(form, exc)
        else:
            messages.success(request, "已上传照片")
            return redirect("village:sanitation_score_create", rnd.pk)
    back = reverse("village:sanitation_score_create", args=[rnd.pk])
    return form_page(request, form, f"上传督查照片：{village.name} {rnd}", back, multipart=True)


@login_required
@require_GET
def photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo of a round, shown inline to whoever sees the round."""
    need(request.user, sel.VIEW)
    rnd = sel.get_in_scope(request.user, InspectionRound, pk)
    found = sel.round_photos(round=rnd).filter(pk=photo_pk).first()
    if found is None:
        raise Http404("照片不存在")
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(GET_POST)
def score_points(request: HttpRequest, pk: int) -> HttpResponse:
    """奖惩: post a yard score's reward or penalty to the points module (its review follows)."""
    need(request.user, sel.VIEW)
    score = sel.get_in_scope(request.user, InspectionScore, pk)
    village = _village_for(request, score.village_id, "village.inspect")
    rnd = score.round
    back = reverse("village:sanitation_score_create", args=[rnd.pk])
    if score.household_id is None:
        messages.error(request, "只有农户庭院的得分可以计积分")
        return redirect(back)
    if score.point_event_id is not None:
        messages.error(request, "该得分已计过积分")
        return redirect(back)
    version = version_in_force(village, rnd.on)
    items = (
        RuleItem.objects.filter(version=version).order_by("order", "code")
        if version is not None
        else RuleItem.objects.none()
    )
    form = forms.PointsForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.score_post_points(
                actor=request.user, score=score, item=d["item"], points=d["points"],
                description=d["description"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, f"已申报积分{event.points:+d}分，{event.get_status_display()}"
            )
            return redirect(back)
    intro = (
        f"{score.household.number if score.household else ''}户庭院得分"
        f"{score.total}/{score.max_total}，申报后按积分细则审核、公示。"
    )
    if version is None:
        intro += f"{rnd.on:%Y年%m月%d日}本村还没有生效的积分细则。"
    return form_page(request, form, f"奖惩计积分：{village.name} {rnd}", back, intro=intro)


# ---------------------------------------------------------------- sections and posts


@login_required
@require_GET
def sections(request: HttpRequest, code: str) -> HttpResponse:
    """A village's road sections and posts with their current duties, the retired ones
    tagged 已撤销; edit, retire, restore."""
    need(request.user, sel.VIEW)
    village = sel.village_get(actor=request.user, code=code)
    today = timezone.localdate()
    context = {
        "village": village,
        "sections": list(sel.sections_of(village=village, today=today)),
        "posts": list(sel.posts_of(village=village, today=today)),
        "can_manage": has_perm_in(request.user, "village.manage", village),
    }
    return render(request, "village/sanitation/sections.html", context)


def _sections_url(code: str) -> str:
    return reverse("village:sanitation_sections", args=[code])


@login_required
@require_http_methods(GET_POST)
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, sel.VIEW)
    section = sel.get_in_scope(request.user, RoadSection, pk)
    village = _village_for(request, section.village_id, "village.manage")
    initial = {"name": section.name, "group": section.group_id, "length_m": section.length_m,
               "description": section.description}  # fmt: skip
    form = forms.SectionForm(request.POST or None, village=village, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.section_update(
                actor=request.user, section=section, name=d["name"], group=d["group"],
                description=d["description"], length_m=d["length_m"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已修改路段")
            return redirect(_sections_url(village.code))
    return form_page(request, form, f"修改路段：{section.name}", _sections_url(village.code),
                     intro="值守和督查记录随路段一并更名。")  # fmt: skip


def _place_state(request: HttpRequest, model: Any, pk: int, retire: bool) -> HttpResponse:
    """撤销 or 重新启用 a section or a post, with the outcome as a message."""
    need(request.user, sel.VIEW)
    obj = sel.get_in_scope(request.user, model, pk)
    village = _village_for(request, obj.village_id, "village.manage")
    noun = "路段" if model is RoadSection else "岗位"
    kind = "section" if model is RoadSection else "post"
    call = getattr(services, f"{kind}_{'retire' if retire else 'restore'}")
    try:
        call(actor=request.user, **{kind: obj})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{'撤销' if retire else '重新启用'}{noun}“{obj.name}”")
    return redirect(_sections_url(village.code))


@login_required
@require_POST
def section_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _place_state(request, RoadSection, pk, True)


@login_required
@require_POST
def section_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _place_state(request, RoadSection, pk, False)


@login_required
@require_http_methods(GET_POST)
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, sel.VIEW)
    post = sel.get_in_scope(request.user, DutyPost, pk)
    village = _village_for(request, post.village_id, "village.manage")
    form = forms.PostForm(request.POST or None, initial={"name": post.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(actor=request.user, post=post, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已修改岗位")
            return redirect(_sections_url(village.code))
    return form_page(request, form, f"修改岗位：{post.name}", _sections_url(village.code))


@login_required
@require_POST
def post_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _place_state(request, DutyPost, pk, True)


@login_required
@require_POST
def post_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _place_state(request, DutyPost, pk, False)


# ---------------------------------------------------------------- the checklist


def _checklist_url(code: str) -> str:
    return reverse("village:sanitation_checklist", args=[code])


@login_required
@require_GET
def checklist(request: HttpRequest, code: str) -> HttpResponse:
    """The village's inspection checklist, retired items included; edit, retire, restore."""
    need(request.user, sel.VIEW)
    village = sel.village_get(actor=request.user, code=code)
    items = list(sel.checklist_all(village=village))
    context = {
        "village": village, "items": items,
        "total": sum(i.max_score for i in items if i.active),
        "can_manage": has_perm_in(request.user, "village.manage", village),
    }  # fmt: skip
    return render(request, "village/sanitation/checklist.html", context)


@login_required
@require_POST
def checklist_default(request: HttpRequest, code: str) -> HttpResponse:
    need(request.user, sel.VIEW)
    village = _village_for(request, code, "village.manage")
    try:
        services.checklist_default(actor=request.user, village=village)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已采用默认督查项目")
    return redirect(_checklist_url(code))


@login_required
@require_http_methods(GET_POST)
def checklist_item_create(request: HttpRequest, code: str) -> HttpResponse:
    need(request.user, sel.VIEW)
    village = _village_for(request, code, "village.manage")
    form = forms.ChecklistItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.checklist_item_add(
                actor=request.user, village=village, name=d["name"], max_score=d["max_score"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已增加督查项目")
            return redirect(_checklist_url(code))
    return form_page(request, form, f"增加督查项目：{village.name}", _checklist_url(code),
                     intro="此后的打分包括新项目；已记录的得分不变。")  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def checklist_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, sel.VIEW)
    item = sel.get_in_scope(request.user, ChecklistItem, pk)
    village = _village_for(request, item.village_id, "village.manage")
    initial = {"name": item.name, "max_score": item.max_score}
    form = forms.ChecklistItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.checklist_item_update(
                actor=request.user, item=item, name=d["name"], max_score=d["max_score"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已修改督查项目")
            return redirect(_checklist_url(village.code))
    return form_page(request, form, f"修改督查项目：{item.name}", _checklist_url(village.code),
                     intro="已记录的得分保留原分值和满分；此后的打分按新满分。")  # fmt: skip


def _item_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    need(request.user, sel.VIEW)
    item = sel.get_in_scope(request.user, ChecklistItem, pk)
    village = _village_for(request, item.village_id, "village.manage")
    try:
        services.checklist_item_set_active(actor=request.user, item=item, active=active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{'重新启用' if active else '停用'}“{item.name}”")
    return redirect(_checklist_url(village.code))


@login_required
@require_POST
def checklist_item_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_active(request, pk, False)


@login_required
@require_POST
def checklist_item_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_active(request, pk, True)
