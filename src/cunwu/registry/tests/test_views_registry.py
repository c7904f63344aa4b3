"""Registry pages: who sees what, forms that change nothing on bad input, bounded queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.registry.models import (
    Household,
    HouseholdStatus,
    IncomeRecord,
    LifeEvent,
    Person,
    PersonStatus,
)
from cunwu.registry.services import PersonData, person_add, person_id_number, person_update
from cunwu.testing import BALI, JIULONG, YANJIANG, business_events, make_household, make_id_number


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        LifeEvent.objects.count(),
        IncomeRecord.objects.count(),
        business_events().count(),
    )


def _members(household: Household) -> list[tuple[str, str]]:
    return sorted(
        household.members.filter(status=PersonStatus.ACTIVE).values_list("name", "relation")
    )


def _page(response: Any) -> str:
    return str(response.content.decode())


# ---------------------------------------------------------------- the permission matrix

HOUSEHOLD_PAGES = [
    "household_update",
    "head_change",
    "household_split",
    "household_merge",
    "income_set",
    "person_add",
]
PERSON_PAGES = ["person_update", "person_leave", "person_transfer"]


def _edit_urls(household: Household) -> list[str]:
    son = household.members.get(name="张小明")
    return [reverse(f"registry:{n}", args=[household.pk]) for n in HOUSEHOLD_PAGES] + [
        reverse(f"registry:{n}", args=[son.pk]) for n in PERSON_PAGES
    ]


@pytest.mark.parametrize(
    ("who", "detail", "edit"),
    [
        ("九龙村村干部", 200, 200),
        ("九龙村监委会委员", 200, 403),
        ("九龙村工作队员", 200, 403),
        ("开云镇干部", 200, 200),
        ("衡山县管理员", 200, 200),
        ("衡山县部门用户", 200, 403),
        ("九龙村村民", 404, 404),
        ("另一村的村干部", 404, 404),
        ("八里村村干部", 404, 404),
    ],
)
def test_every_registry_page_answers_each_persona_by_scope(
    *,
    client: Client,
    persona: Callable[[str], User],
    household: Household,
    who: str,
    detail: int,
    edit: int,
) -> None:
    _login(client, persona(who))
    assert client.get(reverse("registry:household_detail", args=[household.pk])).status_code == (
        detail
    )
    for url in _edit_urls(household):
        assert (url, client.get(url).status_code) == (url, edit)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("九龙村村干部", 200),
        ("九龙村监委会委员", 403),
        ("开云镇干部", 200),
        ("衡山县管理员", 200),
        ("另一村的村干部", 200),
        ("九龙村村民", 403),
    ],
)
def test_create_page_needs_edit_rights_somewhere(
    client: Client,
    persona: Callable[[str], User],
    regions: dict[str, Region],
    who: str,
    status: int,
) -> None:
    _login(client, persona(who))
    assert client.get(reverse("registry:household_create")).status_code == status


def test_anonymous_users_are_sent_to_log_in(client: Client, household: Household) -> None:
    son = household.members.get(name="张小明")
    urls = [
        reverse("registry:household_list"),
        reverse("registry:household_create"),
        reverse("registry:household_detail", args=[household.pk]),
        *_edit_urls(household),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(reverse("registry:person_reveal", args=[son.pk]))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="registry.reveal_id").count() == 0


def test_unknown_household_is_404(client: Client, staff: User, household: Household) -> None:
    _login(client, staff)
    assert client.get(reverse("registry:household_detail", args=[999_999])).status_code == 404
    assert client.get(reverse("registry:person_update", args=[999_999])).status_code == 404


@pytest.mark.parametrize(
    ("who", "numbers"),
    [
        ("九龙村村干部", ["0001"]),
        ("九龙村监委会委员", ["0001"]),
        ("八里村村干部", ["0009"]),
        ("开云镇干部", ["0001", "0009"]),
        ("衡山县管理员", ["0001", "0009"]),
        ("另一村的村干部", []),
    ],
)
def test_list_shows_households_in_scope_only(
    *,
    client: Client,
    persona: Callable[[str], User],
    household: Household,
    regions: dict[str, Region],
    who: str,
    numbers: list[str],
) -> None:
    make_household(persona("八里村村干部"), regions[BALI], "0009", "白九")
    _login(client, persona(who))
    response = client.get(reverse("registry:household_list"))
    assert response.status_code == 200
    shown = [h.number for h in response.context["page"].object_list]
    assert shown == numbers
    assert f"共 {len(numbers)} 户" in _page(response)


def test_edit_post_by_supervisor_is_403_and_changes_nothing(
    client: Client, persona: Callable[[str], User], household: Household
) -> None:
    _login(client, persona("九龙村监委会委员"))
    before = _counts()
    response = client.post(
        reverse("registry:income_set", args=[household.pk]),
        {
            "year": (localdate() - timedelta(days=1)).year - 1,
            "category": "wages",
            "amount": "100",
        },
    )
    assert response.status_code == 403
    assert _counts() == before


def test_edit_post_by_another_village_is_404_and_changes_nothing(
    client: Client, persona: Callable[[str], User], household: Household
) -> None:
    _login(client, persona("另一村的村干部"))
    son = household.members.get(name="张小明")
    before = _counts()
    response = client.post(
        reverse("registry:person_leave", args=[son.pk]),
        {"kind": "death", "date": (localdate() - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 404
    assert _counts() == before


# ---------------------------------------------------------------- list page


def test_list_columns_show_head_masked_id_count_and_tags(
    client: Client, staff: User, jiulong: Region
) -> None:
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    head_id = make_id_number(70, birth="19600202")
    household = make_household(
        staff,
        jiulong,
        "0070",
        "𠮷䶮",
        head_id=head_id,
        members=[("刘二", "配偶", make_id_number(71))],
        tags="脱贫户、低保户",
    )
    household.group = group
    household.save()
    _login(client, staff)
    page = _page(client.get(reverse("registry:household_list")))
    assert "𠮷䶮" in page
    assert head_id[:6] + "********" + head_id[-4:] in page
    assert head_id not in page
    assert '<td class="num" data-label="人数">2</td>' in page
    assert '<span class="tag">脱贫户</span><span class="tag">低保户</span>' in page
    assert "第一组" in page


@pytest.mark.parametrize(
    ("query", "numbers"),
    [("0002", ["0002"]), ("王二", ["0002"]), ("𠮷", ["0003"]), ("", ["0001", "0002", "0003"])],
)
def test_search_by_number_name_or_id_tail(
    *,
    client: Client,
    staff: User,
    household: Household,
    jiulong: Region,
    query: str,
    numbers: list[str],
) -> None:
    make_household(staff, jiulong, "0002", "王二")
    make_household(staff, jiulong, "0003", "𠮷大")
    _login(client, staff)
    response = client.get(reverse("registry:household_list"), {"q": query})
    assert [h.number for h in response.context["page"].object_list] == numbers


def test_search_by_last_digits_of_an_id_number(
    client: Client, staff: User, household: Household, jiulong: Region
) -> None:
    tail_id = make_id_number(555, birth="19880808")
    make_household(staff, jiulong, "0002", "王二", head_id=tail_id)
    _login(client, staff)
    response = client.get(reverse("registry:household_list"), {"q": tail_id[-4:]})
    assert [h.number for h in response.context["page"].object_list] == ["0002"]


def test_filters_by_village_group_tag_and_status(
    client: Client, persona: Callable[[str], User], household: Household, jiulong: Region
) -> None:
    township = persona("开云镇干部")
    group = VillageGroup.objects.create(village=jiulong, name="第二组", number=2)
    poor = make_household(township, jiulong, "0002", "王二", tags="低保户")
    poor.group = group
    poor.save()
    gone = make_household(township, jiulong, "0003", "孤三")
    from cunwu.registry.services import person_leave

    person_leave(
        actor=township,
        person=gone.members.get(),
        kind="death",
        when=(localdate() - timedelta(days=1)),
    )
    _login(client, township)
    url = reverse("registry:household_list")

    def numbers(**params: str) -> list[str]:
        return [h.number for h in client.get(url, params).context["page"].object_list]

    assert numbers() == ["0001", "0002"]
    assert numbers(region=JIULONG, group=str(group.pk)) == ["0002"]
    assert numbers(tag="低保户") == ["0002"]
    assert numbers(tag="一般户") == ["0001"]
    assert numbers(status="dissolved") == ["0003"]
    assert numbers(status="all") == ["0001", "0002", "0003"]
    assert numbers(region=BALI) == []
    assert numbers(region="abc") == ["0001", "0002"]
    # the village filter offers the villages that hold households
    options = client.get(url).context["filters"].region_choices
    assert options == [("", "全部"), (JIULONG, "九龙村委会")]
    # garbage in the filters is ignored, never a 500
    assert numbers(group="abc", status="nonsense", tag="x" * 80) == ["0001", "0002"]


def test_dissolved_household_lists_its_former_head(
    client: Client, staff: User, jiulong: Region
) -> None:
    gone = make_household(staff, jiulong, "0003", "孤三")
    from cunwu.registry.services import person_leave

    person_leave(
        actor=staff,
        person=gone.members.get(),
        kind="death",
        when=(localdate() - timedelta(days=1)),
    )
    _login(client, staff)
    response = client.get(reverse("registry:household_list"), {"status": "dissolved"})
    row = response.context["page"].object_list[0]
    assert (row.head_name, row.member_count) == ("孤三", 0)
    assert "已注销" in _page(response)


def test_list_is_paginated_fifty_per_page_with_total(
    client: Client, staff: User, jiulong: Region
) -> None:
    for i in range(51):
        make_household(staff, jiulong, f"{i + 100:04d}", f"户主{i}")
    _login(client, staff)
    first = client.get(reverse("registry:household_list"))
    assert len(first.context["page"].object_list) == 50
    assert "共 51 户" in _page(first)
    assert "?page=2" in _page(first)
    second = client.get(reverse("registry:household_list"), {"page": "2"})
    assert [h.number for h in second.context["page"].object_list] == ["0150"]
    assert client.get(reverse("registry:household_list"), {"page": "zz"}).status_code == 200


def test_htmx_search_swaps_only_the_results(
    client: Client, staff: User, household: Household
) -> None:
    _login(client, staff)
    response = client.get(
        reverse("registry:household_list"),
        {"q": "张"},
        headers={"HX-Request": "true", "HX-Target": "household-results"},
    )
    page = _page(response)
    assert page.lstrip().startswith('<div id="household-results">')
    assert "<form" not in page
    assert "<html" not in page
    assert "0001" in page
    assert "HX-Request" in response["Vary"]


def test_htmx_filter_change_swaps_form_and_results(
    client: Client, staff: User, household: Household
) -> None:
    _login(client, staff)
    page = _page(
        client.get(
            reverse("registry:household_list"),
            {"region": JIULONG},
            headers={"HX-Request": "true", "HX-Target": "household-search"},
        )
    )
    assert page.lstrip().startswith('<div id="household-search">')
    assert 'id="household-results"' in page
    assert "<html" not in page


def test_list_page_carries_the_htmx_search_and_works_without_js(
    client: Client, staff: User, household: Household
) -> None:
    _login(client, staff)
    page = _page(client.get(reverse("registry:household_list")))
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-push-url="true"' in page
    assert '<form method="get" class="filters"' in page
    assert ">新建户</a>" in page


def test_list_hides_create_button_from_supervisor(
    client: Client, persona: Callable[[str], User], household: Household
) -> None:
    _login(client, persona("九龙村监委会委员"))
    page = _page(client.get(reverse("registry:household_list")))
    assert "新建户" not in page
    assert "导出" in page
    assert ">导入<" not in page


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("registry:household_list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(
    client: Client,
    staff: User,
    jiulong: Region,
    django_assert_max_num_queries: Callable[[int], Any],
) -> None:
    for i in range(5):
        make_household(
            staff,
            jiulong,
            f"{i + 100:04d}",
            f"户主{i}",
            members=[(f"成员{i}", "子", make_id_number(500 + i))],
        )
    _login(client, staff)
    with django_assert_max_num_queries(10):
        client.get(reverse("registry:household_list"))
    five = _list_queries(client)
    for i in range(5, 40):
        make_household(
            staff,
            jiulong,
            f"{i + 100:04d}",
            f"户主{i}",
            members=[(f"成员{i}", "子", make_id_number(500 + i))],
        )
    forty = _list_queries(client)
    assert five == forty
    assert len(client.get(reverse("registry:household_list")).context["page"].object_list) == 40


# ---------------------------------------------------------------- detail page


def test_detail_shows_facts_members_incomes_events_and_history(
    client: Client, staff: User, household: Household
) -> None:
    year = localdate().year - 1
    _login(client, staff)
    for category, amount in [
        ("wages", "30000"),
        ("business", "10000.00"),
        ("business_expense", "4,000"),
    ]:
        response = client.post(
            reverse("registry:income_set", args=[household.pk]),
            {"year": year, "category": category, "amount": amount},
        )
        assert response.status_code == 302
    page = _page(client.get(reverse("registry:household_detail", args=[household.pk])))
    assert "衡山县开云镇九龙村委会" in page
    assert "1972年3月4日" in page  # 李四's birth date
    wife = household.members.get(name="李四")
    assert wife.id_masked in page
    assert make_id_number(2, birth="19720304") not in page
    assert "<strong>12,000.00</strong>" in page  # (30000 + 10000 − 4000) / 3 元
    assert "30,000.00" in page
    assert page.count("登记</td>") >= 3  # one registration event per member
    assert "登记收入" in page
    assert "操作记录" in page
    assert "建户" in page
    assert "显示完整号码" in page


def test_detail_life_events_are_newest_first(
    client: Client, staff: User, household: Household
) -> None:
    son = household.members.get(name="张小明")
    from cunwu.registry.services import person_leave

    # same day as the registrations: the later record comes first
    person_leave(actor=staff, person=son, kind="move_out", when=localdate(), note="外出定居")
    _login(client, staff)
    events = list(
        client.get(reverse("registry:household_detail", args=[household.pk])).context["life_events"]
    )
    assert [e.kind for e in events] == ["move_out", "registered", "registered", "registered"]
    assert "外出定居" in _page(
        client.get(reverse("registry:household_detail", args=[household.pk]))
    )


def test_detail_hides_actions_and_reveal_from_supervisor(
    client: Client, persona: Callable[[str], User], household: Household
) -> None:
    _login(client, persona("九龙村监委会委员"))
    page = _page(client.get(reverse("registry:household_detail", args=[household.pk])))
    assert "添加成员" not in page
    assert "显示完整号码" not in page
    assert "操作记录" in page  # supervisors read the audit chain


def test_detail_hides_audit_history_from_work_team(
    client: Client, persona: Callable[[str], User], household: Household
) -> None:
    _login(client, persona("九龙村工作队员"))
    page = _page(client.get(reverse("registry:household_detail", args=[household.pk])))
    assert "操作记录" not in page
    assert "张小明" in page


def test_detail_shows_rare_characters_exactly(client: Client, staff: User, jiulong: Region) -> None:
    _login(client, staff)
    response = client.post(
        reverse("registry:household_create"),
        {"village": JIULONG, "number": "0088", "name": "𠮷䶮", "id_number": make_id_number(88)},
    )
    household = Household.objects.get(number="0088")
    assert response.status_code == 302
    page = _page(client.get(reverse("registry:household_detail", args=[household.pk])))
    assert '<td data-label="姓名">𠮷䶮</td>' in page


# ---------------------------------------------------------------- reveal


def test_reveal_shows_full_numbers_and_audits(
    client: Client, staff: User, household: Household
) -> None:
    wife = household.members.get(name="李四")
    person_update(
        actor=staff, person=wife, data=PersonData(name="李四", relation="配偶", phone="13800138000")
    )
    _login(client, staff)
    response = client.post(reverse("registry:person_reveal", args=[wife.pk]))
    page = _page(response)
    assert response.status_code == 200
    assert make_id_number(2, birth="19720304") in page
    assert "13800138000" in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(action="registry.reveal_id").get()
    assert (event.object_id, event.actor_id) == (str(wife.pk), staff.pk)
    # the other members stay masked
    assert make_id_number(3, birth="20050607") not in page


def test_reveal_by_htmx_returns_only_the_member_row(
    client: Client, staff: User, household: Household
) -> None:
    wife = household.members.get(name="李四")
    _login(client, staff)
    page = _page(
        client.post(
            reverse("registry:person_reveal", args=[wife.pk]), headers={"HX-Request": "true"}
        )
    )
    assert page.lstrip().startswith(f'<tr id="member-{wife.pk}">')
    assert make_id_number(2, birth="19720304") in page
    assert "显示完整号码" not in page


def test_reveal_by_get_is_not_allowed(client: Client, staff: User, household: Household) -> None:
    _login(client, staff)
    wife = household.members.get(name="李四")
    assert client.get(reverse("registry:person_reveal", args=[wife.pk])).status_code == 405
    assert not AuditEvent.objects.filter(action="registry.reveal_id").exists()


@pytest.mark.parametrize(
    ("who", "status"), [("九龙村监委会委员", 403), ("九龙村工作队员", 403), ("另一村的村干部", 404)]
)
def test_reveal_is_refused_outside_view_full_id(
    client: Client, persona: Callable[[str], User], household: Household, who: str, status: int
) -> None:
    _login(client, persona(who))
    wife = household.members.get(name="李四")
    response = client.post(reverse("registry:person_reveal", args=[wife.pk]))
    assert response.status_code == status
    assert make_id_number(2, birth="19720304") not in _page(response)
    assert not AuditEvent.objects.filter(action="registry.reveal_id").exists()


# ---------------------------------------------------------------- forms: success


def test_create_household_with_group_and_tags(client: Client, staff: User, jiulong: Region) -> None:
    group = VillageGroup.objects.create(village=jiulong, name="第三组", number=3)
    _login(client, staff)
    response = client.post(
        reverse("registry:household_create"),
        {
            "village": JIULONG,
            "group": group.pk,
            "number": "0100",
            "address": "九龙村三组",
            "tags": ["脱贫户", "监测户"],
            "name": "陈一",
            "id_number": make_id_number(100),
            "phone": "13712345678",
            "medical_insurance": "on",
        },
    )
    household = Household.objects.get(number="0100")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[household.pk])
    assert (household.group_id, household.tags, household.address) == (
        group.pk,
        "|脱贫户|监测户|",
        "九龙村三组",
    )
    head = household.members.get()
    assert (head.name, head.relation, head.medical_insurance, head.phone_masked) == (
        "陈一",
        "户主",
        True,
        "137****5678",
    )
    page = _page(client.get(response["Location"]))
    assert "已新建户0100" in page


def test_group_options_list_one_village_groups(
    client: Client, staff: User, jiulong: Region
) -> None:
    VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    _login(client, staff)
    page = _page(client.get(reverse("registry:group_options"), {"village": JIULONG}))
    assert "第一组" in page
    assert "第一组" not in _page(
        client.get(reverse("registry:group_options"), {"village": YANJIANG})
    )


def test_update_household(client: Client, staff: User, household: Household) -> None:
    _login(client, staff)
    response = client.post(
        reverse("registry:household_update", args=[household.pk]),
        {"address": "新址", "tags": ["低保户"]},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.address, household.tags, household.group_id) == ("新址", "|低保户|", None)


def test_add_a_newborn_without_id_but_with_reason(
    client: Client, staff: User, household: Household
) -> None:
    _login(client, staff)
    response = client.post(
        reverse("registry:person_add", args=[household.pk]),
        {
            "kind": "birth",
            "date": (localdate() - timedelta(days=1)).isoformat(),
            "name": "张小宝",
            "relation": "孙子",
            "id_pending_reason": "新生儿未落户",
            "gender": "男",
            "birth_date": (localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    baby = household.members.get(name="张小宝")
    assert (baby.id_pending_reason, baby.birth_date, baby.gender) == (
        "新生儿未落户",
        (localdate() - timedelta(days=1)),
        "男",
    )
    assert LifeEvent.objects.filter(person=baby).get().kind == "birth"


def test_update_person_keeps_id_when_left_blank(
    client: Client, staff: User, household: Household
) -> None:
    son = household.members.get(name="张小明")
    _login(client, staff)
    form = client.get(reverse("registry:person_update", args=[son.pk])).context["form"]
    assert form.initial["name"] == "张小明"
    response = client.post(
        reverse("registry:person_update", args=[son.pk]),
        {"name": "张晓明", "relation": "子", "education": "大专", "ethnicity": "汉族"},
    )
    assert response.status_code == 302
    son.refresh_from_db()
    assert (son.name, son.education) == ("张晓明", "大专")
    assert person_id_number(son) == make_id_number(3, birth="20050607")


def test_the_edit_form_can_remove_a_phone_number(
    client: Client, staff: User, household: Household
) -> None:
    son = household.members.get(name="张小明")
    person_update(
        actor=staff, person=son,
        data=PersonData(name="张小明", relation="子", phone="13812345678"),
    )  # fmt: skip
    son.refresh_from_db()
    assert son.phone_masked == "138****5678"
    _login(client, staff)
    url = reverse("registry:person_update", args=[son.pk])
    base = {"name": "张小明", "relation": "子", "ethnicity": "汉族"}
    both = client.post(url, {**base, "phone": "13900001111", "clear_phone": "on"})
    assert both.status_code == 200
    assert "请不要同时填写新号码" in both.content.decode()
    kept = client.post(url, base)
    assert kept.status_code == 302
    son.refresh_from_db()
    assert son.phone_masked == "138****5678"
    cleared = client.post(url, {**base, "clear_phone": "on"})
    assert cleared.status_code == 302
    son.refresh_from_db()
    assert (son.phone_masked, son.phone_enc) == ("", "")


def test_change_head(client: Client, staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    _login(client, staff)
    response = client.post(
        reverse("registry:head_change", args=[household.pk]),
        {"new_head": son.pk, "old_head_relation": "父亲"},
    )
    assert response.status_code == 302
    assert _members(household) == [("张三", "父亲"), ("张小明", "户主"), ("李四", "配偶")]


def test_leave_by_death(client: Client, staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    _login(client, staff)
    response = client.post(
        reverse("registry:person_leave", args=[son.pk]),
        {
            "kind": "death",
            "date": (localdate() - timedelta(days=1)).isoformat(),
            "note": "病故",
        },
    )
    assert response.status_code == 302
    son.refresh_from_db()
    assert son.status == PersonStatus.DECEASED


def test_transfer_by_household_number(
    client: Client, staff: User, household: Household, jiulong: Region
) -> None:
    other = make_household(staff, jiulong, "0002", "王二")
    son = household.members.get(name="张小明")
    _login(client, staff)
    response = client.post(
        reverse("registry:person_transfer", args=[son.pk]),
        {
            "village": JIULONG,
            "number": "0002",
            "relation": "女婿",
            "date": (localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[other.pk])
    assert _members(other) == [("张小明", "女婿"), ("王二", "户主")]


def test_split_by_form(client: Client, staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    wife = household.members.get(name="李四")
    _login(client, staff)
    response = client.post(
        reverse("registry:household_split", args=[household.pk]),
        {
            "members": [son.pk, wife.pk],
            "new_head": son.pk,
            f"relation_{wife.pk}": "母亲",
            "number": "0001-1",
            "date": (localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    new = Household.objects.get(number="0001-1")
    assert _members(new) == [("张小明", "户主"), ("李四", "母亲")]
    assert _members(household) == [("张三", "户主")]


def test_merge_by_form(client: Client, staff: User, household: Household, jiulong: Region) -> None:
    source = make_household(staff, jiulong, "0002", "王二")
    head = source.members.get()
    _login(client, staff)
    response = client.post(
        reverse("registry:household_merge", args=[source.pk]),
        {
            "village": JIULONG,
            "number": "0001",
            f"relation_{head.pk}": "其他",
            "date": (localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.status == HouseholdStatus.DISSOLVED
    assert ("王二", "其他") in _members(household)


def test_income_by_form_in_yuan(client: Client, staff: User, household: Household) -> None:
    _login(client, staff)
    year = localdate().year - 1
    response = client.post(
        reverse("registry:income_set", args=[household.pk]),
        {"year": year, "category": "transfer", "amount": "１,234.5", "note": "低保金"},
    )
    assert response.status_code == 302
    record = IncomeRecord.objects.get()
    assert (record.year, record.category, record.amount_fen, record.note) == (
        year,
        "transfer",
        123_450,
        "低保金",
    )


# ---------------------------------------------------------------- forms: bad input


def _bad_posts(household: Household) -> list[tuple[str, dict[str, Any], str]]:
    son = household.members.get(name="张小明")
    head = household.members.get(name="张三")
    good = make_id_number(90)
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    detail = [household.pk]
    year = localdate().year - 1
    return [
        (
            reverse("registry:household_create"),
            {"village": JIULONG, "number": "0100", "name": "王五", "id_number": bad_check},
            "公民身份号码校验位错误",
        ),
        (
            reverse("registry:household_create"),
            {"village": JIULONG, "number": "0001", "name": "王五", "id_number": good},
            "户编号0001在本村已存在",
        ),
        (
            reverse("registry:household_create"),
            {
                "village": JIULONG,
                "number": "0100",
                "name": "王五",
                "id_number": make_id_number(2, birth="19720304"),
            },
            "公民身份号码已登记在九龙村委会户0001（李四）",
        ),
        (
            reverse("registry:household_create"),
            {"village": YANJIANG, "number": "0100", "name": "王五", "id_number": good},
            "选择一个有效的选项",
        ),
        (
            reverse("registry:household_update", args=detail),
            {"address": "x", "tags": ["富裕户"]},
            "富裕户",
        ),
        (
            reverse("registry:person_add", args=detail),
            {
                "kind": "birth",
                "date": (localdate() - timedelta(days=1)).isoformat(),
                "name": "张小宝",
                "relation": "孙子",
            },
            "请填写暂无号码的原因",
        ),
        (
            reverse("registry:person_add", args=detail),
            {
                "kind": "registered",
                "date": (localdate() - timedelta(days=1)).isoformat(),
                "name": "张四",
                "relation": "户主",
                "id_number": good,
            },
            "选择一个有效的选项",
        ),
        (
            reverse("registry:person_add", args=detail),
            {
                "kind": "registered",
                "date": (localdate() - timedelta(days=1)).isoformat(),
                "name": "",
                "relation": "子",
                "id_number": good,
            },
            "这个字段是必填项",
        ),
        (
            reverse("registry:person_update", args=[son.pk]),
            {"name": "张小明", "relation": "子", "phone": "12345"},
            "联系电话“12345”格式不正确",
        ),
        (
            reverse("registry:head_change", args=detail),
            {"new_head": "", "old_head_relation": "父亲"},
            "这个字段是必填项",
        ),
        (
            reverse("registry:person_leave", args=[head.pk]),
            {"kind": "death", "date": (localdate() - timedelta(days=1)).isoformat()},
            "户主变动前请先为本户指定新户主",
        ),
        (
            reverse("registry:person_leave", args=[son.pk]),
            {"kind": "death", "date": (localdate() + timedelta(days=3)).isoformat()},
            "日期不能晚于今天",
        ),
        (
            reverse("registry:person_leave", args=[son.pk]),
            {"kind": "death", "date": "2023/01/01"},
            "输入一个有效的日期",
        ),
        (
            reverse("registry:person_transfer", args=[son.pk]),
            {
                "village": JIULONG,
                "number": "9999",
                "relation": "子",
                "date": (localdate() - timedelta(days=1)).isoformat(),
            },
            "未找到户编号为9999的户",
        ),
        (
            reverse("registry:person_transfer", args=[son.pk]),
            {
                "village": JIULONG,
                "number": "0001",
                "relation": "子",
                "date": (localdate() - timedelta(days=1)).isoformat(),
            },
            "已在该户中",
        ),
        (
            reverse("registry:household_split", args=detail),
            {
                "members": [son.pk],
                "new_head": "",
                "number": "0002",
                "date": (localdate() - timedelta(days=1)).isoformat(),
            },
            "这个字段是必填项",
        ),
        (
            reverse("registry:household_split", args=detail),
            {
                "members": [son.pk],
                "new_head": son.pk,
                "number": "0001",
                "date": (localdate() - timedelta(days=1)).isoformat(),
            },
            "户编号0001在本村已存在",
        ),
        (
            reverse("registry:household_split", args=detail),
            {
                "members": [son.pk, household.members.get(name="李四").pk],
                "new_head": son.pk,
                "number": "0002",
                "date": (localdate() - timedelta(days=1)).isoformat(),
            },
            "请选择李四与新户主的关系",
        ),
        (
            reverse("registry:household_merge", args=detail),
            {
                "village": JIULONG,
                "number": "0001",
                f"relation_{head.pk}": "其他",
                f"relation_{son.pk}": "其他",
                f"relation_{household.members.get(name='李四').pk}": "其他",
                "date": (localdate() - timedelta(days=1)).isoformat(),
            },
            "不能与自身合户",
        ),
        (
            reverse("registry:income_set", args=detail),
            {"year": year, "category": "wages", "amount": "12.345"},
            "最多保留两位小数",
        ),
        (
            reverse("registry:income_set", args=detail),
            {"year": year, "category": "wages", "amount": "一百"},
            "不是有效数字",
        ),
        (
            reverse("registry:income_set", args=detail),
            {"year": year + 5, "category": "wages", "amount": "100"},
            f"年度应在2000至{year + 1}之间",
        ),
    ]


def test_bad_input_rerenders_with_chinese_error_and_changes_nothing(
    client: Client, staff: User, household: Household
) -> None:
    _login(client, staff)
    for url, data, message in _bad_posts(household):
        before = _counts()
        snapshot = list(
            Person.objects.order_by("pk").values_list("name", "relation", "status", "household_id")
        )
        response = client.post(url, data)
        assert (url, response.status_code) == (url, 200)
        assert message in _page(response), (url, data)
        assert _counts() == before, url
        assert (
            list(
                Person.objects.order_by("pk").values_list(
                    "name", "relation", "status", "household_id"
                )
            )
            == snapshot
        )


def test_editing_a_dissolved_household_is_refused_with_message(
    client: Client, staff: User, jiulong: Region
) -> None:
    gone = make_household(staff, jiulong, "0003", "孤三")
    from cunwu.registry.services import person_leave

    person_leave(
        actor=staff,
        person=gone.members.get(),
        kind="death",
        when=(localdate() - timedelta(days=1)),
    )
    _login(client, staff)
    before = _counts()
    response = client.post(
        reverse("registry:income_set", args=[gone.pk]),
        {
            "year": (localdate() - timedelta(days=1)).year - 1,
            "category": "wages",
            "amount": "100",
        },
    )
    assert response.status_code == 200
    assert "户0003已注销，不能再修改" in _page(response)
    assert _counts() == before
    detail = _page(client.get(reverse("registry:household_detail", args=[gone.pk])))
    assert "添加成员" not in detail


def test_transfer_to_a_household_outside_edit_scope_is_not_found(
    client: Client,
    staff: User,
    persona: Callable[[str], User],
    household: Household,
    regions: dict[str, Region],
) -> None:
    make_household(persona("八里村村干部"), regions[BALI], "0009", "白九")
    son = household.members.get(name="张小明")
    _login(client, staff)
    before = _counts()
    response = client.post(
        reverse("registry:person_transfer", args=[son.pk]),
        {
            "village": BALI,
            "number": "0009",
            "relation": "子",
            "date": (localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in _page(response)
    assert _counts() == before


def test_person_add_by_birth_then_more_members_keeps_dates(
    staff: User, household: Household
) -> None:
    person_add(
        actor=staff,
        household=household,
        kind="move_in",
        when=date(2020, 2, 2),
        data=PersonData(name="外来", relation="其他", id_number=make_id_number(95)),
    )
    event = LifeEvent.objects.get(kind="move_in")
    assert event.date == date(2020, 2, 2)


def test_detail_query_count_does_not_grow_with_members(
    client: Client, staff: User, household: Household
) -> None:
    url = reverse("registry:household_detail", args=[household.pk])
    _login(client, staff)
    client.get(url)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    for i in range(8):
        person_add(
            actor=staff,
            household=household,
            data=PersonData(name=f"成员{i}", relation="子", id_number=make_id_number(300 + i)),
        )
    with CaptureQueriesContext(connection) as eleven:
        response = client.get(url)
    assert len(response.context["members"]) == 11
    assert len(three.captured_queries) == len(eleven.captured_queries) <= 15


def test_township_user_creates_a_household_in_either_village(
    client: Client, persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    township = persona("开云镇干部")
    baiguo_group = VillageGroup.objects.create(village=regions[BALI], name="一组", number=1)
    VillageGroup.objects.create(village=regions[JIULONG], name="一组", number=1)
    _login(client, township)
    form = client.get(reverse("registry:household_create")).context["form"]
    assert [v.code for v in form.fields["village"].queryset] == [JIULONG, BALI]
    bad = client.post(
        reverse("registry:household_create"),
        {
            "village": JIULONG,
            "group": baiguo_group.pk,
            "number": "0001",
            "name": "错组",
            "id_number": make_id_number(97),
        },
    )
    assert bad.status_code == 200
    assert "村民小组不属于所选的村" in _page(bad)
    assert Household.objects.count() == 0
    response = client.post(
        reverse("registry:household_create"),
        {
            "village": BALI,
            "group": baiguo_group.pk,
            "number": "0001",
            "name": "白一",
            "id_number": make_id_number(97),
        },
    )
    assert response.status_code == 302
    created = Household.objects.get()
    assert (created.village_id, created.group_id) == (BALI, baiguo_group.pk)


def test_head_edit_form_offers_only_the_head_relation(
    client: Client, staff: User, household: Household
) -> None:
    head = household.members.get(name="张三")
    _login(client, staff)
    form = client.get(reverse("registry:person_update", args=[head.pk])).context["form"]
    assert form.fields["relation"].choices == [("户主", "户主")]
    assert "当前：430423********0015；留空则不变" in form.fields["id_number"].help_text


def test_a_villager_sees_only_their_own_household_masked(
    household: Household, persona: Callable[[str], User]
) -> None:
    villager = persona("九龙村村民")
    client = Client(raise_request_exception=False)
    client.force_login(villager)
    missing = client.get("/registry/mine/")
    assert missing.status_code == 404
    assert "还没有与户籍登记中的本人关联" in missing.content.decode()
    Person.objects.filter(household=household, relation="户主").update(user=villager)
    page = client.get("/registry/mine/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "张三" in body and "李四" in body and "张小明" in body
    assert make_id_number(1, birth="19700101") not in body
    assert make_id_number(1, birth="19700101")[-4:] in body
    assert client.get(f"/registry/households/{household.pk}/").status_code in {403, 404}
    home = client.get("/").content.decode()
    assert "/registry/mine/" in home
