"""Village groups (村民小组) and audit chain (审计) pages.

Reads are scoped to the acting user right here (``_group_list``, ``_audit_events``…) because
neither ``core`` (which imports no app) nor ``accounts`` owns them; writes go through
``core.services.groups`` with ``authorize=require``. No permission anywhere → 403; an object
outside scope → 404.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cunwu.accounts.forms import RegionChoiceForm, add_application_error
from cunwu.accounts.permissions import has_perm_in, require, scope_prefixes, scope_q
from cunwu.core.audit_labels import ACTION_LABELS, OBJECT_LABELS, PAYLOAD_LABELS
from cunwu.core.errors import ApplicationError
from cunwu.core.listing import paginate
from cunwu.core.models import AuditEvent, Region, RegionLevel, VillageGroup
from cunwu.core.services.audit import audit_verify, canonical_json, event_hash
from cunwu.core.services.groups import group_create as group_create_service
from cunwu.core.services.groups import group_rename as group_rename_service
from cunwu.registry.models import HouseholdStatus

GROUPS = "core.manage_groups"
AUDIT = "core.view_audit"
PAGE_SIZE = 50


def _somewhere(request: HttpRequest, perm: str) -> Any:
    """The acting user, who must hold ``perm`` over some region (403 otherwise)."""
    if scope_prefixes(request.user, perm) == []:
        raise PermissionDenied("没有权限访问此页面")
    return request.user


def _page(request: HttpRequest, rows: QuerySet[Any]) -> tuple[Any, str]:
    page, query = paginate(request, rows, PAGE_SIZE)
    page.object_list = list(page.object_list)
    return page, query


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# ---------------------------------------------------------------- village groups: reads


def _group_list(*, actor: Any, village: Region | None = None) -> QuerySet[VillageGroup]:
    """Groups of the villages where the actor manages groups, with their active households."""
    qs = VillageGroup.objects.filter(scope_q(actor, GROUPS, field="village"))
    if village is not None:
        qs = qs.filter(village=village)
    return (
        qs.select_related("village", "village__parent")
        .annotate(
            household_count=Count("households", filter=Q(households__status=HouseholdStatus.ACTIVE))
        )
        .order_by("village__code", "number", "name")
    )


def _group_get(*, actor: Any, pk: int) -> VillageGroup:
    group = VillageGroup.objects.select_related("village").filter(pk=pk).first()
    if group is None or not has_perm_in(actor, GROUPS, group.village):
        raise Http404("村民小组不存在")
    return group


# ---------------------------------------------------------------- village groups: forms


class GroupFilterForm(RegionChoiceForm):
    region_perm = GROUPS
    region_levels = (RegionLevel.VILLAGE,)
    region_blank = "全部村"

    region = forms.ChoiceField(label="村", required=False)


class GroupCreateForm(RegionChoiceForm):
    region_perm = GROUPS
    region_levels = (RegionLevel.VILLAGE,)

    region = forms.ChoiceField(label="村")
    name = forms.CharField(label="名称", max_length=50, help_text="例如：第一村民小组")
    number = forms.IntegerField(
        label="序号", required=False, min_value=1, max_value=999, help_text="留空则排在最后"
    )


class GroupRenameForm(forms.Form):
    name = forms.CharField(label="新名称", max_length=50)


# ---------------------------------------------------------------- village groups: views


@login_required
@require_http_methods(["GET"])
def group_list(request: HttpRequest) -> HttpResponse:
    actor = _somewhere(request, GROUPS)
    form = GroupFilterForm(request.GET or None, actor=actor)
    village = form.cleaned_data.get("region") if form.is_bound and form.is_valid() else None
    page, query = _page(request, _group_list(actor=actor, village=village))
    context = {"form": form, "page": page, "query": query}
    template = "web/groups.html"
    if _is_htmx(request):
        template += "#results"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    actor = _somewhere(request, GROUPS)
    initial = {"region": request.GET.get("village", "")}
    form = GroupCreateForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create_service(
                actor=actor,
                village=form.cleaned_data["region"],
                name=form.cleaned_data["name"],
                number=form.cleaned_data["number"] or 0,
                authorize=require,
            )
        except ApplicationError as exc:
            if exc.field == "village":  # the form calls the village field "region"
                exc.field = "region"
            add_application_error(form, exc)
        else:
            messages.success(request, f"已新建村民小组“{group.name}”")
            return redirect(f"{reverse('group_list')}?region={group.village_id}")
    return render(request, "web/groups_form.html", {"form": form, "title": "新建村民小组"})


@login_required
@require_http_methods(["GET", "POST"])
def group_rename(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _somewhere(request, GROUPS)
    group = _group_get(actor=actor, pk=pk)
    form = GroupRenameForm(request.POST or None, initial={"name": group.name})
    if request.method == "POST" and form.is_valid():
        old = group.name
        try:
            group_rename_service(
                actor=actor, group=group, name=form.cleaned_data["name"], authorize=require
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, f"已将“{old}”改名为“{group.name}”")
            return redirect(f"{reverse('group_list')}?region={group.village_id}")
    context = {"form": form, "group": group, "title": f"村民小组改名：{group.name}"}
    return render(request, "web/groups_form.html", context)


# ---------------------------------------------------------------- audit: reads


SUMMARY_LENGTH = 80


def payload_summary(payload: Any) -> str:
    """``姓名：一组；户编号：1``: top-level values only, nested ones as …, cut to 80 characters."""
    if not isinstance(payload, dict):
        return str(payload)[:SUMMARY_LENGTH]
    parts = [
        f"{PAYLOAD_LABELS.get(key, key)}：{'…' if isinstance(value, dict | list) else value}"
        for key, value in payload.items()
    ]
    text = "；".join(parts)
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def describe_events(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Attach ``action_label``, ``object_label`` and ``summary`` for the history partial."""
    out = list(events)
    for event in out:
        event.action_label = ACTION_LABELS.get(event.action, event.action)  # type: ignore[attr-defined]
        event.object_label = OBJECT_LABELS.get(event.object_type, event.object_type)  # type: ignore[attr-defined]
        event.summary = payload_summary(event.payload)  # type: ignore[attr-defined]
    return out


