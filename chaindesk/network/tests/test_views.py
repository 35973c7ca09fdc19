"""Network pages per persona: anonymous, wrong role, in scope, out of scope (404 by URL guessing); forms;
filters; query counts; exports with masked phones."""

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.network.models import CooperationStatus, RdCooperation, RdPartner, Talent, TalentContact

from .conftest import MASKED, PHONE

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _page(response) -> str:  # noqa: ANN001
    return response.content.decode()


# --- talents: access -----------------------------------------------------------------------------------


def test_anonymous_goes_to_login(make_talent, boshen):
    talent = make_talent()
    for url in (
        "/network/talents/",
        f"/network/talents/{talent.pk}/",
        "/network/partners/",
        "/network/rd-map/",
        f"/network/enterprises/{boshen.pk}/rd/",
        "/network/talents/export/",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("username", ["liuyang", "chenjing", "sysadmin", "auditor"])
def test_talent_pages_refuse_other_roles(client_as, make_talent, username):
    talent = make_talent()
    client = client_as(username)
    for url in (
        "/network/talents/",
        f"/network/talents/{talent.pk}/",
        "/network/talents/new/",
        "/network/talents/export/",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    ("username", "status"),
    [("jiangdd", 200), ("wangzh", 200), ("liming", 200), ("lz_321282", 200), ("zhoutao", 200), ("da_321282", 404)],
)
def test_talent_detail_scope(client_as, make_talent, username, status):
    talent = make_talent()  # hometown 兴化市: the 靖江 district admin does not see it
    assert client_as(username).get(f"/network/talents/{talent.pk}/").status_code == status


def test_out_of_scope_talent_is_audited_and_missing_is_404(client_as, make_talent):
    talent = make_talent()
    client = client_as("da_321282")
    assert client.get(f"/network/talents/{talent.pk}/edit/").status_code == 404
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor__username="da_321282", object_id=str(talent.pk)
    ).exists()
    assert client_as("jiangdd").get("/network/talents/99999999/").status_code == 404


@pytest.mark.parametrize(
    ("username", "edit"),
    [("liming", 200), ("jiangdd", 200), ("wangzh", 200), ("lead_equip", 403), ("lz_321282", 403), ("zhoutao", 403)],
)
def test_talent_edit_rights(client_as, make_talent, username, edit):
    talent = make_talent()
    client = client_as(username)
    assert client.get(f"/network/talents/{talent.pk}/edit/").status_code == edit
    page = _page(client.get(f"/network/talents/{talent.pk}/"))
    assert ('data-testid="contact-form"' in page) is (edit == 200)
    assert ('data-testid="talent-edit"' in page) is (edit == 200)


@pytest.mark.parametrize(
    ("username", "full"),
    [("liming", True), ("jiangdd", True), ("wangzh", True), ("lz_321282", False), ("zhoutao", False)],
)
def test_talent_phone_masking_in_pages_and_export(client_as, make_talent, username, full):
    talent = make_talent(name="测掩码能人")
    client = client_as(username)
    for url in (f"/network/talents/{talent.pk}/", "/network/talents/?q=测掩码能人"):
        page = _page(client.get(url))
        assert (PHONE in page) is full and (MASKED in page) is not full, url
    rows = _export_rows(client, "/network/talents/export/?q=测掩码能人", "姓名")
    assert [r[0] for r in rows] == ["测掩码能人"]
    assert rows[0][9] == (PHONE if full else MASKED)


def test_detail_shows_profile_contacts_and_lazy_sections(client_as, make_talent, persona, today):
    talent = make_talent(ties="兴化籍，父母在戴南镇。")
    TalentContact.objects.create(talent=talent, contacted_on=today, notes="春节返乡座谈", created_by=persona("liming"))
    page = _page(client_as("jiangdd").get(f"/network/talents/{talent.pk}/"))
    assert "兴化籍，父母在戴南镇。" in page and "春节返乡座谈" in page and "生物医药" in page
    assert f'hx-get="/projects/talents/{talent.pk}/"' in page and "查看引荐项目" in page
    assert f'hx-get="/leads/talents/{talent.pk}/"' in page and "查看引荐线索" in page


