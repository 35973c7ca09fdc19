"""Every route × every persona: the status each gets and, for each 200, the exact number of SQL queries.

Every URL pattern of the project is walked. Each is either filled from `ROUTES` (route name → the kwargs of the
personas-world object it needs: always *our* object, so the x_ personas are the out-of-scope visitors) or listed
in `SKIP` with the reason; a new route in neither fails `test_every_route_is_covered`. Routes that answer htmx
with a fragment (`HTMX`) are requested twice: as a page (`name`) and as a fragment (`name#hx`, HX-Request
header). A few routes have more than one object worth checking (`core:history@visit`: the history tab of
another model); their case keys carry `@`.

Each persona (chaindesk/testkit/personas.py; "anon" is not signed in) GETs each case with its own client; a 200
is requested a second time and that request is measured with CaptureQueriesContext (the first of a client in a
test writes the session's last-seen time and may fill per-process caches). The world and the clients are built
once for the module; each test runs in a savepoint rolled back after it. The
expected statuses (`STATUS`) and query counts (`PINS`, with `PINS_PG` overrides where PostgreSQL differs) live in
chaindesk/core/tests/route_pins.py, generated and then read against BRIEF.md's scope table. A status that would
be a leak is never pinned as expected: `LEAKS` below declares the status it should have, and
`test_known_leaks` holds each as xfail(strict=True), so fixing one fails the suite until it is removed here.

Views change often: when a change is intended, re-record the tables with one command (each database records
its own table, merging into the file; run SQLite first, then PostgreSQL for the overrides):

    CHAINDESK_RECORD_PINS=1 .venv/bin/python -m pytest chaindesk/core/tests/test_route_matrix.py
    CHAINDESK_RECORD_PINS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m pytest chaindesk/core/tests/test_route_matrix.py

then read `git diff chaindesk/core/tests/route_pins.py`: a status that changed is a behaviour change."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chaindesk.core.routes import HTMX, SKIP, all_routes
from chaindesk.core.routes import base as _base
from chaindesk.core.routes import fill as _url
from chaindesk.core.tests import route_pins
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit import personas as personas_module
from chaindesk.testkit.personas import KEYS, Personas
from chaindesk.testkit.storage import files_in_memory

# Every resource list the API serves (chaindesk/api/lists.py), named here so that a new one must be pinned.
API_LISTS = (
    "assignments",
    "audit",
    "chains",
    "enterprises",
    "leads",
    "meetings",
    "notifications",
    "partners",
    "talents",
    "tasks",
    "upward",
    "users",
)

# The API's detail and write operations of issue 13, their path parameters filled by `_api`.
API_OPERATIONS = (
    "abandon_lead",
    "accept_demand",
    "add_chain_node",
    "add_enterprise_contact",
    "add_lead_follow_up",
    "add_meeting_decision",
    "add_project_line",
    "add_talent_contact",
    "advance_lead",
    "advance_upward",
    "assign_demand_task",
    "assign_liaison",
    "assign_meeting_decision",
    "commit_import",
    "complete_next_step",
    "create_cooperation",
    "create_enterprise",
    "create_lead",
    "create_meeting",
    "create_partner",
    "create_project",
    "create_talent",
    "create_upward",
    "create_visit",
    "decide_task_completion",
    "decide_task_extension",
    "delete_chain_node",
    "delete_enterprise_contact",
    "delete_meeting",
    "delete_meeting_decision",
    "get_assignment",
    "get_chain",
    "get_cooperation",
    "get_demand_task",
    "get_enterprise",
    "get_import",
    "get_lead",
    "get_meeting",
    "get_notification",
    "get_partner",
    "get_talent",
    "get_target_lights",
    "get_upward",
    "get_visit",
    "import_errors",
    "list_targets",
    "instruct_demand",
    "instruct_task",
    "list_chain_nodes",
    "list_enterprise_cooperations",
    "list_enterprise_visits",
    "list_imports",
    "meeting_decision_to_demand",
    "merge_demand",
    "read_all_notifications",
    "read_notification",
    "reject_demand",
    "remap_import",
    "remove_project_line",
    "reorder_chain_node",
    "report_project_investment",
    "report_task_progress",
    "request_demand_info",
    "request_task_completion",
    "request_task_extension",
    "return_task",
    "set_enterprise_indicators",
    "set_project_plan",
    "set_target_lights",
    "set_targets",
    "sign_lead",
    "sign_task",
    "supply_demand_info",
    "undo_import",
    "update_chain_node",
    "update_cooperation",
    "update_enterprise",
    "update_enterprise_contact",
    "update_lead",
    "update_meeting",
    "update_meeting_decision",
    "update_partner",
    "update_project",
    "update_talent",
    "update_upward",
    "update_visit",
    "upload_import",
    "urge_task",
)

RECORD = os.environ.get("CHAINDESK_RECORD_PINS") == "1"
PINS_FILE = Path(route_pins.__file__)

Kwargs = Callable[[Personas], dict[str, Any]]


def _same(key: str) -> Kwargs:
    """kwargs `{"pk": our <key>'s pk}`."""
    return lambda w: {"pk": _ours(w, key).pk}


def _ours(w: Personas, key: str) -> Any:
    return getattr(w.ours, key) if hasattr(w.ours, key) else getattr(w, key)


def _none(w: Personas) -> dict[str, Any]:
    return {}


def _history(app_label: str, model: str, key: str) -> Kwargs:
    return lambda w: {"app_label": app_label, "model": model, "pk": _ours(w, key).pk}


def _admin(model_key: Callable[[Personas], Any]) -> Kwargs:
    return lambda w: {"object_id": str(model_key(w))}


ENT, CHAIN, PROJECT, LEAD, TALENT = (
    _same("enterprise"),
    _same("chain"),
    _same("project"),
    _same("lead"),
    _same("talent"),
)
DEMAND, TASK, MEETING, DECISION, UPWARD = (
    _same("demand"),
    _same("task"),
    _same("meeting"),
    _same("decision"),
    _same("upward"),
)


def _node(w: Personas) -> dict[str, Any]:
    return {"pk": w.ours.chain.pk, "node_pk": w.ours.node.pk}


# The API's path parameters, filled from our side of the world (issue 13: every resource in the API).
API_PARAMS: dict[str, Callable[[Personas], Any]] = {
    "batch_id": lambda w: _import_batch(w)["pk"],
    "chain_id": lambda w: w.ours.chain.pk,
    "contact_id": lambda w: w.ours.contact.pk,
    "cooperation_id": lambda w: w.ours.cooperation.pk,
    "decision_id": lambda w: w.ours.decision.pk,
    "demand_id": lambda w: w.ours.demand.pk,
    "enterprise_id": lambda w: w.ours.enterprise.pk,
    "item_id": lambda w: w.ours.upward.pk,
    "lead_id": lambda w: w.ours.lead.pk,
    "line_id": lambda w: w.ours.line.pk if w.ours.line else 1,
    "meeting_id": lambda w: w.ours.meeting.pk,
    "node_id": lambda w: w.ours.node.pk,
    "notification_id": lambda w: w.ours.notification.pk,
    "owner": lambda w: "chain",
    "owner_id": lambda w: w.ours.chain.pk,
    "partner_id": lambda w: w.partner.pk,
    "project_id": lambda w: w.ours.project.pk,
    "step_id": lambda w: w.ours.next_step.pk,
    "talent_id": lambda w: w.ours.talent.pk,
    "task_id": lambda w: w.ours.task.pk,
    "visit_id": lambda w: w.ours.visit.pk,
    "year": lambda w: w.today.year,
}


def _api(name: str) -> Kwargs:
    """kwargs of an API route: each of its path parameters from API_PARAMS."""

    def kwargs(w: Personas) -> dict[str, Any]:
        route = all_routes()[f"api:{name}"]
        return {param: API_PARAMS[param](w) for param in re.findall(r"<(?:\w+:)?(\w+)>", route)}

    return kwargs


def _import_batch(w: Personas) -> dict[str, Any]:
    """Our chief's checked import batch of one row (the world holds none: made in the test's savepoint, once)."""
    from chaindesk.transfer import services as transfer_services
    from chaindesk.transfer.models import ImportBatch

    batch = ImportBatch.objects.filter(uploaded_by=w.chief).first()
    if batch is None:
        ours = w.ours.enterprise
        data = f"企业名称,统一社会信用代码\n{ours.name},{ours.uscc}\n".encode()
        batch = transfer_services.import_upload(actor=w.chief, kind="enterprises", name="企业名录.csv", data=data)
        transfer_services.run_check(batch.pk)
    return {"pk": batch.pk}


# Route name (or `name@variant`) → kwargs from the personas world. The objects are all ours (甲).
ROUTES: dict[str, Kwargs] = {
    "dashboards:home": _none,
    "dashboards:projects_card": _none,
    "dashboards:next_meeting_card": _none,
    "accounts:login": _none,
    "accounts:logout": _none,
    "accounts:password_change": _none,
    "accounts:two_factor": _none,
    "accounts:two_factor_code": _none,  # without a pending sign-in: to the login page
    "accounts:two_factor_enrol": _none,  # a signed-in persona binds one of its own (a GET issues the secret)
    "accounts:two_factor_recovery": _none,  # POST only
    "core:system": _none,
    "core:audit_list": _none,
    "core:audit_export": _none,
    "core:audit_detail": lambda w: {"pk": w.audit_line().pk},
    "core:user_list": _none,
    "core:user_create": _none,
    "core:user_edit": lambda w: {"pk": w.member.pk},
    "core:user_password": lambda w: {"pk": w.member.pk},
    "core:user_set_active": lambda w: {"pk": w.member.pk},
    "core:user_2fa_reset": lambda w: {"pk": w.member.pk},  # POST only
    "core:department_list": _none,
    "core:department_edit": lambda w: {"pk": w.ours.department.pk},
    "core:history": _history("enterprises", "enterprise", "enterprise"),
    "core:history@visit": _history("liaison", "visit", "visit"),  # staff-only notes (finding 7b)
    "core:history@task": _history("demands", "task", "task"),  # escalation marks (finding 7b)
    "core:history@user": _history("accounts", "user", "member"),  # 三权分立 (finding 7b)
    "core:inbox": _none,
    "core:inbox_badge": _none,
    "core:inbox_read_all": _none,
    "core:inbox_read": lambda w: {"pk": w.ours.notification.pk},
    "core:calendar": _none,
    "core:calendar_year": lambda w: {"year": w.today.year + 1},  # next year: estimated under any test clock
    "core:api_token_list": _none,
    "core:api_token_create": _none,
    "core:api_token_revoke": lambda w: {"pk": 1},  # POST only: every GET is refused before any lookup
    "search:results": _none,
    "chains:list": _none,
    "chains:detail": CHAIN,
    "chains:map": CHAIN,
    "chains:gaps_export": CHAIN,
    "chains:nodes_edit": CHAIN,
    "chains:node_add": CHAIN,
    "chains:node_panel": _node,
    "chains:node_rename": _node,
    "chains:node_move": _node,
    "chains:node_reorder": _node,
    "chains:node_delete": _node,
    "enterprises:list": _none,
    "enterprises:export": _none,
    "enterprises:create": _none,
    "enterprises:detail": ENT,
    "enterprises:edit": ENT,
    "enterprises:indicator_create": ENT,
    "enterprises:indicator_edit": lambda w: {"pk": w.ours.enterprise.pk, "year": w.today.year - 1},
    "enterprises:contact_create": ENT,
    "enterprises:contact_edit": lambda w: {"pk": w.ours.enterprise.pk, "contact_pk": w.ours.contact.pk},
    "enterprises:contact_delete": lambda w: {"pk": w.ours.enterprise.pk, "contact_pk": w.ours.contact.pk},
    "meetings:list": _none,
    "ingest:list": _none,
    "ingest:review": _same("report"),
    "ingest:discard": _same("report"),
    "meetings:detail": MEETING,
    "meetings:decision_add": MEETING,
    "meetings:decision_edit": DECISION,
    "meetings:decision_delete": DECISION,
    "meetings:decision_to_demand": DECISION,
    "meetings:create": _none,
    "meetings:row_options": lambda w: {"kind": "who"},
    "meetings:edit": MEETING,
    "meetings:delete": MEETING,
    "meetings:export": _none,
    "meetings:attachment": _same("meeting_attachment"),
    "meetings:site_visit_photo": _same("site_visit_photo"),
    "meetings:calendar": _none,
    "meetings:ics": lambda w: {"token": "no-such-token"},  # a token nobody holds: 404 for everyone
    # the agenda: its page, then its POST-only edits (a GET answers 405), addressed by meeting or item
    "meetings:agenda": MEETING,
    "meetings:agenda_draft": MEETING,
    "meetings:agenda_add": MEETING,
    "meetings:agenda_drop": MEETING,
    "meetings:agenda_restore": MEETING,
    "meetings:agenda_move": MEETING,
    "meetings:agenda_note": MEETING,
    "reports:list": _none,
    "reports:new": _none,
    "reports:detail": _same("briefing"),
    "reports:versions": _same("briefing"),
    "reports:version_file": lambda w: {"pk": w.ours.briefing_version.pk, "kind": "docx"},
    "reports:templates": _none,
    "reports:template_deactivate": _same("briefing_template"),
    "transfer:list": _none,
    "transfer:detail": _import_batch,
    "transfer:progress": _import_batch,
    "transfer:mapping": _import_batch,
    "transfer:commit": _import_batch,
    "transfer:undo": _import_batch,
    "transfer:errors": _import_batch,
    "transfer:template": lambda w: {"kind": "enterprises"},
    "liaison:mine": _none,
    "liaison:next_steps": _none,
    "liaison:next_step_done": lambda w: {"step_pk": w.ours.next_step.pk},
    "liaison:visits": ENT,
    "liaison:visit_create": ENT,
    "liaison:timeline": ENT,
    "liaison:visit_photo": _same("visit_photo"),
    "liaison:visit_photos": _same("visit"),
    "liaison:visit_photo_remove": _same("visit_photo"),
    "liaison:assign": ENT,
    "network:home": _none,
    "network:talents": _none,
    "network:talents_export": _none,
    "network:talent_create": _none,
    "network:talent_detail": TALENT,
    "network:talent_edit": TALENT,
    "network:talent_contact_add": TALENT,
    "network:partners": _none,
    "network:partners_export": _none,
    "network:partner_create": _none,
    "network:partner_detail": lambda w: {"pk": w.partner.pk},
    "network:partner_edit": lambda w: {"pk": w.partner.pk},
    "network:rd_map": _none,
    "network:enterprise_rd": ENT,
    "network:cooperation_create": ENT,
    "network:cooperation_edit": _same("cooperation"),
    "projects:list": _none,
    "projects:export": _none,
    "projects:create": _none,
    "projects:detail": PROJECT,
    "projects:edit": PROJECT,
    "projects:transition": PROJECT,
    "projects:line_add": PROJECT,
    "projects:line_remove": lambda w: {"pk": w.ours.project.pk, "line_pk": w.ours.line.pk},
    "projects:investment": _none,
    "projects:investment_export": _none,
    "projects:investment_panel": PROJECT,
    "projects:investment_plan": PROJECT,
    "projects:investment_report": PROJECT,
    "projects:enterprise_tab": ENT,
    "projects:chain_cycle": CHAIN,
    "projects:talent_tab": TALENT,
    "leads:list": _none,
    "leads:export": _none,
    "leads:create": _none,
    "leads:queue": _none,
    "leads:queue_card": _none,
    "leads:detail": LEAD,
    "leads:edit": LEAD,
    "leads:advance": LEAD,
    "leads:abandon": LEAD,
    "leads:sign": LEAD,
    "leads:follow_up": LEAD,
    "leads:enterprise_tab": ENT,
    "leads:enterprise_suggest": _none,
    "enterprises:options": _none,
    "projects:options": _none,
    "network:talent_options": _none,
    "leads:talent_tab": TALENT,
    "upward:list": _none,
    "upward:export": _none,
    "upward:create": _none,
    "upward:detail": UPWARD,
    "upward:edit": UPWARD,
    "upward:advance": UPWARD,
    "cockpit:city": _none,
    "cockpit:chain": CHAIN,
    "cockpit:screen": _none,
    "cockpit:screen_data": _none,
    "cockpit:chain_screen": CHAIN,
    "cockpit:chain_screen_data": CHAIN,
    "targets:ledger": _none,
    "targets:sprint": _none,
    "targets:lights": _none,
    "targets:edit": lambda w: {"owner": "chain", "pk": w.ours.chain.pk},
    "demands:list": _none,
    "demands:export": _none,
    "demands:create": _none,
    "demands:triage": _none,
    "demands:detail": DEMAND,
    "demands:action": lambda w: {"pk": w.ours.demand.pk, "action": "task"},
    "demands:attachment": _same("attachment"),
    "demands:enterprise_tab": ENT,
    "demands:metrics": _none,
    "demands:tasks": _none,
    "demands:tasks_export": _none,
    "demands:task_detail": TASK,
    "demands:task_sign": TASK,
    "demands:task_progress": TASK,
    "demands:task_extension": TASK,
    "demands:task_return": TASK,
    "demands:task_completion": TASK,
    "demands:task_decide_extension": TASK,
    "demands:task_decide_completion": TASK,
    "demands:supervision": _none,
    "demands:card_supervision": _none,
    "demands:card_triage": _none,
    "demands:card_department": _none,
    "demands:card_liaison": _none,
    "demands:card_district": _none,
    "demands:card_enterprise": _none,
    "demands:team_queue": _none,
    "demands:card_team_queue": _none,
    "demands:instruct": DEMAND,
    "demands:task_instruct": TASK,
    "demands:task_urge": TASK,
    "set_language": _none,
    "metrics": _none,  # the test client's address, 127.0.0.1, is allowed by default (test_observability.py)
    "api:openapi-json": _none,
    "api:openapi-view": _none,
    "api:health": _none,
    "api:ready": _none,
    "api:me": _none,
    "api:list_projects": _none,
    "api:get_project": lambda w: {"project_id": w.ours.project.pk},
    "api:transition": lambda w: {"project_id": w.ours.project.pk},
    "api:list_demands": _none,
    "api:submit": _none,
    "api:get_demand": lambda w: {"demand_id": w.ours.demand.pk},
    "api:confirm": lambda w: {"demand_id": w.ours.demand.pk},
    # the resource lists of chaindesk/api/lists.py
    **{f"api:list_{name}": _none for name in API_LISTS},
    "api:api-root": _none,
    **{f"api:{name}": _api(name) for name in API_OPERATIONS},
}

# Django's admin: no persona is staff, so every admin page must send each of them to the admin's login.
_ADMIN_OBJECTS: dict[str, Callable[[Personas], Any]] = {
    "/auth/group/": lambda w: 1,
    "/django_tasks_database/dbtaskresult/": lambda w: 1,
    "/core/auditlog/": lambda w: w.audit_line().pk,
    "/accounts/user/": lambda w: w.member.pk,
    "/accounts/region/": lambda w: w.city.pk,
    "/accounts/department/": lambda w: w.ours.department.pk,
    "/enterprises/enterprise/": lambda w: w.ours.enterprise.pk,
    "/enterprises/qualification/": lambda w: 1,
    "/enterprises/indicator/": lambda w: w.ours.enterprise.indicators.get().pk,
}


def _admin_routes() -> dict[str, Kwargs]:
    table: dict[str, Kwargs] = {
        "admin:view_on_site": lambda w: {
            "content_type_id": ContentType.objects.get_for_model(Enterprise).pk,
            "object_id": w.ours.enterprise.pk,
        },
        "admin:app_list": lambda w: {"app_label": "enterprises"},
        "admin:<django-admin/(?P<url>.*)$>": lambda w: {"url": "nothing/here/"},
    }
    for key, route in all_routes().items():
        if not key.startswith("admin:") or key in table:
            continue
        part = next((p for p in _ADMIN_OBJECTS if p in f"/{route}"), None)
        table[key] = _admin(_ADMIN_OBJECTS[part]) if part and "object_id" in route else _none
    return table


ROUTES.update(_admin_routes())

# Cases that redirect a visitor who is not signed in somewhere else than a login page, and why that is right.
ANON_REDIRECTS: dict[str, str] = {
    "network:home": "a plain redirect to network:talents, which asks for the login",
    "set_language": "Django's set_language: a GET changes nothing and goes back to the site",
    "admin:logout": "Django's admin: a GET goes back to the admin index, which asks for the admin login",
}


@dataclasses.dataclass(frozen=True)
class Leak:
    """A case whose recorded answer looks like a leak. It counts as fixed when the persona gets `should`, or a
    200 whose body holds none of `absent` (a page may rightly stay open with the figures scoped)."""

    reason: str
    should: int = 404
    absent: tuple[str, ...] = ()


_CYCLE = Leak(
    "projects:chain_cycle counts every project of the chain whatever the reader's project scope "
    "(chain_cycle(chain) takes no user): a liaison or district admin outside the chain, who gets 404 on each of "
    "those projects, reads their number and planned investment (our signed project's 50000 万元)",
    absent=("50000",),
)
# Cases whose recorded answer looks like a leak against BRIEF.md's scope table. They are not pinned as
# expected (STATUS holds `should`); test_known_leaks holds each as xfail(strict=True).
LEAKS: dict[tuple[str, str], Leak] = {}

# Wide on purpose, pinned as they are (the model declarations say so; listed here so that nobody reads the
# 200s below as oversights): chains:detail/map/gaps_export/node_panel answer 200 to x_liaison and x_district
# (Chain.scope_paths: liaison=ALL, region=ALL, "liaisons and districts place enterprises on every chain");
# the talent pages answer 200 to x_chief and x_liaison (Talent.scope_paths: chain=ALL, liaison=ALL, the network
# is city-wide; the phone is shown in full to chain roles, Talent.personal_data_visible_to); R&D partners
# are reference data every role but department handlers reads.


def cases() -> list[str]:
    return [*ROUTES, *(f"{key}#hx" for key in ROUTES if key in HTMX)]


def _client(w: Personas, key: str) -> Client:
    client = Client()
    user = w.user(key)
    if user is not None:
        client.force_login(user)
    return client


def _get(client: Client, url: str, headers: dict[str, str]) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
        if response.streaming:
            # A streamed export may still query while it is read, so it is read inside the count. Reading to the
            # end closes it the way the test client does; closing it again would fire request_finished with
            # close_old_connections connected, which drops a PostgreSQL connection inside a transaction.
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.status_code, len(queries.captured_queries), response.get("Location", "")


def measure(w: World, case: str, persona: str) -> tuple[int, int, str]:
    """(status, queries, redirect target) of the case's GET by the persona. A 200 is measured again: the first
    request of a client in a test writes the session's last-seen time, and may fill per-process caches."""
    key = case.removesuffix("#hx")
    url = _url(all_routes()[_base(key)], ROUTES[key](w.personas))
    headers = {"HX-Request": "true"} if case.endswith("#hx") else {}
    first = _get(w.clients[persona], url, headers)
    return _get(w.clients[persona], url, headers) if first[0] == 200 else first


