"""The front page of 乡村治理: one card per part the user may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from cunwu.accounts.pages import need
from cunwu.accounts.permissions import scope_prefixes

# (title, what it holds, url name, permission)
PARTS: list[tuple[str, str, str, str]] = [
    ("屋场恳谈会", "按村民小组召开的恳谈会、参会人、纪要和意见的办理", "village:meeting_list",
     "village.view"),
    ("村规民约与公约", "村规民约、乡风文明公约、清廉公约的版本、表决和签订",
     "village:rule_list",
     "village.view"),
    ("卫生协会", "“五定”值守、卫生督查评分与奖惩、垃圾“户分类、组收集、村集中、乡转运”",
     "village:sanitation", "village.view"),
    ("文明户评选", "文明户、最美家庭、星级户的提名、评议、公示和表彰", "village:selection_list",
     "village.view"),
    ("关爱特殊群体", "留守儿童、留守妇女、留守老人、残疾人、孤儿的关爱和走访",
     "village:care_list",
     "village.care"),
    ("乡村车间", "车间登记、认定、用工、月度人数工资、年度考核和统计", "village:workshop_list",
     "village.view"),
    ("公益性岗位", "岗位、在岗人员、报酬和考勤", "village:job_list", "village.view"),
    ("技能培训", "培训班次、参训人员、证书、就业去向和劳务输出", "village:training_list",
     "village.view"),
]  # fmt: skip


@login_required
def index(request: HttpRequest) -> HttpResponse:
    need(request.user, "village.view")
    parts = []
    for title, text, name, perm in PARTS:
        if scope_prefixes(request.user, perm) == []:
            continue
        parts.append({"title": title, "text": text, "url": reverse(name)})
    return render(request, "village/index.html", {"parts": parts})
