"""Pages of feedback (意见投诉) and of the supervision committee (村务监督委员会).

Public (no log-in, rate-limited): the feedback form (``/public/feedback/new/?region=<village
code>``, the address printed notices carry as a QR code), tracking by code, rating after
resolution. Staff: the feedback list, detail, reply/resolve/close, statistics with export; the
committee's members, meetings and inspections; the problem ledger with export. Thin: selectors
read, services write, an ``ApplicationError`` becomes a form error or a message with nothing
changed; what is outside the user's sight is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate, parse_date
from cunwu.core.models import Region, RegionLevel
from cunwu.core.ratelimit import rate_limit
from cunwu.core.spreadsheets import TABLE_DOWNLOADS

from . import selectors_feedback as selectors
from . import services_feedback as services
from .forms_feedback import (
    AttachmentForm,
    CloseForm,
    CloseProblemForm,
    EndTermForm,
    FeedbackForm,
    FeedbackTrackForm,
    InspectionForm,
    MeetingForm,
    MemberForm,
    NameCadreForm,
    ProblemForm,
    ProgressForm,
    RateForm,
    ReplyForm,
    ResolveForm,
    VillagePickForm,
)
from .models_feedback import (
    CommitteeMember,
    FeedbackKind,
    FeedbackStatus,
    InspectionSubject,
    MeetingAttachment,
    ProblemStatus,
)
from .views_public import LARGE_COOKIE

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
# the links to other pages of a list leave out its export (?format=xlsx or csv)
EXPORT = ("format",)


def _public(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"large_text": request.COOKIES.get(LARGE_COOKIE) == "1", **extra}


def _need(user: Any, perm: str, message: str = "没有权限查看") -> None:
    if scope_prefixes(user, perm) == []:
        raise PermissionDenied(message)


def _act(
    request: HttpRequest, target: str, action: Callable[[], Any], success: str
) -> HttpResponse:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return HttpResponseRedirect(target)


# ---------------------------------------------------------------- public


@require_http_methods(GET_POST)
@rate_limit("feedback", 10, 3600, methods=("POST",))
def public_new(request: HttpRequest) -> HttpResponse:
    """The feedback form of a village (``?region=``); without one, a village picker."""
    code = request.GET.get("region", "")[:12]
    village = (
        Region.objects.filter(code=code, level=RegionLevel.VILLAGE, retired=False)
        .select_related("parent__parent")
        .first()
    )
    if village is None:
        pick = VillagePickForm(request.GET if "q" in request.GET else None)
        found = selectors.public_villages(pick.cleaned_data["q"]) if pick.is_valid() else None
        context = _public(request, pick=pick, villages=found[:50] if found is not None else None)
        return render(request, "disclosure/feedback/public_pick.html", context)
    logged_in = request.user.is_authenticated
    form = FeedbackForm(
        request.POST or None, cadres=selectors.village_cadres(village), logged_in=logged_in
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            feedback = services.feedback_submit(
                village=village, kind=d["kind"], text=d["text"], user=request.user,
                anonymous=d.get("anonymous", False), name=d["name"], phone=d["phone"],
                about_user=d["about_user"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect(reverse("portal:feedback_code", args=[feedback.code]) + "?new=1")
    context = _public(request, form=form, village=village, logged_in=logged_in)
    return render(request, "disclosure/feedback/public_new.html", context)


@require_http_methods(GET_POST)
@rate_limit("feedback_track", 30, 600)
def public_track(request: HttpRequest) -> HttpResponse:
    form = FeedbackTrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = selectors.normalize_code(form.cleaned_data["code"])
        return redirect("portal:feedback_code", code if code.isalnum() else "0")
    return render(request, "disclosure/feedback/public_track.html", _public(request, form=form))


@require_http_methods(GET_POST)
@rate_limit("feedback_track", 30, 600)
def public_code(request: HttpRequest, code: str) -> HttpResponse:
    """What the submitter sees: the public replies (never the internal notes), the outcome,
    and after resolution the satisfaction form."""
    feedback = selectors.public_feedback(code)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_rate(
                feedback=feedback, code=code, user=request.user,
                score=form.cleaned_data["score"], comment=form.cleaned_data["comment"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect(reverse("portal:feedback_code", args=[feedback.code]) + "?rated=1")
    own = feedback.submitted_by_id is None or (
        request.user.is_authenticated and request.user.pk == feedback.submitted_by_id
    )
    context = _public(
        request, feedback=feedback, replies=list(selectors.replies_of(feedback, internal=False)),
        form=form, can_rate=feedback.resolved_at is not None and feedback.satisfaction is None,
        own=own, new=request.GET.get("new") == "1", rated=request.GET.get("rated") == "1",
    )  # fmt: skip
    return render(request, "disclosure/feedback/public_code.html", context)


# ---------------------------------------------------------------- staff: feedback


@login_required
@require_GET
def feedback_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "disclosure.feedback_view")
    params = get_params(request, "q", "kind", "status", "region", "overdue", "escalated")
    qs = selectors.feedback_list(
        actor=user, q=params["q"], kind=params["kind"], status=params["status"],
        region=params["region"], overdue=params["overdue"] == "1",
        escalated=params["escalated"] == "1",
    )  # fmt: skip
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page,
        "params": params,
        "query": query,
        "kinds": FeedbackKind.choices,
        "statuses": FeedbackStatus.choices,
        "villages": regions_in_scope(user, "disclosure.feedback_view", level=RegionLevel.VILLAGE)[
            :500
        ],
        "today": timezone.localdate(),
        "public_url": reverse("portal:feedback_new"),
    }
    return render(request, "disclosure/feedback/list.html", context)


@login_required
@require_GET
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    feedback = selectors.feedback_get(actor=user, pk=pk)
    village = feedback.village
    can_handle = has_perm_in(user, "disclosure.feedback_handle", village)
    is_open = feedback.status in (FeedbackStatus.PENDING, FeedbackStatus.REPLIED)
    can_name = (
        has_perm_in(user, "disclosure.feedback_assign", village)
        and feedback.kind == FeedbackKind.COMPLAINT
        and feedback.about_user_id is None
    )
    context = {
        "feedback": feedback,
        "replies": list(selectors.replies_of(feedback, internal=True)),
        "problems": list(selectors.problems_of("disclosure.feedback", feedback.pk)),
        "can_handle": can_handle,
        "is_open": is_open,
        "can_close": can_handle and feedback.status != FeedbackStatus.CLOSED,
        "can_name": can_name,
        "can_problem": has_perm_in(user, "disclosure.problem_record", village)
        and feedback.about_user_id is None,
        "reply_form": ReplyForm(),
        "resolve_form": ResolveForm(),
        "close_form": CloseForm(),
        "name_form": NameCadreForm(cadres=selectors.village_cadres(village)) if can_name else None,
        "problem_form": ProblemForm(),
        "today": timezone.localdate(),
    }
    return render(request, "disclosure/feedback/detail.html", context)


def _feedback_post(
    request: HttpRequest, pk: int, form_class: Any, call: Callable[..., Any], success: str
) -> HttpResponse:
    feedback = selectors.feedback_get(actor=request.user, pk=pk)
    target = reverse("disclosure:feedback_detail", args=[feedback.pk])
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "请把内容填写完整")
        return redirect(target)
    return _act(request, target, lambda: call(feedback, form.cleaned_data), success)


@login_required
@require_POST
def feedback_reply(request: HttpRequest, pk: int) -> HttpResponse:
    def call(feedback: Any, d: dict[str, Any]) -> Any:
        return services.feedback_reply(
            actor=request.user, feedback=feedback, text=d["text"], internal=d["internal"]
        )

    return _feedback_post(request, pk, ReplyForm, call, "已保存")


@login_required
@require_POST
def feedback_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    def call(feedback: Any, d: dict[str, Any]) -> Any:
        return services.feedback_resolve(
            actor=request.user, feedback=feedback, resolution=d["resolution"]
        )

    return _feedback_post(request, pk, ResolveForm, call, "已办结")


@login_required
@require_POST
def feedback_close(request: HttpRequest, pk: int) -> HttpResponse:
    def call(feedback: Any, d: dict[str, Any]) -> Any:
        return services.feedback_close(actor=request.user, feedback=feedback, reason=d["reason"])

    return _feedback_post(request, pk, CloseForm, call, "已关闭")


@login_required
@require_POST
def feedback_name_cadre(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = selectors.feedback_get(actor=request.user, pk=pk)
    form = NameCadreForm(request.POST, cadres=selectors.village_cadres(feedback.village))
    target = reverse("disclosure:feedback_detail", args=[feedback.pk])
    if not form.is_valid():
        messages.error(request, "请选择村干部")
        return redirect(target)
    return _act(
        request, target,
        lambda: services.feedback_name_cadre(
            actor=request.user, feedback=feedback, cadre=form.cleaned_data["cadre"]
        ),
        "已指明涉及的村干部：此后该村干部看不到此投诉",
    )  # fmt: skip


@login_required
@require_POST
def feedback_problem(request: HttpRequest, pk: int) -> HttpResponse:
    def call(feedback: Any, d: dict[str, Any]) -> Any:
        return services.problem_from_feedback(
            actor=request.user, feedback=feedback, description=d["description"],
            responsible=d["responsible"], due_date=d["due_date"],
        )  # fmt: skip

    return _feedback_post(request, pk, ProblemForm, call, "已记入问题台账")


STAT_HEADER = ["村", "类型", *FeedbackStatus.labels, "合计", "逾期", "逾期率", "平均满意度",
               "评价数"]  # fmt: skip


def _stat_cells(row: selectors.StatRow) -> list[Any]:
    village = row.village.full_name if row.village else "合计"
    kind = row.kind_label if row.village else ""
    return [village, kind, *row.statuses, row.total, row.overdue, row.overdue_rate,
            row.satisfaction, row.rated]  # fmt: skip


@login_required
@require_GET
def feedback_stats(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "disclosure.feedback_view")
    params = get_params(request, "region", "since", "until", "format")
    rows = selectors.feedback_stats(
        actor=user, region=params["region"], since=parse_date(params["since"]),
        until=parse_date(params["until"]),
    )  # fmt: skip
    if download := TABLE_DOWNLOADS.get(params["format"]):
        return download("意见投诉统计", STAT_HEADER, [_stat_cells(r) for r in rows])
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "rows": rows,
        "params": params,
        "query": query.urlencode(),
        "regions": regions_in_scope(user, "disclosure.feedback_view").filter(
            level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
        )[:500],
        "status_labels": FeedbackStatus.labels,
    }
    return render(request, "disclosure/feedback/stats.html", context)


# ---------------------------------------------------------------- the committee


@login_required
@require_GET
def committee_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "disclosure.committee_view")
    villages = selectors.committee_villages(user)
    q = request.GET.get("q", "")[:50].strip()
    if q:
        villages = villages.filter(name__icontains=q)
    if not q and villages.count() == 1:
        return redirect("disclosure:committee_village", villages[0].code)
    page, query = paginate(request, villages, PAGE_SIZE, drop=EXPORT)
    return render(
        request, "disclosure/committee/index.html", {"page": page, "q": q, "query": query}
    )


@login_required
@require_GET
def committee_village(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    village = selectors.committee_village(actor=user, code=code)
    problems = selectors.problem_list(actor=user, region=village.code).exclude(
        status=ProblemStatus.CLOSED
    )
    context = {
        "village": village,
        "members": list(selectors.members_of(village)),
        "all_members": list(selectors.members_of(village, current=False)),
        "warnings": selectors.committee_warnings(village),
        "meetings": list(selectors.meeting_list(actor=user, village=village.code)[:5]),
        "inspections": list(selectors.inspection_list(actor=user, village=village.code)[:5]),
        "open_problems": problems.count(),
        "can_members": has_perm_in(user, "disclosure.committee_members", village),
        "can_record": has_perm_in(user, "disclosure.committee_record", village),
    }
    return render(request, "disclosure/committee/village.html", context)


def _form_page(
    request: HttpRequest, form: Any, title: str, back: str, **extra: Any
) -> HttpResponse:
    context = {"form": form, "title": title, "back": back, **extra}
    return render(request, "disclosure/committee/form.html", context)


@login_required
@require_http_methods(GET_POST)
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.committee_village(actor=request.user, code=code)
    if not has_perm_in(request.user, "disclosure.committee_members", village):
        raise PermissionDenied("没有权限登记监委会成员")
    form = MemberForm(request.POST or None)
    back = reverse("disclosure:committee_village", args=[village.code])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.committee_member_add(
                actor=request.user, village=village, name=d["name"], position=d["position"],
                term_start=d["term_start"], term_end=d["term_end"],
                is_party_secretary=d["is_party_secretary"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记{d['name']}")
            return redirect(back)
    return _form_page(request, form, f"登记监委会成员：{village.name}", back)


@login_required
@require_http_methods(GET_POST)
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(CommitteeMember.objects.select_related("village"), pk=pk)
    village = selectors.committee_village(actor=request.user, code=member.village_id)
    if not has_perm_in(request.user, "disclosure.committee_members", village):
        raise PermissionDenied("没有权限")
    form = EndTermForm(request.POST or None, initial={"term_end": timezone.localdate()})
    back = reverse("disclosure:committee_village", args=[village.code])
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_member_end(
                actor=request.user, member=member, term_end=form.cleaned_data["term_end"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{member.name}的任期已结束")
            return redirect(back)
    return _form_page(request, form, f"结束任期：{member.name}", back)


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "disclosure.committee_view")
    params = get_params(request, "q", "region", "since")
    qs = selectors.meeting_list(
        actor=user, village=params["region"], q=params["q"], since=parse_date(params["since"])
    )
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page, "params": params, "query": query,
        "villages": selectors.committee_villages(user)[:500],
    }  # fmt: skip
    return render(request, "disclosure/committee/meeting_list.html", context)


@login_required
@require_http_methods(GET_POST)
def meeting_create(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.committee_village(actor=request.user, code=code)
    if not has_perm_in(request.user, "disclosure.committee_record", village):
        raise PermissionDenied("没有权限登记会议")
    members = selectors.members_of(village)
    form = MeetingForm(
        request.POST or None, request.FILES or None, members=members,
        initial={"date": timezone.localdate()},
    )  # fmt: skip
    back = reverse("disclosure:committee_village", args=[village.code])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d.get("file")
        try:
            if upload is not None and upload.size > 10 * 1024 * 1024:
                raise ApplicationError("attachment_big", "附件超过10 MB", field="file")
            files = [(upload.name, upload.read())] if upload is not None else []
            meeting = services.meeting_record(
                actor=request.user, village=village, date=d["date"], title=d["title"],
                minutes=d["minutes"], attendees=list(d["attendees"]), files=files,
            )  # fmt: skip
        except ApplicationError as exc:
            if exc.field == "attachment":
                exc.field = "file"
            apply_error(form, exc)
        else:
            messages.success(request, "会议已登记")
            return redirect("disclosure:meeting_detail", meeting.pk)
    return _form_page(request, form, f"登记监委会会议：{village.name}", back, multipart=True)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    context = {
        "meeting": meeting,
        "attendees": list(meeting.attendees.all()),
        "attachments": list(meeting.attachments.all()),
        "can_record": has_perm_in(request.user, "disclosure.committee_record", meeting.village),
        "attachment_form": AttachmentForm(),
    }
    return render(request, "disclosure/committee/meeting_detail.html", context)


@login_required
@require_POST
def meeting_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    target = reverse("disclosure:meeting_detail", args=[meeting.pk])
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的附件")
        return redirect(target)
    upload = form.cleaned_data["file"]
    if upload.size > 10 * 1024 * 1024:
        messages.error(request, f"附件“{upload.name}”超过10 MB")
        return redirect(target)
    return _act(
        request, target,
        lambda: services.meeting_attachment_add(
            actor=request.user, meeting=meeting, name=upload.name, data=upload.read()
        ),
        f"已添加附件“{upload.name}”",
    )  # fmt: skip


@login_required
@require_GET
def meeting_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    attachment = get_object_or_404(MeetingAttachment, pk=attachment_pk, meeting=meeting)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(attachment.original_name)}"
    return response


@login_required
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "disclosure.committee_view")
    params = get_params(request, "q", "region", "subject")
    qs = selectors.inspection_list(
        actor=user, village=params["region"], q=params["q"], subject=params["subject"]
    )
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page, "params": params, "query": query, "subjects": InspectionSubject.choices,
        "villages": selectors.committee_villages(user)[:500],
    }  # fmt: skip
    return render(request, "disclosure/committee/inspection_list.html", context)


@login_required
@require_http_methods(GET_POST)
def inspection_create(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.committee_village(actor=request.user, code=code)
    if not has_perm_in(request.user, "disclosure.committee_record", village):
        raise PermissionDenied("没有权限登记检查")
    form = InspectionForm(request.POST or None, initial={"date": timezone.localdate()})
    back = reverse("disclosure:committee_village", args=[village.code])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inspection = services.inspection_record(
                actor=request.user, village=village, date=d["date"], subject=d["subject"],
                findings=d["findings"], problems=form.finding_rows(),
            )  # fmt: skip
        except ApplicationError as exc:
            if exc.field == "description":
                exc.field = "problems"
            apply_error(form, exc)
        else:
            messages.success(request, "检查已登记")
            return redirect("disclosure:inspection_detail", inspection.pk)
    return _form_page(request, form, f"登记监督检查：{village.name}", back)


@login_required
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(actor=request.user, pk=pk)
    context = {
        "inspection": inspection,
        "problems": list(selectors.problems_of("disclosure.inspection", inspection.pk)),
        "can_problem": has_perm_in(request.user, "disclosure.problem_record", inspection.village),
        "problem_form": ProblemForm(),
    }
    return render(request, "disclosure/committee/inspection_detail.html", context)


@login_required
@require_POST
def inspection_problem(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(actor=request.user, pk=pk)
    target = reverse("disclosure:inspection_detail", args=[inspection.pk])
    form = ProblemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请把问题、责任人和期限填写完整")
        return redirect(target)
    d = form.cleaned_data
    return _act(
        request, target,
        lambda: services.problem_create(
            actor=request.user, village=inspection.village, source_type="disclosure.inspection",
            source_id=str(inspection.pk), description=d["description"],
            responsible=d["responsible"], due_date=d["due_date"],
        ),
        "已记入问题台账",
    )  # fmt: skip


# ---------------------------------------------------------------- the problem ledger


PROBLEM_HEADER = ["编号", "村", "来源", "问题描述", "整改责任人", "整改期限", "状态", "整改情况",
                  "销号依据", "销号人", "销号时间", "登记时间"]  # fmt: skip


def _problem_cells(p: Any) -> list[Any]:
    return [
        p.pk, p.village.full_name, selectors.SOURCE_LABELS.get(p.source_type, p.source_type),
        p.description, p.responsible, p.due_date.isoformat(), p.get_status_display(), p.progress,
        p.evidence, str(p.closed_by or ""),
        timezone.localtime(p.closed_at).strftime("%Y-%m-%d %H:%M") if p.closed_at else "",
        timezone.localtime(p.created_at).strftime("%Y-%m-%d %H:%M"),
    ]  # fmt: skip


@login_required
@require_GET
def problem_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "disclosure.problem_view")
    params = get_params(request, "q", "status", "region", "source", "overdue", "format")
    qs = selectors.problem_list(
        actor=user, q=params["q"], status=params["status"], region=params["region"],
        source=params["source"], overdue=params["overdue"] == "1",
    )  # fmt: skip
    if download := TABLE_DOWNLOADS.get(params["format"]):
        return download("问题台账", PROBLEM_HEADER, [_problem_cells(p) for p in qs[:20_000]])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page, "params": params, "query": query, "statuses": ProblemStatus.choices,
        "sources": selectors.SOURCE_LABELS.items(), "today": timezone.localdate(),
        "villages": regions_in_scope(user, "disclosure.problem_view", level=RegionLevel.VILLAGE)[
            :500
        ],
    }  # fmt: skip
    return render(request, "disclosure/committee/problem_list.html", context)


@login_required
@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = selectors.problem_get(actor=user, pk=pk)
    source_url = ""
    if problem.source_type == "disclosure.inspection":
        source_url = reverse("disclosure:inspection_detail", args=[problem.source_id])
    elif problem.source_type == "disclosure.feedback":
        source_url = reverse("disclosure:feedback_detail", args=[problem.source_id])
    elif problem.source_type == "assets.contract" and problem.source_id.isdigit():
        source_url = reverse("assets:contract_detail", args=[int(problem.source_id)])
    is_open = problem.status != ProblemStatus.CLOSED
    context = {
        "problem": problem,
        "source_label": selectors.SOURCE_LABELS.get(problem.source_type, problem.source_type),
        "source_url": source_url,
        "can_progress": is_open
        and has_perm_in(user, "disclosure.problem_rectify", problem.village),
        "can_close": is_open and services.may_close(user, problem),
        "notes": list(problem.notes.select_related("author")),
        "raised_role": services.role_label(problem.raised_role) if problem.raised_role else "",
        "progress_form": ProgressForm(initial={"progress": problem.progress}),
        "close_form": CloseProblemForm(),
        "today": timezone.localdate(),
    }
    return render(request, "disclosure/committee/problem_detail.html", context)


@login_required
@require_POST
def problem_progress(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(actor=request.user, pk=pk)
    target = reverse("disclosure:problem_detail", args=[problem.pk])
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写整改情况")
        return redirect(target)
    return _act(
        request, target,
        lambda: services.problem_start(
            actor=request.user, problem=problem, progress=form.cleaned_data["progress"]
        ),
        "整改情况已更新",
    )  # fmt: skip


@login_required
@require_POST
def problem_close(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_get(actor=request.user, pk=pk)
    target = reverse("disclosure:problem_detail", args=[problem.pk])
    form = CloseProblemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写销号依据")
        return redirect(target)
    return _act(
        request, target,
        lambda: services.problem_close(
            actor=request.user, problem=problem, evidence=form.cleaned_data["evidence"]
        ),
        "已销号",
    )  # fmt: skip


@login_required
@require_GET
def problem_stats(request: HttpRequest) -> HttpResponse:
    """问题台账统计: open, rectifying, overdue, closed on time and late, per village and per
    township, for township and county staff (and whoever reads the ledger), with export."""
    user = request.user
    _need(user, "disclosure.problem_view")
    params = get_params(request, "region", "format", strip=True)
    villages, townships = selectors.problem_stats(actor=user, region=params["region"])
    header = ["区划", "待整改", "整改中", "逾期未销号", "按期销号", "逾期销号", "合计"]

    def cells(c: Any) -> list[Any]:
        return [c.region.name, c.open, c.rectifying, c.overdue, c.closed_on_time,
                c.closed_late, c.total]  # fmt: skip

    if params["format"] == "xlsx":
        from cunwu.core.spreadsheets import xlsx_response

        return xlsx_response("问题台账统计", [
            ("按乡镇", header, [cells(c) for c in townships]),
            ("按村", header, [cells(c) for c in villages]),
        ])  # fmt: skip
    context = {
        "villages": villages, "townships": townships, "params": params,
        "regions": regions_in_scope(user, "disclosure.problem_view", level=RegionLevel.TOWNSHIP)[
            :200
        ],
    }  # fmt: skip
    return render(request, "disclosure/committee/problem_stats.html", context)
