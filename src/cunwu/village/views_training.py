"""Pages of 培训与劳务输出: sessions (list with filters and xlsx of sessions with attendees,
detail, create, add attendee), labour export counts per village (page and xlsx, 从户籍导入)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in, regions_in_scope
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.models import Region
from cunwu.core.spreadsheets import xlsx_response
from cunwu.registry.models import Person

from .forms_training import TrainingAttendeeForm, TrainingSessionForm
from .models import Destination, TrainingKind
from .selectors import training as selectors
from .services import training as services

VIEW = "village.view"
MANAGE = "village.manage"


@login_required
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    need(request.user, VIEW)
    params = get_params(request, "q", "kind", "year", "region", "format", strip=True)
    qs = selectors.training_sessions(
        user=request.user, q=params["q"], kind=params["kind"],
        year=parse_int(params["year"]), region=params["region"],
    )  # fmt: skip
    if params["format"] == "xlsx":
        rows: list[list[Any]] = []
        for s in qs[:2000]:
            for a in selectors.training_attendees(user=request.user, session=s):
                certs = "；".join(f"{c.name}（{c.number}）" for c in a.certificates.all())
                rows.append([s.title, s.get_kind_display(), s.start_on, s.end_on, s.place,
                             s.organiser, s.hours, a.person.name, a.village.name,
                             "是" if a.attended else "否", certs, a.get_outcome_display(),
                             a.outcome_place])  # fmt: skip
        header = ["培训", "类型", "开始", "结束", "地点", "组织单位", "学时", "姓名", "村",
                  "参训", "证书", "就业情况", "就业地点"]  # fmt: skip
        return xlsx_response("培训与参训人员", [("培训", header, rows)])
    page, query = paginate(request, qs, 30, drop=("format",))
    regions = [r for r in regions_in_scope(request.user, MANAGE, level=5)]
    regions += list(regions_in_scope(request.user, services.TOWNSHIP_PERM, level=4))
    context = {"page": page, "params": params, "query": query, "kinds": TrainingKind.choices,
               "regions": regions}  # fmt: skip
    return render(request, "village/training/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def training_create(request: HttpRequest) -> HttpResponse:
    need(request.user, VIEW)
    region = Region.objects.filter(code=request.GET.get("region", "")).first()
    if region is None or not has_perm_in(request.user, VIEW, region):
        raise Http404
    form = TrainingSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.training_session_create(
                actor=request.user, region=region, **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:training_detail", session.pk)
    return form_page(request, form, f"登记培训（{region.name}）", reverse("village:training_list"))


@login_required
@require_GET
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, VIEW)
    session = selectors.training_session_get(user=request.user, pk=pk)
    attendees = selectors.training_attendees(user=request.user, session=session)
    perm = MANAGE if session.region.level == 5 else services.TOWNSHIP_PERM
    context = {"session": session, "attendees": attendees,
               "can_manage": has_perm_in(request.user, perm, session.region)}  # fmt: skip
    return render(request, "village/training/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def training_attendee_add(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, VIEW)
    session = selectors.training_session_get(user=request.user, pk=pk)
    form = TrainingAttendeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = (
            Person.objects.filter(
                pk=form.cleaned_data["person"],
                household__village__code__startswith=session.region.code[
                    : 9 if session.region.level == 4 else 12
                ],
            )
            .select_related("household__village")
            .first()
        )
        if person is None:
            form.add_error("person", "组织地区没有该人员")
        else:
            try:
                services.training_attendee_add(actor=request.user, session=session, person=person)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                return redirect("village:training_detail", session.pk)
    back = reverse("village:training_detail", args=[session.pk])
    return form_page(request, form, f"添加参训人员：{session.title}", back)


@login_required
@require_http_methods(["GET", "POST"])
def labour_counts(request: HttpRequest) -> HttpResponse:
    """劳务输出: the yearly count per village (and the total), xlsx; 从户籍导入 for one village."""
    need(request.user, VIEW)
    params = get_params(request, "year", "village", "format", strip=True)
    year = parse_int(params["year"]) or timezone.localdate().year
    candidates: list[Person] = []
    village = Region.objects.filter(code=params["village"], level=5).first()
    can_seed = village is not None and has_perm_in(request.user, MANAGE, village)
    if request.method == "POST":
        if village is None or not can_seed:
            raise Http404
        services.labour_export_seed(actor=request.user, village=village, year=year)
        return redirect(f"{request.path}?year={year}&village={village.code}")
    if village is not None and can_seed:
        candidates = services.labour_export_candidates(village=village, year=year)
    rows = selectors.labour_counts(user=request.user, year=year)
    destinations = Destination.choices
    total = {d: sum(r.get(d, 0) for r in rows) for d, _ in destinations}
    total["total"] = sum(r["total"] for r in rows)
    if params["format"] == "xlsx":
        header = ["村", *[label for _, label in destinations], "合计"]
        data = [[r["name"], *[r.get(d, 0) for d, _ in destinations], r["total"]] for r in rows]
        data.append(["合计", *[total[d] for d, _ in destinations], total["total"]])
        return xlsx_response(f"{year}年劳务输出", [("劳务输出", header, data)])
    table = [{"name": r["name"], "cells": [r.get(d, 0) for d, _ in destinations],
              "total": r["total"]} for r in rows]  # fmt: skip
    context = {
        "year": year, "table": table, "destinations": destinations, "village": village,
        "total_cells": [total[d] for d, _ in destinations], "total": total["total"],
        "candidates": candidates, "can_seed": can_seed,
        "villages": regions_in_scope(request.user, MANAGE, level=5),
    }  # fmt: skip
    return render(request, "village/training/labour.html", context)
