"""屋场恳谈会 list page: scoped and searchable."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from cunwu.core.models import VillageGroup
from cunwu.village.services.meetings import meeting_create

pytestmark = pytest.mark.django_db


def test_list_is_scoped_and_searchable(client, persona, jiulong):  # type: ignore[no-untyped-def]
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    cadre = persona("九龙村村干部")
    meeting_create(
        actor=cadre, group=group, held_on=date(2026, 3, 1), place="张家院子", topic="修路"
    )
    meeting_create(actor=cadre, group=group, held_on=date(2026, 3, 2), place="李家", topic="饮水")
    client.force_login(cadre)
    response = client.get(reverse("village:meeting_list"), {"q": "张家"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert "修路" in response.content.decode()
    client.force_login(persona("另一村的村干部"))
    response = client.get(reverse("village:meeting_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0


def test_department_user_gets_403(client, persona):  # type: ignore[no-untyped-def]
    client.force_login(persona("衡山县部门用户"))
    assert client.get(reverse("village:meeting_list")).status_code == 403
