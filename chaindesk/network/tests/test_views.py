"""Network pages per persona: anonymous, wrong role, in scope, out of scope (404 by URL guessing); forms;
filters; query counts; exports with masked phones.

On the fixed personas (chaindesk/testkit/personas.py): the chief and the member are on 测试甲链's team, the
liaison serves our enterprise and keeps the talents made here (from 测试甲区, on 测试甲链) unless a test says
otherwise; the district admin administers 测试甲区; the x_ personas work on 测试乙链 / 测试乙区."""

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.network import services
from chaindesk.network.models import CooperationStatus, RdCooperation, RdPartner, Talent

from . import factories
from .factories import MASKED, PHONE

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _page(response) -> str:  # noqa: ANN001
    return response.content.decode()


def _client(personas, key: str) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(personas.user(key))
    return client


# --- talents: access -----------------------------------------------------------------------------------


def test_anonymous_goes_to_login(personas):
    talent = factories.talent(personas)
    for url in (
        "/network/talents/",
        f"/network/talents/{talent.pk}/",
        "/network/partners/",
        "/network/rd-map/",
        f"/network/enterprises/{personas.ours.enterprise.pk}/rd/",
        "/network/talents/export/",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("key", ["ent_user", "handler", "sysadmin", "auditor"])
def test_talent_pages_refuse_other_roles(personas, key):
    talent = factories.talent(personas)
    client = _client(personas, key)
    for url in (
        "/network/talents/",
        f"/network/talents/{talent.pk}/",
        "/network/talents/new/",
        "/network/talents/export/",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    ("key", "status"),
    [("chief", 200), ("member", 200), ("liaison", 200), ("x_liaison", 200), ("district", 200), ("x_district", 404)],
)
def test_talent_detail_scope(personas, key, status):
    talent = factories.talent(personas)  # hometown 测试甲区: the 测试乙区 district admin does not see it
    assert _client(personas, key).get(f"/network/talents/{talent.pk}/").status_code == status


def test_out_of_scope_talent_is_audited_and_missing_is_404(personas):
    talent = factories.talent(personas)
    client = _client(personas, "x_district")
    assert client.get(f"/network/talents/{talent.pk}/edit/").status_code == 404
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor=personas.x_district, object_id=str(talent.pk)
    ).exists()
    assert _client(personas, "chief").get("/network/talents/99999999/").status_code == 404


@pytest.mark.parametrize(
    ("key", "edit"),
    [("liaison", 200), ("chief", 200), ("member", 200), ("x_chief", 403), ("x_liaison", 403), ("district", 403)],
)
def test_talent_edit_rights(personas, key, edit):
    talent = factories.talent(personas)
    client = _client(personas, key)
    assert client.get(f"/network/talents/{talent.pk}/edit/").status_code == edit
    page = _page(client.get(f"/network/talents/{talent.pk}/"))
    assert ('data-testid="contact-form"' in page) is (edit == 200)
    assert ('data-testid="talent-edit"' in page) is (edit == 200)


@pytest.mark.parametrize(
    ("key", "full"),
    [("liaison", True), ("chief", True), ("member", True), ("x_liaison", False), ("district", False)],
)
def test_talent_phone_masking_in_pages_and_export(personas, key, full):
    talent = factories.talent(personas, name="测掩码能人")
    client = _client(personas, key)
    for url in (f"/network/talents/{talent.pk}/", "/network/talents/?q=测掩码能人"):
        page = _page(client.get(url))
        assert (PHONE in page) is full and (MASKED in page) is not full, url
    rows = _export_rows(client, "/network/talents/export/?q=测掩码能人", "姓名")
    assert [r[0] for r in rows] == ["测掩码能人"]
    assert rows[0][9] == (PHONE if full else MASKED)


def test_detail_shows_profile_contacts_and_lazy_sections(personas):
    talent = factories.talent(personas, ties="测试甲区籍，父母在测试镇。")
    services.talent_contact_add(
        actor=personas.liaison, talent=talent, contacted_on=personas.today, notes="春节返乡座谈"
    )
    page = _page(_client(personas, "chief").get(f"/network/talents/{talent.pk}/"))
    assert "测试甲区籍，父母在测试镇。" in page and "春节返乡座谈" in page and personas.ours.chain.name in page
    assert f'hx-get="/projects/talents/{talent.pk}/"' in page and "查看引荐项目" in page
    assert f'hx-get="/leads/talents/{talent.pk}/"' in page and "查看引荐线索" in page


# --- talents: forms ------------------------------------------------------------------------------------


def _talent_form(personas, **extra):  # noqa: ANN001, ANN202
    data = {
        "name": "测新能人",
        "city": "深圳",
        "organisation": "深圳测试生物公司",
        "keeper": personas.liaison.pk,
        "hometown": personas.ours.region.pk,
        "phone": "13700001111",
        "chains": [personas.ours.chain.pk],
    }
    data.update(extra)
    return data