def expected_status(case: str, persona: str) -> int | None:
    row = route_pins.STATUS.get(case)
    return None if row is None else int(row.split()[KEYS.index(persona)])


def pinned(case: str, persona: str) -> int | None:
    if connection.vendor == "postgresql" and (case, persona) in route_pins.PINS_PG:
        return route_pins.PINS_PG[(case, persona)]
    return route_pins.PINS.get((case, persona))


# --- the world: built once for the module, each test in a savepoint of its own ---------------------------


@dataclasses.dataclass
class World:
    personas: Personas
    clients: dict[str, Client]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The personas world and one signed-in client per persona, for the whole module (a build per case would
    double the run time). Every test runs in a savepoint inside this transaction, rolled back after it, so what
    one request writes (a denial's audit line, a session's last-seen time) never reaches the next test."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch, transaction.atomic():
        files_in_memory(patch)
        built = personas_module.build()
        personas_module.meeting_files(built)  # the meeting's and its briefing's files, for their routes
        personas_module.meeting_report(built)  # a report's draft, for the review pages
        yield World(built, {key: _client(built, key) for key in KEYS})
        transaction.set_rollback(True)


# --- recording --------------------------------------------------------------------------------------------

MEASURED: dict[str, dict[str, tuple[int, int]]] = {}


