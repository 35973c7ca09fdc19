"""The enterprise page's contact and indicator tables come from one declaration each
(chaindesk/enterprises/resources.py: CONTACTS, INDICATORS); phones stay masked for readers who do not serve
the enterprise.

On the personas' world: our enterprise (its liaison is `personas.liaison`, its enterprise user
`personas.ent_user`) with two contacts and two years of figures set by its liaison (the `ours` fixture)."""

from decimal import Decimal

import pytest
from django.test import Client

from chaindesk.enterprises import services
from chaindesk.enterprises.models import Contact, Enterprise
from chaindesk.enterprises.resources import (
    CONTACTS,
    EDIT_KEY,
    INDICATORS,
    contact_rows,
    indicator_rows,
    page_columns,
)
from chaindesk.testkit.html import cells as _cells
from chaindesk.testkit.html import headers as _headers
from chaindesk.testkit.html import table as _table

from .factories import MASKED, PHONE

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def _last(personas) -> int:  # noqa: ANN001
    """The year of the world's own indicator: the one before its today (2025 under the suite's clock)."""
    return personas.today.year - 1


@pytest.fixture
def ours(personas) -> Enterprise:  # noqa: ANN001
    """Our enterprise from a known state, all through its liaison: the world's one contact becomes the primary
    王经理 (总经理, PHONE), 李会计 has no title nor phone; figures for the two years before the world's today
    (LAST, the world's own year, replaced, and the one before)."""
    enterprise, liaison = personas.ours.enterprise, personas.liaison
    services.contact_update(actor=liaison, contact=personas.ours.contact, name="王经理", title="总经理", phone=PHONE)
    services.contact_add(actor=liaison, enterprise=enterprise, name="李会计")
    services.indicator_set(
        actor=liaison, enterprise=enterprise, year=_last(personas) - 1, revenue=Decimal("40000"), tax=Decimal("1000")
    )
    services.indicator_set(
        actor=liaison,
        enterprise=enterprise,
        year=_last(personas),
        revenue=Decimal("52000"),
        tax=Decimal("900"),
        employees=1250,
    )
    return enterprise


def _page(user, enterprise: Enterprise) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client.get(f"/enterprises/{enterprise.pk}/").content.decode()


def test_contact_table_comes_from_contacts(personas, ours):
    html = _page(personas.chief, ours)
    table = _table(html, "contact-table")
    assert _headers(table) == [str(c.page_label) for c in CONTACTS] == ["姓名", "职务", "电话", ""]
    rows = _cells(table)
    assert [row[:3] for row in rows] == [["王经理 主要", "总经理", PHONE], ["李会计", "—", "—"]]
    assert f"/enterprises/{ours.pk}/contacts/" in table and "确定删除联系人“王经理”吗？" in table


@pytest.mark.parametrize(("key", "full"), [("liaison", True), ("ent_user", True), ("district", False)])
def test_contact_phone_is_masked_for_readers_who_do_not_serve_it(personas, ours, key, full):
    table = _table(_page(personas.user(key), ours), "contact-table")
    assert (PHONE in table) is full and (MASKED in table) is not full
    shown = {c.name: c.shown_phone for c in contact_rows(ours, personas.user(key))}
    assert shown == {"王经理": PHONE if full else MASKED, "李会计": ""}


def test_phone_column_never_reads_the_stored_number():
    """A row not passed through contact_rows shows no number at all rather than the unmasked one."""
    phone = next(c for c in CONTACTS if c.key == "phone")
    assert phone.value is not None and phone.value(Contact(name="x", phone=PHONE)) is None


def test_indicator_table_comes_from_indicators(personas, ours):
    html = _page(personas.chief, ours)
    table = _table(html, "indicator-table")
    assert _headers(table) == [str(c.page_label) for c in INDICATORS]
    assert _headers(table) == [
        "年度",
        "营业收入(万元)",
        "同比",
        "税收(万元)",
        "同比",
        "从业人数",
        "研发投入(万元)",
        "同比",
        "",
    ]
    newest, oldest = _cells(table)
    last = _last(personas)
    assert newest == [str(last), "52,000.00", "+30.0%", "900.00", "-10.0%", "1,250", "—", "—", "编辑"]
    assert oldest[:6] == [str(last - 1), "40,000.00", "—", "1,000.00", "—", "—"]
    assert f"/enterprises/{ours.pk}/indicators/{last}/edit/" in table


def test_edit_columns_only_for_editors():
    assert [c.key for c in page_columns(CONTACTS, may_edit=False)] == ["name", "title", "phone"]
    assert [c.key for c in page_columns(INDICATORS, may_edit=True)][-1] == EDIT_KEY
    assert EDIT_KEY not in {c.key for c in page_columns(INDICATORS, may_edit=False)}


def test_indicator_rows_and_their_ledger_values(personas, ours):
    last = _last(personas)
    rows = indicator_rows(list(ours.indicators.all()))
    assert [r.year for r in rows] == [last, last - 1]
    assert rows[0].yoy == {"revenue_yoy": Decimal("30.0"), "tax_yoy": Decimal("-10.0"), "rd_yoy": None}
    assert rows[1].yoy == {"revenue_yoy": None, "tax_yoy": None, "rd_yoy": None}
    # The same columns give plain numbers for a ledger (not the page's formatted text).
    values = {c.key: c.ledger_value(rows[0]) for c in INDICATORS if c.in_export}
    assert values["revenue"] == 52000.0 and values["revenue_yoy"] == 30.0 and values["employees"] == 1250
    assert values["rd_spend"] == "" and values["year"] == last
    assert [str(c.label) for c in INDICATORS if c.key.endswith("_yoy")] == [
        "营业收入同比(%)",
        "税收同比(%)",
        "研发投入同比(%)",
    ]