def test_create_talent_keeps_input_on_error_then_saves(personas):
    client = _client(personas, "liaison")
    response = client.post("/network/talents/new/", _talent_form(personas, organisation="", phone="电话"))
    page = _page(response)
    assert response.status_code == 400 and "测新能人" in page and "电话只能包含数字" in page
    assert not Talent.objects.filter(name="测新能人").exists()
    response = client.post("/network/talents/new/", _talent_form(personas))
    talent = Talent.objects.get(name="测新能人")
    assert response.status_code == 302 and response["Location"] == f"/network/talents/{talent.pk}/"
    assert talent.keeper == personas.liaison and list(talent.chains.all()) == [personas.ours.chain]
    assert (talent.hometown, talent.city, talent.phone) == (personas.ours.region, "深圳", "13700001111")
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, content_type__model="talent", object_id=str(talent.pk)
    ).exists()


def test_create_is_refused_to_district_admin(personas):
    assert _client(personas, "district").get("/network/talents/new/").status_code == 403
    assert 'data-testid="talent-create"' not in _page(_client(personas, "district").get("/network/talents/"))
    assert 'data-testid="talent-create"' in _page(_client(personas, "liaison").get("/network/talents/"))


def test_edit_talent(personas):
    talent = factories.talent(personas)
    response = _client(personas, "member").post(
        f"/network/talents/{talent.pk}/edit/", _talent_form(personas, name=talent.name, city="北京")
    )
    assert response.status_code == 302
    talent.refresh_from_db()
    assert talent.city == "北京"


def test_contact_form_refuses_future_date_then_saves(personas):
    talent = factories.talent(personas)
    today = personas.today
    client = _client(personas, "liaison")
    url = f"/network/talents/{talent.pk}/contacts/new/"
    response = client.post(
        url, {"contacted_on": (today + dt.timedelta(days=2)).isoformat(), "kind": "call", "notes": "约了下周"}
    )
    assert response.status_code == 400 and "联系日期不能晚于今天。" in _page(response) and "约了下周" in _page(response)
    assert not talent.contacts.exists()
    response = client.post(
        url,
        {
            "contacted_on": f"{today.year}年{today.month}月{today.day}日",
            "kind": "meeting",
            "notes": "在沪见面，谈医用膜材项目",
        },
    )
    assert response.status_code == 302
    talent.refresh_from_db()
    assert talent.last_contact_on == today and talent.contacts.count() == 1
    x_liaison = _client(personas, "x_liaison")
    assert x_liaison.post(url, {"contacted_on": today.isoformat(), "notes": "x"}).status_code == 403
    assert talent.contacts.count() == 1


# --- talents: list -------------------------------------------------------------------------------------


def _names(client, query: str) -> set[str]:  # noqa: ANN001
    response = client.get(f"/network/talents/{query}")
    assert response.status_code == 200
    return {t.name for t, _phone in response.context["rows"]}


def test_talent_filters_and_sort(personas):
    theirs = personas.theirs.chain
    today = personas.today
    a = factories.talent(personas, name="测筛选1", city="测城A", field="合成生物")
    b = factories.talent(personas, name="测筛选2", city="测城B", chains=[theirs], keeper=personas.member)
    for talent, days in ((a, 5), (b, 100)):
        services.talent_contact_add(
            actor=talent.keeper, talent=talent, contacted_on=today - dt.timedelta(days=days), notes="测试联系"
        )
    client = _client(personas, "chief")
    assert _names(client, "?q=测筛选") == {"测筛选1", "测筛选2"}
    assert _names(client, "?q=合成生物") >= {"测筛选1"} and "测筛选2" not in _names(client, "?q=合成生物")
    assert _names(client, "?city=测城B") == {"测筛选2"}
    assert _names(client, f"?q=测筛选&chain={theirs.pk}") == {"测筛选2"}
    assert _names(client, f"?q=测筛选&keeper={personas.member.pk}") == {"测筛选2"}
    assert _names(client, "?q=测筛选&stale=90") == {"测筛选2"}
    assert _names(client, "?q=测筛选&stale=3") == {"测筛选1", "测筛选2"}
    response = client.get("/network/talents/?q=测筛选&sort=-contact")
    assert [t.name for t, _p in response.context["rows"]] == ["测筛选1", "测筛选2"]
    page = _page(client.get("/network/talents/"))
    assert "测城A" in page  # the city filter offers the talents' cities


def test_district_admin_sees_only_talents_from_the_district(personas):
    factories.talent(personas, name="测甲区籍")
    factories.talent(personas, name="测乙区籍", hometown=personas.theirs.region)
    assert _names(_client(personas, "district"), "?q=测") >= {"测甲区籍"}
    assert "测乙区籍" not in _names(_client(personas, "district"), "?q=测")
    assert _names(_client(personas, "x_district"), "?q=测") >= {"测乙区籍"}
    assert "测甲区籍" not in _names(_client(personas, "x_district"), "?q=测")


