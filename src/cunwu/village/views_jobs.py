"""Pages of 公益性岗位: posts (list, export, detail, retire), holders (start, end), attendance
(one by one, or a month's sheet imported), and the monthly payroll (page and xlsx)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
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
from cunwu.core.formatting import format_fen
from cunwu.core.listing import get_params, paginate
from cunwu.core.models import Region
from cunwu.core.spreadsheets import xlsx_response
from cunwu.registry.models import Person

from .forms_jobs import (
    JobAttendanceForm,
    JobAttendanceImportForm,
    JobHolderEndForm,
    JobHolderForm,
    JobPostForm,
    JobPostRetireForm,
)
from .selectors import jobs as selectors
from .services import jobs as services

VIEW = "village.view"
MANAGE = "village.manage"


def _fen(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def _month(raw: str) -> date:
    try:
        year, month = (int(x) for x in raw.split("-")[:2])
        return date(year, month, 1)
    except (ValueError, TypeError):
        return timezone.localdate().replace(day=1)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    """公益性岗位: search, village filter, active/ended, export."""
    need(request.user, VIEW)
    params = get_params(request, "q", "village", "active", "format", strip=True)
    qs = selectors.job_posts(
        user=request.user, q=params["q"], village=params["village"], active=params["active"]
    )
    if params["format"] == "xlsx":
        rows = [[p.village.name, p.name, p.duties, format_fen(p.pay_fen), p.funding, p.positions,
                 p.filled, "在设" if p.active else "撤销"] for p in qs]  # fmt: skip
        header = ["村", "岗位", "职责", "月报酬（元）", "资金来源", "岗位数", "在岗", "状态"]
        return xlsx_response("公益性岗位", [("公益性岗位", header, rows)])
    page, query = paginate(request, qs, 30, drop=("format",))
    villages = regions_in_scope(request.user, MANAGE, level=5)
    context = {"page": page, "params": params, "query": query, "villages": villages}
    return render(request, "village/jobs/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_post_create(request: HttpRequest) -> HttpResponse:
    need(request.user, MANAGE, "没有权限设置岗位")
    villages = list(regions_in_scope(request.user, MANAGE, level=5))
    code = request.GET.get("village") or (villages[0].code if len(villages) == 1 else "")
    village = next((v for v in villages if v.code == code), None)
    if village is None:
        raise Http404
    form = JobPostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            post = services.job_post_create(
                actor=request.user, village=village, name=d["name"], duties=d["duties"],
                pay_fen=_fen(d["pay_yuan"]), funding=d["funding"], positions=d["positions"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:job_detail", post.pk)
    return form_page(
        request, form, f"新设公益性岗位（{village.name}）", reverse("village:job_list")
    )


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, VIEW)
    post = selectors.job_post_get(user=request.user, pk=pk)
    holders = selectors.job_holders(user=request.user, post=post)
    context = {"post": post, "holders": holders,
               "can_manage": has_perm_in(request.user, MANAGE, post.village_id)}  # fmt: skip
    return render(request, "village/jobs/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_holder_start(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, MANAGE, "没有权限安排上岗")
    post = selectors.job_post_get(user=request.user, pk=pk)
    form = JobHolderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = Person.objects.filter(
            pk=form.cleaned_data["person"], household__village_id=post.village_id
        ).first()
        if person is None:
            form.add_error("person", "本村没有该人员")
        else:
            try:
                services.job_holder_start(
                    actor=request.user, post=post, person=person,
                    start_on=form.cleaned_data["start_on"],
                )  # fmt: skip
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                return redirect("village:job_detail", post.pk)
    back = reverse("village:job_detail", args=[post.pk])
    return form_page(request, form, f"安排上岗：{post.name}", back)


@login_required
@require_http_methods(["GET", "POST"])
def job_holder_end(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, MANAGE, "没有权限办理离岗")
    holder = selectors.job_holder_get(user=request.user, pk=pk)
    form = JobHolderEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.job_holder_end(actor=request.user, holder=holder, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:job_detail", holder.post_id)
    back = reverse("village:job_detail", args=[holder.post_id])
    return form_page(request, form, f"离岗：{holder.person.name}", back)


@login_required
@require_http_methods(["GET", "POST"])
def job_attendance_create(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, MANAGE, "没有权限登记考勤")
    holder = selectors.job_holder_get(user=request.user, pk=pk)
    form = JobAttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.job_attendance_record(
                actor=request.user, holder=holder, month=d["month"], days_worked=d["days_worked"],
                deduction_fen=_fen(d["deduction_yuan"]), deduction_reason=d["deduction_reason"],
                note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            month = d["month"]
            url = reverse("village:job_payroll")
            return redirect(f"{url}?village={holder.village_id}&month={month:%Y-%m}")
    back = reverse("village:job_detail", args=[holder.post_id])
    return form_page(request, form, f"考勤：{holder.person.name}", back)


@login_required
@require_http_methods(["GET", "POST"])
def job_payroll(request: HttpRequest) -> HttpResponse:
    """The monthly payroll of a village (the sheet a township pays from); 结账 closes it."""
    need(request.user, VIEW)
    params = get_params(request, "village", "month", "format", strip=True)
    month = _month(params["month"])
    village = Region.objects.filter(code=params["village"], level=5).first()
    if village is None or not has_perm_in(request.user, VIEW, village):
        villages = list(regions_in_scope(request.user, VIEW, level=5)[:2])
        if len(villages) != 1:
            return render(request, "village/jobs/payroll.html",
                          {"rows": [], "month": month, "village": None, "total": 0})  # fmt: skip
        village = villages[0]
    error = ""
    if request.method == "POST":
        try:
            services.job_month_close(actor=request.user, village=village, month=month)
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect(f"{request.path}?village={village.code}&month={month:%Y-%m}")
    rows = selectors.payroll(user=request.user, village=village.code, month=month)
    total = sum(r.attendance.net_fen for r in rows)
    if params["format"] == "xlsx":
        header = ["岗位", "姓名", "应出勤", "出勤", "月报酬（元）", "应发（元）", "扣减（元）",
                  "扣减原因", "实发（元）"]  # fmt: skip
        data: list[list[Any]] = [
            [r.holder.post.name, r.holder.person.name, r.attendance.working_days,
             r.attendance.days_worked, format_fen(r.attendance.pay_fen),
             format_fen(r.attendance.pay_due_fen), format_fen(r.attendance.deduction_fen),
             r.attendance.deduction_reason, format_fen(r.attendance.net_fen)]
            for r in rows
        ]  # fmt: skip
        data.append(["合计", "", "", "", "", "", "", "", format_fen(total)])
        title = f"{village.name}{month.year}年{month.month}月公益性岗位工资表"
        return xlsx_response(title, [("工资表", header, data)])
    from .models import JobMonth

    context = {
        "rows": rows, "month": month, "village": village, "total": total, "error": error,
        "import_form": JobAttendanceImportForm(initial={"month": month}, auto_id="import_%s"),
        "closed": JobMonth.objects.filter(village=village, month=month).exists(),
        "can_manage": has_perm_in(request.user, MANAGE, village),
    }  # fmt: skip
    return render(request, "village/jobs/payroll.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_post_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销岗位 (confirm page): only when nobody is in post."""
    need(request.user, MANAGE, "没有权限撤销岗位")
    post = selectors.job_post_get(user=request.user, pk=pk)
    if not has_perm_in(request.user, MANAGE, post.village_id):
        raise Http404
    form = JobPostRetireForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.job_post_retire(actor=request.user, post=post)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:job_detail", post.pk)
    back = reverse("village:job_detail", args=[post.pk])
    intro = f"撤销后该岗位不能再安排上岗。当前在岗{post.filled}人，须全部离岗后才能撤销。"
    return form_page(request, form, f"撤销岗位：{post.name}", back, intro)


