"""Pages of 屋场恳谈会: the list (search, filters, export), a meeting's record (attendance,
photos, opinions and their handling), its results disclosure, and the list of opinions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in, regions_in_scope
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate, parse_date, parse_int
from cunwu.core.spreadsheets import xlsx_response
from cunwu.disclosure.models_feedback import OPEN_FEEDBACK

from . import forms_meetings as forms
from .models_meetings import Meeting
from .selectors import meetings as selectors
from .services import meetings as services

VIEW = "village.view"
MANAGE = "village.manage"
GET_POST = ["GET", "POST"]


def _managed(request: HttpRequest, meeting: Meeting) -> None:
    if not has_perm_in(request.user, MANAGE, meeting.village_id):
        raise PermissionDenied("没有权限执行此操作")


def _detail(meeting: Meeting) -> str:
    return reverse("village:meeting_detail", args=[meeting.pk])


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    """屋场恳谈会: search, village, date range, disclosed or not; xlsx export."""
    need(request.user, VIEW)
    params = get_params(request, "q", "village", "start", "end", "published", "format", strip=True)
    rows = selectors.meeting_search(
        actor=request.user, q=params["q"], village=params["village"],
        start=parse_date(params["start"]), end=parse_date(params["end"]),
        published=params["published"],
    )  # fmt: skip
    if params["format"] == "xlsx":
        header = ["日期", "村", "村民小组", "地点", "议题", "列席人员", "应到", "实到", "缺席",
                  "意见数", "结果公开"]  # fmt: skip
        data = []
        for m in rows:
            expected, present, opinions = selectors.tally(m)
            data.append([m.held_on, m.village.name, m.group.name, m.place, m.topic, m.guests,
                         expected, present, expected - present, opinions,
                         "已公开" if m.notice_id else "未公开"])  # fmt: skip
        return xlsx_response("屋场恳谈会", [("屋场恳谈会", header, data)])
    page, query = paginate(request, rows, 30, drop=("format",))
    villages = regions_in_scope(request.user, MANAGE, level=5)
    context = {"page": page, "params": params, "query": query, "villages": villages}
    return render(request, "village/meetings/list.html", context)


@login_required
@require_http_methods(GET_POST)
def meeting_create(request: HttpRequest) -> HttpResponse:
    need(request.user, MANAGE, "没有权限登记恳谈会")
    villages = list(regions_in_scope(request.user, MANAGE, level=5))
    code = request.GET.get("village") or (villages[0].code if len(villages) == 1 else "")
    village = next((v for v in villages if v.code == code), None)
    if village is None:
        raise Http404
    form = forms.MeetingForm(request.POST or None, village=village)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.meeting_create(
                actor=request.user, group=d["group"], held_on=d["held_on"], place=d["place"],
                topic=d["topic"], guests=d["guests"], minutes=d["minutes"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记恳谈会，请登记参会人员")
            return redirect("village:meeting_attendance", meeting.pk)
    back = reverse("village:meeting_list")
    return form_page(request, form, f"登记屋场恳谈会（{village.name}）", back)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, VIEW)
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    attendees = meeting.attendees.select_related("person", "person__household").order_by(
        "-present", "person__household__number", "pk"
    )
    opinions = meeting.opinions.select_related("owner", "feedback").order_by("pk")
    context = {
        "meeting": meeting,
        "absent": [a.person for a in attendees if not a.present],
        "present": [a.person for a in attendees if a.present],
        "opinions": opinions,
        "photos": meeting.photos.all(),
        "can_manage": has_perm_in(request.user, MANAGE, meeting.village_id),
        "can_handle": has_perm_in(request.user, "disclosure.feedback_handle", meeting.village_id),
        "can_publish": has_perm_in(request.user, services.PUBLISH, meeting.village_id),
        "today": timezone.localdate(),
        "open_states": OPEN_FEEDBACK,
    }
    return render(request, "village/meetings/detail.html", context)


@login_required
@require_http_methods(GET_POST)
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    _managed(request, meeting)
    initial = {f: getattr(meeting, f) for f in ("held_on", "place", "topic", "guests", "minutes")}
    form = forms.MeetingForm(
        request.POST or None, village=meeting.village, initial={**initial, "group": meeting.group}
    )
    form.fields["group"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        text = services.MeetingText(place=d["place"], topic=d["topic"], guests=d["guests"],
                                    minutes=d["minutes"])  # fmt: skip
        try:
            services.meeting_update(
                actor=request.user, meeting=meeting, held_on=d["held_on"], text=text
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(_detail(meeting))
    return form_page(request, form, f"修改恳谈会：{meeting.topic}", _detail(meeting))


def _ids(values: list[str]) -> list[int]:
    return [pk for pk in map(parse_int, values) if pk is not None]


@login_required
@require_http_methods(GET_POST)
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """应到 and 实到: a checklist of the village's villagers, the meeting's group first."""
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    _managed(request, meeting)
    error = ""
    listed = dict(meeting.attendees.values_list("person_id", "present"))
    if request.method == "POST":
        expected, present = (
            _ids(request.POST.getlist("expected")),
            _ids(request.POST.getlist("present")),
        )
        try:
            counts = services.meeting_attendance_set(
                actor=request.user, meeting=meeting, expected=expected, present=present
            )
        except ApplicationError as exc:
            error = exc.message
            listed = {pk: pk in set(present) for pk in expected}
        else:
            expected_count, present_count = counts
            absent = expected_count - present_count
            messages.success(
                request, f"已登记：应到{expected_count}人，实到{present_count}人，缺席{absent}人"
            )
            return redirect(_detail(meeting))
    people = list(selectors.attendance_candidates(meeting))
    # a first visit proposes the meeting's group as expected and present
    fresh = not listed
    rows = []
    for person in people:
        own = person.household.group_id == meeting.group_id
        listed_now = person.pk in listed or (fresh and own)
        rows.append({"person": person, "own": own, "expected": listed_now,
                     "present": listed.get(person.pk, listed_now)})  # fmt: skip
    rows.sort(key=lambda row: not row["own"])
    context = {"meeting": meeting, "rows": rows, "error": error}
    return render(request, "village/meetings/attendance.html", context)


@login_required
@require_http_methods(GET_POST)
def meeting_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    _managed(request, meeting)
    form = forms.PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["photo"]
        try:
            services.meeting_photos_add(
                actor=request.user, meeting=meeting,
                files=[(upload.name or "photo", upload.read())],
            )  # fmt: skip
        except ApplicationError as exc:
            exc.field = "photo"
            apply_error(form, exc)
        else:
            messages.success(request, "已上传照片")
            return redirect(_detail(meeting))
    title = f"上传恳谈会照片：{meeting.topic}"
    return form_page(request, form, title, _detail(meeting), multipart=True)


@login_required
@require_GET
def meeting_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    photo = meeting.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404("照片不存在")
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(GET_POST)
def meeting_opinion_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    _managed(request, meeting)
    form = forms.OpinionForm(request.POST or None, village=meeting.village)
    if request.method == "POST" and form.is_valid():
        try:
            opinion = services.opinion_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记意见，查询码 {opinion.feedback.code}")
            return redirect(_detail(meeting))
    intro = "意见登记后转入“意见投诉”办理，由责任人答复、办结。"
    return form_page(request, form, f"登记意见：{meeting.topic}", _detail(meeting), intro)


@login_required
@require_POST
def meeting_publish(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    _managed(request, meeting)
    try:
        services.meeting_publish(actor=request.user, meeting=meeting)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已公开恳谈会结果")
    return redirect(_detail(meeting))


@login_required
@require_GET
def opinion_list(request: HttpRequest) -> HttpResponse:
    """Opinions raised at meetings: open, overdue or done; xlsx export."""
    need(request.user, VIEW)
    params = get_params(request, "q", "village", "state", "format", strip=True)
    today = timezone.localdate()
    rows = selectors.opinion_search(actor=request.user, q=params["q"], village=params["village"],
                                    state=params["state"], today=today)  # fmt: skip
    if params["format"] == "xlsx":
        header = ["查询码", "村", "村民小组", "会议日期", "议题", "意见", "提出人", "责任人",
                  "办理期限", "状态", "办理结果"]  # fmt: skip
        data = [[o.feedback.code, o.village.name, o.meeting.group.name, o.meeting.held_on,
                 o.meeting.topic, o.text, o.raised_by, str(o.owner), o.deadline,
                 o.feedback.get_status_display(), o.feedback.resolution] for o in rows]  # fmt: skip
        return xlsx_response("恳谈会意见", [("恳谈会意见", header, data)])
    page, query = paginate(request, rows, 30, drop=("format",))
    context = {"page": page, "params": params, "query": query, "today": today,
               "states": selectors.OPINION_STATES, "open_states": OPEN_FEEDBACK}  # fmt: skip
    return render(request, "village/meetings/opinions.html", context)