# --- talents: forms ------------------------------------------------------------------------------------


def _talent_form(persona, **extra):  # noqa: ANN001, ANN202
    data = {
        "name": "测新能人",
        "city": "深圳",
        "organisation": "深圳测试生物公司",
        "keeper": persona("liming").pk,
        "hometown": Region.objects.get(code="321281").pk,
        "phone": "13700001111",
        "chains": [Chain.objects.get(code="biomed").pk],
    }
    data.update(extra)
    return data


def test_create_talent_keeps_input_on_error_then_saves(client_as, persona):
    client = client_as("liming")
    response = client.post("/network/talents/new/", _talent_form(persona, organisation="", phone="电话"))
    page = _page(response)
    assert response.status_code == 400 and "测新能人" in page and "电话只能包含数字" in page
    assert not Talent.objects.filter(name="测新能人").exists()
    response = client.post("/network/talents/new/", _talent_form(persona))
    talent = Talent.objects.get(name="测新能人")
    assert response.status_code == 302 and response["Location"] == f"/network/talents/{talent.pk}/"
    assert talent.keeper == persona("liming") and talent.chains.filter(code="biomed").exists()
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, content_type__model="talent", object_id=str(talent.pk)
    ).exists()


def test_create_is_refused_to_district_admin(client_as):
    assert client_as("zhoutao").get("/network/talents/new/").status_code == 403
    assert 'data-testid="talent-create"' not in _page(client_as("zhoutao").get("/network/talents/"))
    assert 'data-testid="talent-create"' in _page(client_as("liming").get("/network/talents/"))


def test_edit_talent(client_as, persona, make_talent):
    talent = make_talent()
    response = client_as("wangzh").post(
        f"/network/talents/{talent.pk}/edit/", _talent_form(persona, name=talent.name, city="北京")
    )
    assert response.status_code == 302
    talent.refresh_from_db()
    assert talent.city == "北京"


def test_contact_form_refuses_future_date_then_saves(client_as, make_talent, today):
    talent = make_talent()
    client = client_as("liming")
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
    assert client_as("lz_321282").post(url, {"contacted_on": today.isoformat(), "notes": "x"}).status_code == 403


# --- talents: list -------------------------------------------------------------------------------------


def _names(client, query: str) -> set[str]:  # noqa: ANN001
    response = client.get(f"/network/talents/{query}")
    assert response.status_code == 200
    return {t.name for t, _phone in response.context["rows"]}


def test_talent_filters_and_sort(client_as, make_talent, persona, today):
    chem = Chain.objects.get(code="chem")
    a = make_talent(name="测筛选1", city="测城A", field="合成生物")
    b = make_talent(name="测筛选2", city="测城B", chains=[chem], keeper=persona("wangzh"))
    Talent.objects.filter(pk=a.pk).update(last_contact_on=today - dt.timedelta(days=5))
    Talent.objects.filter(pk=b.pk).update(last_contact_on=today - dt.timedelta(days=100))
    client = client_as("jiangdd")
    assert _names(client, "?q=测筛选") == {"测筛选1", "测筛选2"}
    assert _names(client, "?q=合成生物") >= {"测筛选1"} and "测筛选2" not in _names(client, "?q=合成生物")
    assert _names(client, "?city=测城B") == {"测筛选2"}
    assert _names(client, f"?q=测筛选&chain={chem.pk}") == {"测筛选2"}
    assert _names(client, f"?q=测筛选&keeper={persona('wangzh').pk}") == {"测筛选2"}
    assert _names(client, "?q=测筛选&stale=90") == {"测筛选2"}
    assert _names(client, "?q=测筛选&stale=3") == {"测筛选1", "测筛选2"}
    response = client.get("/network/talents/?q=测筛选&sort=-contact")
    assert [t.name for t, _p in response.context["rows"]] == ["测筛选1", "测筛选2"]
    page = _page(client.get("/network/talents/"))
    assert "测城A" in page  # the city filter offers the talents' cities


