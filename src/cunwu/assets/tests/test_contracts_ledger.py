"""The problem ledger's extension: the system files problems, closure by the role that raised
it, every progress report kept, counts per village and township exact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.disclosure.models_feedback import Problem, ProblemCategory, ProblemNote, ProblemStatus
from cunwu.disclosure.selectors_feedback import problem_stats
from cunwu.disclosure.services_feedback import problem_close, problem_create, problem_start


def file(actor: Any, village: Region, **kw: Any) -> Problem:
    args = {"source_type": "test", "source_id": "1", "description": "账目不清",
            "responsible": "村委会", "due_date": localdate() + timedelta(days=10)}  # fmt: skip
    args.update(kw)
    return problem_create(actor=actor, village=village, **args)


def test_system_files_without_permission_users_still_need_it(
    jiulong: Region, persona: Callable[[str], User]
) -> None:
    p = file(None, jiulong, category=ProblemCategory.CONTRACT, evidence_found="合同未公开")
    assert (p.raised_role, p.created_by, p.category) == ("system", None, "contract")
    assert p.evidence_found == "合同未公开"
    with pytest.raises(PermissionDenied):
        file(persona("九龙村村干部"), jiulong)
    with pytest.raises(ApplicationError):
        file(None, jiulong, category="nonsense")
    assert Problem.objects.count() == 1


def test_closure_by_the_raising_role(jiulong: Region, persona: Callable[[str], User]) -> None:
    town, committee = persona("开云镇干部"), persona("九龙村监委会委员")
    discipline = persona("开云镇纪检委员")
    by_town = file(town, jiulong)
    assert by_town.raised_role == "township_staff"
    with pytest.raises(ApplicationError, match="该问题由乡镇干部提出，须由乡镇干部销号"):
        problem_close(actor=committee, problem=by_town, evidence="已整改")
    by_town.refresh_from_db()
    assert by_town.status == ProblemStatus.OPEN and by_town.closed_at is None
    problem_close(actor=town, problem=by_town, evidence="已整改")
    by_committee = file(committee, jiulong)
    assert by_committee.raised_role == "supervisor"
    with pytest.raises(ApplicationError, match="村务监督委员"):
        problem_close(actor=town, problem=by_committee, evidence="已整改")
    by_system = file(None, jiulong)
    with pytest.raises(ApplicationError, match="乡镇干部或村务监督委员会"):
        problem_close(actor=discipline, problem=by_system, evidence="已整改")
    problem_close(actor=committee, problem=by_system, evidence="已整改")
    by_system2 = file(None, jiulong, source_id="2")
    problem_close(actor=town, problem=by_system2, evidence="已整改")
    assert Problem.objects.filter(status=ProblemStatus.CLOSED).count() == 3


def test_progress_notes_kept(jiulong: Region, persona: Callable[[str], User]) -> None:
    p = file(None, jiulong)
    cadre = persona("九龙村村干部")
    problem_start(actor=cadre, problem=p, progress="已召开会议")
    problem_start(actor=cadre, problem=p, progress="已补签合同")
    p.refresh_from_db()
    assert p.progress == "已补签合同" and p.status == ProblemStatus.RECTIFYING
    assert list(ProblemNote.objects.filter(problem=p).values_list("text", flat=True)) == [
        "已召开会议", "已补签合同"]  # fmt: skip


def test_counts_per_village_and_township(
    jiulong: Region, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    bali = Region.objects.get(code="430423100227")
    town = persona("开云镇干部")
    cadre = persona("九龙村村干部")
    a = file(None, jiulong)  # open
    b = file(None, jiulong, source_id="2")  # rectifying
    problem_start(actor=cadre, problem=b, progress="整改中")
    file(None, jiulong, source_id="3")  # open, will be overdue
    Problem.objects.filter(pk=a.pk).update(due_date=localdate() - timedelta(days=1))
    c = file(None, bali)  # closed on time
    problem_close(actor=town, problem=c, evidence="已整改")
    d = file(None, bali, source_id="5")  # closed late
    problem_close(actor=town, problem=d, evidence="已整改")
    Problem.objects.filter(pk=d.pk).update(due_date=localdate() - timedelta(days=3))
    villages, townships = problem_stats(actor=town, today=localdate())
    got = {v.region.code: (v.open, v.rectifying, v.overdue, v.closed_on_time, v.closed_late)
           for v in villages}  # fmt: skip
    assert got == {"430423100224": (2, 1, 1, 0, 0), "430423100227": (0, 0, 0, 1, 1)}
    assert [(t.region.code, t.open, t.rectifying, t.overdue, t.closed_on_time, t.closed_late,
             t.total) for t in townships] == [("430423100000", 2, 1, 1, 1, 1, 5)]  # fmt: skip
    mine, _ = problem_stats(actor=persona("九龙村监委会委员"), today=localdate())
    assert [v.region.code for v in mine] == ["430423100224"]
    assert problem_stats(actor=persona("另一村的村干部"), today=localdate()) == ([], [])


def test_stats_page_and_api(
    client: Any, jiulong: Region, persona: Callable[[str], User], api_as: Any
) -> None:
    file(None, jiulong)
    client.force_login(persona("开云镇干部"))
    response = client.get("/disclosure/problems/stats/")
    assert response.status_code == 200
    assert "按乡镇" in response.content.decode()
    assert client.get("/disclosure/problems/stats/?format=xlsx").status_code == 200
    body = api_as("衡山县管理员").get("/problems/stats").json()
    assert body["townships"][0]["open"] == 1 and body["villages"][0]["region"] == jiulong.code
