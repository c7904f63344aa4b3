"""The working-day calendar page (/calendar/): a year's holidays and make-up workdays, and the
county admin entering a year's official arrangement (国务院办公厅通知) as CSV.

Only holders of ``core.manage_calendar`` (county admins) see the page; everybody else gets 403.
Writes go through ``core.services.holidays`` with ``authorize=require``; the audit event goes to
the chain of the admin's own region.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cunwu.accounts.forms import add_application_error
from cunwu.accounts.permissions import require, scope_prefixes
from cunwu.core.errors import ApplicationError
from cunwu.core.holidayfile import MAX_BYTES, decode, holiday_csv, read_holiday_csv
from cunwu.core.models import CalendarYear, Region
from cunwu.core.services.holidays import HolidayDaysInvalid, holiday_year_set
from cunwu.core.workdays import (
    BUILTIN_YEARS,
    MAX_YEAR,
    MIN_YEAR,
    year_calendar,
    year_special_days,
)

CALENDAR = "core.manage_calendar"
SOURCE_LABELS = {
    "builtin": "内置数据（chinese-calendar）",
    "entered": "已录入",
    "unknown": "未知",
}
EXAMPLE = "日期,类型,名称\n2027-01-01,放假,元旦\n2027-02-07,上班,春节\n"


def acting_region(actor: Any, perm: str = CALENDAR) -> Region:
    """The widest region where ``actor`` holds ``perm`` (a superuser: the widest of all): the
    chain their calendar changes are audited in. 403 when there is none."""
    prefixes = scope_prefixes(actor, perm)
    qs = Region.objects.order_by("level", "code")
    if prefixes is not None:
        qs = qs.filter(code__in=[p.ljust(12, "0") for p in prefixes])
    region = qs.first() if prefixes != [] else None
    if region is None:
        raise PermissionDenied("没有权限访问此页面")
    return region


def year_choices(today: date) -> list[tuple[int, str]]:
    """From the first builtin year to two years ahead (or the last entered year)."""
    last_entered = CalendarYear.objects.aggregate(y=Max("year"))["y"] or 0
    last = max(today.year + 2, last_entered, BUILTIN_YEARS.stop - 1)
    return [(y, f"{y}年") for y in range(last, BUILTIN_YEARS.start - 1, -1)]


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label="年份", coerce=int)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices(today)  # type: ignore[attr-defined]


class ArrangementForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=MIN_YEAR, max_value=MAX_YEAR)
    text = forms.CharField(
        label="粘贴CSV",
        required=False,
        max_length=64 * 1024,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": EXAMPLE}),
        help_text="每行：日期,类型,名称；类型为“放假”或“上班”（调休上班），名称可空",
    )
    file = forms.FileField(label="或上传CSV文件", required=False)
    note = forms.CharField(
        label="依据", required=False, max_length=200, help_text="如：国办发明电〔2026〕×号"
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("text") or "").strip() and not cleaned.get("file"):
            raise forms.ValidationError("请粘贴CSV内容或选择文件")
        return cleaned


def _enter(
    request: HttpRequest, *, actor: Any, region: Region, year: int, form: ArrangementForm
) -> list[str]:
    """Read the pasted or uploaded CSV and enter it; the problems by line, if any."""
    upload = form.cleaned_data.get("file")
    text = decode(upload.read(MAX_BYTES + 1)) if upload else form.cleaned_data["text"]
    parsed = read_holiday_csv(text, year=year)
    if parsed.problems:
        return parsed.messages()
    try:
        result = holiday_year_set(
            actor=actor,
            region=region,
            year=year,
            days=parsed.entries,
            note=form.cleaned_data["note"],
            authorize=require,
        )
    except HolidayDaysInvalid as exc:  # the data changed meanwhile (another year's entry)
        return [exc.message]
    if result.changed:
        messages.success(
            request,
            f"已录入{year}年的安排：放假{result.holidays}天，调休上班{result.workdays}天",
        )
    else:
        messages.info(request, f"{year}年的安排与提交的内容相同，未做改动")
    return []


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    actor = request.user
    region = acting_region(actor)
    today = timezone.localdate()
    year_form = YearForm(request.GET or {"year": today.year}, today=today)
    year = year_form.cleaned_data["year"] if year_form.is_valid() else today.year
    problems: list[str] = []
    form = ArrangementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            problems = _enter(request, actor=actor, region=region, year=year, form=form)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            if not problems:
                return redirect(f"{reverse('calendar')}?year={year}")
    calendar = year_calendar(year)
    entered = sorted((d, kind, name) for d, (kind, name) in calendar.entered.items())
    if request.method != "POST":
        text = holiday_csv(entered) if entered else ""
        form = ArrangementForm(initial={"year": year, "text": text, "note": calendar.note})
    next_year = today.year + 1
    context = {
        "year": year,
        "year_form": year_form,
        "calendar": calendar,
        "source_label": SOURCE_LABELS[calendar.source],
        "days": year_special_days(year),
        "form": form,
        "problems": problems,
        "next_year": next_year,
        "next_year_known": year_calendar(next_year).known,
        "builtin_year": year in BUILTIN_YEARS,
    }
    return render(request, "web/calendar.html", context)
