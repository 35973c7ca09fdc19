"""Registry pages per persona: scope by URL guessing, forms, filters, query counts, export, phone masking.

On the personas' world: `ours.enterprise` (its enterprise user is ent_user, its only contact set to 王经理 with
PHONE) and `ent2` (no contact, no indicator) are on 测试甲链 in 测试甲区, served by `personas.liaison`;
`theirs.enterprise` is on 测试乙链 in 测试乙区, served by `personas.x_liaison`."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises import services
from chaindesk.enterprises.models import Contact, Enterprise, Indicator

from .factories import MASKED, PHONE, flip_check_digit, ours_enterprises, ours_tree, qualification, valid_uscc

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


@pytest.fixture
def ours(personas) -> Enterprise:  # noqa: ANN001
    """Our enterprise, its one contact (the primary) renamed 王经理 with PHONE by its liaison."""
    services.contact_update(actor=personas.liaison, contact=personas.ours.contact, name="王经理", phone=PHONE)
    return personas.ours.enterprise


def _as(user) -> Client:  # noqa: ANN001
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- scope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "target", "status"),
    [
        ("ent_user", "ours", 200),
        ("ent_user", "theirs", 404),  # an enterprise user guessing another firm's id
        ("liaison", "ours", 200),
        ("liaison", "theirs", 404),  # a liaison guessing a colleague's firm
        ("x_liaison", "theirs", 200),
        ("x_liaison", "ours", 404),
        ("district", "ours", 200),  # 测试甲区 district admin
        ("district", "theirs", 404),  # 测试乙区 firm
        ("x_district", "ours", 404),
        ("x_district", "theirs", 200),
        ("x_ent_user", "theirs", 200),
        ("x_ent_user", "ours", 404),
    ],
)
def test_detail_scope_by_url_guessing(personas, ours, key, target, status):
    enterprise = ours if target == "ours" else personas.theirs.enterprise
    client = _as(personas.user(key))
    for suffix in ("", "indicators/new/", "contacts/new/"):
        response = client.get(f"/enterprises/{enterprise.pk}/{suffix}")
        assert response.status_code == status if status == 404 or not suffix else response.status_code in (200, 403)


def test_out_of_scope_lookup_is_audited(personas, ours):
    _as(personas.x_district).get(f"/enterprises/{ours.pk}/edit/")
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor=personas.x_district, object_id=str(ours.pk)
    ).exists()


def test_write_pages_answer_403_to_readers_without_the_right(personas, ours):
    assert _as(personas.ent_user).get(f"/enterprises/{ours.pk}/edit/").status_code == 403
    assert _as(personas.ent_user).get(f"/enterprises/{ours.pk}/contacts/new/").status_code == 200
    assert _as(personas.liaison).get("/enterprises/new/").status_code == 403
    assert _as(personas.ent_user).get("/enterprises/new/").status_code == 403
    assert _as(personas.handler).get("/enterprises/new/").status_code == 403
    assert _as(personas.member).get("/enterprises/new/").status_code == 200
    assert _as(personas.liaison).get(f"/enterprises/{ours.pk}/edit/").status_code == 200
    assert "/accounts/login/" in _as(None).get("/enterprises/new/")["Location"]


def test_list_shows_create_button_only_to_creators(personas):
    assert "新增企业" in _as(personas.chief).get("/enterprises/").content.decode()
    assert "新增企业" not in _as(personas.liaison).get("/enterprises/").content.decode()


def test_list_scopes_for_the_enterprise_user(personas, ours):
    page = _as(personas.ent_user).get("/enterprises/").content.decode()
    assert ours.name in page and "共 1 条" in page
    assert personas.ent2.name not in page and personas.theirs.enterprise.name not in page


# --- create form ---------------------------------------------------------------------------------------


def _form(personas, node, **extra):  # noqa: ANN001, ANN202
    data = {"name": "测试甲新制药有限公司", "uscc": valid_uscc(11), "region": personas.ours.region.pk}
    data["nodes"] = [node.pk]
    data.update(extra)
    return data


def test_create_refuses_bad_code_keeps_input_then_saves(personas):
    chem = ours_tree(personas)["chem"]
    client = _as(personas.chief)
    good = valid_uscc(12)
    response = client.post("/enterprises/new/", _form(personas, chem, uscc=flip_check_digit(good)))
    page = response.content.decode()
    assert response.status_code == 400
    assert "校验位" in page and "测试甲新制药有限公司" in page
    assert not Enterprise.objects.filter(name="测试甲新制药有限公司").exists()
    response = client.post("/enterprises/new/", _form(personas, chem, uscc=good, qualifications=[qualification().pk]))
    created = Enterprise.objects.get(uscc=good)
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{created.pk}/"
    assert list(created.qualifications.all()) == [qualification()]
    assert list(created.chains.all()) == [personas.ours.chain] and list(created.nodes.all()) == [chem]


def test_create_refuses_duplicate_code(personas, ours):
    response = _as(personas.chief).post("/enterprises/new/", _form(personas, personas.ours.node, uscc=ours.uscc))
    assert f"该统一社会信用代码已登记：{ours.name}" in response.content.decode()
    assert Enterprise.objects.filter(uscc=ours.uscc).count() == 1


def test_similar_name_needs_confirmation(personas, ours):
    client = _as(personas.chief)
    data = _form(personas, personas.ours.node, name="测试甲企业科技有限公司", uscc=valid_uscc(13))
    page = client.post("/enterprises/new/", data).content.decode()
    assert "名称相近" in page and ours.name in page and "已核对，仍然新增" in page
    assert not Enterprise.objects.filter(uscc=data["uscc"]).exists()
    response = client.post("/enterprises/new/", {**data, "confirm_similar": "on"})
    assert response.status_code == 302 and Enterprise.objects.filter(uscc=data["uscc"]).exists()


def test_team_member_must_place_in_own_chain(personas):
    data = _form(personas, personas.ours.node, nodes=[], uscc=valid_uscc(14))
    page = _as(personas.member).post("/enterprises/new/", data).content.decode()
    assert "请至少选择一个您所在产业链的环节" in page
    assert not Enterprise.objects.filter(uscc=data["uscc"]).exists()


def test_indicator_form_accepts_yi_and_says_the_unit(personas, ours):
    # 2021: a year the personas' world leaves empty (its figures are for last year) under every test clock
    client = _as(personas.ent_user)
    response = client.post(
        f"/enterprises/{ours.pk}/indicators/new/", {"year": 2021, "revenue": "5.2亿", "tax": "1,200"}
    )
    assert response.status_code == 302
    ind = Indicator.objects.get(enterprise=ours, year=2021)
    assert ind.revenue == Decimal("52000.00") and ind.tax == Decimal("1200.00")
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert "52,000.00 万元" in page
    bad = client.post(f"/enterprises/{ours.pk}/indicators/new/", {"year": 2021, "revenue": "五亿"})
    assert bad.status_code == 400 and "无法识别金额" in bad.content.decode()
    assert Indicator.objects.get(enterprise=ours, year=2021).revenue == Decimal("52000.00")


def test_indicators_tab_has_yoy_and_chart(personas):
    ent2 = personas.ent2  # no figures of its own
    services.indicator_set(
        actor=personas.liaison, enterprise=ent2, year=2024, revenue=Decimal("40000"), tax=Decimal("1000")
    )
    services.indicator_set(
        actor=personas.liaison, enterprise=ent2, year=2025, revenue=Decimal("52000"), tax=Decimal("900")
    )
    page = _as(personas.chief).get(f"/enterprises/{ent2.pk}/").content.decode()
    assert "+30.0%" in page and "-10.0%" in page
    assert 'data-chart="enterprise-indicator-chart"' in page and 'id="enterprise-indicator-chart"' in page
    assert "营业收入与税收" in page and "echarts.min.js" in page
    for tab in (
        "/service/enterprises/%d/visits/",
        "/service/enterprises/%d/timeline/",
        "/projects/enterprises/%d/",
        "/leads/enterprises/%d/",
        "/network/enterprises/%d/rd/",
        "/demands/enterprises/%d/",
    ):
        assert tab % ent2.pk in page
    assert page.count("将在后续版本提供") == 1  # 会议 until its issue lands


# --- phone masking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "full"),
    [("liaison", True), ("ent_user", True), ("chief", True), ("member", True), ("district", False)],
)
def test_phone_masking_in_page_and_export(personas, ours, key, full):
    client = _as(personas.user(key))
    page = client.get(f"/enterprises/{ours.pk}/").content.decode()
    assert (PHONE in page) is full and (MASKED in page) is not full
    rows = _export_rows(client, f"?q={ours.name}")
    assert [r[0] for r in rows] == [ours.name]
    assert rows[0][9] == (PHONE if full else MASKED)


# --- list, filters, export ----------------------------------------------------------------------------


def _names(client, query: str) -> set[str]:
    response = client.get(f"/enterprises/{query}")
    assert response.status_code == 200
    return {e.name for e in response.context["page_obj"].object_list}


def test_filters(personas, ours):
    tree = ours_tree(personas)
    ent2, today = personas.ent2, personas.today
    client = _as(personas.chief)
    ours.nodes.add(tree["chem"])
    gx = qualification()
    ours.qualifications.add(gx)
    both = {ours.name, ent2.name}
    assert _names(client, "") == both  # the chief's chain holds these two
    assert _names(client, f"?node={tree['up'].pk}") == {ours.name}  # descendants included
    assert _names(client, f"?node={tree['down'].pk}") == set()
    assert _names(client, f"?qual={gx.pk}") == {ours.name}
    assert _names(client, "?q=甲企") == {ours.name}  # two Chinese characters
    assert _names(client, f"?q={ours.uscc.lower()}") == {ours.name}
    assert ours.name in _names(client, f"?q={ours.uscc[:10].lower()}")
    assert _names(client, f"?liaison={personas.liaison.pk}") == both
    assert _names(client, f"?liaison={personas.x_liaison.pk}") == set()
    Enterprise.objects.filter(pk=ours.pk).update(last_visit_on=today - dt.timedelta(days=10))
    assert ours.name not in _names(client, "?stale=90")
    Enterprise.objects.filter(pk=ours.pk).update(last_visit_on=today - dt.timedelta(days=120))
    assert ours.name in _names(client, "?stale=90")
    assert _names(client, f"?region={personas.ours.region.pk}") == both
    assert _names(client, f"?region={personas.theirs.region.pk}") == set()
    page = client.get("/enterprises/?sort=-visit").content.decode()
    assert "共 2 条" in page


def test_list_query_count_is_constant(personas, django_assert_max_num_queries):
    tree = ours_tree(personas)
    ours_enterprises(personas, 30, nodes=[tree["chem"], tree["down"]])
    client = _as(personas.chief)
    client.get("/enterprises/")  # warm-up: the session's last-seen time
    assert len(_names(client, f"?node={tree['up'].pk}")) == 30
    queries = [
        "",
        f"?node={tree['up'].pk}",
        "?q=测试&sort=-visit",
        "?stale=90&qual=1&liaison=1&region=1",
        f"?stale=90&qual={qualification().pk}&liaison={personas.liaison.pk}&region={personas.ours.region.pk}",
    ]
    for query in queries:
        with django_assert_max_num_queries(6):
            assert client.get(f"/enterprises/{query}").status_code == 200


def _export_rows(client, query: str) -> list[list]:
    response = client.get(f"/enterprises/export/{query}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == "企业名称"))
    return rows[header + 1 :]


def test_export_is_exactly_the_filtered_list_and_audited(personas, ours):
    ent2 = personas.ent2
    services.indicator_set(actor=personas.liaison, enterprise=ent2, year=2025, revenue=Decimal("52000"))
    client = _as(personas.liaison)
    listed = _names(client, "?q=二号")
    assert listed == {ent2.name}
    rows = _export_rows(client, "?q=二号")
    assert {r[0] for r in rows} == listed
    everything = _export_rows(client, "")
    assert sorted(r[0] for r in everything) == sorted([ours.name, ent2.name])  # the two it serves
    mine = next(r for r in everything if r[0] == ent2.name)
    assert mine[1] == ent2.uscc and mine[7] == 52000 and mine[5] == personas.liaison.display_name
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor=personas.liaison).count() == 2


# --- edit pages ------------------------------------------------------------------------------------------


def _profile(enterprise: Enterprise, node, **extra):  # noqa: ANN001, ANN202
    data = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "region": enterprise.region_id,
        "address": "测试甲区经济开发区",
        "nodes": [node.pk],
    }
    data.update(extra)
    return data


def test_liaison_edits_profile_and_a_duplicate_code_is_refused(personas, ours):
    chem = ours_tree(personas)["chem"]
    client = _as(personas.liaison)
    other = personas.ent2
    page = client.post(f"/enterprises/{ours.pk}/edit/", _profile(ours, chem, uscc=other.uscc)).content.decode()
    assert f"该统一社会信用代码已登记：{other.name}" in page
    response = client.post(f"/enterprises/{ours.pk}/edit/", _profile(ours, chem))
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.address == "测试甲区经济开发区" and list(ours.nodes.all()) == [chem]
    assert _as(personas.x_liaison).post(f"/enterprises/{ours.pk}/edit/", _profile(ours, chem)).status_code == 404


def test_contact_pages_edit_and_delete(personas, ours):
    contact = ours.contacts.get()
    client = _as(personas.ent_user)
    url = f"/enterprises/{ours.pk}/contacts/{contact.pk}/"
    bad = client.post(f"{url}edit/", {"name": "王经理", "phone": "call me"})
    assert bad.status_code == 400 and "电话只能包含数字" in bad.content.decode()
    assert client.post(f"{url}edit/", {"name": "王经理", "phone": "13900001111"}).status_code == 302
    contact.refresh_from_db()
    assert contact.phone == "13900001111"
    assert client.get(f"{url}delete/").status_code == 302 and Contact.objects.filter(pk=contact.pk).exists()
    assert client.post(f"{url}delete/").status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_indicator_edit_keeps_the_year(personas):
    ent2 = personas.ent2  # no figures of its own
    services.indicator_set(actor=personas.liaison, enterprise=ent2, year=2024, revenue=Decimal("100"))
    client = _as(personas.liaison)
    response = client.post(f"/enterprises/{ent2.pk}/indicators/2024/edit/", {"year": 1999, "revenue": "2亿"})
    assert response.status_code == 302
    assert Indicator.objects.get(enterprise=ent2, year=2024).revenue == Decimal("20000.00")
    assert not Indicator.objects.filter(enterprise=ent2, year=1999).exists()
    assert client.get(f"/enterprises/{ent2.pk}/indicators/2023/edit/").status_code == 404
