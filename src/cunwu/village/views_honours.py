"""Pages of the honours part: selections (list, detail, create), nominations, the appraisal,
publishing, the certificates and a household's honours."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in, regions_in_scope
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.models import RegionLevel
from cunwu.core.spreadsheets import xlsx_response
from cunwu.registry.models import Household

from .forms_honours import (
    AppraisalForm,
    CancelForm,
    NominationForm,
    RankingForm,
    SelectionForm,
    SelfNominationForm,
)
from .models_honours import NominationSource, SelectionKind, SelectionStage
from .selectors import honours as selectors
from .services import honours as services

VIEW = "village.view"
MANAGE = "village.manage"
GET_POST = ["GET", "POST"]
PAGE_SIZE = 20
HEADER = ["年度", "村", "类别", "名额", "阶段", "提名户数", "表彰户数"]


def _manage(user: Any, village: str) -> None:
    if not has_perm_in(user, MANAGE, village):
        raise PermissionDenied("没有权限管理评选")


@login_required
@require_GET
def selection_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "person", None):
        need(user, VIEW)
    params = get_params(request, "q", "year", "kind", "stage", "format", strip=True)
    year = parse_int(params["year"]) if len(params["year"]) == 4 else None
    qs = selectors.selection_list(
        actor=user, q=params["q"], year=year,
        kind=params["kind"] if params["kind"] in SelectionKind.values else "",
        stage=params["stage"] if params["stage"] in SelectionStage.values else "",
    )  # fmt: skip
    if params["format"] == "xlsx":
        rows = [
            [s.year, s.village.name, s.get_kind_display(), s.quota, s.get_stage_display(),
             getattr(s, "nominated", 0), getattr(s, "awarded", 0)]
            for s in qs[:5000]
        ]  # fmt: skip
        return xlsx_response("文明户评选", [("评选活动", HEADER, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=["format"])
    context = {
        "page": page, "params": params, "query": query, "kinds": SelectionKind.choices,
        "stages": SelectionStage.choices,
        "can_manage": bool(regions_in_scope(user, MANAGE, level=RegionLevel.VILLAGE).exists()),
    }  # fmt: skip
    return render(request, "village/honours/list.html", context)


@login_required
@require_GET
def selection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selection = selectors.selection_get(actor=user, pk=pk)
    person = getattr(user, "person", None)
    context = {
        "s": selection, "nominations": list(selectors.nominations_of(selection)),
        "awards": list(selectors.award_list(actor=user, selection=selection)),
        "can_manage": services.can_manage(user, selection),
        "can_self": person is not None and person.household.village_id == selection.village_id
        and selection.stage == SelectionStage.NOMINATING,
    }  # fmt: skip
    return render(request, "village/honours/detail.html", context)


@login_required
@require_http_methods(GET_POST)
def selection_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    villages = list(regions_in_scope(user, MANAGE, level=RegionLevel.VILLAGE))
    if not villages:
        raise PermissionDenied("没有权限创建评选")
    form = SelectionForm(request.POST or None, initial={"year": timezone.localdate().year})
    village_field: Any = form.fields["village"]
    village_field.choices = [(v.code, v.name) for v in villages]
    back = reverse("village:selection_list")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        village = next(v for v in villages if v.code == d["village"])
        try:
            selection = services.selection_create(
                actor=user, village=village, year=d["year"], kind=d["kind"], quota=d["quota"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已创建评选")
            return redirect("village:selection_detail", selection.pk)
    return form_page(request, form, "新建评选", back)


def _household(selection: Any, number: str) -> Household:
    household = Household.objects.filter(village_id=selection.village_id, number=number).first()
    if household is None:
        raise ApplicationError("household_missing", f"本村没有户编号为“{number}”的户",
                               field="household")  # fmt: skip
    return household


@login_required
@require_http_methods(GET_POST)
def nomination_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selection = selectors.selection_get(actor=user, pk=pk)
    _manage(user, selection.village_id)
    form = NominationForm(request.POST or None)
    back = reverse("village:selection_detail", args=[selection.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.nomination_add(
                actor=user, selection=selection, household=_household(selection, d["household"]),
                source=NominationSource.GROUP, reason=d["reason"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记提名")
            return redirect(back)
    return form_page(request, form, f"村民小组推荐：{selection}", back)


@login_required
@require_http_methods(GET_POST)
def nomination_self(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = getattr(user, "person", None)
    if person is None:
        raise PermissionDenied("只有登记在册的村民可以自荐")
    selection = selectors.selection_get(actor=user, pk=pk)
    form = SelfNominationForm(request.POST or None)
    back = reverse("village:selection_detail", args=[selection.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_add(
                actor=user, selection=selection, household=person.household,
                source=NominationSource.SELF, reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已提交自荐")
            return redirect(back)
    return form_page(request, form, f"自荐：{selection}", back)


@login_required
@require_http_methods(GET_POST)
def nomination_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selection = selectors.selection_get(actor=user, pk=pk)
    _manage(user, selection.village_id)
    form = RankingForm(request.POST or None, initial={"top": selection.quota})
    back = reverse("village:selection_detail", args=[selection.pk])
    if request.method == "POST" and form.is_valid():
        try:
            made = services.nominate_from_ranking(
                actor=user, selection=selection, top=form.cleaned_data["top"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已从积分排名提名{len(made)}户")
            return redirect(back)
    return form_page(request, form, f"从积分排名提名：{selection}", back,
                     intro="按累计积分从高到低提名，已提名的户跳过。")  # fmt: skip


def _action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    user = request.user
    selection = selectors.selection_get(actor=user, pk=pk)
    _manage(user, selection.village_id)
    try:
        run(actor=user, selection=selection)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("village:selection_detail", selection.pk)


@login_required
@require_POST
def selection_appraise(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.appraisal_start, "提名结束，进入评议")


@login_required
@require_POST
def selection_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.selection_publish, "已发布拟表彰名单公示")


@login_required
@require_http_methods(GET_POST)
def selection_votes(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selection = selectors.selection_get(actor=user, pk=pk)
    _manage(user, selection.village_id)
    nominations = [(n.pk, f"{n.household.number}户") for n in selectors.nominations_of(selection)]
    form = AppraisalForm(
        request.POST or None, nominations=nominations,
        initial={"appraised_on": timezone.localdate()},
    )  # fmt: skip
    back = reverse("village:selection_detail", args=[selection.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.appraisal_record(
                actor=user, selection=selection, members_total=d["members_total"],
                members_present=d["members_present"], on=d["appraised_on"], votes=form.votes(),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记评议结果")
            return redirect(back)
    intro = f"得票超过实到人数半数的户按票数在{selection.quota}个名额内确定。"
    return form_page(request, form, f"评议投票：{selection}", back, intro=intro)


@login_required
@require_http_methods(GET_POST)
def selection_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selection = selectors.selection_get(actor=user, pk=pk)
    _manage(user, selection.village_id)
    form = CancelForm(request.POST or None)
    back = reverse("village:selection_detail", args=[selection.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.selection_cancel(actor=user, selection=selection,
                                      reason=form.cleaned_data["reason"])  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "评选已取消")
            return redirect(back)
    return form_page(request, form, f"取消评选：{selection}", back)


@login_required
@require_GET
def award_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.award_get(actor=request.user, pk=pk)
    from cunwu.registry.models import Person

    head = Person.objects.filter(household=award.household, relation="户主").first()
    context = {"a": award, "head": head.name if head else "", "date": format_date(award.awarded_on)}
    return render(request, "village/honours/certificate.html", context)


@login_required
@require_GET
def household_honours(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(actor=request.user, pk=pk)
    awards = list(selectors.household_honours(household))
    return render(request, "village/honours/household.html",
                  {"household": household, "awards": awards})  # fmt: skip
