"""Public pages of 防返贫监测 (no log-in, rate limited): a household's own application (农户自主
申报, also opened from the village's QR poster), following a case by its code (kind, stage,
dates, outcome and the reason of a rejection, never personal data), the printable poster."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.models import Region, RegionLevel
from cunwu.core.ratelimit import rate_limit
from cunwu.disclosure.render import qr_data_uri

from .forms_cases import ApplyForm, LookupForm
from .selectors import cases as selectors
from .services import cases as services

MAX_VILLAGES = 5_000


def _villages(code: str) -> list[tuple[str, str]]:
    qs = Region.objects.filter(level=RegionLevel.VILLAGE, retired=False).order_by("code")
    if code:
        one = qs.filter(code=code[:12]).first()
        if one is not None:
            return [(one.code, one.name)]
    return [(r.code, r.name) for r in qs[:MAX_VILLAGES]]


@require_http_methods(["GET", "POST"])
@rate_limit("monitoring_apply", 10, 3600, methods=("POST",))
def apply(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("village", "")[:12]
    form = ApplyForm(request.POST or None, villages=_villages(code), initial={"village": code})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_apply_public(
                village_code=d["village"], name=d["name"], id_number=d["id_number"],
                phone=d["phone"], risk_types=d["risk_types"], description=d["description"],
                commitment_signed=d["commitment_signed"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return render(request, "monitoring/public/applied.html", {"case": case})
    return render(request, "monitoring/public/apply.html", {"form": form})


@require_http_methods(["GET", "POST"])
@rate_limit("monitoring_track", 30, 600)
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        return redirect("monitoring_public:case", code if code.isalnum() else "0")
    return render(request, "monitoring/public/lookup.html", {"form": form})


@require_GET
@rate_limit("monitoring_track", 30, 600)
def case(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.public_case(code)
    context = {"case": found, "steps": selectors.public_steps(found)}
    return render(request, "monitoring/public/case.html", context)


@require_GET
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """The printable QR poster of a village, linking to the application form."""
    village = get_object_or_404(Region, code=code, level=RegionLevel.VILLAGE, retired=False)
    origin = str(getattr(settings, "CUNWU_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    url = f"{origin}{reverse('monitoring_public:apply')}?village={village.code}"
    context = {"village": village, "url": url, "qr": qr_data_uri(url)}
    return render(request, "monitoring/public/poster.html", context)
