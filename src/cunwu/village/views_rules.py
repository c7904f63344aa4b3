"""Pages of 村规民约与公约: the rules of a village by kind with their current versions, a rule's
versions, drafting (text and the clause links to 积分事项), adoption, the paper tick list, the
villager's phone confirmation, the coverage (page and xlsx) and the printable poster."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in, regions_in_scope
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate
from cunwu.core.spreadsheets import xlsx_response
from cunwu.registry.models import Household
from cunwu.registry.selectors import own_household

from .forms_rules import (
    AckPaperForm,
    AdoptForm,
    ClauseLinkForm,
    FileForm,
    RuleCreateForm,
    RuleVersionForm,
)
from .models_rules import Acknowledgement, Rule, RuleClause, RuleVersion, RuleVersionStatus
from .selectors import rules as selectors
from .services import rules as services

VIEW = "village.view"
MANAGE = "village.manage"
ACKNOWLEDGE = "village.acknowledge"


def _version_for_manager(request: HttpRequest, pk: int, message: str) -> RuleVersion:
    need(request.user, MANAGE, message)
    return selectors.version_get(user=request.user, pk=pk, perm=MANAGE)


def _link_items(version: RuleVersion) -> list[tuple[int, str]]:
    """积分事项 a clause may link to: those of the effective points rulebooks of the village and
    of the templates above it."""
    from cunwu.points.models import RuleItem

    chain = services._village_chain(version.village)
    items = (
        RuleItem.objects.filter(version__rulebook__region_id__in=chain, version__status="effective")
        .select_related("version__rulebook")
        .order_by("version__rulebook__region_id", "code", "pk")
    )
    return [
        (i.pk, f"{i.version.rulebook.name} {i.code} {i.name}（{i.points:+d}分）") for i in items
    ]


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rules in scope by village and kind with their current version; search, village."""
    need(request.user, VIEW)
    params = get_params(request, "q", "village", strip=True)
    qs = selectors.rules(user=request.user, q=params["q"], village=params["village"])
    page, query = paginate(request, qs, 30)
    context = {
        "page": page, "params": params, "query": query,
        "villages": regions_in_scope(request.user, VIEW, level=5)[:200],
        "manage_villages": regions_in_scope(request.user, MANAGE, level=5)[:50],
    }  # fmt: skip
    return render(request, "village/rules/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    need(request.user, MANAGE, "没有权限制定村规民约")
    villages = list(regions_in_scope(request.user, MANAGE, level=5)[:50])
    code = request.GET.get("village") or (villages[0].code if len(villages) == 1 else "")
    village = next((v for v in villages if v.code == code), None)
    if village is None:
        raise Http404
    form = RuleCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(
                actor=request.user, village=village, kind=form.cleaned_data["kind"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("village:rule_detail", rule.pk)
    back = reverse("village:rule_list")
    return form_page(request, form, f"制定村规民约或公约（{village.name}）", back)


@login_required
@require_GET
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, VIEW)
    rule = selectors.rule_get(user=request.user, pk=pk)
    versions = list(selectors.versions(rule=rule))
    context = {
        "rule": rule, "versions": versions,
        "current": next((v for v in versions if v.status == RuleVersionStatus.ADOPTED), None),
        "draft": next((v for v in versions if v.status == RuleVersionStatus.DRAFT), None),
        "can_manage": has_perm_in(request.user, MANAGE, rule.village_id),
    }  # fmt: skip
    return render(request, "village/rules/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_version_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft, copied from the current version (or empty for the first)."""
    need(request.user, MANAGE, "没有权限起草")
    rule = selectors.rule_get(user=request.user, pk=pk, perm=MANAGE)
    error = ""
    if request.method == "POST":
        try:
            version = services.rule_version_create(actor=request.user, rule=rule)
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("village:rule_version_edit", version.pk)
    current = selectors.current_of(rule)
    context = {"rule": rule, "current": current, "error": error}
    return render(request, "village/rules/version_new.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's text (one clause per line) and, separately, a clause's 积分事项."""
    version = _version_for_manager(request, pk, "没有权限修改草稿")
    if not version.is_draft:
        messages.error(request, f"第{version.number}版{version.get_status_display()}，不能再修改")
        return redirect("village:rule_version_detail", version.pk)
    clauses = list(selectors.clauses(version))
    text_data = request.POST if request.POST.get("action") == "text" else None
    link_data = request.POST if request.POST.get("action") == "link" else None
    form = RuleVersionForm(text_data, initial={
        "title": version.title, "preamble": version.preamble,
        "clauses": "\n".join(c.text for c in clauses),
    })  # fmt: skip
    link_form = ClauseLinkForm(
        link_data, prefix="link", clauses=[(c.pk, f"第{c.order}条 {c.text[:30]}") for c in clauses],
        items=_link_items(version),
    )  # fmt: skip
    if text_data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            services.rule_version_update(
                actor=request.user, version=version, title=d["title"], preamble=d["preamble"],
                clauses=services.parse_clauses(d["clauses"]),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "草稿已保存")
            return redirect("village:rule_version_edit", version.pk)
    if link_data is not None and link_form.is_valid():
        from cunwu.points.models import RuleItem

        clause = RuleClause.objects.get(pk=link_form.cleaned_data["clause"], version=version)
        item_pk = link_form.cleaned_data["item"]
        item = RuleItem.objects.select_related("version__rulebook").get(pk=item_pk) if item_pk \
            else None  # fmt: skip
        try:
            services.rule_clause_link(actor=request.user, clause=clause, item=item)
        except ApplicationError as exc:
            apply_error(link_form, exc)
        else:
            messages.success(request, f"第{clause.order}条的积分事项已保存")
            return redirect("village:rule_version_edit", version.pk)
    context = {"version": version, "form": form, "link_form": link_form, "clauses": clauses}
    return render(request, "village/rules/edit.html", context)


@login_required
@require_GET
def rule_version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, VIEW)
    version = selectors.version_get(user=request.user, pk=pk)
    adopted = version.status == RuleVersionStatus.ADOPTED
    context = {
        "version": version, "rule": version.rule, "clauses": selectors.clauses(version),
        "report": selectors.clause_report(version) if not version.is_draft else [],
        "coverage": selectors.coverage(version) if not version.is_draft else None,
        "can_manage": has_perm_in(request.user, MANAGE, version.village_id),
        "adopted": adopted,
    }  # fmt: skip
    return render(request, "village/rules/version.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_version_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the resolution (meeting, votes, 备案) adopting a draft; it is then published."""
    version = _version_for_manager(request, pk, "没有权限登记表决结果")
    back = reverse("village:rule_version_detail", args=[version.pk])
    if not version.is_draft:
        raise Http404
    township = services.township_name(version.village)
    form = AdoptForm(request.POST or None, initial={
        "meeting_kind": services.ASSEMBLY, "filed_with": f"{township}人民政府" if township else "",
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.rule_version_adopt(
                actor=request.user, version=version, meeting_kind=d["meeting_kind"],
                meeting_on=d["meeting_on"], members=d["members"], present=d["present"],
                votes_for=d["votes_for"], votes_against=d["votes_against"] or 0,
                filed_on=d["filed_on"], filed_with=d["filed_with"],
            )  # fmt: skip
        except (ApplicationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc))
            else:
                apply_error(form, exc)
        else:
            messages.success(request, "已登记表决结果并公布")
            return redirect("village:rule_version_detail", version.pk)
    intro = (
        "村规民约须经村民会议讨论通过（本村过半数的成年村民参加，到会人员过半数同意），"
        "不能由村民代表会议决定，并报乡镇备案；乡风文明公约、清廉公约也可由村民代表会议"
        "（三分之二以上组成人员参加，到会人员过半数同意）通过。"
    )
    return form_page(request, form, f"登记表决结果：{version}", back, intro)


@login_required
@require_http_methods(["GET", "POST"])
def rule_version_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the 备案 of an adopted 村规民约 that was filed after adoption."""
    version = _version_for_manager(request, pk, "没有权限登记备案")
    back = reverse("village:rule_version_detail", args=[version.pk])
    township = services.township_name(version.village)
    form = FileForm(request.POST or None, initial={
        "filed_with": version.filed_with or (f"{township}人民政府" if township else ""),
        "filed_on": timezone.localdate(),
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_version_file(actor=request.user, version=version, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect(back)
    return form_page(request, form, f"登记备案：{version}", back)


@login_required
@require_http_methods(["GET", "POST"])
def rule_ack_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """The paper tick list: the households of a villagers' group (all when none is chosen)
    that have not yet acknowledged; tick those who signed the paper copy."""
    version = _version_for_manager(request, pk, "没有权限登记签订")
    if version.status != RuleVersionStatus.ADOPTED:
        raise Http404
    cov = selectors.coverage(version)
    group = request.GET.get("group", "")[:50]
    groups = [g.name for g in cov.groups]
    shown = [g for g in cov.groups if not group or g.name == group]
    missing: list[Household] = [h for g in shown for h in g.missing]
    choices = [(h.pk, h.number) for h in missing]
    form = AckPaperForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["households"])
        try:
            made = services.acknowledgements_paper(
                actor=request.user, version=version, households=[h for h in missing
                                                                 if h.pk in chosen],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记{len(made)}户纸质签字")
            return redirect(f"{request.path}?group={group}" if group else request.path)
    heads = _heads(missing)
    context = {
        "version": version, "form": form, "groups": groups, "group": group,
        "rows": [(h, heads.get(h.pk, "")) for h in missing], "coverage": cov,
        "checked": set(request.POST.getlist("households")),
    }  # fmt: skip
    return render(request, "village/rules/ack_paper.html", context)


def _heads(households: list[Household]) -> dict[int, str]:
    from cunwu.registry.models import Person, PersonStatus

    rows = Person.objects.filter(
        household__in=households, relation="户主", status=PersonStatus.ACTIVE
    ).values_list("household_id", "name")
    return dict(rows)


@login_required
@require_http_methods(["GET", "POST"])
def rule_ack_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """A villager reads the adopted text on a phone and confirms it for the own household."""
    household = own_household(request.user)
    if household is None or not has_perm_in(request.user, ACKNOWLEDGE, household.village_id):
        raise PermissionDenied("只有登记在本村户籍中的村民可以为自家确认")
    version = (
        RuleVersion.objects.filter(pk=pk, village_id=household.village_id)
        .select_related("rule", "village")
        .first()
    )
    if version is None or version.status != RuleVersionStatus.ADOPTED:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.acknowledgement_confirm(actor=request.user, version=version)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, f"已确认：您家承诺遵守{version.rule.get_kind_display()}")
            return redirect("village:rule_ack_confirm", version.pk)
    context = {
        "version": version, "clauses": selectors.clauses(version), "household": household,
        "ack": selectors.own_acknowledgement(version, household), "error": error,
    }  # fmt: skip
    return render(request, "village/rules/confirm.html", context)


@login_required
@require_GET
def rule_mine(request: HttpRequest) -> HttpResponse:
    """The villager's page: the current rules of the own village and whether the household has
    confirmed each."""
    household = own_household(request.user)
    if household is None or not has_perm_in(request.user, ACKNOWLEDGE, household.village_id):
        raise PermissionDenied("只有登记在本村户籍中的村民可以为自家确认")
    current = list(
        RuleVersion.objects.filter(
            village_id=household.village_id, status=RuleVersionStatus.ADOPTED
        ).select_related("rule").order_by("rule__kind")
    )  # fmt: skip
    done = set(
        Acknowledgement.objects.filter(household=household, version__in=current).values_list(
            "version_id", flat=True
        )
    )
    rows = [(v, v.pk in done) for v in current]
    return render(request, "village/rules/mine.html", {"rows": rows, "household": household})


@login_required
@require_GET
def rule_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """Households acknowledged ÷ households of the village, per group, with those missing;
    ``?format=xlsx`` exports it."""
    need(request.user, VIEW)
    version = selectors.version_get(user=request.user, pk=pk)
    if version.is_draft:
        raise Http404
    cov = selectors.coverage(version)
    if request.GET.get("format") == "xlsx":
        summary: list[list[Any]] = [[g.name, g.total, g.acknowledged, g.total - g.acknowledged,
                                     g.percent] for g in cov.groups]  # fmt: skip
        summary.append(["合计", cov.total, cov.acknowledged, cov.total - cov.acknowledged,
                        cov.percent])  # fmt: skip
        heads = _heads(cov.missing)
        missing = [[g.name, h.number, heads.get(h.pk, ""), h.address]
                   for g in cov.groups for h in g.missing]  # fmt: skip
        title = f"{version.village.name}{version.rule.get_kind_display()}签订情况"
        return xlsx_response(title, [
            ("按村民小组", ["村民小组", "户数", "已签订", "未签订", "签订率"], summary),
            ("未签订户", ["村民小组", "户编号", "户主", "住址"], missing),
        ])  # fmt: skip
    context = {"version": version, "coverage": cov, "heads": _heads(cov.missing),
               "can_manage": has_perm_in(request.user, MANAGE, version.village_id)}  # fmt: skip
    return render(request, "village/rules/coverage.html", context)


@login_required
@require_GET
def rule_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable poster of the rule's current (adopted) text."""
    need(request.user, VIEW)
    rule: Rule = selectors.rule_get(user=request.user, pk=pk)
    version = selectors.current_of(rule)
    if version is None:
        raise Http404
    context = {"rule": rule, "version": version, "clauses": selectors.clauses(version),
               "meeting": services.MEETING_KINDS.get(version.meeting_kind, "")}  # fmt: skip
    return render(request, "village/rules/poster.html", context)