@pytest.fixture(scope="module", autouse=True)
def _record_at_the_end() -> Iterator[None]:
    yield
    if RECORD and MEASURED:
        write_pins(MEASURED, postgres=connection.vendor == "postgresql")


def write_pins(measured: dict[str, dict[str, tuple[int, int]]], *, postgres: bool) -> None:
    """Merge what was measured into route_pins.py (leaks keep their declared status and get no pin)."""
    status = dict(route_pins.STATUS)
    pins, pins_pg = dict(route_pins.PINS), dict(route_pins.PINS_PG)
    for case, row in measured.items():
        codes = [LEAKS[(case, p)].should if (case, p) in LEAKS else row[p][0] for p in KEYS]
        if not postgres:
            status[case] = " ".join(f"{c:3d}" for c in codes)
        for persona, (code, count) in row.items():
            key = (case, persona)
            for table in (pins,) if not postgres else (pins_pg,):
                table.pop(key, None)
            if code != 200 or key in LEAKS:
                pins_pg.pop(key, None)
                continue
            if postgres:
                if pins.get(key) != count:
                    pins_pg[key] = count
            else:
                pins[key] = count
                if pins_pg.get(key) == count:
                    pins_pg.pop(key)
    PINS_FILE.write_text(_render(status, pins, pins_pg), encoding="utf-8")


