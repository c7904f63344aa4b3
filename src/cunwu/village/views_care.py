"""Pages of the care part (permission ``village.care``): persons under care with their next
visit due (overdue filter, export), a record with its visits, adding, visiting, ending."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.spreadsheets import xlsx_response
from cunwu.registry.models import Person

from .forms_care import CareEndForm, CareForm, CarerForm, VisitForm
from .models_care import CareGroup
from .selectors import care as selectors
from .services import care as services

CARE = "village.care"
GET_POST = ["GET", "POST"]
HEADER = ["村", "姓名", "户编号", "类别", "纳入日期", "周期（天）", "关爱责任人", "最近走访",
          "应走访日期", "逾期天数"]  # fmt: skip


@login_required
@require_GET
def care_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    need(user, CARE)
    params = get_params(request, "group", "carer", "overdue", "format", strip=True)
    today = timezone.localdate()
    group = params["group"] if params["group"] in CareGroup.values else ""
    carer = parse_int(params["carer"]) if len(params["carer"]) < 9 else None
    rows = selectors.overdue(actor=user, on=today, group=group, carer=carer,
                             overdue_only=params["overdue"] == "1")  # fmt: skip
    if params["format"] == "xlsx":
        data = [
            [r.record.village.name, r.record.person.name, r.record.person.household.number,
             r.record.get_group_display(), format_date(r.record.since), r.record.interval_days,
             r.record.carer_label, format_date(r.last_visit), format_date(r.due),
             max(r.days_late, 0)]
            for r in rows
        ]  # fmt: skip
        return xlsx_response("关爱走访", [("关爱对象", HEADER, data)])
    page, query = paginate(request, rows, 30, drop=["format"])
    context = {"page": page, "query": query, "params": params, "groups": CareGroup.choices}
    return render(request, "village/care/list.html", context)


@login_required
@require_GET
def care_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.care_get(actor=request.user, pk=pk)
    context = {"r": record, "visits": list(selectors.visits_of(record)),
               "due": selectors.due_on(record)}  # fmt: skip
    return render(request, "village/care/detail.html", context)


@login_required
@require_http_methods(GET_POST)
def care_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    need(user, CARE, "没有权限登记关爱对象")
    initial: dict[str, object] = {"since": timezone.localdate()}
    picked = get_params(request, "person", "group", strip=True)
    picked_person = parse_int(picked["person"])
    if picked_person is not None:
        initial["person"] = picked_person
    if picked["group"] in CareGroup.values:
        initial["group"] = picked["group"]
    form = CareForm(request.POST or None, initial=initial)
    back = reverse("village:care_list")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = Person.objects.filter(pk=d["person"]).first()
            if person is None or not has_perm_in(user, CARE, person.household.village_id):
                raise ApplicationError("person_missing", "没有这个人员", field="person")
            record = services.care_add(
                actor=user, person=person, group=d["group"], since=d["since"],
                interval_days=d["interval_days"], carer_name=d["carer_name"],
                carer_phone=d["carer_phone"], note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记关爱对象")
            return redirect("village:care_detail", record.pk)
    return form_page(request, form, "登记关爱对象", back)


@login_required
@require_http_methods(GET_POST)
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    record = selectors.care_get(actor=user, pk=pk)
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    back = reverse("village:care_detail", args=[record.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.visit_add(actor=user, record=record, visited_on=d["visited_on"],
                               needs=d["needs"], help_given=d["help_given"],
                               follow_up=d["follow_up"])  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记走访")
            return redirect(back)
    return form_page(request, form, f"走访：{record}", back)


@login_required
@require_http_methods(GET_POST)
def care_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    record = selectors.care_get(actor=user, pk=pk)
    form = CareEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    back = reverse("village:care_detail", args=[record.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.care_end(actor=user, record=record, ended_on=d["ended_on"],
                              reason=d["reason"])  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "关爱记录已结束")
            return redirect(back)
    return form_page(request, form, f"结束关爱：{record}", back,
                     intro="结束的记录保留，不会删除。")  # fmt: skip


@login_required
@require_GET
def care_suggestions(request: HttpRequest) -> HttpResponse:
    """Persons of the registry likely to need care and not yet under care in that group: the
    cadre confirms each by registering it."""
    user = request.user
    need(user, CARE)
    rows = [
        {"person": p, "group": g, "group_label": CareGroup(g).label, "why": why}
        for p, g, why in selectors.suggestions(actor=user, on=timezone.localdate())[:300]
    ]
    return render(request, "village/care/suggestions.html", {"rows": rows})


@login_required
@require_http_methods(GET_POST)
def care_carer(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the 关爱责任人: a cadre of the village, or a named person with a phone."""
    user = request.user
    record = selectors.care_get(actor=user, pk=pk)
    need(user, CARE, "没有权限更换关爱责任人")
    initial = {"carer_user": record.carer_user_id, "carer_name": record.carer_name}
    form = CarerForm(request.POST or None, initial=initial,
                     carers=selectors.carer_choices(record.village_id))  # fmt: skip
    back = reverse("village:care_detail", args=[record.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.carer_assign(
                actor=user, record=record, carer_user=d["carer_user"],
                carer_name=d["carer_name"], carer_phone=d["carer_phone"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已更换关爱责任人")
            return redirect(back)
    return form_page(request, form, f"更换关爱责任人：{record.person.name}", back)
