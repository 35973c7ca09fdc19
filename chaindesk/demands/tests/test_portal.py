"""The enterprise portal (issue 11, item 13): an enterprise user's demand and project lists are their own records
as a simple list with 提交诉求, without the officials' filter bar, ledger buttons or exports; the header names
their enterprise and its region. Officials keep the ledger."""

import re

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.projects.portal import next_milestone

pytestmark = pytest.mark.django_db


def _scope(html: str) -> str:
    """The top bar's scope line (base.html's `data-testid="scope"`)."""
    found = re.search(r'data-testid="scope"[^>]*>(.*?)</div>', html, re.S)  # whatever attributes follow
    assert found, "the page has no scope line"
    return found.group(1).strip()


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_enterprise_user_sees_their_demands_as_a_portal(personas):
    page = _as(personas.ent_user).get("/demands/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="demand-filters"' not in html and 'data-testid="demand-export"' not in html
    assert 'data-testid="triage-link"' not in html
    assert 'data-testid="portal-submit"' in html and "提交诉求" in html
    assert personas.ours.demand.title in html
    assert personas.theirs.demand.title not in html
    assert "下一步" in html


def test_the_enterprise_user_sees_their_projects_as_a_portal(personas):
    page = _as(personas.ent_user).get("/projects/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="project-filters"' not in html and 'data-testid="project-export"' not in html
    assert 'data-testid="investment-link"' not in html
    assert personas.ours.project.name in html and personas.theirs.project.name not in html


@pytest.mark.parametrize("url", ["/demands/export/", "/projects/export/"])
def test_the_ledger_exports_are_refused_to_enterprise_users(personas, url):
    before = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED).count()
    response = _as(personas.ent_user).get(url)
    assert response.status_code == 403
    assert AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED).count() == before + 1


def test_the_header_names_the_enterprise_and_its_region(personas):
    html = _as(personas.ent_user).get("/demands/").content.decode()
    scope = _scope(html)
    enterprise = personas.ours.enterprise
    assert scope == f"{enterprise.name} · {enterprise.region.name}"
    assert "企业用户" not in scope


def test_an_official_still_sees_the_ledger(personas):
    html = _as(personas.member).get("/demands/").content.decode()
    assert 'data-testid="demand-filters"' in html and 'data-testid="demand-export"' in html
    assert 'data-testid="portal-submit"' not in html
    assert _as(personas.member).get("/demands/export/").status_code == 200
    projects = _as(personas.member).get("/projects/").content.decode()
    assert 'data-testid="project-filters"' in projects and 'data-testid="project-export"' in projects
    assert _scope(html) == "测试甲局 · 服务团队成员"


def test_the_next_milestone_is_the_next_planned_stage(personas):
    project = personas.ours.project
    project.stage, project.planned_started_on = "signed", None
    project.planned_completed_on = personas.today
    assert next_milestone(project) == ("竣工", personas.today)
    project.stage = "terminated"
    assert next_milestone(project) == ("", None)
