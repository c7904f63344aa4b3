"""The registry's admin: read-only, scoped, and never shows ciphertext."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.registry.models import Household
from cunwu.registry.services import PersonData, income_set, person_update
from cunwu.testing import make_user


def _superuser() -> User:
    return User.objects.create_superuser(username="root", password="x-Secret-2026")


def test_household_change_page_shows_masked_members_only(
    client: Client, staff: User, household: Household
) -> None:
    wife = household.members.get(name="李四")
    person_update(
        actor=staff, person=wife, data=PersonData(name="李四", relation="配偶", phone="13800138000")
    )
    wife.refresh_from_db()
    client.force_login(_superuser())
    response = client.get(reverse("admin:registry_household_change", args=[household.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert wife.id_masked in page
    assert "138****8000" in page
    assert wife.id_number_enc not in page
    assert wife.phone_enc not in page
    assert str(wife.id_number_index) not in page
    assert "13800138000" not in page


def test_registry_admin_is_read_only(client: Client, household: Household) -> None:
    client.force_login(_superuser())
    assert client.get(reverse("admin:registry_household_add")).status_code == 403
    response = client.post(
        reverse("admin:registry_household_change", args=[household.pk]),
        {"number": "9999", "address": "改"},
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert (household.number, household.address) == ("0001", "")
    assert (
        client.post(reverse("admin:registry_household_delete", args=[household.pk])).status_code
        == 403
    )
    assert Household.objects.filter(pk=household.pk).exists()


def test_every_registry_changelist_opens(client: Client, staff: User, household: Household) -> None:
    income_set(
        actor=staff,
        household=household,
        year=timezone.localdate().year - 1,
        category="wages",
        amount_fen=100,
    )
    client.force_login(_superuser())
    for model in ["household", "incomerecord", "lifeevent", "importjob"]:
        response = client.get(reverse(f"admin:registry_{model}_changelist"))
        assert (model, response.status_code) == (model, 200)
    page = client.get(
        reverse("admin:registry_household_changelist"), {"q": "李四"}
    ).content.decode()
    assert "0001" in page


def test_admin_lists_only_households_in_the_staff_users_scope(
    client: Client, persona: Callable[[str], User], household: Household
) -> None:
    outsider = persona("另一村的村干部")
    outsider.is_staff = True
    outsider.save()
    outsider.user_permissions.add(Permission.objects.get(codename="view_household"))
    client.force_login(outsider)
    response = client.get(reverse("admin:registry_household_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == []
    assert client.get(
        reverse("admin:registry_household_change", args=[household.pk])
    ).status_code in (302, 404)
    insider = make_user("九龙管理员", "village_staff", "430423100224")
    insider.is_staff = True
    insider.save()
    insider.user_permissions.add(Permission.objects.get(codename="view_household"))
    client.force_login(insider)
    response = client.get(reverse("admin:registry_household_changelist"))
    assert [h.number for h in response.context["cl"].queryset] == ["0001"]