def test_district_admin_sees_only_talents_from_the_district(client_as, make_talent):
    make_talent(name="测兴化籍")
    make_talent(name="测靖江籍", hometown=Region.objects.get(code="321282"))
    assert _names(client_as("zhoutao"), "?q=测") >= {"测兴化籍"}
    assert "测靖江籍" not in _names(client_as("zhoutao"), "?q=测")
    assert _names(client_as("da_321282"), "?q=测") >= {"测靖江籍"}


def test_empty_list_says_why(client_as):
    page = _page(client_as("jiangdd").get("/network/talents/?q=不存在的人名"))
    assert "没有符合条件的在外能人。" in page


def test_talent_list_query_count_is_constant(client_as, make_talent, django_assert_max_num_queries):
    chains = list(Chain.objects.all())
    for i in range(60):
        make_talent(name=f"测计数{i:02d}", chains=chains)
    client = client_as("jiangdd")
    client.get("/network/talents/")  # warm-up: the session's last-seen time
    for query in ["", "?q=测计数&sort=-contact", "?stale=30&city=上海&chain=1&keeper=1", "?page=2&sort=keeper"]:
        with django_assert_max_num_queries(6):
            assert client.get(f"/network/talents/{query}").status_code == 200


def _export_rows(client, url: str, first_header: str) -> list[list]:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == first_header))
    return rows[header + 1 :]


def test_talent_export_is_the_filtered_list_and_audited(client_as, make_talent):
    for name in ("测导出1", "测导出2"):
        make_talent(name=name)
    make_talent(name="测不导出", city="北京")
    client = client_as("liming")
    rows = _export_rows(client, "/network/talents/export/?q=测导出&city=上海&sort=-name", "姓名")
    assert [r[0] for r in rows] == ["测导出2", "测导出1"]
    assert rows[0][7] == "生物医药"
    line = AuditLog.objects.filter(action=AuditAction.EXPORT, actor__username="liming").latest("pk")
    assert "在外能人名录导出 2 条" in line.message and "city=" in line.message


# --- partners ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [("jiangdd", 200), ("liming", 200), ("zhoutao", 200), ("liuyang", 200), ("chenjing", 403), ("sysadmin", 403)],
)
def test_partner_pages_access(client_as, make_partner, username, status):
    partner = make_partner()
    client = client_as(username)
    assert client.get("/network/partners/").status_code == status
    assert client.get(f"/network/partners/{partner.pk}/").status_code == status
    create = client.get("/network/partners/new/").status_code
    assert create == (200 if username in ("jiangdd", "liming", "zhoutao") else 403)


def test_partner_detail_lists_only_visible_cooperations(client_as, make_partner, make_cooperation, boshen):
    partner = make_partner(name="测可见性大学")
    make_cooperation(boshen, partner)
    other = RdCooperation.objects.filter(pk=make_cooperation(_jingjiang_enterprise(), partner).pk).get()
    jiangdd = _page(client_as("jiangdd").get(f"/network/partners/{partner.pk}/"))
    assert boshen.name in jiangdd and other.enterprise.name not in jiangdd
    lz = _page(client_as("lz_321282").get(f"/network/partners/{partner.pk}/"))
    assert boshen.name not in lz and other.enterprise.name in lz
    listed = client_as("liuyang").get("/network/partners/?q=测可见性大学").context["page_obj"].object_list
    assert [(p.n_cooperations, p.n_enterprises) for p in listed] == [(1, 1)]


def _jingjiang_enterprise():  # noqa: ANN202
    from chaindesk.enterprises.models import Enterprise

    return Enterprise.objects.filter(liaison__username="lz_321282").first()


def test_partner_create_duplicate_message_and_edit(client_as, make_partner):
    make_partner(name="测重复大学", city="北京")
    client = client_as("wangzh")
    response = client.post("/network/partners/new/", {"name": "测重复大学", "kind": "university", "city": "上海"})
    assert response.status_code == 400 and "研发资源“测重复大学”（北京）已登记，请勿重复添加" in _page(response)
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
    assert client_as("liuyang").get(f"/network/partners/{partner.pk}/edit/").status_code == 403


