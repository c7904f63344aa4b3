"""Pages of the points system (积分制) under /points/.

Staff: rulebooks and templates (drafting, adoption), proposals, the review queue, batches
(monthly disclosure), balances, rankings, a household's statement and its printable points card.
A villager: the self-declaration form for the own household (phone first, camera upload) and
the own statement with rank and stars. Thin: selectors read, services write; an
``ApplicationError`` becomes a form error (or a message) with nothing changed; whatever lies
outside the user's scope is 404, a page the user's role has no use for is 403.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate, parse_date, parse_int
from cunwu.core.models import Region, RegionLevel
from cunwu.core.spreadsheets import XLSX_CONTENT_TYPE, attachment, xlsx_table
from cunwu.disclosure.render import qr_data_uri
from cunwu.registry.models import Household
from cunwu.registry.selectors import own_household

from . import opening, selectors, services
from .forms import (
    AdoptForm,
    BatchForm,
    DeclareForm,
    HouseholdSearchForm,
    ItemForm,
    OpeningConfirmForm,
    OpeningForm,
    OpeningUploadForm,
    ProposeForm,
    RecordAdoptedForm,
    ReverseForm,
    ReviewForm,
    SettingsForm,
    TemplatePublishForm,
    VersionCreateForm,
)
from .models import (
    BatchStatus,
    EventStatus,
    PointEvent,
    Proposer,
    Rulebook,
    RulebookVersion,
    VersionStatus,
)

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
MAX_EXPORT = 20_000
# the links to other pages of a list leave out its export (?format=xlsx)
EXPORT = ("format",)
EDITABLE = (VersionStatus.DRAFT, VersionStatus.RETURNED)


# ---------------------------------------------------------------- helpers


def _villages(request: HttpRequest, perm: str = selectors.VIEW) -> list[Region]:
    return list(selectors.villages_in_scope(actor=request.user, perm=perm)[:500])


def _origin(request: HttpRequest) -> str:
    configured = str(getattr(settings, "CUNWU_PUBLIC_URL", "") or "").rstrip("/")
    return configured or f"{request.scheme}://{request.get_host()}"


def _household_for(request: HttpRequest, pk: int) -> Household:
    """A household in the staff's scope, or the villager's own one; else 404."""
    household = Household.objects.select_related("village", "group").filter(pk=pk).first()
    if household is None:
        raise Http404("户不存在")
    if has_perm_in(request.user, selectors.VIEW, household.village_id):
        return household
    own = own_household(request.user)
    if own is not None and own.pk == household.pk:
        return household
    raise Http404("户不存在")


# ---------------------------------------------------------------- index


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if scope_prefixes(user, selectors.VIEW) == []:
        if own_household(user) is not None:
            return redirect("points:mine")
        raise PermissionDenied("没有权限查看")
    q = request.GET.get("q", "")[:50].strip()
    villages = selectors.villages_in_scope(actor=user)
    if q:
        villages = villages.filter(name__contains=q)
    villages = villages.annotate(
        proposed=Count("point_events", filter=Q(point_events__status=EventStatus.PROPOSED)),
        approved=Count(
            "point_events",
            filter=Q(point_events__status=EventStatus.APPROVED, point_events__batch__isnull=True),
        ),
    )
    page, query = paginate(request, villages, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page,
        "query": query,
        "q": q,
        "can_review": scope_prefixes(user, "points.review") != [],
        "can_propose": scope_prefixes(user, "points.propose") != [],
    }
    return render(request, "points/index.html", context)


# ---------------------------------------------------------------- rulebooks


@login_required
@require_GET
def rulebook(request: HttpRequest, code: str) -> HttpResponse:
    """A region's rulebook: its versions, and one version's items by category (the version in
    force by default, ``?version=`` for another)."""
    user = request.user
    selectors.require_any(user)
    region = selectors.region_get(actor=user, code=code)
    book = Rulebook.objects.filter(region=region).first()
    versions = list(selectors.versions_of(book)) if book else []
    shown: RulebookVersion | None = None
    wanted = parse_int(request.GET.get("version", ""))
    if wanted:
        shown = next((v for v in versions if v.pk == wanted), None)
    if shown is None and region.level == RegionLevel.VILLAGE:
        shown = services.version_in_force(region, timezone.localdate())
    if shown is None and versions:
        shown = versions[0]
    can_manage = has_perm_in(user, "points.manage_rulebook", region)
    context = {
        "region": region,
        "rulebook": book,
        "versions": versions,
        "shown": shown,
        "groups": selectors.items_by_category(shown) if shown else [],
        "can_manage": can_manage,
        "has_draft": any(v.status in EDITABLE for v in versions),
        "is_village": region.level == RegionLevel.VILLAGE,
        "today": timezone.localdate(),
    }
    return render(request, "points/rulebook.html", context)


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    """Templates of the townships and counties in sight, and where the user may draft one."""
    user = request.user
    selectors.require_any(user)
    books = selectors.rulebooks(actor=user, templates=True)
    prefixes = scope_prefixes(user, "points.manage_rulebook")
    regions = Region.objects.filter(
        level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP], retired=False
    )
    if prefixes is not None:
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(code__startswith=prefix)
        regions = regions.filter(q)
    own = list(regions.order_by("code")[:100])
    drafted = set(Rulebook.objects.filter(region__in=own).values_list("region_id", flat=True))
    context = {
        "rulebooks": list(books[:500]),
        "own": [(region, region.pk in drafted) for region in own],
    }
    return render(request, "points/templates.html", context)


@login_required
@require_http_methods(GET_POST)
def version_new(request: HttpRequest, code: str) -> HttpResponse:
    """A new draft: a copy of the previous version or of a township/county template."""
    user = request.user
    selectors.require_any(user)
    region = selectors.region_get(actor=user, code=code)
    if not has_perm_in(user, "points.manage_rulebook", region):
        raise PermissionDenied("没有权限制定积分细则")
    book = Rulebook.objects.filter(region=region).first()
    previous = (
        book.versions.exclude(status=VersionStatus.DRAFT).order_by("-number").first()
        if book
        else None
    )
    templates = list(selectors.templates_for(region)) if region.level == RegionLevel.VILLAGE else []
    form = VersionCreateForm(request.POST or None, previous=previous, templates=templates)
    back = reverse("points:rulebook", args=[region.code])
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["copy_from"]
        source = next((t for t in templates if str(t.pk) == choice), None)
        try:
            book = services.rulebook_for(actor=user, region=region)
            version = services.version_create(
                actor=user, rulebook=book, copy_from=source, note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已起草第{version.number}版，请修改事项后提交表决")
            return redirect("points:version", version.pk)
    title = f"起草新版本：{region.name}"
    return render(request, "points/form.html", {"form": form, "title": title, "back": back})


def _version_for_edit(request: HttpRequest, pk: int) -> RulebookVersion:
    version = selectors.version_get(actor=request.user, pk=pk)
    if not has_perm_in(request.user, "points.manage_rulebook", version.rulebook.region):
        raise PermissionDenied("没有权限修改积分细则")
    return version


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_any(user)
    version = selectors.version_get(actor=user, pk=pk)
    region = version.rulebook.region
    can_manage = has_perm_in(user, "points.manage_rulebook", region)
    editable = can_manage and version.status in EDITABLE
    context = {
        "version": version,
        "region": region,
        "groups": selectors.items_by_category(version),
        "editable": editable,
        "is_village": region.level == RegionLevel.VILLAGE,
        "settings_form": SettingsForm(
            initial={"star_thresholds": version.thresholds, "note": version.note}
        ),
    }
    return render(request, "points/version.html", context)


@login_required
@require_http_methods(GET_POST)
def item_new(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for_edit(request, pk)
    form = ItemForm(request.POST or None)
    back = reverse("points:version", args=[version.pk])
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_save(actor=request.user, version=version, data=form.item_data())
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已添加事项{item.code} {item.name}")
            return redirect(back)
    context = {"form": form, "title": f"添加事项：{version}", "back": back, "categories": True}
    return render(request, "points/form.html", context)


@login_required
@require_http_methods(GET_POST)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(actor=request.user, pk=pk)
    version = _version_for_edit(request, item.version_id)
    form = ItemForm(request.POST or None, initial=ItemForm.initial_of(item))
    back = reverse("points:version", args=[version.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(
                actor=request.user, version=version, data=form.item_data(), item=item
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "事项已修改")
            return redirect(back)
    context = {
        "form": form,
        "title": f"修改事项：{item.code} {item.name}",
        "back": back,
        "categories": True,
        "delete_url": reverse("points:item_delete", args=[item.pk]),
    }
    return render(request, "points/form.html", context)


@login_required
@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(actor=request.user, pk=pk)
    version = _version_for_edit(request, item.version_id)
    try:
        services.item_delete(actor=request.user, item=item)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除事项{item.code} {item.name}")
    return redirect("points:version", version.pk)


@login_required
@require_http_methods(GET_POST)
def version_settings(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for_edit(request, pk)
    form = SettingsForm(
        request.POST or None, initial={"star_thresholds": version.thresholds, "note": version.note}
    )
    back = reverse("points:version", args=[version.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.version_settings(
                actor=request.user, version=version,
                star_thresholds=form.cleaned_data["star_thresholds"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(back)
    context = {"form": form, "title": f"星级门槛与修订说明：{version}", "back": back}
    return render(request, "points/form.html", context)


@login_required
@require_http_methods(GET_POST)
def version_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the 村民代表会议's vote on a village's draft (then disclosed), or publish a
    township's or county's template at once."""
    version = _version_for_edit(request, pk)
    is_village = version.rulebook.region.level == RegionLevel.VILLAGE
    back = reverse("points:version", args=[version.pk])
    form: AdoptForm | TemplatePublishForm
    if is_village:
        form = AdoptForm(request.POST or None, initial={"resolution_date": timezone.localdate()})
    else:
        form = TemplatePublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if is_village:
                services.version_adopt(
                    actor=request.user, version=version, resolution_date=d["resolution_date"],
                    members_total=d["members_total"], members_present=d["members_present"],
                    votes_for=d["votes_for"], effective_from=d["effective_from"],
                    period_days=d["period_days"],
                )  # fmt: skip
            else:
                services.version_adopt(
                    actor=request.user, version=version, resolution_date=timezone.localdate(),
                    members_total=0, members_present=0, votes_for=0,
                )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                "已登记表决结果并公示，公示期满无异议后生效" if is_village else "模板已发布",
            )
            return redirect(back)
    title = f"登记村民代表会议表决：{version}" if is_village else f"发布模板：{version}"
    return render(request, "points/form.html", {"form": form, "title": title, "back": back})


