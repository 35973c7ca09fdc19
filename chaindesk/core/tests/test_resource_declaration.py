"""The pieces of a declared resource (chaindesk/core/resources.py) that every list shares: the filter bar's
echo of the URL, and the values a column gives its ledger and its API."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.http import QueryDict
from django.utils.translation import gettext_lazy

from chaindesk.core.resources import TEXT, Col, Filter, api_value, attr

BEIJING = ZoneInfo("Asia/Shanghai")


def test_the_filter_bar_echoes_a_keyword_as_applied_without_control_characters() -> None:
    bound = Filter("q", "关键词", TEXT).bind(QueryDict("q=%20%E5%8D%9A%E7%94%9F%01%07%1B%20"), None)
    assert bound.value == "博生"


def test_a_choice_keeps_its_selected_option() -> None:
    options = (("a", "甲"), ("b", "乙"))
    bound = Filter("kind", "类型", "choice", options=options, values=("a", "b")).bind(QueryDict("kind=b"), None)
    assert [(value, selected) for value, _label, selected in bound.options] == [("a", False), ("b", True)]


def test_api_values_are_json_scalars() -> None:
    moment = dt.datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING)
    assert api_value(moment) == "2026-11-24T09:30:00+08:00"
    assert api_value(dt.date(2026, 11, 24)) == "2026-11-24"
    assert api_value(Decimal("5200.50")) == 5200.5
    assert api_value(gettext_lazy("是")) == "是"
    assert api_value(None) is None
    assert api_value(True) is True and api_value(7) == 7

    class Named:
        def __str__(self) -> str:
            return "测试甲局"

    assert api_value(Named()) == "测试甲局"  # a related record: its name


def test_the_ledger_keeps_dates_times_and_amounts_typed_and_the_api_in_full() -> None:
    moment = dt.datetime(2026, 11, 24, 9, 30, 15, tzinfo=BEIJING)
    row = SimpleNamespace(created_at=moment, phone="13812341234", pk=1, on=moment.date(), amount=Decimal("12.5"))
    column = Col("created_at", "录入时间", attr("created_at"))
    assert column.ledger_value(row) == moment  # the sheet writes it as an Excel time to the minute
    assert Col("on", "日期", attr("on")).ledger_value(row) == dt.date(2026, 11, 24)
    assert Col("amount", "金额", attr("amount")).ledger_value(row) == Decimal("12.5")
    assert api_value(column.raw_value(row)) == "2026-11-24T09:30:15+08:00"
    # where the export has its own getter (a masked phone), the API reads that one too, never the page's
    masked = Col("phone", "电话", attr("phone"), export=lambda r: "138****1234")
    assert masked.ledger_value(row) == api_value(masked.raw_value(row)) == "138****1234"
    assert Col("missing", "空", attr("nothing")).ledger_value(row) == ""
