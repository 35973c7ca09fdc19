"""The demand ledger as an office prints and filters it (issue 11, item 12): a merged centred title, an
autofilter on the header, bordered cells, landscape A4 fitted to the width with the header repeated, dates as
Excel dates, and each task's deadline, overdue working days, 督办 level and reopen count."""

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from chaindesk.core import clock
from chaindesk.demands.choices import Escalation
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.workdays import workdays_between
from chaindesk.testkit.calendar import workdays_overdue
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def _sheet(client: Client, query: str) -> Worksheet:
    response = client.get(reverse("demands:export") + query)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _table(sheet: Worksheet) -> tuple[int, list[str], list[dict[str, Any]]]:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    header = rows[at]
    return at + 2, header, [dict(zip(header, r, strict=False)) for r in rows[at + 1 :]]


@pytest.fixture
def overdue(personas: Personas, make_demand: Callable[..., Demand], make_task: Callable[..., Task]) -> Demand:
    """An accepted demand with two tasks: one 3 working days past its deadline under 督办 and reopened once,
    one not yet due."""
    demand = make_demand(status="in_progress", title="纸质台账诉求")
    late = demand.tasks.get()
    make_task(demand, department="theirs", working_days=30)
    today = clock.today()
    Task.objects.filter(pk=late.pk).update(
        deadline=workdays_overdue(today, 3), escalation=Escalation.SUPERVISED, reopen_count=1
    )
    return demand


def test_the_sheet_is_set_up_for_paper_and_filtering(personas: Personas, overdue: Demand) -> None:
    sheet = _sheet(login(personas.chief), "?q=纸质台账诉求")
    first_data_row, header, rows = _table(sheet)
    last = sheet.cell(row=first_data_row - 1, column=len(header)).column_letter
    assert [str(r) for r in sheet.merged_cells.ranges] == [f"A1:{last}1"]
    assert sheet["A1"].value == "企业诉求办理台账" and sheet["A1"].alignment.horizontal == "center"
    assert sheet.auto_filter.ref == f"A{first_data_row - 1}:{last}{first_data_row + len(rows) - 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == f"${first_data_row - 1}:${first_data_row - 1}"
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    for cell in sheet[first_data_row]:
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"


def test_dates_are_dates_and_every_task_is_detailed(personas: Personas, overdue: Demand) -> None:
    sheet = _sheet(login(personas.chief), "?q=纸质台账诉求")
    first_data_row, header, rows = _table(sheet)
    (row,) = rows
    tasks = {t.lead_department.short_name: t for t in overdue.tasks.select_related("lead_department")}
    late, later = tasks["测试甲局"], tasks["测试乙局"]
    assert row["办结期限"] == dt.datetime.combine(later.deadline, dt.time())
    deadline_cell = sheet.cell(row=first_data_row, column=header.index("办结期限") + 1)
    assert deadline_cell.is_date and deadline_cell.number_format == "yyyy-mm-dd"
    submitted = sheet.cell(row=first_data_row, column=header.index("提交时间") + 1)
    assert submitted.is_date and submitted.number_format == "yyyy-mm-dd hh:mm"
    assert row["逾期(工作日)"] == workdays_between(late.deadline, clock.today()) == 3
    assert row["督办级别"] == "督办" and row["重办次数"] == 0
    lines = row["任务明细"].split("\n")
    assert len(lines) == 2
    assert lines[0].startswith(f"测试甲局：期限 {late.deadline:%Y-%m-%d}")
    assert "逾期 3 个工作日" in lines[0] and "督办" in lines[0] and "重办 1 次" in lines[0]
    assert lines[1].startswith(f"测试乙局：期限 {later.deadline:%Y-%m-%d}") and "逾期" not in lines[1]


def test_amounts_are_numbers_with_two_decimals(personas: Personas) -> None:
    response = login(personas.chief).get(reverse("projects:export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    amounts = [
        c
        for row in sheet.iter_rows(min_row=4)
        for c in row
        if isinstance(c.value, int | float) and "0.00" in c.number_format
    ]
    assert amounts, "the project ledger holds its planned investment as numbers"
    assert all(c.number_format == "#,##0.00" for c in amounts)