@login_required
@require_http_methods(GET_POST)
def version_record_adopted(request: HttpRequest, pk: int) -> HttpResponse:
    """补录: a village's version already adopted by the 村民代表会议, disclosed on paper and in
    force; it becomes effective from its recorded date, without a new disclosure."""
    version = _version_for_edit(request, pk)
    back = reverse("points:version", args=[version.pk])
    form = RecordAdoptedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.version_record_adopted(
                actor=request.user, version=version, resolution_date=d["resolution_date"],
                members_total=d["members_total"], members_present=d["members_present"],
                votes_for=d["votes_for"], disclosed_from=d["disclosed_from"],
                disclosed_until=d["disclosed_until"], effective_from=d["effective_from"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已补录表决和公示情况，该版本按施行日期生效")
            return redirect(back)
    title = f"补录已施行的版本：{version}"
    return render(request, "points/form.html", {"form": form, "title": title, "back": back})


@login_required
@require_POST
def template_default(request: HttpRequest, code: str) -> HttpResponse:
    """A township or county publishes the built-in default template (five categories, 38
    items) to start from."""
    user = request.user
    selectors.require_any(user)
    region = selectors.region_get(actor=user, code=code)
    if not has_perm_in(user, "points.manage_rulebook", region):
        raise PermissionDenied("没有权限制定积分细则模板")
    try:
        version = services.template_publish_default(actor=user, region=region)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("points:templates")
    messages.success(request, f"已发布默认模板：{version.items.count()}项，各村可复制后修改")
    return redirect("points:rulebook", region.code)


# ---------------------------------------------------------------- events


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user)
    params = get_params(
        request, "status", "village", "group", "item", "q", "start", "end", "batch", strip=True
    )
    qs = selectors.events(
        actor=user, status=params["status"], village=params["village"],
        group=parse_int(params["group"]), item=params["item"], q=params["q"],
        start=parse_date(params["start"]), end=parse_date(params["end"]),
        batch=parse_int(params["batch"]),
    )  # fmt: skip
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page,
        "params": params,
        "query": query,
        "statuses": EventStatus.choices,
        "villages": _villages(request),
        "groups": list(selectors.groups_of(params["village"])) if params["village"] else [],
        "can_propose": scope_prefixes(user, "points.propose") != [],
    }
    return render(request, "points/events.html", context)


