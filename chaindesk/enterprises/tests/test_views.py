"""Registry pages per persona: scope by URL guessing, forms, filters, query counts, export, phone masking."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.accounts.models import Region
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Contact, Enterprise, Indicator

from .factories import (
    BOSHEN,
    MASKED,
    PHONE,
    biomed_tree,
    boshen_with_one_contact,
    flip_check_digit,
    qualification,
    valid_uscc,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


@pytest.fixture
def boshen() -> Enterprise:
    return boshen_with_one_contact()  # the demo may carry contacts and indicators of its own


def _other(liaison: str) -> Enterprise:
    return Enterprise.objects.filter(liaison__username=liaison).first()  # type: ignore[return-value]


# --- scope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "target", "status"),
    [
        ("liuyang", "boshen", 200),
        ("liuyang", "lz_321282", 404),  # an enterprise user guessing another firm's id
        ("liming", "boshen", 200),
        ("liming", "lz_321282", 404),  # a liaison guessing a colleague's firm
        ("lz_321282", "lz_321282", 200),
        ("lz_321282", "boshen", 404),
        ("zhoutao", "boshen", 200),  # 兴化市 district admin
        ("zhoutao", "lz_321282", 404),  # 靖江市 firm
        ("da_321282", "boshen", 404),
        ("da_321282", "lz_321282", 200),
    ],
)
def test_detail_scope_by_url_guessing(client_as, boshen, username, target, status):
    enterprise = boshen if target == "boshen" else _other(target)
    for suffix in ("", "indicators/new/", "contacts/new/"):
        response = client_as(username).get(f"/enterprises/{enterprise.pk}/{suffix}")
        assert response.status_code == status if status == 404 or not suffix else response.status_code in (200, 403)


def test_out_of_scope_lookup_is_audited(client_as, boshen):
    client_as("da_321282").get(f"/enterprises/{boshen.pk}/edit/")
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor__username="da_321282", object_id=str(boshen.pk)
    ).exists()


def test_write_pages_answer_403_to_readers_without_the_right(client_as, boshen):
    assert client_as("liuyang").get(f"/enterprises/{boshen.pk}/edit/").status_code == 403
    assert client_as("liuyang").get(f"/enterprises/{boshen.pk}/contacts/new/").status_code == 200
    assert client_as("liming").get("/enterprises/new/").status_code == 403
    assert client_as("liuyang").get("/enterprises/new/").status_code == 403
    assert client_as("chenjing").get("/enterprises/new/").status_code == 403
    assert client_as("wangzh").get("/enterprises/new/").status_code == 200
    assert client_as("liming").get(f"/enterprises/{boshen.pk}/edit/").status_code == 200
    assert "/accounts/login/" in client_as("liming").__class__().get("/enterprises/new/")["Location"]


def test_list_shows_create_button_only_to_creators(client_as):
    assert "新增企业" in client_as("jiangdd").get("/enterprises/").content.decode()
    assert "新增企业" not in client_as("liming").get("/enterprises/").content.decode()


def test_list_scopes_for_the_enterprise_user(client_as, boshen):
    page = client_as("liuyang").get("/enterprises/").content.decode()
    assert BOSHEN in page and "共 1 条" in page


# --- create form ---------------------------------------------------------------------------------------


def _form(**extra):
    data = {"name": "兴化新测试制药有限公司", "uscc": valid_uscc(11), "region": Region.objects.get(code="321281").pk}
    data["nodes"] = [biomed_tree()["chem"].pk]
    data.update(extra)
    return data


def test_create_refuses_bad_code_keeps_input_then_saves(client_as):
    client = client_as("jiangdd")
    good = valid_uscc(12)
    response = client.post("/enterprises/new/", _form(uscc=flip_check_digit(good)))
    page = response.content.decode()
    assert response.status_code == 400
    assert "校验位" in page and "兴化新测试制药有限公司" in page
    response = client.post("/enterprises/new/", _form(uscc=good, qualifications=[qualification().pk]))
    created = Enterprise.objects.get(uscc=good)
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{created.pk}/"
    assert created.qualifications.count() == 1 and created.chains.filter(code="biomed").exists()


def test_create_refuses_duplicate_code(client_as, boshen):
    response = client_as("jiangdd").post("/enterprises/new/", _form(uscc=boshen.uscc))
    assert f"该统一社会信用代码已登记：{BOSHEN}" in response.content.decode()


def test_similar_name_needs_confirmation(client_as):
    client = client_as("jiangdd")
    data = _form(name="博生医用新材料有限公司", uscc=valid_uscc(13))
    page = client.post("/enterprises/new/", data).content.decode()
    assert "名称相近" in page and BOSHEN in page and "已核对，仍然新增" in page
    assert not Enterprise.objects.filter(uscc=data["uscc"]).exists()
    response = client.post("/enterprises/new/", {**data, "confirm_similar": "on"})
    assert response.status_code == 302 and Enterprise.objects.filter(uscc=data["uscc"]).exists()


def test_team_member_must_place_in_own_chain(client_as):
    data = _form(nodes=[], uscc=valid_uscc(14))
    page = client_as("wangzh").post("/enterprises/new/", data).content.decode()
    assert "请至少选择一个您所在产业链的环节" in page
    assert not Enterprise.objects.filter(uscc=data["uscc"]).exists()


def test_indicator_form_accepts_yi_and_says_the_unit(client_as, boshen):
    client = client_as("liuyang")
    response = client.post(
        f"/enterprises/{boshen.pk}/indicators/new/", {"year": 2025, "revenue": "5.2亿", "tax": "1,200"}
    )
    assert response.status_code == 302
    ind = Indicator.objects.get(enterprise=boshen, year=2025)
    assert ind.revenue == Decimal("52000.00") and ind.tax == Decimal("1200.00")
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert "52,000.00 万元" in page
    bad = client.post(f"/enterprises/{boshen.pk}/indicators/new/", {"year": 2025, "revenue": "五亿"})
    assert bad.status_code == 400 and "无法识别金额" in bad.content.decode()


def test_indicators_tab_has_yoy_and_chart(client_as, boshen):
    Indicator.objects.create(enterprise=boshen, year=2024, revenue=Decimal("40000"), tax=Decimal("1000"))
    Indicator.objects.create(enterprise=boshen, year=2025, revenue=Decimal("52000"), tax=Decimal("900"))
    page = client_as("jiangdd").get(f"/enterprises/{boshen.pk}/").content.decode()
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
        assert tab % boshen.pk in page
    assert page.count("将在后续版本提供") == 1  # 会议 until its issue lands


# --- phone masking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "full"),
    [("liming", True), ("liuyang", True), ("jiangdd", True), ("wangzh", True), ("zhoutao", False)],
)
def test_phone_masking_in_page_and_export(client_as, boshen, username, full):
    client = client_as(username)
    page = client.get(f"/enterprises/{boshen.pk}/").content.decode()
    assert (PHONE in page) is full and (MASKED in page) is not full
    rows = _export_rows(client, f"?q={BOSHEN}")
    assert rows[0][9] == (PHONE if full else MASKED)


# --- list, filters, export ----------------------------------------------------------------------------


def _names(client, query: str) -> set[str]:
    response = client.get(f"/enterprises/{query}")
    assert response.status_code == 200
    return {e.name for e in response.context["page_obj"].object_list}


def test_filters(client_as, boshen):
    tree = biomed_tree()
    client = client_as("jiangdd")
    boshen.nodes.add(tree["chem"])
    gx = qualification()
    boshen.qualifications.add(gx)
    assert _names(client, f"?node={tree['up'].pk}") == {BOSHEN}  # descendants included
    assert _names(client, f"?node={tree['down'].pk}") == set()
    assert _names(client, f"?qual={gx.pk}") == {BOSHEN}
    assert BOSHEN in _names(client, "?q=博生")  # two Chinese characters
    assert _names(client, f"?q={boshen.uscc[:10].lower()}") >= {BOSHEN}
    liaison_names = _names(client, f"?liaison={boshen.liaison_id}")
    assert liaison_names and all(
        e.liaison_id == boshen.liaison_id for e in Enterprise.objects.filter(name__in=liaison_names)
    )
    today = timezone.localdate()
    Enterprise.objects.filter(pk=boshen.pk).update(last_visit_on=today - dt.timedelta(days=10))
    assert BOSHEN not in _names(client, "?stale=90")
    Enterprise.objects.filter(pk=boshen.pk).update(last_visit_on=today - dt.timedelta(days=120))
    assert BOSHEN in _names(client, "?stale=90")
    region = boshen.region
    assert all(
        n in set(Enterprise.objects.filter(region=region).values_list("name", flat=True))
        for n in _names(client, f"?region={region.pk}")
    )
    page = client.get("/enterprises/?sort=-visit").content.decode()
    assert "共 " in page


def test_list_query_count_is_constant(client_as, django_assert_max_num_queries):
    tree = biomed_tree()
    for enterprise in Enterprise.objects.filter(chains__code="biomed")[:30]:
        enterprise.nodes.add(tree["chem"], tree["down"])
    client = client_as("jiangdd")
    client.get("/enterprises/")  # warm-up: the session's last-seen time
    for query in ["", f"?node={tree['up'].pk}", "?q=泰州&sort=-visit", "?stale=90&qual=1&liaison=1&region=1"]:
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


def test_export_is_exactly_the_filtered_list_and_audited(client_as, boshen):
    Indicator.objects.create(enterprise=boshen, year=2025, revenue=Decimal("52000"))
    client = client_as("liming")
    listed = _names(client, "?q=兴化")
    rows = _export_rows(client, "?q=兴化")
    assert {r[0] for r in rows} == listed
    everything = _export_rows(client, "")
    assert len(everything) == Enterprise.objects.filter(liaison__username="liming").count()
    mine = next(r for r in everything if r[0] == BOSHEN)
    assert mine[1] == boshen.uscc and mine[7] == 52000 and mine[5] == "李明"
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor__username="liming").count() == 2


# --- edit pages ------------------------------------------------------------------------------------------


def _profile(enterprise: Enterprise, **extra):
    data = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "region": enterprise.region_id,
        "address": "兴化市经济开发区",
        "nodes": [biomed_tree()["chem"].pk],
    }
    data.update(extra)
    return data


def test_liaison_edits_profile_and_a_duplicate_code_is_refused(client_as, boshen):
    client = client_as("liming")
    other = Enterprise.objects.exclude(pk=boshen.pk).first()
    assert other is not None
    page = client.post(f"/enterprises/{boshen.pk}/edit/", _profile(boshen, uscc=other.uscc)).content.decode()
    assert f"该统一社会信用代码已登记：{other.name}" in page
    response = client.post(f"/enterprises/{boshen.pk}/edit/", _profile(boshen))
    assert response.status_code == 302
    boshen.refresh_from_db()
    assert boshen.address == "兴化市经济开发区" and boshen.nodes.count() == 1
    assert client_as("lz_321282").post(f"/enterprises/{boshen.pk}/edit/", _profile(boshen)).status_code == 404


def test_contact_pages_edit_and_delete(client_as, boshen):
    contact = boshen.contacts.get()
    client = client_as("liuyang")
    url = f"/enterprises/{boshen.pk}/contacts/{contact.pk}/"
    bad = client.post(f"{url}edit/", {"name": "王经理", "phone": "call me"})
    assert bad.status_code == 400 and "电话只能包含数字" in bad.content.decode()
    assert client.post(f"{url}edit/", {"name": "王经理", "phone": "13900001111"}).status_code == 302
    contact.refresh_from_db()
    assert contact.phone == "13900001111"
    assert client.get(f"{url}delete/").status_code == 302 and Contact.objects.filter(pk=contact.pk).exists()
    assert client.post(f"{url}delete/").status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_indicator_edit_keeps_the_year(client_as, boshen):
    Indicator.objects.create(enterprise=boshen, year=2024, revenue=Decimal("100"))
    client = client_as("liming")
    response = client.post(f"/enterprises/{boshen.pk}/indicators/2024/edit/", {"year": 1999, "revenue": "2亿"})
    assert response.status_code == 302
    assert Indicator.objects.get(enterprise=boshen, year=2024).revenue == Decimal("20000.00")
    assert not Indicator.objects.filter(enterprise=boshen, year=1999).exists()
    assert client.get(f"/enterprises/{boshen.pk}/indicators/2023/edit/").status_code == 404
