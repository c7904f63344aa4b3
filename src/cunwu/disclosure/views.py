"""Staff pages of 三务公开: the notice list, drafting, publication, sign-off, objections, the
overdue list. Thin: selectors read, services write, an ``ApplicationError`` becomes a form
error with nothing changed; a notice outside the user's scope is 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, require, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate
from cunwu.core.models import Region, RegionLevel

from . import selectors, services
from .forms import (
    AttachmentForm,
    HandleObjectionForm,
    NoticeForm,
    RuleForm,
    SignoffForm,
    WithdrawForm,
    body_html,
)
from .models import Attachment, Category, DisclosureRule, Frequency, Notice, NoticeStatus, Objection

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]


def _publish_regions(user: Any) -> QuerySet[Region]:
    return regions_in_scope(user, "disclosure.publish").filter(
        level__in=[RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY]
    )


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if scope_prefixes(user, "disclosure.view") == []:
        raise PermissionDenied("没有权限查看公告")
    params = get_params(request, "q", "category", "status", "region")
    notices = selectors.notice_list(actor=user, **params)
    page, query = paginate(request, notices, PAGE_SIZE)
    context = {
        "page": page,
        "params": params,
        "query": query,
        "categories": Category.choices,
        "statuses": NoticeStatus.choices,
        "villages": regions_in_scope(user, "disclosure.view", level=RegionLevel.VILLAGE)[:500],
        "can_publish": scope_prefixes(user, "disclosure.publish") != [],
        "signoff_count": selectors.signoff_queue(actor=user).count(),
        "objection_count": selectors.objection_queue(actor=user).count(),
        "can_see_overdue": scope_prefixes(user, "disclosure.view_overdue") != [],
    }
    return render(request, "disclosure/notice_list.html", context)


def _save_notice(request: HttpRequest, form: NoticeForm, notice: Notice | None) -> Notice | None:
    d = form.cleaned_data
    try:
        table = form.table()
        if notice is None:
            return services.notice_create(
                actor=request.user, region=d["region"], category=d["category"],
                title=d["title"], body=body_html(d["body"]), table=table, period=form.period(),
            )  # fmt: skip
        return services.notice_update(
            actor=request.user, notice=notice, category=d["category"], title=d["title"],
            body=body_html(d["body"]), table=table, period=form.period(),
        )  # fmt: skip
    except ApplicationError as exc:
        if exc.field == "table":
            exc.field = "table_file" if form.cleaned_data.get("table_file") else "table_text"
        elif exc.field == "period":
            exc.field = "period_unit"
        apply_error(form, exc)
        return None


@login_required
@require_http_methods(GET_POST)
def notice_create(request: HttpRequest) -> HttpResponse:
    regions = _publish_regions(request.user)
    if not regions.exists():
        raise PermissionDenied("没有权限发布公告")
    form = NoticeForm(request.POST or None, request.FILES or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        notice = _save_notice(request, form, None)
        if notice is not None:
            messages.success(request, "草稿已保存，可添加附件后发布")
            return redirect("disclosure:notice_detail", notice.pk)
    return render(request, "disclosure/notice_form.html", {"form": form, "title": "新建公告"})


def _editable(request: HttpRequest, pk: int) -> Notice:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    require(request.user, "disclosure.publish", notice.region)
    return notice


@login_required
@require_http_methods(GET_POST)
def notice_update(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _editable(request, pk)
    if notice.status != NoticeStatus.DRAFT:
        messages.error(request, "只有草稿可以修改")
        return redirect("disclosure:notice_detail", notice.pk)
    initial = {
        "region": notice.region,
        "category": notice.category,
        "title": notice.title,
        "body": notice.body,
        "table_text": "\n".join(
            "\t".join(row) for row in ([notice.columns, *notice.rows] if notice.columns else [])
        ),
        "period_days": notice.period_days,
        "period_unit": notice.period_unit,
        "period_start": notice.period_start,
    }
    form = NoticeForm(
        request.POST or None,
        request.FILES or None,
        regions=Region.objects.filter(pk=notice.region_id),
        initial=initial,
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_notice(request, form, notice) is not None
    ):
        messages.success(request, "已保存")
        return redirect("disclosure:notice_detail", notice.pk)
    context = {"form": form, "title": "修改公告", "notice": notice}
    return render(request, "disclosure/notice_form.html", context)


@login_required
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    notice = selectors.notice_get(actor=user, pk=pk)
    can_publish = has_perm_in(user, "disclosure.publish", notice.region)
    can_handle = has_perm_in(user, "disclosure.handle_objection", notice.region)
    context = {
        "notice": notice,
        "attachments": list(notice.attachments.all()),
        "objections": list(selectors.objections_of(notice)),
        "can_edit": can_publish and notice.status == NoticeStatus.DRAFT,
        "can_withdraw": can_publish
        and notice.status in (NoticeStatus.PUBLISHED, NoticeStatus.PENDING_SIGNOFF),
        "can_signoff": has_perm_in(user, "disclosure.signoff", notice.region)
        and notice.status == NoticeStatus.PENDING_SIGNOFF,
        "can_handle": can_handle,
        "attachment_form": AttachmentForm(),
        "signoff_form": SignoffForm(),
        "handle_form": HandleObjectionForm(),
    }
    return render(request, "disclosure/notice_detail.html", context)


def _act(request: HttpRequest, notice: Notice, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("disclosure:notice_detail", notice.pk)


@login_required
@require_POST
def notice_submit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _editable(request, pk)
    needs_signoff = notice.category in {Category.FINANCE, Category.BENEFIT}
    return _act(
        request, notice,
        lambda: services.notice_submit(actor=request.user, notice=notice),
        "已提交村务监督委员会审核" if needs_signoff else "已发布",
    )  # fmt: skip


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _editable(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的附件")
        return redirect("disclosure:notice_detail", notice.pk)
    upload = form.cleaned_data["file"]
    if upload.size > 10 * 1024 * 1024:
        messages.error(request, f"附件“{upload.name}”超过10 MB")
        return redirect("disclosure:notice_detail", notice.pk)
    return _act(
        request, notice,
        lambda: services.attachment_add(
            actor=request.user, notice=notice, name=upload.name, data=upload.read()
        ),
        f"已添加附件“{upload.name}”",
    )  # fmt: skip


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    notice = _editable(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, notice=notice)
    return _act(
        request, notice,
        lambda: services.attachment_remove(actor=request.user, attachment=attachment),
        f"已删除附件“{attachment.original_name}”",
    )  # fmt: skip


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, notice=notice)
    return _file(attachment)


def _file(attachment: Attachment) -> FileResponse:
    """The stored file, shown in the browser (PDF and images only were accepted)."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(attachment.original_name)}"
    return response