def _q(text: str) -> str:
    return '"' + text + '"'  # case keys and personas hold no quote; double quotes as ruff format writes them


def _render(status: dict[str, str], pins: dict[tuple[str, str], int], pins_pg: dict[tuple[str, str], int]) -> str:
    order = {case: n for n, case in enumerate(cases())}
    ranked = sorted(status, key=lambda c: (order.get(c, len(order)), c))

    def rows(table: dict[tuple[str, str], int]) -> list[str]:
        lines = []
        for case in ranked:
            cells = [f"({_q(case)}, {_q(p)}): {table[(case, p)]}," for p in KEYS if (case, p) in table]
            if cells:
                lines.append("    " + " ".join(cells))
        return lines

    header = "# " + " ".join(f"{k[:3]:>3}" for k in KEYS)
    return "\n".join(
        [
            '"""' + (route_pins.__doc__ or "").replace("\\", "\\\\") + '"""',
            "# ruff: noqa: E501",
            "",
            "# fmt: off",
            f"PERSONAS = ({', '.join(_q(k) for k in KEYS)})",
            "",
            "# The status each persona gets, in PERSONAS order:",
            "STATUS: dict[str, str] = {",
            f"    {header}",
            *(f"    {_q(case)}: {_q(status[case])}," for case in ranked),
            "}",
            "",
            "# The exact number of queries of each 200 (SQLite; PostgreSQL where PINS_PG says otherwise).",
            "PINS: dict[tuple[str, str], int] = {",
            *rows(pins),
            "}",
            "",
            "PINS_PG: dict[tuple[str, str], int] = {",
            *rows(pins_pg),
            "}",
            "# fmt: on",
            "",
        ]
    )


