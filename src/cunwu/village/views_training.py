"""Pages of 培训与劳务输出: sessions (list with filters and xlsx of sessions with attendees,
detail, create, add attendee, 点名, xlsx of a session's attendees), an attendee's certificate and
employment outcome, labour export counts per village (page and xlsx, 从户籍导入, one record)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
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

from .forms_training import (
    LabourExportForm,
    TrainingAttendanceForm,
    TrainingAttendeeForm,
    TrainingCertificateForm,
    TrainingOutcomeForm,
    TrainingSessionForm,
)
from .models import Destination, TrainingAttendee, TrainingKind, TrainingSession
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


def _session_perm(session: TrainingSession) -> str:
    return MANAGE if session.region.level == 5 else services.TOWNSHIP_PERM


def _need_manage(request: HttpRequest, session: TrainingSession) -> None:
    """403 unless the user manages the organiser's region (seeing the session is not enough)."""
    if not has_perm_in(request.user, _session_perm(session), session.region):
        raise PermissionDenied("没有权限管理该培训")


@login_required
@require_http_methods(["GET", "POST"])
def training_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """点名: all attendees of a session on one page, ticked when they attended."""
    need(request.user, VIEW)
    session = selectors.training_session_get(user=request.user, pk=pk)
    _need_manage(request, session)
    attendees = list(selectors.training_attendees(user=request.user, session=session))
    initial = {"attended": [str(a.pk) for a in attendees if a.attended]}
    form = TrainingAttendanceForm(request.POST or None, attendees=attendees, initial=initial)
    if request.method == "POST" and form.is_valid():
        ticked = set(form.cleaned_data["attended"])
        try:
            with transaction.atomic():
                for a in attendees:
                    if (str(a.pk) in ticked) != a.attended:
                        services.training_attendance_mark(
                            actor=request.user, attendee=a, attended=str(a.pk) in ticked
                        )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:training_detail", session.pk)
    back = reverse("village:training_detail", args=[session.pk])
    intro = "勾选实际到场的人员，未勾选的记为未参训。" if attendees else "名单中还没有人员。"
    return form_page(request, form, f"点名：{session.title}", back, intro)


def _attendee(request: HttpRequest, pk: int) -> TrainingAttendee:
    need(request.user, VIEW)
    attendee = selectors.training_attendee_get(user=request.user, pk=pk)
    _need_manage(request, attendee.session)
    return attendee


@login_required
@require_http_methods(["GET", "POST"])
def training_certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    attendee = _attendee(request, pk)
    form = TrainingCertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_certificate_add(
                actor=request.user, attendee=attendee, **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:training_detail", attendee.session_id)
    back = reverse("village:training_detail", args=[attendee.session_id])
    return form_page(request, form, f"登记证书：{attendee.person.name}", back)


@login_required
@require_http_methods(["GET", "POST"])
def training_outcome_set(request: HttpRequest, pk: int) -> HttpResponse:
    attendee = _attendee(request, pk)
    initial = {"outcome": attendee.outcome, "place": attendee.outcome_place,
               "since": attendee.outcome_from}  # fmt: skip
    form = TrainingOutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_outcome_set(actor=request.user, attendee=attendee,
                                          **form.cleaned_data)  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:training_detail", attendee.session_id)
    back = reverse("village:training_detail", args=[attendee.session_id])
    return form_page(request, form, f"就业情况：{attendee.person.name}", back)


@login_required
@require_GET
def training_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendees of one session (those the user may see): attendance, certificates, outcome."""
    need(request.user, VIEW)
    session = selectors.training_session_get(user=request.user, pk=pk)
    rows: list[list[Any]] = []
    for a in selectors.training_attendees(user=request.user, session=session):
        certs = "；".join(f"{c.name}（{c.number}，{c.issuer}，{c.issued_on:%Y-%m-%d}）"
                         for c in a.certificates.all())  # fmt: skip
        rows.append([a.person.name, a.village.name, "是" if a.attended else "否", certs,
                     a.get_outcome_display(), a.outcome_place,
                     f"{a.outcome_from:%Y-%m-%d}" if a.outcome_from else ""])  # fmt: skip
    header = ["姓名", "村", "参训", "证书", "就业情况", "就业地点", "就业起始"]
    return xlsx_response(f"{session.title}参训人员", [("参训人员", header, rows)])


@login_required
@require_http_methods(["GET", "POST"])
def labour_export_create(request: HttpRequest) -> HttpResponse:
    """登记一条劳务输出 of a person of ``?village=`` (one per person and year)."""
    need(request.user, MANAGE, "没有权限登记劳务输出")
    villages = list(regions_in_scope(request.user, MANAGE, level=5))
    code = request.GET.get("village") or (villages[0].code if len(villages) == 1 else "")
    village = next((v for v in villages if v.code == code), None)
    if village is None:
        raise Http404
    form = LabourExportForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        person = (
            Person.objects.filter(pk=d.pop("person"), household__village=village)
            .select_related("household__village")
            .first()
        )
        if person is None:
            form.add_error("person", "本村没有该人员")
        else:
            try:
                services.labour_export_record(actor=request.user, person=person, **d)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                url = reverse("village:labour_counts")
                return redirect(f"{url}?year={d['year']}&village={village.code}")
    back = f"{reverse('village:labour_counts')}?village={village.code}"
    return form_page(request, form, f"登记劳务输出（{village.name}）", back)
