"""User management (系统 → 用户管理) for the system administrator: list, create, edit, password, deactivate.

On the fixed personas (chaindesk/testkit/personas.py): every expected account is one the world made."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from chaindesk.accounts.models import Region, User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

LIST = "/system/users/"
NEW = "/system/users/new/"
GOOD_PASSWORD = "Biomed-Ledger-Qx7"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _user_audit(user: User, action: str):
    ct = ContentType.objects.get_for_model(User)
    return AuditLog.objects.filter(content_type=ct, object_id=str(user.pk), action=action)


def _usernames(page) -> set[str]:
    return {u.username for u in page.object_list}


def _create_data(region: Region, **overrides):
    data = {
        "username": "Zhaoxin",
        "display_name": "赵欣",
        "role": "liaison",
        "region": str(region.pk),
        "department": "",
        "title": "测试甲区挂钩服务专员",
        "phone": "13800000000",
        "email": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(client, personas):
    pk = personas.liaison.pk
    for url in (LIST, NEW, f"/system/users/{pk}/", f"/system/users/{pk}/password/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(f"/system/users/{pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert User.objects.get(pk=pk).is_active


@pytest.mark.parametrize("key", ["auditor", "liaison", "chief"])
def test_other_roles_are_refused_and_the_refusal_is_audited(personas, key):
    user = personas.user(key)
    target = personas.handler
    client = _as(user)
    for url in (LIST, NEW, f"/system/users/{target.pk}/", f"/system/users/{target.pk}/password/"):
        before = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=user).count()
        assert client.get(url).status_code == 403
        assert AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=user).count() == before + 1
    assert client.post(f"/system/users/{target.pk}/active/", {"active": "0"}).status_code == 403
    assert client.post(NEW, _create_data(personas.ours.region)).status_code == 403
    assert not User.objects.filter(username="zhaoxin").exists()
    assert User.objects.get(pk=target.pk).is_active


def test_sysadmin_lists_and_filters_users(personas: Personas):
    client = _as(personas.sysadmin)
    response = client.get(LIST)
    assert response.status_code == 200
    assert "共 " in response.content.decode()
    # the system administrator manages every account (counted apart from the filter code)
    assert response.context["page_obj"].paginator.count == User.objects.count()

    handlers = client.get(f"{LIST}?role=dept_handler").context["page_obj"]
    assert handlers.paginator.count == User.objects.filter(role="dept_handler").count() >= 2
    assert {u.role for u in handlers.object_list} == {"dept_handler"}
    # the city's two handlers, and nobody else in 测试市 with that role
    city_handlers = client.get(f"{LIST}?role=dept_handler&region={personas.city.pk}").context["page_obj"]
    assert _usernames(city_handlers) == {"p_handler", "p_x_handler"}

    ours = personas.ours.region
    in_region = client.get(f"{LIST}?region={ours.pk}").context["page_obj"]
    assert _usernames(in_region) == {"p_liaison", "p_district", "p_ent_user"}

    in_dept = client.get(f"{LIST}?department={personas.ours.department.pk}").context["page_obj"]
    assert _usernames(in_dept) == {"p_member", "p_handler"}

    found = client.get(f"{LIST}?q=测试专员").context["page_obj"]
    assert [u.username for u in found.object_list] == ["p_liaison"]

    inactive_here = client.get(f"{LIST}?active=0&region={ours.pk}")
    assert inactive_here.context["page_obj"].paginator.count == 0
    assert "没有符合条件的用户" in inactive_here.content.decode()
    assert client.get(f"{LIST}?active=1&region={ours.pk}").context["page_obj"].paginator.count == 3
    User.objects.filter(pk=personas.district.pk).update(is_active=False)
    inactive_here = client.get(f"{LIST}?active=0&region={ours.pk}").context["page_obj"]
    assert _usernames(inactive_here) == {"p_district"}


def test_user_list_query_count_is_pinned(personas, django_assert_max_num_queries):
    User.objects.bulk_create(
        User(username=f"bulk{i:03d}", display_name=f"批量{i}", role="liaison", region=personas.ours.region)
        for i in range(60)
    )
    client = _as(personas.sysadmin)
    client.get("/")
    # session + user + count + rows + regions + departments (filter choices)
    with django_assert_max_num_queries(6):
        response = client.get(f"{LIST}?sort=-login")
    assert len(response.context["page_obj"].object_list) == 50


def test_create_form_renders_with_labels_and_required_marks(personas):
    html = _as(personas.sysadmin).get(NEW).content.decode()
    assert 'class="form-label required" for="id_username"' in html
    assert 'class="form-label" for="id_title"' in html


def test_bad_password_shows_the_chinese_rule_and_creates_nothing(personas):
    client = _as(personas.sysadmin)  # logging in is itself audited
    before = AuditLog.objects.count()
    response = client.post(NEW, _create_data(personas.ours.region, password1="12345678", password2="12345678"))
    assert response.status_code == 200
    html = response.content.decode()
    # Django's own zh-Hans messages for the three rules
    assert "密码太短，至少需要 10 个字符" in html
    assert "这个密码太常见了" in html
    assert "密码只包含数字" in html
    assert 'data-testid="form-errors"' in html  # summary at the top
    assert 'value="赵欣"' in html  # keeps what was typed
    assert not User.objects.filter(username="zhaoxin").exists()
    assert AuditLog.objects.count() == before


def test_mismatched_passwords_and_missing_fields_are_reported(personas):
    data = _create_data(personas.ours.region, display_name="", password2="something-else-2026")
    response = _as(personas.sysadmin).post(NEW, data)
    html = response.content.decode()
    assert "两次输入的密码不一致" in html
    assert "这个字段是必填项" in html
    assert not User.objects.filter(username="zhaoxin").exists()


def test_scope_rules_of_the_model_appear_next_to_the_field(personas):
    data = _create_data(personas.ours.region, role="dept_handler", department="")
    response = _as(personas.sysadmin).post(NEW, data)
    assert "部门经办人必须指定所属部门" in response.content.decode()
    assert not User.objects.filter(username="zhaoxin").exists()


def test_duplicate_username_is_refused(personas):
    response = _as(personas.sysadmin).post(NEW, _create_data(personas.ours.region, username="P_Liaison"))
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert User.objects.filter(username="p_liaison").count() == 1


def test_created_user_is_audited_without_the_password(personas):
    response = _as(personas.sysadmin).post(NEW, _create_data(personas.ours.region))
    user = User.objects.get(username="zhaoxin")
    assert response.status_code == 302
    assert response["Location"] == f"/system/users/{user.pk}/"
    assert user.check_password(GOOD_PASSWORD)
    assert user.role == "liaison" and user.region.code == "329901"
    entry = _user_audit(user, AuditAction.CREATE).get()
    assert entry.actor == personas.sysadmin
    assert "password" not in entry.after
    dumped = f"{entry.before}{entry.after}{entry.message}"
    assert GOOD_PASSWORD not in dumped
    assert user.password not in dumped


def test_edit_role_and_scope_is_audited(personas):
    target = personas.handler
    data = {
        "display_name": "测试经办",
        "role": "team_member",
        "region": "",
        "department": str(target.department_id),
        "title": "测试甲局副局长",
        "phone": "",
        "email": "",
        "is_active": "on",
    }
    response = _as(personas.sysadmin).post(f"/system/users/{target.pk}/", data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == "team_member"
    assert target.title == "测试甲局副局长"
    entry = _user_audit(target, AuditAction.UPDATE).get()
    assert entry.before["role"] == "dept_handler" and entry.after["role"] == "team_member"


def test_edit_refuses_an_invalid_scope(personas):
    target = personas.liaison
    data = {"display_name": "测试专员", "role": "dept_handler", "region": str(target.region_id), "is_active": "on"}
    response = _as(personas.sysadmin).post(f"/system/users/{target.pk}/", data)
    assert response.status_code == 200
    assert "部门经办人必须指定所属部门" in response.content.decode()
    target.refresh_from_db()
    assert target.role == "liaison"
    assert not _user_audit(target, AuditAction.UPDATE).exists()


def test_sysadmin_cannot_lock_themselves_out(personas):
    me = personas.sysadmin
    data = {"display_name": me.display_name, "role": "liaison", "region": str(me.region_id or "")}
    client = _as(me)
    response = client.post(f"/system/users/{me.pk}/", data)
    assert "不能停用自己的账户" in response.content.decode()
    client.post(f"/system/users/{me.pk}/active/", {"active": "0"})
    me.refresh_from_db()
    assert me.is_active and me.role == "sys_admin"


def test_reset_password(personas):
    target = personas.liaison
    url = f"/system/users/{target.pk}/password/"
    client = _as(personas.sysadmin)
    bad = client.post(url, {"password1": "password123", "password2": "password123"})
    assert "这个密码太常见了" in bad.content.decode()
    target.refresh_from_db()
    assert not target.check_password("password123")

    response = client.post(url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(GOOD_PASSWORD)
    entry = _user_audit(target, AuditAction.UPDATE).get()
    assert GOOD_PASSWORD not in f"{entry.before}{entry.after}{entry.message}"


def test_deactivate_asks_for_confirmation_and_is_audited(personas):
    target = personas.liaison
    client = _as(personas.sysadmin)
    page = client.get(f"/system/users/{target.pk}/").content.decode()
    assert f'action="/system/users/{target.pk}/active/"' in page
    assert "data-confirm=" in page
    assert client.get(f"/system/users/{target.pk}/active/").status_code == 405  # only by POST

    response = client.post(f"/system/users/{target.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    entry = _user_audit(target, AuditAction.UPDATE).get()
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}

    client.post(f"/system/users/{target.pk}/active/", {"active": "1"})
    target.refresh_from_db()
    assert target.is_active


def test_unknown_user_is_404(personas):
    assert _as(personas.sysadmin).get("/system/users/99999999/").status_code == 404


def test_scope_and_password_errors_are_shown_together(personas):
    data = _create_data(personas.ours.region, role="dept_handler", password1="short", password2="short")
    response = _as(personas.sysadmin).post(NEW, data)
    html = response.content.decode()
    assert "部门经办人必须指定所属部门" in html
    assert "密码太短" in html
    assert not User.objects.filter(username="zhaoxin").exists()


def test_the_service_itself_enforces_the_password_rules(personas):
    from django.core.exceptions import ValidationError

    from chaindesk.accounts.services import user_create

    with pytest.raises(ValidationError) as caught:
        user_create(
            actor=personas.sysadmin, username="zhaoxin", display_name="赵欣", role="liaison", password="1234567890"
        )
    assert "密码只包含数字。" in caught.value.messages
    assert not User.objects.filter(username="zhaoxin").exists()