def test_partner_filters_and_export(client_as, make_partner):
    make_partner(name="测筛机构1", city="测市X", kind="university", fields="生物材料")
    make_partner(name="测筛机构2", city="测市Y", kind="hospital")
    client = client_as("jiangdd")

    def names(query: str) -> set[str]:
        return {p.name for p in client.get(f"/network/partners/{query}").context["page_obj"].object_list}

    assert names("?q=测筛机构") == {"测筛机构1", "测筛机构2"}
    assert names("?q=生物材料") >= {"测筛机构1"}
    assert names("?city=测市Y") == {"测筛机构2"}
    assert names("?q=测筛机构&kind=hospital") == {"测筛机构2"}
    rows = _export_rows(client, "/network/partners/export/?q=测筛机构&sort=-name", "机构名称")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("测筛机构2", "医院/临床机构", "测市Y"),
        ("测筛机构1", "高校", "测市X"),
    ]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, message__startswith="研发资源名录导出 2 条").exists()


def test_partner_list_query_count_is_constant(
    client_as, make_partner, make_cooperation, boshen, django_assert_max_num_queries
):
    for i in range(60):
        make_cooperation(boshen, make_partner(name=f"测计数机构{i:02d}"))
    client = client_as("jiangdd")
    client.get("/network/partners/")
    for query in ["", "?q=测计数机构&sort=-cooperations", "?city=上海&kind=university", "?page=2"]:
        with django_assert_max_num_queries(6):
            assert client.get(f"/network/partners/{query}").status_code == 200


# --- the enterprise tab and cooperation forms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status", "may_add"),
    [
        ("liming", 200, True),
        ("jiangdd", 200, True),
        ("zhoutao", 200, True),
        ("liuyang", 200, False),
        ("lz_321282", 404, False),
        ("da_321282", 404, False),
        ("lead_equip", 404, False),
        ("chenjing", 403, False),
    ],
)
def test_enterprise_tab_scope(client_as, boshen, username, status, may_add):
    client = client_as(username)
    response = client.get(f"/network/enterprises/{boshen.pk}/rd/", HTTP_HX_REQUEST="true")
    assert response.status_code == status
    if status == 200:
        page = _page(response)
        assert "<html" not in page and 'data-testid="enterprise-rd"' in page
        assert ('data-testid="cooperation-create"' in page) is may_add
        full = _page(client.get(f"/network/enterprises/{boshen.pk}/rd/"))
        assert "<html" in full and boshen.name in full
    create = client.get(f"/network/enterprises/{boshen.pk}/rd/new/").status_code
    assert create == (200 if may_add else (403 if status == 200 or username == "chenjing" else 404))


def test_enterprise_tab_lists_cooperations_and_empty_state(
    client_as, boshen, make_partner, make_cooperation, no_cooperations
):
    client = client_as("liuyang")
    assert "暂无研发合作。" in _page(client.get(f"/network/enterprises/{boshen.pk}/rd/", HTTP_HX_REQUEST="true"))
    make_cooperation(boshen, make_partner(name="测复旦大学", city="上海"), status=CooperationStatus.TALKING)
    page = _page(client.get(f"/network/enterprises/{boshen.pk}/rd/", HTTP_HX_REQUEST="true"))
    assert "测复旦大学" in page and "上海" in page and "医用膜材联合研发" in page and "洽谈中" in page
    assert "2025-03-01" in page and "至今" in page


def test_cooperation_form_refuses_end_before_start_then_saves(client_as, boshen, make_partner):
    partner = make_partner()
    client = client_as("liming")
    url = f"/network/enterprises/{boshen.pk}/rd/new/"
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
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{boshen.pk}/#tab-rd"
    coop = RdCooperation.objects.get(partner=partner)
    response = client.post(
        f"/network/cooperations/{coop.pk}/edit/", {**data, "ended_on": "2026-10-01", "status": "done"}
    )
    coop.refresh_from_db()
    assert response.status_code == 302 and coop.status == "done"
    assert AuditLog.objects.filter(object_id=str(coop.pk), message="状态：进行中 → 已完成").exists()
    assert client_as("lz_321282").get(f"/network/cooperations/{coop.pk}/edit/").status_code == 404
    assert client_as("liuyang").get(f"/network/cooperations/{coop.pk}/edit/").status_code == 403