# --- the tests --------------------------------------------------------------------------------------------


def test_every_route_is_covered():
    routes = set(all_routes())
    filled = {_base(key) for key in ROUTES}
    assert not (filled - routes), f"ROUTES names routes that do not exist: {sorted(filled - routes)}"
    assert not (set(SKIP) - routes), f"SKIP names routes that do not exist: {sorted(set(SKIP) - routes)}"
    assert not (set(SKIP) & filled), f"in both ROUTES and SKIP: {sorted(set(SKIP) & filled)}"
    missing = routes - filled - set(SKIP)
    assert not missing, f"new routes: add each to ROUTES (or SKIP, with the reason): {sorted(missing)}"


def test_tables_are_recorded_for_every_case():
    if RECORD:
        pytest.skip("recording")
    assert route_pins.PERSONAS == KEYS, "the personas changed: re-record (see the module docstring)"
    unrecorded = [case for case in cases() if case not in route_pins.STATUS]
    stale = [case for case in route_pins.STATUS if case not in cases()]
    assert not unrecorded, f"not recorded yet (see the module docstring): {unrecorded}"
    assert not stale, f"recorded cases that no longer exist (re-record): {stale}"
    leaks_unknown = [key for key in LEAKS if key[0] not in cases() or key[1] not in KEYS]
    assert not leaks_unknown


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases())
def test_route(case, world):
    problems: list[str] = []
    row: dict[str, tuple[int, int]] = {}
    for persona in KEYS:
        if (case, persona) in LEAKS:
            if RECORD:
                row[persona] = (LEAKS[(case, persona)].should, 0)
            continue
        status, count, location = measure(world, case, persona)
        row[persona] = (status, count)
        if RECORD:
            continue
        expected = expected_status(case, persona)
        if status != expected:
            problems.append(f"{persona}: status {status}, expected {expected}")
        elif status == 302 and persona == "anon" and "login" not in location and case not in ANON_REDIRECTS:
            problems.append(f"anon: redirected to {location!r}, not to a login page")
        elif status == 200 and count != pinned(case, persona):
            problems.append(f"{persona}: {count} queries, pinned {pinned(case, persona)}")
    MEASURED[case] = row
    assert not problems, f"{case}: " + "; ".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "persona"),
    [pytest.param(c, p, marks=pytest.mark.xfail(strict=True, reason=leak.reason)) for (c, p), leak in LEAKS.items()]
    or [pytest.param("-", "-", marks=pytest.mark.skip(reason="no known leak"))],
)
def test_known_leaks(case, persona, world):
    leak = LEAKS[(case, persona)]
    key = case.removesuffix("#hx")
    url = _url(all_routes()[_base(key)], ROUTES[key](world.personas))
    headers = {"HX-Request": "true"} if case.endswith("#hx") else {}
    response = world.clients[persona].get(url, headers=headers)
    if response.status_code == 200 and leak.absent:
        body = response.content.decode()
        assert not [text for text in leak.absent if text in body], "still shown"
    else:
        assert response.status_code == leak.should
