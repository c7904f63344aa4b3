"""Pages of the survey campaigns (回头看 / 入户调查全覆盖) under /monitoring/campaigns/: the list,
the create form, a campaign with its coverage per village and township, assignments and
findings; the assignment form; the visits with their export; a cadre's "my households" still
to visit and the phone-friendly visit form; one visit, with the button that opens an
identification case from a finding. Thin: selectors read, services write; an
``ApplicationError`` becomes a form error with nothing changed; outside the scope is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_prefixes, scope_q
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date, format_fen, parse_yuan
from cunwu.core.listing import get_params, paginate
from cunwu.core.models import RegionLevel, VillageGroup
from cunwu.core.spreadsheets import xlsx_response
from cunwu.registry.models import Household

from .forms_campaigns import AssignmentForm, CampaignForm, VisitForm
from .models import SECURITY_CHECKS, CampaignKind, RiskType
from .selectors import campaigns as selectors
from .services import campaigns as services
from .views_common import form_page, need

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
EXPORT_LIMIT = 50_000
EXPORT = ("format",)
VIEW = "monitoring.view"
CAMPAIGN = "monitoring.campaign"
VISIT = "monitoring.visit"
RISK_LABELS = dict(RiskType.choices)


def _need(user: Any, perm: str = VIEW) -> None:
    need(user, perm)


def _risks(visit: Any) -> str:
    return "、".join(RISK_LABELS.get(r, r) for r in visit.risk_types)


def _unmet(visit: Any) -> str:
    return "、".join(label for key, label in SECURITY_CHECKS if visit.checks.get(key) is not True)


def case_link(visit: Any) -> str:
    """The identification case page for a finding (another part of the app builds it)."""
    base = reverse("monitoring:case_create")
    return f"{base}?household={visit.household_id}&visit={visit.pk}"


# ---------------------------------------------------------------- campaigns


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user)
    params = get_params(request, "q", "kind", "status", strip=True)
    qs = selectors.campaign_list(
        actor=user, q=params["q"], kind=params["kind"], status=params["status"]
    )
    page, query = paginate(request, qs, PAGE_SIZE)
    mine = set(selectors.my_campaigns(actor=user).values_list("pk", flat=True))
    context = {
        "page": page, "params": params, "query": query, "kinds": CampaignKind.choices,
        "can_create": scope_prefixes(user, CAMPAIGN) != [], "mine": mine,
    }  # fmt: skip
    return render(request, "monitoring/campaigns/list.html", context)


@login_required
@require_http_methods(GET_POST)
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    regions = list(
        regions_in_scope(user, CAMPAIGN).filter(
            level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
        )[:500]
    )
    if not regions:
        raise PermissionDenied("没有权限发起排查活动")
    choices = [(r.code, f"{r.get_level_display()} · {r.name}") for r in regions]
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, regions=choices,
                        initial={"start_on": today, "kind": CampaignKind.REVIEW})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = next(r for r in regions if r.code == d["region"])
        try:
            campaign = services.campaign_create(
                actor=user, region=region, kind=d["kind"], title=d["title"],
                start_on=d["start_on"], end_on=d["end_on"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已发起排查活动“{campaign.title}”")
            return redirect("monitoring:campaign_detail", campaign.pk)
    return form_page(request, form, "发起排查活动", reverse("monitoring:campaign_list"))


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    cov = selectors.coverage(campaign, actor=user)
    if request.GET.get("format") == "xlsx":
        header = ["区划", "级别", "已走访户数", "在册户数", "覆盖率（%）"]
        rows = [
            *[[r.name, "乡镇", r.visited, r.total, r.percent] for r in cov.townships],
            *[[r.name, "村", r.visited, r.total, r.percent] for r in cov.villages],
            ["合计", "", cov.total.visited, cov.total.total, cov.total.percent],
        ]
        return xlsx_response(f"走访进度-{campaign.title}", [("走访进度", header, rows)])
    findings = list(selectors.visit_list(actor=user, campaign=campaign, findings=True)[:200])
    for v in findings:
        v.risk_labels = _risks(v)  # type: ignore[attr-defined]
        v.unmet = _unmet(v)  # type: ignore[attr-defined]
        v.case_url = case_link(v)  # type: ignore[attr-defined]
    context = {
        "campaign": campaign, "coverage": cov, "findings": findings,
        "assignments": list(selectors.assignment_list(actor=user, campaign=campaign)),
        "can_manage": campaign.closed_at is None
        and selectors.campaign_villages(actor=user, campaign=campaign, perm=CAMPAIGN).exists(),
        "can_close": campaign.closed_at is None and has_perm_in(user, CAMPAIGN, campaign.region_id),
        "is_mine": selectors.my_campaigns(actor=user).filter(pk=campaign.pk).exists(),
        "can_handle": scope_prefixes(user, "monitoring.handle") != [],
    }  # fmt: skip
    return render(request, "monitoring/campaigns/detail.html", context)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    try:
        services.campaign_close(actor=user, campaign=campaign)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "排查活动已结束")
    return redirect("monitoring:campaign_detail", campaign.pk)


@login_required
@require_http_methods(GET_POST)
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    villages = list(selectors.campaign_villages(actor=user, campaign=campaign, perm=CAMPAIGN))
    if not villages:
        raise PermissionDenied("没有权限安排排查分工")
    groups = list(VillageGroup.objects.filter(village__in=villages).select_related("village"))
    cadres = list(selectors.visit_cadres(villages)[:500])
    form = AssignmentForm(
        request.POST or None,
        villages=[(v.code, v.name) for v in villages],
        groups=[(str(g.pk), f"{g.village.name} · {g.name}") for g in groups],
        cadres=[(str(c.pk), str(c)) for c in cadres],
    )
    back = reverse("monitoring:campaign_detail", args=[campaign.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        village = next(v for v in villages if v.code == d["village"])
        group = next((g for g in groups if str(g.pk) == d["group"]), None)
        cadre = next(c for c in cadres if str(c.pk) == d["cadre"])
        try:
            services.assignment_set(
                actor=user, campaign=campaign, village=village, group=group, cadre=cadre
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已安排排查分工")
            return redirect(back)
    intro = "不选村民小组即为全村；同一小组再次安排将改由新的排查人负责。"
    return form_page(request, form, f"排查分工：{campaign.title}", back, intro=intro)


# ---------------------------------------------------------------- visits


VISIT_HEADER = ["村", "户编号", "户主", "走访日期", "排查人",
                *[label for _key, label in SECURITY_CHECKS], "年人均纯收入估算（元）",
                "发现的风险", "走访情况", "已启动识别"]  # fmt: skip


@login_required
@require_GET
def visit_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    params = get_params(request, "q", "village", "findings", "format", strip=True)
    qs = selectors.visit_list(
        actor=user, campaign=campaign, q=params["q"], village=params["village"],
        findings=params["findings"] == "1",
    )  # fmt: skip
    if params["format"] == "xlsx":
        rows = [
            [v.village.name, v.household.number, getattr(v, "head_name", "") or "",
             format_date(v.visited_on), str(v.visitor),
             *["是" if v.checks.get(k) else "否" for k, _ in SECURITY_CHECKS],
             format_fen(v.income_estimate_fen) if v.income_estimate_fen is not None else "",
             _risks(v), v.note, "是" if v.case_id else "否"]
            for v in qs[:EXPORT_LIMIT]
        ]  # fmt: skip
        return xlsx_response(f"走访记录-{campaign.title}", [("走访记录", VISIT_HEADER, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    for v in page.object_list:
        v.risk_labels = _risks(v)  # type: ignore[attr-defined]
        v.unmet = _unmet(v)  # type: ignore[attr-defined]
    villages = list(selectors.campaign_villages(actor=user, campaign=campaign)[:500])
    context = {"campaign": campaign, "page": page, "params": params, "query": query,
               "villages": villages}  # fmt: skip
    return render(request, "monitoring/campaigns/visits.html", context)


@login_required
@require_GET
def my_households(request: HttpRequest, pk: int) -> HttpResponse:
    """我的走访: the households assigned to the user in this campaign still to visit."""
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    params = get_params(request, "q", "all", strip=True)
    qs = selectors.my_households(
        actor=user, campaign=campaign, q=params["q"], include_visited=params["all"] == "1"
    )
    page, query = paginate(request, qs, PAGE_SIZE)
    context = {"campaign": campaign, "page": page, "params": params, "query": query,
               "open": campaign.closed_at is None}  # fmt: skip
    return render(request, "monitoring/campaigns/mine.html", context)


@login_required
@require_http_methods(GET_POST)
def visit_create(request: HttpRequest, pk: int, household_pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    household = Household.objects.filter(scope_q(user, VIEW), pk=household_pk).first()
    if household is None:
        raise Http404("户不存在")
    if not has_perm_in(user, VISIT, household.village_id):
        raise PermissionDenied("没有权限登记入户走访")
    today = timezone.localdate()
    form = VisitForm(request.POST or None, initial={"visited_on": today})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            raw = (d["income_estimate"] or "").strip()
            income = parse_yuan(raw, field="income_estimate") if raw else None
            visit = services.visit_record(
                actor=user, campaign=campaign, household=household, visited_on=d["visited_on"],
                checks=form.checks(), income_estimate_fen=income, risk_types=d["risk_types"],
                note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记{household.number}户的走访")
            return redirect("monitoring:visit_detail", visit.pk)
    head = household.members.filter(relation="户主").order_by("status", "-pk").first()
    context = {
        "campaign": campaign, "household": household, "head": head, "form": form,
        "back": reverse("monitoring:campaign_mine", args=[campaign.pk]),
    }  # fmt: skip
    return render(request, "monitoring/campaigns/visit_form.html", context)


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visit = selectors.visit_get(actor=user, pk=pk)
    finding = selectors.is_finding(visit)
    checks = [(label, visit.checks.get(key) is True) for key, label in SECURITY_CHECKS]
    context = {
        "visit": visit, "checks": checks, "finding": finding, "risk_labels": _risks(visit),
        "case_url": case_link(visit) if finding and not visit.case_id else "",
        "can_handle": has_perm_in(user, "monitoring.handle", visit.village_id),
    }  # fmt: skip
    return render(request, "monitoring/campaigns/visit_detail.html", context)
