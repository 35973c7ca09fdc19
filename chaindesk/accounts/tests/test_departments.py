"""Departments without a handler (issue 11, item 1): the selectors the demands side uses, the system
administrator's department page (badge, filter, 部门收件人) and the user list's banner and badges."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client

from chaindesk.accounts import services
from chaindesk.accounts.choices import DepartmentKind, Role
from chaindesk.accounts.models import Department, User
from chaindesk.accounts.selectors import department_alert_recipients, departments_without_handler
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.services import audited_create
from chaindesk.testkit.personas import KEYS, add_user

pytestmark = pytest.mark.django_db

LIST = "/system/departments/"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _department(personas, code: str, short: str, **fields) -> Department:
    return audited_create(
        model=Department,
        actor=FIXTURES,
        code=code,
        name=f"测试市{short}",
        short_name=short,
        kind=DepartmentKind.GOVERNMENT,
        region=personas.city,
        **fields,
    )


def _deactivate(personas, user: User) -> None:
    services.user_update(actor=personas.sysadmin, user=User.objects.get(pk=user.pk), is_active=False)


# --- selectors ------------------------------------------------------------------------------------------


def test_departments_without_handler(personas, django_assert_num_queries):
    dept_a, dept_b = personas.ours.department, personas.theirs.department
    empty = _department(personas, "p_dept_c", "测试丙局")
    closed = _department(personas, "p_dept_d", "测试丁局", is_active=False)
    with django_assert_num_queries(1):
        headless = departments_without_handler()
    assert empty.pk in headless
    assert dept_a.pk not in headless and dept_b.pk not in headless
    assert closed.pk not in headless  # inactive: offered nowhere
    # A team member in the department is no handler; an inactive handler signs nothing.
    _deactivate(personas, personas.handler)
    assert User.objects.filter(department=dept_a, role=Role.TEAM_MEMBER, is_active=True).exists()
    assert dept_a.pk in departments_without_handler()


def test_alert_recipients_named_recipient_then_heads_then_nobody(personas, django_assert_num_queries):
    empty = _department(personas, "p_dept_c", "测试丙局")
    nobody = _department(personas, "p_dept_e", "测试戊局")
    head = add_user("p_head_c", "丙局局长", Role.TEAM_MEMBER, personas.city, empty)
    User.objects.filter(pk=head.pk).update(is_department_head=True)  # no service names a head: the loader's way
    with django_assert_num_queries(2):
        found = department_alert_recipients([empty.pk, nobody.pk, 999_999])
    assert found == {empty.pk: [head], nobody.pk: [], 999_999: []}
    # A named, active 部门收件人 is told instead of the heads.
    services.department_set_recipient(actor=personas.sysadmin, department=empty, recipient=personas.member)
    assert department_alert_recipients([empty.pk])[empty.pk] == [personas.member]
    # Named but since deactivated: back to the heads; heads deactivated too: nobody.
    _deactivate(personas, personas.member)
    assert department_alert_recipients([empty.pk])[empty.pk] == [head]
    _deactivate(personas, head)
    assert department_alert_recipients({empty.pk}) == {empty.pk: []}
    assert department_alert_recipients([]) == {}


def test_alert_recipients_query_count_does_not_grow_with_departments(personas, django_assert_num_queries):
    departments = [_department(personas, f"p_dept_n{i}", f"测试{i}局") for i in range(6)]
    for i, department in enumerate(departments[:3]):
        head = add_user(f"p_head_{i}", f"局长{i}", Role.TEAM_MEMBER, personas.city, department)
        User.objects.filter(pk=head.pk).update(is_department_head=True)
    services.department_set_recipient(actor=personas.sysadmin, department=departments[4], recipient=personas.chief)
    with django_assert_num_queries(2):
        found = department_alert_recipients(d.pk for d in departments)
    assert [len(found[d.pk]) for d in departments] == [1, 1, 1, 0, 1, 0]


# --- the department page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [k for k in KEYS if k not in ("anon", "sysadmin")])
def test_only_the_system_administrator_opens_the_department_pages(personas, key):
    client = _as(personas.user(key))
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{personas.ours.department.pk}/").status_code == 403


def test_anonymous_is_sent_to_login(client, personas):
    assert client.get(LIST).url.startswith("/accounts/login/")


def test_department_list_marks_departments_without_handler_and_filters_on_them(personas):
    empty = _department(personas, "p_dept_c", "测试丙局")
    client = _as(personas.sysadmin)
    page = client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "测试丙局" in html and "测试甲局" in html
    assert html.count('data-testid="no-handler-badge"') == len(departments_without_handler())
    only = client.get(f"{LIST}?no_handler=1").content.decode()
    assert "测试丙局" in only and "测试甲局" not in only
    assert empty.pk in departments_without_handler()
    staffed = client.get(f"{LIST}?no_handler=0").content.decode()
    assert "测试丙局" not in staffed and "测试甲局" in staffed


def test_naming_the_recipient_is_audited(personas):
    empty = _department(personas, "p_dept_c", "测试丙局")
    client = _as(personas.sysadmin)
    url = f"{LIST}{empty.pk}/"
    form = client.get(url)
    assert form.status_code == 200 and 'data-testid="no-handler-badge"' in form.content.decode()
    response = client.post(url, {"recipient": str(personas.member.pk)})
    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.recipient == personas.member
    ct = ContentType.objects.get_for_model(Department)
    line = AuditLog.objects.filter(content_type=ct, object_id=str(empty.pk), action=AuditAction.UPDATE).get()
    assert line.actor == personas.sysadmin and line.after["recipient"] == personas.member.pk
    listed = client.get(f"{LIST}?no_handler=1").content.decode()
    assert str(personas.member) in listed
    assert client.post(url, {"recipient": ""}).status_code == 302
    empty.refresh_from_db()
    assert empty.recipient is None


def test_an_inactive_account_cannot_be_named(personas):
    empty = _department(personas, "p_dept_c", "测试丙局")
    _deactivate(personas, personas.member)
    response = _as(personas.sysadmin).post(f"{LIST}{empty.pk}/", {"recipient": str(personas.member.pk)})
    assert response.status_code == 400
    empty.refresh_from_db()
    assert empty.recipient is None
    with pytest.raises(ValidationError, match="启用的账户"):
        services.department_set_recipient(
            actor=personas.sysadmin, department=empty, recipient=User.objects.get(pk=personas.member.pk)
        )


# --- the user list ----------------------------------------------------------------------------------------


def test_user_list_banner_and_badges_name_departments_without_handler(personas):
    client = _as(personas.sysadmin)
    html = client.get("/system/users/").content.decode()
    headless = departments_without_handler()
    if not headless:  # the personas' world alone: every department has its handler
        assert 'data-testid="no-handler-banner"' not in html
    _deactivate(personas, personas.handler)
    html = client.get("/system/users/?q=p_").content.decode()
    n = len(departments_without_handler())
    assert 'data-testid="no-handler-banner"' in html
    assert f"{n} 个部门没有启用的经办人账号" in html and "测试甲局" in html
    assert f'href="{LIST}?no_handler=1"' in html
    # p_member (测试甲局) now carries the badge next to its department; p_x_handler (测试乙局) does not.
    rows = html.split('data-testid="user-row"')
    member_row = next(r for r in rows if "p_member" in r)
    x_row = next(r for r in rows if "p_x_handler" in r)
    assert 'data-testid="no-handler-badge"' in member_row
    assert 'data-testid="no-handler-badge"' not in x_row
