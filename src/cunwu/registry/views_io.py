"""Spreadsheet pages: upload → check (background, progress bar) → preview → confirm → import;
the template and error report downloads; the export of a region (background, progress bar,
then a download link).

Thin views over ``imports`` and ``exports``. A job of a village outside the user's scope is
404; inside it, without ``registry.edit``, 403. A bad upload is a form error (200), never a 500.
"""

from __future__ import annotations

import io
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import regions_in_scope, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.models import Region

from . import exports, imports, selectors
from .forms import VillageChoiceField
from .models import ExportJob, ExportStatus, ImportJob, ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 50
RUNNING = (ImportStatus.PENDING, ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportForm(forms.Form):
    village = VillageChoiceField(queryset=Region.objects.none(), label="导入到村")
    file = forms.FileField(
        label="表格文件",
        help_text="xlsx 或 csv（UTF-8 或 GBK 编码），第一行为表头，列同导入模板",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
    create_groups = forms.BooleanField(
        label="自动创建村民小组",
        required=False,
        help_text="表中出现本村还没有的村民小组时自动新建；不勾选则报告为错误",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        villages = selectors.villages_in_scope(actor=user, perm="registry.edit")
        field = cast(VillageChoiceField, self.fields["village"])
        field.queryset = villages
        if len(villages[:2]) == 1:
            field.initial = villages[0]
            field.empty_label = None


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    """Choose the village, upload the file; the check then runs in the background."""
    user = request.user
    if scope_prefixes(user, "registry.edit") == []:
        raise PermissionDenied("没有权限导入户籍信息")
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            job = imports.import_job_create(
                actor=user, village=d["village"], upload=d["file"], create_groups=d["create_groups"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("registry:import_detail", pk=job.pk)
    context = {
        "form": form,
        "jobs": imports.import_jobs_recent(actor=user),
        "columns": imports.COLUMNS,
        "max_mb": settings.CUNWU_IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "registry/import_start.html", context)


@login_required
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    if scope_prefixes(request.user, "registry.edit") == []:
        raise PermissionDenied("没有权限导入户籍信息")
    return FileResponse(
        io.BytesIO(imports.template_bytes()),
        as_attachment=True,
        filename="户籍人口导入模板.xlsx",
        content_type=XLSX,
    )


def _job_context(job: ImportJob) -> dict[str, Any]:
    return {
        "job": job,
        "running": job.status in RUNNING,
        "errors": job.errors[:SHOWN_ERRORS],
        "more_errors": max(job.error_count - SHOWN_ERRORS, 0),
        "summary": job.summary,
    }


@login_required
@require_GET
@never_cache
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Status, progress, and the preview: counts, the first errors, the confirm button."""
    job = imports.import_job_get(actor=request.user, pk=pk)
    return render(request, "registry/import_detail.html", _job_context(job))


@login_required
@require_GET
@never_cache
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The job card alone, polled by htmx every second while the job runs."""
    job = imports.import_job_get(actor=request.user, pk=pk)
    response = render(request, "registry/import_detail.html#job", _job_context(job))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = imports.import_job_get(actor=request.user, pk=pk)
    try:
        imports.import_job_confirm(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("registry:import_detail", pk=job.pk)


@login_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    """The full error report (every bad cell: row, column, message)."""
    job = imports.import_job_get(actor=request.user, pk=pk)
    if not job.error_report:
        raise Http404("没有错误报告")
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"错误报告-{job.original_name.rsplit('.', 1)[0]}.xlsx",
        content_type=XLSX,
    )


# ---------------------------------------------------------------- export


EXPORT_RUNNING = (ExportStatus.PENDING, ExportStatus.RUNNING)


@login_required
@require_http_methods(["GET", "POST"])
def export_households(request: HttpRequest) -> HttpResponse:
    """GET: choose the region (``?region=CODE`` preselects it). POST: queue the export of the
    region (in the background, it can take minutes) and go to its progress page."""
    user = request.user
    prefixes = scope_prefixes(user, "registry.export")
    if prefixes == []:
        raise PermissionDenied("没有权限导出户籍信息")
    data = request.POST if request.method == "POST" else request.GET
    code = data.get("region", "").strip()
    if code and not (len(code) == 12 and code.isdigit()):  # never let junk reach the database
        return _export_choice(request, prefixes, "", error="区划代码应为12位数字", status=400)
    region = Region.objects.filter(code=code).first() if code else None
    if code and region is None:
        return _export_choice(request, prefixes, code, error=f"区划代码{code}不存在", status=400)
    if request.method == "GET" or region is None:
        return _export_choice(request, prefixes, code, error="")
    job = exports.export_job_create(actor=user, region=region)
    return redirect("registry:export_detail", pk=job.pk)


def _export_choice(
    request: HttpRequest,
    prefixes: list[str] | None,
    selected: str,
    *,
    error: str,
    status: int = 200,
) -> HttpResponse:
    roots = Region.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes or []])
    villages = regions_in_scope(request.user, "registry.export", level=5)[:500]
    context = {
        "roots": roots,
        "villages": villages,
        "selected": selected,
        "error": error,
        "jobs": exports.export_jobs_recent(actor=request.user),
    }
    return render(request, "registry/export.html", context, status=status)


def _export_context(job: ExportJob) -> dict[str, Any]:
    return {"job": job, "running": job.status in EXPORT_RUNNING}


@login_required
@require_GET
@never_cache
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Status and progress of an export; the download link once it is written."""
    job = exports.export_job_get(actor=request.user, pk=pk)
    return render(request, "registry/export_detail.html", _export_context(job))


@login_required
@require_GET
@never_cache
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The job card alone, polled by htmx every second while the export runs."""
    job = exports.export_job_get(actor=request.user, pk=pk)
    response = render(request, "registry/export_detail.html#job", _export_context(job))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
@never_cache
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """The stored file (until ``cunwu export expire`` deletes it)."""
    job = exports.export_job_get(actor=request.user, pk=pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404("导出文件不存在或已删除")
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=exports.export_filename(job.region, timezone.localdate(job.created_at)),
        content_type=XLSX,
    )