def _audit_events(
    *,
    actor: Any,
    region: Region | None = None,
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    who: str = "",
) -> QuerySet[AuditEvent]:
    """Events of the chains in the actor's ``core.view_audit`` scope, newest first.

    Newest first by primary key: rows are appended in order, and the key is indexed.
    """
    qs = AuditEvent.objects.filter(scope_q(actor, AUDIT, field="region"))
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    if action:
        qs = qs.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    if date_from is not None:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to is not None:
        qs = qs.filter(at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    if who:
        qs = qs.filter(Q(actor_name__icontains=who) | Q(actor__username=who))
    return qs.select_related("region").order_by("-pk")


def _audit_get(*, actor: Any, pk: int) -> AuditEvent:
    event = AuditEvent.objects.select_related("region").filter(pk=pk).first()
    if event is None or not has_perm_in(actor, AUDIT, event.region):
        raise Http404("审计事件不存在")
    return event


# ---------------------------------------------------------------- audit: forms


class AuditFilterForm(RegionChoiceForm):
    region_perm = AUDIT
    region_blank = "全部区划"

    region = forms.ChoiceField(label="区划", required=False)
    action = forms.CharField(label="动作", required=False, max_length=64)
    date_from = forms.DateField(label="起始日期", required=False)
    date_to = forms.DateField(label="截止日期", required=False)
    who = forms.CharField(label="操作人", required=False, max_length=150)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return cleaned


class AuditVerifyForm(RegionChoiceForm):
    region_perm = AUDIT

    region = forms.ChoiceField(label="区划")


# ---------------------------------------------------------------- audit: views


@login_required
@require_http_methods(["GET"])
def audit_list(request: HttpRequest) -> HttpResponse:
    actor = _somewhere(request, AUDIT)
    form = AuditFilterForm(request.GET or None, actor=actor)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    events = _audit_events(
        actor=actor,
        region=filters.get("region"),
        action=(filters.get("action") or "").strip(),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        who=(filters.get("who") or "").strip(),
    )
    page, query = _page(request, events)
    page.object_list = describe_events(page.object_list)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "actions": sorted(ACTION_LABELS.items()),
    }
    template = "web/audit_list.html"
    if _is_htmx(request):
        template += "#results"
    return render(request, template, context)


@login_required
@require_http_methods(["GET"])
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _somewhere(request, AUDIT)
    event = _audit_get(actor=actor, pk=pk)
    describe_events([event])
    neighbours = dict(
        AuditEvent.objects.filter(
            region_id=event.region_id, seq__in=[event.seq - 1, event.seq + 1]
        ).values_list("seq", "pk")
    )
    context = {
        "event": event,
        "canonical": canonical_json(event.payload),
        "pretty": json.dumps(event.payload, ensure_ascii=False, indent=2, sort_keys=True),
        "hash_ok": event_hash(event.prev_hash, event) == event.hash,
        "prev_pk": neighbours.get(event.seq - 1),
        "next_pk": neighbours.get(event.seq + 1),
    }
    return render(request, "web/audit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def audit_verify_page(request: HttpRequest) -> HttpResponse:
    """Recompute the chains under one region the user may audit; show 完整 or the first break."""
    actor = _somewhere(request, AUDIT)
    form = AuditVerifyForm(request.POST or None, actor=actor)
    result: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        region: Region = form.cleaned_data["region"]
        checked, broken = audit_verify(prefix=region.prefix)
        result = {"region": region, "checked": checked, "broken": broken}
        if broken is not None:
            result["broken_region"] = Region.objects.filter(code=broken.region).first()
    return render(request, "web/audit_verify.html", {"form": form, "result": result})
