"""User management (系统 → 用户管理) for the system administrator: list, create, edit, password, deactivate."""

import pytest
from django.contrib.contenttypes.models import ContentType

from chaindesk.accounts.models import Department, Region, User
from chaindesk.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

LIST = "/system/users/"
NEW = "/system/users/new/"
GOOD_PASSWORD = "Biomed-Ledger-Qx7"


def _user_audit(user: User, action: str):
    ct = ContentType.objects.get_for_model(User)
    return AuditLog.objects.filter(content_type=ct, object_id=str(user.pk), action=action)


def _create_data(**overrides):
    data = {
        "username": "Zhaoxin",
        "display_name": "赵欣",
        "role": "liaison",
        "region": str(Region.objects.get(code="321281").pk),
        "department": "",
        "title": "兴化市挂钩服务专员",
        "phone": "13800000000",
        "email": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(client, persona):
    pk = persona("liming").pk
    for url in (LIST, NEW, f"/system/users/{pk}/", f"/system/users/{pk}/password/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(f"/system/users/{pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert User.objects.get(pk=pk).is_active


@pytest.mark.parametrize("username", ["auditor", "liming", "jiangdd"])
def test_other_roles_are_refused_and_the_refusal_is_audited(client_as, persona, username):
    user = persona(username)
    target = persona("chenjing")
    client = client_as(username)
    for url in (LIST, NEW, f"/system/users/{target.pk}/", f"/system/users/{target.pk}/password/"):
        before = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=user).count()
        assert client.get(url).status_code == 403
        assert AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=user).count() == before + 1
    assert client.post(f"/system/users/{target.pk}/active/", {"active": "0"}).status_code == 403
    assert client.post(NEW, _create_data()).status_code == 403
    assert not User.objects.filter(username="zhaoxin").exists()
    assert User.objects.get(pk=target.pk).is_active


def test_sysadmin_lists_and_filters_users(client_as):
    client = client_as("sysadmin")
    response = client.get(LIST)
    assert response.status_code == 200
    assert "共 " in response.content.decode()
    assert response.context["page_obj"].paginator.count == User.objects.count()

    handlers = client.get(f"{LIST}?role=dept_handler").context["page_obj"]
    assert handlers.paginator.count == User.objects.filter(role="dept_handler").count() > 0
    assert {u.role for u in handlers.object_list} == {"dept_handler"}

    xinghua = Region.objects.get(code="321281")
    in_region = client.get(f"{LIST}?region={xinghua.pk}").context["page_obj"]
    assert {u.region_id for u in in_region.object_list} == {xinghua.pk}

    zrzy = Department.objects.get(code="zrzy")
    in_dept = client.get(f"{LIST}?department={zrzy.pk}").context["page_obj"]
    assert "chenjing" in {u.username for u in in_dept.object_list}

    found = client.get(f"{LIST}?q=李明").context["page_obj"]
    assert [u.username for u in found.object_list] == ["liming"]

    assert client.get(f"{LIST}?active=0").context["page_obj"].paginator.count == 0
    assert "没有符合条件的用户" in client.get(f"{LIST}?active=0").content.decode()


def test_user_list_query_count_is_pinned(client_as, django_assert_max_num_queries):
    User.objects.bulk_create(
        User(username=f"bulk{i:03d}", display_name=f"批量{i}", role="liaison", region=Region.objects.get(code="321281"))
        for i in range(60)
    )
    client = client_as("sysadmin")
    client.get("/")
    # session + user + count + rows + regions + departments (filter choices)
    with django_assert_max_num_queries(6):
        response = client.get(f"{LIST}?sort=-login")
    assert len(response.context["page_obj"].object_list) == 50


def test_create_form_renders_with_labels_and_required_marks(client_as):
    html = client_as("sysadmin").get(NEW).content.decode()
    assert 'class="form-label required" for="id_username"' in html
    assert 'class="form-label" for="id_title"' in html


def test_bad_password_shows_the_chinese_rule_and_creates_nothing(client_as):
    client = client_as("sysadmin")  # logging in is itself audited
    before = AuditLog.objects.count()
    response = client.post(NEW, _create_data(password1="12345678", password2="12345678"))
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


def test_mismatched_passwords_and_missing_fields_are_reported(client_as):
    response = client_as("sysadmin").post(NEW, _create_data(display_name="", password2="something-else-2026"))
    html = response.content.decode()
    assert "两次输入的密码不一致" in html
    assert "这个字段是必填项" in html
    assert not User.objects.filter(username="zhaoxin").exists()


def test_scope_rules_of_the_model_appear_next_to_the_field(client_as):
    response = client_as("sysadmin").post(NEW, _create_data(role="dept_handler", department=""))
    assert "部门经办人必须指定所属部门" in response.content.decode()
    assert not User.objects.filter(username="zhaoxin").exists()


def test_duplicate_username_is_refused(client_as):
    response = client_as("sysadmin").post(NEW, _create_data(username="LiMing"))
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert User.objects.filter(username="liming").count() == 1


def test_created_user_is_audited_without_the_password(client_as, persona):
    response = client_as("sysadmin").post(NEW, _create_data())
    user = User.objects.get(username="zhaoxin")
    assert response.status_code == 302
    assert response["Location"] == f"/system/users/{user.pk}/"
    assert user.check_password(GOOD_PASSWORD)
    assert user.role == "liaison" and user.region.code == "321281"
    entry = _user_audit(user, AuditAction.CREATE).get()
    assert entry.actor == persona("sysadmin")
    assert "password" not in entry.after
    dumped = f"{entry.before}{entry.after}{entry.message}"
    assert GOOD_PASSWORD not in dumped
    assert user.password not in dumped


def test_edit_role_and_scope_is_audited(client_as, persona):
    target = persona("chenjing")
    data = {
        "display_name": "陈静",
        "role": "team_member",
        "region": "",
        "department": str(target.department_id),
        "title": "市自然资源和规划局副局长",
        "phone": "",
        "email": "",
        "is_active": "on",
    }
    response = client_as("sysadmin").post(f"/system/users/{target.pk}/", data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == "team_member"
    entry = _user_audit(target, AuditAction.UPDATE).get()
    assert entry.before["role"] == "dept_handler" and entry.after["role"] == "team_member"


def test_edit_refuses_an_invalid_scope(client_as, persona):
    target = persona("liming")
    data = {"display_name": "李明", "role": "dept_handler", "region": str(target.region_id), "is_active": "on"}
    response = client_as("sysadmin").post(f"/system/users/{target.pk}/", data)
    assert response.status_code == 200
    assert "部门经办人必须指定所属部门" in response.content.decode()
    target.refresh_from_db()
    assert target.role == "liaison"
    assert not _user_audit(target, AuditAction.UPDATE).exists()


def test_sysadmin_cannot_lock_themselves_out(client_as, persona):
    me = persona("sysadmin")
    data = {"display_name": me.display_name, "role": "liaison", "region": str(me.region_id or "")}
    response = client_as("sysadmin").post(f"/system/users/{me.pk}/", data)
    assert "不能停用自己的账户" in response.content.decode()
    client_as("sysadmin").post(f"/system/users/{me.pk}/active/", {"active": "0"})
    me.refresh_from_db()
    assert me.is_active and me.role == "sys_admin"


def test_reset_password(client_as, persona):
    target = persona("liming")
    url = f"/system/users/{target.pk}/password/"
    client = client_as("sysadmin")
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


def test_deactivate_asks_for_confirmation_and_is_audited(client_as, persona):
    target = persona("liming")
    client = client_as("sysadmin")
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


def test_unknown_user_is_404(client_as):
    assert client_as("sysadmin").get("/system/users/99999999/").status_code == 404


def test_scope_and_password_errors_are_shown_together(client_as):
    response = client_as("sysadmin").post(NEW, _create_data(role="dept_handler", password1="short", password2="short"))
    html = response.content.decode()
    assert "部门经办人必须指定所属部门" in html
    assert "密码太短" in html
    assert not User.objects.filter(username="zhaoxin").exists()


def test_the_service_itself_enforces_the_password_rules(persona):
    from django.core.exceptions import ValidationError

    from chaindesk.accounts.services import user_create

    with pytest.raises(ValidationError) as caught:
        user_create(
            actor=persona("sysadmin"), username="zhaoxin", display_name="赵欣", role="liaison", password="1234567890"
        )
    assert "密码只包含数字。" in caught.value.messages
    assert not User.objects.filter(username="zhaoxin").exists()
