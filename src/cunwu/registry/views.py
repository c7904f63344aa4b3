"""Registry pages: the household list and detail, and the forms that change households.

Views are thin: they read through ``selectors``, write through ``services``, and turn an
``ApplicationError`` into a form error (status 200, nothing changed). Objects outside the
user's scope are 404 (the selectors raise it); lacking ``registry.edit`` inside scope is 403.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, require, scope_prefixes
from cunwu.core.audit_labels import ACTION_LABELS, PAYLOAD_LABELS
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date, format_fen

from . import selectors, services
from .forms import (
    HeadChangeForm,
    HouseholdCreateForm,
    HouseholdFilterForm,
    HouseholdMergeForm,
    HouseholdSplitForm,
    HouseholdUpdateForm,
    IncomeForm,
    PersonAddForm,
    PersonLeaveForm,
    PersonTransferForm,
    PersonUpdateForm,
    relation_field_name,
)
from .models import Household, HouseholdStatus, IncomeCategory, LifeEventKind, Person, PersonStatus

PAGE_SIZE = 50
GET_POST = ["GET", "POST"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STATUS_LABELS = {**dict(PersonStatus.choices), **dict(HouseholdStatus.choices)}


def _describe(value: Any) -> str:
    """A payload value as a short Chinese phrase (dicts nest as 键：值, lists join with 、)."""
    if isinstance(value, dict):
        return "；".join(
            f"{PAYLOAD_LABELS.get(k, k)}：{_describe(v)}"
            for k, v in value.items()
            if v not in ("", None)
        )
    if isinstance(value, list):
        return "、".join(_describe(v) for v in value)
    if isinstance(value, str):
        if value in IncomeCategory.values:
            return str(IncomeCategory(value).label)
        if value.startswith("|") and value.endswith("|"):
            return "、".join(t for t in value.split("|") if t)
        if _ISO_DATE.fullmatch(value):
            return format_date(date.fromisoformat(value))
        return str(_STATUS_LABELS.get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def _field_order(name: str) -> int:
    fields = services.AUDITED_PERSON_FIELDS
    return fields.index(name) if name in fields else len(fields)


def describe_event(action: str, payload: dict[str, Any]) -> str:
    """What an audit event of the registry says, for people: changes as 原值 → 新值."""
    if action == "registry.income_set":
        before = payload.get("before")
        amount = f"{format_fen(payload.get('after'))}元"
        if before is not None:
            amount = f"{format_fen(before)}元 → {amount}"
        return f"{payload.get('year')}年{_describe(payload.get('category', ''))}：{amount}"
    before, after = payload.get("before"), payload.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        changes = [
            f"{PAYLOAD_LABELS.get(k, k)}：{_describe(before.get(k)) or '—'} → "
            f"{_describe(after.get(k)) or '—'}"
            for k in after
            if before.get(k) != after.get(k)
        ]
        changed = payload.get("changed")
        if isinstance(changed, dict):  # person updates list every changed field
            changes = [
                f"{PAYLOAD_LABELS.get(k, k)}："
                + (
                    f"{_describe(v[0]) or '—'} → {_describe(v[1]) or '—'}"
                    if isinstance(v, list)
                    else str(v)
                )
                # in a fixed order: PostgreSQL's jsonb does not keep the keys' order
                for k, v in sorted(changed.items(), key=lambda kv: _field_order(kv[0]))
            ]
        rest = {k: v for k, v in payload.items() if k not in ("before", "after", "changed")}
        if not changes:  # the change lay in fields the audit payload does not carry
            changes = [f"{_describe(after.get('name', ''))}的其他信息已修改"]
        return "；".join([*changes, _describe(rest)] if rest else changes)
    return _describe(payload)


# ---------------------------------------------------------------- helpers


def _household_for_edit(request: HttpRequest, pk: int) -> Household:
    """The household (404 outside view scope), or 403 without ``registry.edit`` in its village."""
    household = selectors.household_get(actor=request.user, pk=pk)
    require(request.user, "registry.edit", household.village)
    return household


def _person_for_edit(request: HttpRequest, pk: int) -> Person:
    person = selectors.person_get(actor=request.user, pk=pk)
    require(request.user, "registry.edit", person.household.village)
    return person


def _detail(household: Household) -> HttpResponseRedirect:
    return redirect("registry:household_detail", pk=household.pk)


def _form_page(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    household: Household | None,
    title: str,
    submit: str = "保存",
    person: Person | None = None,
    template: str = "registry/form.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "household": household,
        "person": person,
        "title": title,
        "submit": submit,
        **(extra or {}),
    }
    return render(request, template, context)


# ---------------------------------------------------------------- list


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    """Households in scope, searchable by 户编号, a member's name or the last digits of an ID."""
    user = request.user
    if scope_prefixes(user, "registry.view") == []:
        raise PermissionDenied("没有权限查看户籍信息")
    villages = list(selectors.villages_with_households(actor=user))
    region = request.GET.get("region", "")
    if region and region not in {v.code for v in villages}:
        villages += list(selectors.villages_in_scope(actor=user).filter(code=region))
    groups = list(selectors.village_groups(actor=user, village=region)) if region else []
    filters = HouseholdFilterForm(request.GET, villages=villages, groups=groups)
    status = filters.value("status", HouseholdStatus.ACTIVE)
    rows = selectors.household_table(
        actor=user,
        q=filters.value("q"),
        region=filters.value("region"),
        group=filters.value("group", None),
        tag=filters.value("tag"),
        status="" if status == "all" else status,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    edit_villages = scope_prefixes(user, "registry.edit") != []
    context = {
        "filters": filters,
        "page": page,
        "can_create": edit_villages,
        "can_import": edit_villages,
        "can_export": scope_prefixes(user, "registry.export") != [],
        "querystring": request.GET.urlencode(),
        # the export takes a whole village (or the whole scope), not the other filters
        "export_region": filters.value("region"),
    }
    template = "registry/household_list.html"
    is_htmx = request.headers.get("HX-Request") == "true"
    if is_htmx and not request.headers.get("HX-History-Restore-Request"):
        target = request.headers.get("HX-Target", "")
        if target == "household-results":
            template += "#results"
        elif target == "household-search":
            template += "#search"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def group_options(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of one village's groups, for the village select of the create form."""
    groups = selectors.village_groups(actor=request.user, village=request.GET.get("village", ""))
    return render(request, "registry/household_form.html#group-options", {"groups": groups})


# ---------------------------------------------------------------- detail


def _detail_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    user = request.user
    members = list(selectors.household_members(household))
    active = [m for m in members if m.status == PersonStatus.ACTIVE]
    village = household.village_id
    events = list(
        selectors.household_audit_history(actor=user, household=household, persons=members)
    )
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)  # type: ignore[attr-defined]
        event.summary = describe_event(event.action, event.payload)  # type: ignore[attr-defined]
    return {
        "household": household,
        "members": members,
        "active_count": len(active),
        "incomes": selectors.household_incomes(household=household, members=len(active)),
        "income_columns": selectors.INCOME_COLUMNS,
        "life_events": selectors.household_life_events(household=household),
        "audit_events": events,
        "can_view_audit": has_perm_in(user, "core.view_audit", village),
        "can_edit": has_perm_in(user, "registry.edit", village)
        and household.status == HouseholdStatus.ACTIVE,
        "can_reveal": has_perm_in(user, "registry.view_full_id", village),
    }


@login_required
@require_GET
def own_household(request: HttpRequest) -> HttpResponse:
    """我家: a villager sees their own household (members with masked numbers, incomes, life
    events) without any staff permission; an account not linked to a person is told so."""
    household = selectors.own_household(request.user)
    if household is None:
        return render(request, "registry/own_household.html", {"household": None}, status=404)
    members = list(selectors.household_members(household, include_inactive=False))
    context = {
        "household": household,
        "members": members,
        "incomes": selectors.household_incomes(household=household, members=len(members)),
        "income_columns": selectors.INCOME_COLUMNS,
        "life_events": selectors.household_life_events(household=household)[:50],
    }
    return render(request, "registry/own_household.html", context)


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(actor=request.user, pk=pk)
    return render(request, "registry/household_detail.html", _detail_context(request, household))


@never_cache
@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """显示完整号码: the full ID number and phone of one member, audited on every use."""
    person = selectors.person_get(actor=request.user, pk=pk)
    id_number, phone = services.person_reveal(actor=request.user, person=person)
    village = person.household.village_id
    if request.headers.get("HX-Request") == "true":
        _mark_revealed(person, id_number, phone)
        row: dict[str, Any] = {
            "m": person,
            "can_reveal": True,
            "can_edit": has_perm_in(request.user, "registry.edit", village)
            and person.household.status == HouseholdStatus.ACTIVE,
        }
        return render(request, "registry/household_detail.html#member-row", row)
    # without JS: the detail page again with this one member in full (never put in a URL)
    context = _detail_context(request, person.household)
    for member in context["members"]:
        if member.pk == person.pk:
            _mark_revealed(member, id_number, phone)
    return render(request, "registry/household_detail.html", context)


def _mark_revealed(person: Person, id_number: str, phone: str) -> None:
    person.revealed = True  # type: ignore[attr-defined]
    person.full_id = id_number  # type: ignore[attr-defined]
    person.full_phone = phone  # type: ignore[attr-defined]


# ---------------------------------------------------------------- households


@login_required
@require_http_methods(GET_POST)
def household_create(request: HttpRequest) -> HttpResponse:
    villages = selectors.villages_in_scope(actor=request.user, perm="registry.edit")
    if not villages.exists():
        raise PermissionDenied("没有权限新建户")
    form = HouseholdCreateForm(request.POST or None, villages=villages)
    form.fields["village"].widget.attrs.update(
        {
            "hx-get": reverse("registry:group_options"),
            "hx-target": "#id_group",
            "hx-trigger": "change",
        }
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            household = services.household_create(
                actor=request.user,
                village=d["village"],
                number=d["number"],
                group=d["group"],
                address=d["address"],
                tags=d["tags"],
                head=form.person_data(relation="户主"),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已新建户{household.number}")
            return _detail(household)
    return _form_page(
        request,
        form=form,
        household=None,
        title="新建户",
        submit="新建",
        template="registry/household_form.html",
    )


@login_required
@require_http_methods(GET_POST)
def household_update(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    form = HouseholdUpdateForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.household_update(
                actor=request.user,
                household=household,
                group=d["group"],
                address=d["address"],
                tags=d["tags"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "户信息已保存")
            return _detail(household)
    return _form_page(request, form=form, household=household, title="修改户信息")


@login_required
@require_http_methods(GET_POST)
def head_change(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    form = HeadChangeForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.head_change(
                actor=request.user,
                household=household,
                new_head=d["new_head"],
                old_head_relation=d["old_head_relation"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"户主已变更为{d['new_head'].name}")
            return _detail(household)
    return _form_page(request, form=form, household=household, title="变更户主")


@login_required
@require_http_methods(GET_POST)
def household_split(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    form = HouseholdSplitForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new = services.household_split(
                actor=request.user,
                household=household,
                members=form.chosen(),
                new_head=form.head(),
                relations=form.relations(),
                number=d["number"],
                when=d["date"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已从户{household.number}分出新户{new.number}")
            return _detail(new)
    return _form_page(request, form=form, household=household, title="分户", submit="分户")


@login_required
@require_http_methods(GET_POST)
def household_merge(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    villages = selectors.villages_in_scope(actor=request.user, perm="registry.edit")
    form = HouseholdMergeForm(request.POST or None, household=household, villages=villages)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            target = selectors.household_find(
                actor=request.user,
                village=d["village"].pk,
                number=d["number"],
                perm="registry.edit",
            )
            services.household_merge(
                actor=request.user,
                source=household,
                target=target,
                relations=form.relations(),
                when=d["date"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"户{household.number}已并入户{target.number}")
            return _detail(target)
    return _form_page(
        request,
        form=form,
        household=household,
        title=f"户{household.number}并入其他户",
        submit="合户",
        extra={"relation_fields": [relation_field_name(m) for m in form.members]},
    )


@login_required
@require_http_methods(GET_POST)
def income_set(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    form = IncomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = services.income_set(
                actor=request.user,
                household=household,
                year=d["year"],
                category=d["category"],
                amount_fen=d["amount"],
                note=d["note"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记{record.year}年{record.get_category_display()}")
            return _detail(household)
    return _form_page(request, form=form, household=household, title="登记收入")


# ---------------------------------------------------------------- persons


@login_required
@require_http_methods(GET_POST)
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    form = PersonAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = services.person_add(
                actor=request.user,
                household=household,
                data=form.person_data(),
                kind=d["kind"],
                when=d["date"],
                note=d["note"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已添加成员{person.name}")
            return _detail(household)
    return _form_page(request, form=form, household=household, title="添加成员", submit="添加")


@login_required
@require_http_methods(GET_POST)
def person_update(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_edit(request, pk)
    form = PersonUpdateForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user,
                person=person,
                data=form.person_data(),
                clear_phone=bool(form.cleaned_data.get("clear_phone")),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{person.name}的信息已保存")
            return _detail(person.household)
    return _form_page(
        request,
        form=form,
        household=person.household,
        person=person,
        title=f"修改成员信息：{person.name}",
    )


@login_required
@require_http_methods(GET_POST)
def person_leave(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_edit(request, pk)
    form = PersonLeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.person_leave(
                actor=request.user, person=person, kind=d["kind"], when=d["date"], note=d["note"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            kind = LifeEventKind(d["kind"]).label
            note = "；该户已无在册成员，已注销" if _dissolved(person.household) else ""
            messages.success(request, f"已登记{person.name}{kind}{note}")
            return _detail(person.household)
    return _form_page(
        request,
        form=form,
        household=person.household,
        person=person,
        title=f"成员减少：{person.name}",
        submit="登记",
    )


def _dissolved(household: Household) -> bool:
    household.refresh_from_db(fields=["status"])
    return household.status == HouseholdStatus.DISSOLVED


@login_required
@require_http_methods(GET_POST)
def person_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_edit(request, pk)
    source = person.household
    villages = selectors.villages_in_scope(actor=request.user, perm="registry.edit")
    form = PersonTransferForm(request.POST or None, villages=villages, current=source.village)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            target = selectors.household_find(
                actor=request.user,
                village=d["village"].pk,
                number=d["number"],
                perm="registry.edit",
            )
            services.person_transfer(
                actor=request.user,
                person=person,
                to_household=target,
                relation=d["relation"],
                when=d["date"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{person.name}已从户{source.number}转入户{target.number}")
            return _detail(target)
    return _form_page(
        request,
        form=form,
        household=source,
        person=person,
        title=f"转户：{person.name}",
        submit="转户",
    )
