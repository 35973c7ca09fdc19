"""Audit records are append-only: not through the Django admin, not through the ORM.

On the fixed personas (chaindesk/testkit/personas.py): the line is `p_sysadmin`'s change to `p_liaison`."""

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.core import audit
from chaindesk.core.exceptions import AppendOnlyError
from chaindesk.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

ADMIN = "/django-admin/core/auditlog/"


@pytest.fixture
def root_client():
    """Even a superuser cannot alter the trail."""
    root = User.objects.create_superuser(username="root-test", password="Root-Password-2026", display_name="root")
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def entry(personas):
    return audit.record(
        action=AuditAction.UPDATE,
        actor=personas.sysadmin,
        obj=personas.liaison,
        before={"title": "a"},
        after={"title": "b"},
    )


def test_admin_lists_and_searches_audit_records(root_client, entry):
    response = root_client.get(f"{ADMIN}?action__exact=update&q=p_sysadmin")
    assert response.status_code == 200
    assert entry.object_repr == "测试专员"
    assert "测试专员" in response.content.decode()
    assert root_client.get(ADMIN).status_code == 200


def test_admin_change_page_is_read_only(root_client, entry):
    response = root_client.get(f"{ADMIN}{entry.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="message"' not in html  # no editable inputs, only the values
    response = root_client.post(f"{ADMIN}{entry.pk}/change/", {"message": "tampered"})
    assert response.status_code == 403
    assert AuditLog.objects.get(pk=entry.pk).message == ""


def test_admin_refuses_add_and_delete(root_client, entry):
    assert root_client.get(f"{ADMIN}add/").status_code == 403
    assert root_client.get(f"{ADMIN}{entry.pk}/delete/").status_code == 403
    assert root_client.post(f"{ADMIN}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = root_client.post(ADMIN, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code in {200, 302, 403}
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_admin_for_users_is_view_only(root_client, personas):
    liaison = personas.liaison
    url = f"/django-admin/accounts/user/{liaison.pk}/change/"
    assert root_client.get(url).status_code == 200
    assert root_client.post(url, {"role": "sys_admin"}).status_code == 403
    assert root_client.post(f"/django-admin/accounts/user/{liaison.pk}/delete/", {"post": "yes"}).status_code == 403
    liaison.refresh_from_db()
    assert liaison.role == "liaison"


def test_non_staff_cannot_reach_the_admin(client, personas):
    client.force_login(personas.auditor)
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]


def test_orm_refuses_updates_and_deletes(entry):
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).update(message="x")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.update(message="x")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()
    loaded = AuditLog.objects.get(pk=entry.pk)
    loaded.message = "tampered"
    with pytest.raises(AppendOnlyError):
        loaded.save()
    with pytest.raises(AppendOnlyError):
        loaded.delete()
    assert AuditLog.objects.get(pk=entry.pk).message == ""