def _manage_village(request: HttpRequest) -> Region:
    village = Region.objects.filter(code=request.GET.get("village", ""), level=5).first()
    if village is None or not has_perm_in(request.user, MANAGE, village):
        raise Http404
    return village


@login_required
@require_GET
def job_attendance_template(request: HttpRequest) -> HttpResponse:
    """The sheet to fill in: one row per holder in post that month (``?village=&month=``)."""
    need(request.user, MANAGE, "没有权限登记考勤")
    village = _manage_village(request)
    month = _month(request.GET.get("month", ""))
    rows = [[h.person.household.number, h.person.name, h.person_id, "", "", ""]
            for h in services.holders_in_month(village=village, month=month)]  # fmt: skip
    title = f"{village.name}{month.year}年{month.month}月公益性岗位考勤"
    return xlsx_response(title, [("考勤", list(services.IMPORT_HEADERS), rows)])


@login_required
@require_http_methods(["GET", "POST"])
def job_attendance_import(request: HttpRequest) -> HttpResponse:
    """导入考勤 of a month for a village (``?village=``): all rows or none."""
    need(request.user, MANAGE, "没有权限登记考勤")
    village = _manage_village(request)
    form = JobAttendanceImportForm(
        request.POST or None, request.FILES or None,
        initial={"month": _month(request.GET.get("month", ""))},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        month, upload = form.cleaned_data["month"], form.cleaned_data["file"]
        try:
            services.job_attendance_import(
                actor=request.user, village=village, month=month, name=upload.name or "",
                data=upload.read(),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            url = reverse("village:job_payroll")
            return redirect(f"{url}?village={village.code}&month={month:%Y-%m}")
    back = f"{reverse('village:job_payroll')}?village={village.code}"
    intro = "请先在工资表页面下载考勤模板，填写后上传；任一行有误则整表不导入。"
    return form_page(request, form, f"导入考勤（{village.name}）", back, intro, multipart=True)