@login_required
@require_http_methods(GET_POST)
def event_new(request: HttpRequest) -> HttpResponse:
    """A cadre's (or grid worker's) proposal: pick the village, find the household, fill in."""
    user = request.user
    selectors.require_any(user, "points.propose", "没有权限申报积分")
    pk = parse_int(request.GET.get("household", ""))
    if pk is None:
        villages = _villages(request, "points.propose")
        code = request.GET.get("village", "")[:12]
        village = next((v for v in villages if v.code == code), None)
        if village is None and len(villages) == 1:
            village = villages[0]
        if code and village is None:
            raise Http404("村不存在")
        search = HouseholdSearchForm(request.GET if "q" in request.GET else None)
        found = None
        if village is not None and search.is_valid():
            found = list(
                selectors.households_search(village=village, q=search.cleaned_data["q"])[:50]
            )
        pick = {"villages": villages, "village": village, "search": search, "found": found}
        return render(request, "points/event_pick.html", pick)
    household = Household.objects.select_related("village", "group").filter(pk=pk).first()
    if household is None or not has_perm_in(user, "points.propose", household.village_id):
        raise Http404("户不存在")
    items = selectors.version_items_in_force(household.village, timezone.localdate())
    items = [i for i in items if {Proposer.CADRE, Proposer.GRID} & i.proposer_set]
    form = ProposeForm(
        request.POST or None, request.FILES or None, items=items,
        members=selectors.active_members(household), initial={"date": timezone.localdate()},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.event_propose(
                actor=user, household=household, item=d["item"], on=d["date"],
                points=d["points"], person=d["person"], description=d["description"],
                photo=d["photo"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, f"已申报：{household.number} {event.item.name} {event.points:+d}分"
            )
            return redirect("points:event", event.pk)
    context = {
        "form": form,
        "household": household,
        "members": list(selectors.active_members(household)),
        "no_rulebook": not items,
    }
    return render(request, "points/event_new.html", context)


@login_required
@require_http_methods(GET_POST)
def declare(request: HttpRequest) -> HttpResponse:
    """A villager declares points for the own household, with a photo from the phone."""
    user = request.user
    household = own_household(user)
    if household is None or not has_perm_in(user, "points.declare", household.village_id):
        raise PermissionDenied("只有登记在本村户籍中的村民可以为自家申报积分")
    items = selectors.version_items_in_force(household.village, timezone.localdate())
    items = [i for i in items if Proposer.VILLAGER in i.proposer_set]
    form = DeclareForm(
        request.POST or None, request.FILES or None, items=items,
        initial={"date": timezone.localdate()},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.event_propose(
                actor=user, household=household, item=d["item"], on=d["date"],
                description=d["description"], photo=d["photo"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, f"已提交：{event.item.name} {event.points:+d}分，等待村里审核"
            )
            return redirect("points:mine")
    context = {"form": form, "household": household, "no_rulebook": not items}
    return render(request, "points/declare.html", context)


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_any(request.user)
    event = selectors.event_get(actor=request.user, pk=pk)
    return _event_page(request, event)


def _event_page(
    request: HttpRequest,
    event: PointEvent,
    review_form: ReviewForm | None = None,
    reverse_form: ReverseForm | None = None,
) -> HttpResponse:
    user = request.user
    can_review = has_perm_in(user, "points.review", event.village_id)
    reversal = selectors.reversal_of(event)
    context = {
        "event": event,
        "reversal": reversal,
        "can_review": can_review
        and event.status == EventStatus.PROPOSED
        and event.proposed_by_id != user.pk,
        "own_proposal": event.proposed_by_id == user.pk,
        "can_reverse": can_review
        and event.status == EventStatus.EFFECTIVE
        and event.reverses_id is None
        and reversal is None,
        "review_form": review_form or ReviewForm(initial={"points": event.points}),
        "reverse_form": reverse_form or ReverseForm(),
    }
    return render(request, "points/event.html", context)


@login_required
@require_POST
def event_review(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_any(request.user)
    event = selectors.event_get(actor=request.user, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        approve = d["decision"] != "reject"
        points = d["points"] if d["decision"] == "adjust" else None
        try:
            services.event_review(
                actor=request.user, event=event, approve=approve, points=points, note=d["note"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已通过" if approve else "已退回（不予通过）")
            if request.POST.get("next") == "queue":
                return redirect("points:review")
            return redirect("points:event", event.pk)
    if request.POST.get("next") == "queue":
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, f"{event.household.number} {event.item.name}：{'；'.join(errors)}")
        return redirect("points:review")
    return _event_page(request, event, review_form=form)


@login_required
@require_POST
def event_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_any(request.user)
    event = selectors.event_get(actor=request.user, pk=pk)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.event_reverse(
                actor=request.user, event=event, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记冲销，将随下一批积分公示，公示期满后入账")
            return redirect("points:event", reversal.pk)
    return _event_page(request, event, reverse_form=form)


@login_required
@require_GET
def event_photo(request: HttpRequest, pk: int) -> FileResponse:
    event = PointEvent.objects.filter(pk=pk).select_related("household").first()
    if event is None or not event.photo:
        raise Http404("照片不存在")
    own = own_household(request.user)
    if not has_perm_in(request.user, selectors.VIEW, event.village_id) and (
        own is None or own.pk != event.household_id
    ):
        raise Http404("照片不存在")
    try:
        handle = event.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle)


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Proposals waiting for the review group, each with its approve/adjust/reject form."""
    user = request.user
    selectors.require_any(user, "points.review", "没有权限审核积分")
    village = request.GET.get("village", "")[:12]
    qs = selectors.events(actor=user, status=EventStatus.PROPOSED, village=village).order_by(
        "date", "pk"
    )
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page,
        "query": query,
        "village": village,
        "villages": _villages(request, "points.review"),
    }
    return render(request, "points/review.html", context)


# ---------------------------------------------------------------- batches


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user)
    params = get_params(request, "village", "status", strip=True)
    qs = selectors.batches(actor=user, village=params["village"], status=params["status"])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    waiting = (
        selectors.villages_in_scope(actor=user, perm="points.review")
        .annotate(
            approved=Count(
                "point_events",
                filter=Q(
                    point_events__status=EventStatus.APPROVED, point_events__batch__isnull=True
                ),
            )
        )
        .filter(approved__gt=0)
    )
    context = {
        "page": page,
        "query": query,
        "params": params,
        "statuses": BatchStatus.choices,
        "villages": _villages(request),
        "waiting": list(waiting[:100]),
    }
    return render(request, "points/batches.html", context)


@login_required
@require_http_methods(GET_POST)
def batch_new(request: HttpRequest, code: str) -> HttpResponse:
    """The village's approved events, to be disclosed together as one notice."""
    user = request.user
    village = selectors.village_get(actor=user, code=code, perm="points.review")
    pending = list(
        selectors.events(actor=user, status=EventStatus.APPROVED, village=village.code)
        .filter(batch__isnull=True)
        .order_by("household__number", "date", "pk")[: services.MAX_BATCH_EVENTS]
    )
    form = BatchForm(request.POST or None)
    chosen = {pk for pk in map(parse_int, request.POST.getlist("events")) if pk is not None}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if not chosen:
                raise ApplicationError("batch_empty", "请至少选择一条积分申报")
            batch = services.batch_publish(
                actor=user, village=village, title=d["title"], period_days=d["period_days"],
                period_unit=d["period_unit"], event_ids=sorted(chosen),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已发布公示“{batch.title}”，公示期满无异议后积分入账")
            return redirect("points:batches")
    context = {
        "village": village,
        "pending": pending,
        "form": form,
        "chosen": chosen if request.method == "POST" else {e.pk for e in pending},
        "total": sum(e.points for e in pending),
    }
    return render(request, "points/batch_new.html", context)


# ---------------------------------------------------------------- balances, rankings


BALANCE_HEADER = ["村", "户编号", "户主", "村民小组", "累计积分", "可用积分"]


@login_required
@require_GET
def balance_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user)
    params = get_params(request, "village", "group", "q", "format", strip=True)
    qs = selectors.balances(
        actor=user, village=params["village"], group=parse_int(params["group"]), q=params["q"]
    )
    if params["format"] == "xlsx":
        found: list[Any] = list(qs[:MAX_EXPORT])  # annotated with head and the two figures
        rows = [
            [h.village.name, h.number, h.head or "", h.group.name if h.group else "",
             h.cumulative, h.available]
            for h in found
        ]  # fmt: skip
        return xlsx_table("积分余额", BALANCE_HEADER, rows)
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page,
        "params": params,
        "query": query,
        "villages": _villages(request),
        "groups": list(selectors.groups_of(params["village"])) if params["village"] else [],
    }
    return render(request, "points/balances.html", context)


def _period(params: dict[str, str], today: date) -> tuple[date | None, date | None, str]:
    """The ranking period chosen: (start, end, its name)."""
    kind = params["period"]
    year = parse_int(params["year"]) or today.year
    year = min(max(year, 2000), 2100)
    if kind == "month":
        month = min(max(parse_int(params["month"]) or today.month, 1), 12)
        last = calendar.monthrange(year, month)[1]
        return date(year, month, 1), date(year, month, last), f"{year}年{month}月"
    if kind == "quarter":
        quarter = min(max(parse_int(params["quarter"]) or (today.month - 1) // 3 + 1, 1), 4)
        first = 3 * (quarter - 1) + 1
        last = calendar.monthrange(year, first + 2)[1]
        return date(year, first, 1), date(year, first + 2, last), f"{year}年第{quarter}季度"
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31), f"{year}年"
    if kind == "custom":
        start, end = parse_date(params["start"]), parse_date(params["end"])
        if start or end:
            return start, end, "自定义期间"
    return None, None, "累计积分"


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_any(user)
    params = get_params(
        request, "village", "group", "period", "year", "month", "quarter", "start", "end",
        strip=True,
    )  # fmt: skip
    villages = _villages(request)
    village = next((v for v in villages if v.code == params["village"]), None)
    if params["village"] and village is None:
        raise Http404("村不存在")
    if village is None and villages:
        village = villages[0]
    start, end, label = _period(params, timezone.localdate())
    rows = (
        selectors.rankings(
            actor=user, village=village, group=parse_int(params["group"]), start=start, end=end
        )
        if village
        else []
    )
    context = {
        "rows": rows,
        "params": params,
        "village": village,
        "villages": villages,
        "groups": list(selectors.groups_of(village)) if village else [],
        "label": label,
        "start": start,
        "end": end,
        "thresholds": selectors.thresholds_of(village, end) if village else [],
        "months": range(1, 13),
        "quarters": range(1, 5),
    }
    return render(request, "points/rankings.html", context)


STATEMENT_HEADER = ["日期", "类型", "事项/摘要", "获得人", "累计积分变动", "可用积分变动",
                    "累计积分", "可用积分", "记账时间"]  # fmt: skip


def _statement_response(
    request: HttpRequest, household: Household, template: str, **extra: Any
) -> HttpResponse:
    rows = selectors.household_statement(household)
    if request.GET.get("format") == "xlsx":
        cells = [
            [r.entry.date.isoformat(), r.entry.get_kind_display(), r.entry.memo,
             r.entry.person.name if r.entry.person else "", r.entry.cumulative,
             r.entry.available, r.cumulative, r.available,
             timezone.localtime(r.entry.created_at).strftime("%Y-%m-%d %H:%M")]
            for r in rows
        ]  # fmt: skip
        return xlsx_table(
            f"积分明细-{household.village.name}-{household.number}", STATEMENT_HEADER, cells
        )
    head = selectors.active_members(household).filter(relation=selectors.HEAD).first()
    context = {
        "household": household,
        "head": head,
        "rows": rows,
        "last": rows[-1] if rows else None,
        "open_events": list(selectors.open_events_of(household)[:50]),
        "today": timezone.localdate(),
        **extra,
    }
    return render(request, template, context)


@login_required
@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_any(request.user)
    found = selectors.household_get(actor=request.user, pk=pk)
    return _household_page(request, found)


def _household_page(
    request: HttpRequest, found: Household, opening_form: OpeningForm | None = None
) -> HttpResponse:
    rank, total, stars = selectors.household_rank(found)
    if opening_form is None and has_perm_in(request.user, "points.review", found.village_id):
        opening_form = OpeningForm(initial={"as_of": timezone.localdate()})
    return _statement_response(
        request, found, "points/statement.html", rank=rank, total=total, stars=stars, mine=False,
        opening_form=opening_form,
    )  # fmt: skip


@login_required
@require_POST
def household_opening(request: HttpRequest, pk: int) -> HttpResponse:
    """期初结转 of one household (the statement page shows the form while it has no rows)."""
    selectors.require_any(request.user)
    found = selectors.household_get(actor=request.user, pk=pk)
    form = OpeningForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.opening_balance(
                actor=request.user, household=found, cumulative=d["cumulative"],
                available=d["available"], as_of=d["as_of"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, f"已结转期初积分：累计{d['cumulative']}分，可用{d['available']}分"
            )
            return redirect("points:household", found.pk)
    return _household_page(request, found, opening_form=form)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The villager's own household: statement, rank in the village and stars."""
    found = own_household(request.user)
    if found is None:
        raise PermissionDenied("您的账号还没有关联到本村户籍，请联系村干部")
    rank, total, stars = selectors.household_rank(found)
    return _statement_response(
        request, found, "points/statement.html", rank=rank, total=total, stars=stars, mine=True,
        can_declare=has_perm_in(request.user, "points.declare", found.village_id),
    )  # fmt: skip


@login_required
@require_GET
def household_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable points card: the household, its figures and a QR code that the store's
    counter reads."""
    found = _household_for(request, pk)
    account = selectors.account_of(found)
    rank, total, stars = selectors.household_rank(found)
    url = f"{_origin(request)}/store/counter/?{urlencode({'household': found.pk})}"
    head = selectors.active_members(found).filter(relation=selectors.HEAD).first()
    staff = has_perm_in(request.user, selectors.VIEW, found.village_id)
    context = {
        "household": found,
        "head": head,
        "back": reverse("points:household", args=[found.pk]) if staff else reverse("points:mine"),
        "account": account,
        "stars": stars,
        "rank": rank,
        "total": total,
        "qr": qr_data_uri(url),
        "url": url,
        "today": timezone.localdate(),
    }
    return render(request, "points/card.html", context)


# ---------------------------------------------------------------- opening balances (期初结转)

SHOWN_ERRORS = 200
SHOWN_LINES = 500


def _opening_key(village: Region) -> str:
    return f"points_opening:{village.code}"


@login_required
@require_GET
def opening_pick(request: HttpRequest) -> HttpResponse:
    """从纸质台账结转: the villages where the user may book opening balances."""
    selectors.require_any(request.user, "points.review", "没有权限结转期初积分")
    villages = _villages(request, "points.review")
    if len(villages) == 1:
        return redirect("points:opening", villages[0].code)
    return render(request, "points/opening_pick.html", {"villages": villages})


@login_required
@require_GET
def opening_template(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.village_get(actor=request.user, code=code, perm="points.review")
    response = HttpResponse(opening.template_bytes(village), content_type=XLSX_CONTENT_TYPE)
    return attachment(response, f"期初积分结转模板-{village.name}.xlsx")


@login_required
@require_GET
def opening_errors(request: HttpRequest, code: str) -> HttpResponse:
    """The error report of the last upload checked (kept in the session, not the file)."""
    village = selectors.village_get(actor=request.user, code=code, perm="points.review")
    stored = request.session.get(_opening_key(village)) or {}
    errors = stored.get("errors")
    if not errors:
        raise Http404("没有错误报告")
    response = HttpResponse(
        opening.error_report_bytes(tuple(e) for e in errors), content_type=XLSX_CONTENT_TYPE
    )
    return attachment(response, f"期初积分错误报告-{village.name}.xlsx")


@login_required
@require_http_methods(GET_POST)
def opening_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Upload the filled-in template: every row is checked; the errors (row and column) are
    listed, or a preview of what will be booked. The checked rows (not the file) wait in the
    session for the confirmation, which checks them again and books them all or none."""
    village = selectors.village_get(actor=request.user, code=code, perm="points.review")
    key = _opening_key(village)
    form = OpeningUploadForm(
        request.POST or None, request.FILES or None, initial={"as_of": timezone.localdate()}
    )
    result: services.OpeningResult | None = None
    token = ""
    if request.method == "POST" and form.is_valid():
        as_of = form.cleaned_data["as_of"]
        request.session.pop(key, None)
        try:
            rows = opening.rows_from_upload(form.cleaned_data["file"])
            result = services.opening_balances_import(
                actor=request.user, village=village, rows=rows, as_of=as_of, dry_run=True
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            token = secrets.token_urlsafe(16)
            request.session[key] = {
                "token": token if result.ok else "",
                "as_of": as_of.isoformat(),
                "lines": [
                    [li.row, li.number, li.head, li.cumulative, li.available] for li in result.lines
                ]
                if result.ok
                else [],
                "errors": [list(e) for e in result.errors[:20_000]],
            }
    context = {
        "village": village,
        "form": form,
        "result": result,
        "as_of": form.cleaned_data.get("as_of") if result else None,
        "errors": result.errors[:SHOWN_ERRORS] if result else [],
        "more_errors": max(len(result.errors) - SHOWN_ERRORS, 0) if result else 0,
        "lines": result.lines[:SHOWN_LINES] if result else [],
        "more_lines": max(len(result.lines) - SHOWN_LINES, 0) if result else 0,
        "confirm": OpeningConfirmForm(initial={"token": token}),
    }
    return render(request, "points/opening.html", context)


@login_required
@require_POST
def opening_confirm(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.village_get(actor=request.user, code=code, perm="points.review")
    key = _opening_key(village)
    stored = request.session.get(key) or {}
    form = OpeningConfirmForm(request.POST)
    token = form.cleaned_data["token"] if form.is_valid() else ""
    if not token or token != stored.get("token"):
        messages.error(request, "预览已失效，请重新上传文件")
        return redirect("points:opening", village.code)
    rows = [
        services.OpeningRow(row=r, number=n, head=h, cumulative=c, available=a)
        for r, n, h, c, a in stored["lines"]
    ]
    try:
        result = services.opening_balances_import(
            actor=request.user, village=village, rows=rows,
            as_of=date.fromisoformat(stored["as_of"]),
        )  # fmt: skip
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("points:opening", village.code)
    if not result.booked:
        request.session[key] = {"token": "", "errors": [list(e) for e in result.errors]}
        errors = "；".join(opening.describe(e) for e in result.errors[:5])
        messages.error(request, f"确认时发现{len(result.errors)}处错误，未结转任何积分：{errors}")
        return redirect("points:opening", village.code)
    request.session.pop(key, None)
    messages.success(
        request,
        f"已结转{result.households}户期初积分：累计{result.cumulative}分，可用{result.available}分",
    )
    return redirect(reverse("points:balances") + f"?village={village.code}")