def test_empty_list_says_why(personas):
    page = _page(_client(personas, "chief").get("/network/talents/?q=不存在的人名"))
    assert "没有符合条件的在外能人。" in page


def test_talent_list_query_count_is_constant(personas, django_assert_max_num_queries):
    chains = [personas.ours.chain, personas.theirs.chain]
    for i in range(60):
        factories.talent(personas, name=f"测计数{i:02d}", chains=chains)
    client = _client(personas, "chief")
    client.get("/network/talents/")  # warm-up: the session's last-seen time
    filters = f"?stale=30&city=上海&chain={personas.ours.chain.pk}&keeper={personas.liaison.pk}"
    for query in ["", "?q=测计数&sort=-contact", filters, "?page=2&sort=keeper"]:
        with django_assert_max_num_queries(6):
            assert client.get(f"/network/talents/{query}").status_code == 200


def _export_rows(client, url: str, first_header: str) -> list[list]:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == first_header))
    return rows[header + 1 :]


def test_talent_export_is_the_filtered_list_and_audited(personas):
    for name in ("测导出1", "测导出2"):
        factories.talent(personas, name=name)
    factories.talent(personas, name="测不导出", city="北京")
    client = _client(personas, "liaison")
    rows = _export_rows(client, "/network/talents/export/?q=测导出&city=上海&sort=-name", "姓名")
    assert [r[0] for r in rows] == ["测导出2", "测导出1"]
    assert rows[0][7] == personas.ours.chain.name
    line = AuditLog.objects.filter(action=AuditAction.EXPORT, actor=personas.liaison).latest("pk")
    assert "在外能人名录导出 2 条" in line.message and "city=" in line.message


# --- partners ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status"),
    [("chief", 200), ("liaison", 200), ("district", 200), ("ent_user", 200), ("handler", 403), ("sysadmin", 403)],
)
def test_partner_pages_access(personas, key, status):
    partner = factories.partner(personas)
    client = _client(personas, key)
    assert client.get("/network/partners/").status_code == status
    assert client.get(f"/network/partners/{partner.pk}/").status_code == status
    create = client.get("/network/partners/new/").status_code
    assert create == (200 if key in ("chief", "liaison", "district") else 403)


def test_partner_detail_lists_only_visible_cooperations(personas):
    ours, theirs = personas.ours.enterprise, personas.theirs.enterprise
    partner = factories.partner(personas, name="测可见性大学")
    factories.cooperation(personas, ours, partner)
    factories.cooperation(personas, theirs, partner)
    chief = _page(_client(personas, "chief").get(f"/network/partners/{partner.pk}/"))
    assert ours.name in chief and theirs.name not in chief
    x_liaison = _page(_client(personas, "x_liaison").get(f"/network/partners/{partner.pk}/"))
    assert ours.name not in x_liaison and theirs.name in x_liaison
    response = _client(personas, "ent_user").get("/network/partners/?q=测可见性大学")
    listed = response.context["page_obj"].object_list
    assert [(p.n_cooperations, p.n_enterprises) for p in listed] == [(1, 1)]


def test_partner_create_duplicate_message_and_edit(personas):
    factories.partner(personas, name="测重复大学", city="北京")
    client = _client(personas, "member")
    response = client.post("/network/partners/new/", {"name": "测重复大学", "kind": "university", "city": "上海"})
    assert response.status_code == 400 and "研发资源“测重复大学”（北京）已登记，请勿重复添加" in _page(response)
    assert RdPartner.objects.filter(name="测重复大学").count() == 1
    response = client.post(
        "/network/partners/new/", {"name": "测新大学", "kind": "institute", "city": "上海", "research": "药物制剂"}
    )
    partner = RdPartner.objects.get(name="测新大学")
    assert response.status_code == 302 and partner.fields == "药物制剂" and partner.kind == "institute"
    response = client.post(
        f"/network/partners/{partner.pk}/edit/",
        {"name": "测新大学", "kind": "institute", "city": "广州", "research": "药物制剂"},
    )
    partner.refresh_from_db()
    assert response.status_code == 302 and partner.city == "广州"
    assert _client(personas, "ent_user").get(f"/network/partners/{partner.pk}/edit/").status_code == 403


