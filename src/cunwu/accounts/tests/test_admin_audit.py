"""Django's admin bypasses the services, so its changes to users are audited on their own."""

from __future__ import annotations

from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_verify

PASSWORD = "Zq8-long-pass-1"


def test_admin_created_user_and_password_change_are_audited(
    client: Client, regions: dict[str, Region], staff: User
) -> None:
    root = User.objects.create_superuser(username="root", password="x-Long-password-1")
    client.force_login(root)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "新用户", "display_name": "新用户", "phone": "13911112222",
            "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    created = AuditEvent.objects.get(action="accounts.user_admin_create")
    assert created.payload["username"] == "新用户"
    assert created.payload["fields"]["phone"] == "139****2222"
    assert created.payload["fields"]["password"] == "已修改"
    assert PASSWORD not in str(created.payload)
    # neither the new user nor root holds a role: the event goes on the province's chain
    assert created.region_id == "430000000000"

    response = client.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"password1": "Zq8-long-pass-2", "password2": "Zq8-long-pass-2", "usable_password": "true"},
    )
    assert response.status_code == 302
    changed = AuditEvent.objects.get(action="accounts.user_admin_change")
    assert changed.payload == {"username": "九龙村村干部", "fields": {"password": "已修改"}}
    assert changed.region_id == "430423000000"  # the county of the user's village
    assert audit_verify()[1] is None
