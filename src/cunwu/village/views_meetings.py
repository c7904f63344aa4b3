"""Pages of 屋场恳谈会."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cunwu.accounts.pages import need

from .selectors.meetings import meeting_search


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "village.view")
    q = request.GET.get("q", "")
    page = Paginator(meeting_search(actor=request.user, q=q), 30).get_page(request.GET.get("page"))
    return render(request, "village/meetings/list.html", {"page": page, "q": q})