@login_required
@require_POST
def notice_signoff(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    form = SignoffForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结论")
        return redirect("disclosure:notice_detail", notice.pk)
    approve = form.cleaned_data["approve"]
    return _act(
        request, notice,
        lambda: services.notice_signoff(
            actor=request.user, notice=notice, approve=approve, note=form.cleaned_data["note"]
        ),
        "已同意公开，公告已发布" if approve else "已退回起草人修改",
    )  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _editable(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_withdraw(
                actor=request.user, notice=notice, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "公告已撤回")
            return redirect("disclosure:notice_detail", notice.pk)
    context = {"form": form, "title": f"撤回公告：{notice.title}", "notice": notice}
    return render(request, "disclosure/simple_form.html", context)


@login_required
@require_POST
def objection_handle(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection.objects.select_related("notice__region"), pk=pk)
    notice = selectors.notice_get(actor=request.user, pk=objection.notice_id)
    form = HandleObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择结论并填写处理结果")
        return redirect("disclosure:notice_detail", notice.pk)
    return _act(
        request, notice,
        lambda: services.objection_handle(
            actor=request.user, objection=objection, upheld=form.cleaned_data["upheld"],
            outcome=form.cleaned_data["outcome"],
        ),
        f"异议 {objection.code} 已处理",
    )  # fmt: skip


@login_required
@require_GET
def work_queue(request: HttpRequest) -> HttpResponse:
    """What waits for the committee: notices to sign off, objections to handle."""
    user = request.user
    if scope_prefixes(user, "disclosure.signoff") == [] and (
        scope_prefixes(user, "disclosure.handle_objection") == []
    ):
        raise PermissionDenied("没有待办")
    context = {
        "signoffs": selectors.signoff_queue(actor=user)[:200],
        "objections": selectors.objection_queue(actor=user)[:200],
    }
    return render(request, "disclosure/work_queue.html", context)


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    if scope_prefixes(request.user, "disclosure.view_overdue") == []:
        raise PermissionDenied("没有权限查看")
    rows = selectors.overdue_list(actor=request.user)
    return render(request, "disclosure/overdue.html", {"rows": rows})


@login_required
@require_http_methods(GET_POST)
def catalogue(request: HttpRequest) -> HttpResponse:
    """公开目录: what each village must disclose how often; townships and counties set it."""
    user = request.user
    if scope_prefixes(user, "disclosure.view_overdue") == []:
        raise PermissionDenied("没有权限查看公开目录")
    manage_regions = regions_in_scope(user, "disclosure.manage_catalogue").filter(
        level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
    )
    can_manage = manage_regions.exists()
    form = RuleForm(request.POST or None, regions=manage_regions) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("没有权限修改公开目录")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.disclosure_rule_set(
                    actor=user, region=d["region"], category=d["category"],
                    frequency=d["frequency"], deadline_day=d["deadline_day"], note=d["note"],
                )  # fmt: skip
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, "公开目录已更新")
                return redirect("disclosure:catalogue")
    villages = regions_in_scope(user, "disclosure.view_overdue", level=RegionLevel.VILLAGE)
    code = request.GET.get("village", "")[:12]
    village = villages.filter(code=code).first() if code else None
    rows = []
    if village is not None:
        labels = dict(Frequency.choices)
        for category, (frequency, day, source) in selectors.catalogue_for(village).items():
            rows.append(
                {
                    "category": Category(category).label,
                    "frequency": labels[frequency],
                    "deadline_day": day,
                    "source": source.full_name if source else "村民委员会组织法第三十条（默认）",
                }
            )
    context = {
        "form": form,
        "rules": selectors.rules_in_scope(actor=user)[:500],
        "villages": villages.filter(code__in=_villages_in_use(villages))[:500],
        "village": village,
        "rows": rows,
        "can_manage": can_manage,
    }
    return render(request, "disclosure/catalogue.html", context)


def _villages_in_use(villages: QuerySet[Region]) -> QuerySet[Any]:
    return Notice.objects.filter(region__in=villages).values("region_id").distinct()


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(DisclosureRule.objects.select_related("region"), pk=pk)
    if not has_perm_in(request.user, "disclosure.view_overdue", rule.region):
        raise Http404
    services.disclosure_rule_delete(actor=request.user, rule=rule)
    messages.success(request, "已删除该条目录规定，改按上级或法定默认执行")
    return redirect("disclosure:catalogue")