def test_partner_filters_and_export(personas):
    factories.partner(personas, name="测筛机构1", city="测市X", kind="university", fields="生物材料")
    factories.partner(personas, name="测筛机构2", city="测市Y", kind="hospital")
    client = _client(personas, "chief")

    def names(query: str) -> set[str]:
        return {p.name for p in client.get(f"/network/partners/{query}").context["page_obj"].object_list}

    assert names("?q=测筛机构") == {"测筛机构1", "测筛机构2"}
    assert names("?q=生物材料") >= {"测筛机构1"} and "测筛机构2" not in names("?q=生物材料")
    assert names("?city=测市Y") == {"测筛机构2"}
    assert names("?q=测筛机构&kind=hospital") == {"测筛机构2"}
    rows = _export_rows(client, "/network/partners/export/?q=测筛机构&sort=-name", "机构名称")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("测筛机构2", "医院/临床机构", "测市Y"),
        ("测筛机构1", "高校", "测市X"),
    ]
    assert AuditLog.objects.filter(
        action=AuditAction.EXPORT, actor=personas.chief, message__startswith="研发资源名录导出 2 条"
    ).exists()


def test_partner_list_query_count_is_constant(personas, django_assert_max_num_queries):
    for i in range(60):
        factories.cooperation(
            personas, personas.ours.enterprise, factories.partner(personas, name=f"测计数机构{i:02d}")
        )
    client = _client(personas, "chief")
    client.get("/network/partners/")
    for query in ["", "?q=测计数机构&sort=-cooperations", "?city=上海&kind=university", "?page=2"]:
        with django_assert_max_num_queries(6):
            assert client.get(f"/network/partners/{query}").status_code == 200


# --- the enterprise tab and cooperation forms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status", "may_add"),
    [
        ("liaison", 200, True),
        ("chief", 200, True),
        ("district", 200, True),
        ("ent_user", 200, False),
        ("x_liaison", 404, False),
        ("x_district", 404, False),
        ("x_chief", 404, False),
        ("handler", 403, False),
    ],
)
def test_enterprise_tab_scope(personas, key, status, may_add):
    enterprise = personas.ours.enterprise
    client = _client(personas, key)
    response = client.get(f"/network/enterprises/{enterprise.pk}/rd/", HTTP_HX_REQUEST="true")
    assert response.status_code == status
    if status == 200:
        page = _page(response)
        assert "<html" not in page and 'data-testid="enterprise-rd"' in page
        assert ('data-testid="cooperation-create"' in page) is may_add
        full = _page(client.get(f"/network/enterprises/{enterprise.pk}/rd/"))
        assert "<html" in full and enterprise.name in full
    create = client.get(f"/network/enterprises/{enterprise.pk}/rd/new/").status_code
    assert create == (200 if may_add else (403 if status == 200 or key == "handler" else 404))


def test_enterprise_tab_lists_cooperations_and_empty_state(personas):
    enterprise = personas.ours.enterprise
    RdCooperation.objects.filter(enterprise=enterprise).delete()  # the world's own cooperation of ours
    client = _client(personas, "ent_user")
    url = f"/network/enterprises/{enterprise.pk}/rd/"
    assert "暂无研发合作。" in _page(client.get(url, HTTP_HX_REQUEST="true"))
    partner = factories.partner(personas, name="测复旦大学", city="上海")
    factories.cooperation(personas, enterprise, partner, status=CooperationStatus.TALKING)
    page = _page(client.get(url, HTTP_HX_REQUEST="true"))
    assert "暂无研发合作。" not in page
    assert "测复旦大学" in page and "上海" in page and factories.COOPERATION_SUBJECT in page and "洽谈中" in page
    assert factories.COOPERATION_START.isoformat() in page and "至今" in page


def test_cooperation_form_refuses_end_before_start_then_saves(personas):
    enterprise = personas.ours.enterprise
    partner = factories.partner(personas)
    client = _client(personas, "liaison")
    url = f"/network/enterprises/{enterprise.pk}/rd/new/"
    data = {
        "partner": partner.pk,
        "subject": "新型膜材中试",
        "started_on": "2026-06-01",
        "ended_on": "2026-05-01",
        "status": "active",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "结束日期不能早于开始日期。" in _page(response)
    assert "新型膜材中试" in _page(response)
    assert not RdCooperation.objects.filter(partner=partner).exists()
    response = client.post(url, {**data, "ended_on": ""})
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{enterprise.pk}/#tab-rd"
    coop = RdCooperation.objects.get(partner=partner)
    assert (coop.enterprise, coop.subject, coop.created_by) == (enterprise, "新型膜材中试", personas.liaison)
    response = client.post(
        f"/network/cooperations/{coop.pk}/edit/", {**data, "ended_on": "2026-10-01", "status": "done"}
    )
    coop.refresh_from_db()
    assert response.status_code == 302 and coop.status == "done"
    assert AuditLog.objects.filter(object_id=str(coop.pk), message="状态：进行中 → 已完成").exists()
    assert _client(personas, "x_liaison").get(f"/network/cooperations/{coop.pk}/edit/").status_code == 404
    assert _client(personas, "ent_user").get(f"/network/cooperations/{coop.pk}/edit/").status_code == 403
