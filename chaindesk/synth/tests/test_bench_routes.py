"""The benchmark's route walk (chaindesk/synth/bench_routes.py): every route is walked or skipped with a reason,
every walked case answers 200 as its owner on the demo city, and a p95 over the threshold is flagged."""

import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import routes
from chaindesk.core.tests import route_pins
from chaindesk.ingest import services as ingest_services
from chaindesk.liaison import services as liaison_services
from chaindesk.liaison.models import Visit
from chaindesk.reports.models import BriefingTemplate
from chaindesk.synth import bench, bench_routes
from chaindesk.testkit.personas import PNG
from chaindesk.testkit.storage import files_in_memory
from chaindesk.transfer import services as transfer_services

# Cases the demo city as loaded cannot fill: it holds no import batch, briefing template or visit photo (nor does
# the synthetic data: `make bench` reports them as not walked). The test makes one of each for their owners.
SEED_REPORT = Path(__file__).resolve().parents[2] / "ingest" / "tests" / "data" / "seed.txt"
DEMO_LACKS = {
    "transfer:detail": "transfer.ImportBatch",
    "transfer:progress#hx": "transfer.ImportBatch",
    "api:get_import": "transfer.ImportBatch",
    "reports:template_deactivate": "reports.BriefingTemplate",
    "liaison:visit_photo_remove": "liaison.VisitPhoto",
    "ingest:review": "ingest.Report",
    "ingest:discard": "ingest.Report",
}


def test_every_route_is_walked_or_skipped_with_a_reason() -> None:
    skipped = bench_routes.skipped()
    walked = {case.route for case in bench_routes.cases()}
    every = set(routes.all_routes())
    assert not (set(skipped) - every), f"skips of routes that do not exist: {sorted(set(skipped) - every)}"
    assert not (every - walked - set(skipped)), sorted(every - walked - set(skipped))
    assert all(reason.strip() for reason in skipped.values())
    both = (walked & set(skipped)) - set(bench_routes.REDIRECTS)  # a redirect's fragment may be walked
    assert not both, f"walked and skipped: {sorted(both)}"
    assert set(routes.SKIP) <= set(skipped)  # the persona matrix's skips are the walk's too
    named = {*bench_routes.ROUTE_OWNERS, *bench_routes.OBJECT_FILTERS, *bench_routes.QUERY}
    assert named <= every, sorted(named - every)
    assert {routes.base(key) for key in bench_routes.VARIANTS} <= every


def test_post_only_routes_give_no_persona_of_the_matrix_a_200() -> None:
    for ns, names in bench_routes.POST_ONLY.items():
        for name in names:
            codes = set(route_pins.STATUS[f"{ns}:{name}"].split())
            assert "200" not in codes and "405" in codes, f"{ns}:{name}: {codes}"


def test_owners_come_from_the_tables() -> None:
    role = {case.key: case.role for case in bench_routes.cases()}
    assert role["chains:map"] == role["cockpit:city"] == role["targets:ledger"] == Role.CITY_LEADER
    assert role["demands:metrics"] == Role.CITY_LEADER
    assert role["liaison:visits"] == role["api:get_visit"] == Role.LIAISON  # an API resource: its pages' owner
    assert role["demands:tasks"] == role["api:list_tasks"] == role["api:get_demand_task"] == Role.DEPT_HANDLER
    assert role["liaison:assign"] == role["demands:card_district#hx"] == Role.DISTRICT_ADMIN
    assert role["demands:create"] == Role.ENTERPRISE
    assert role["core:user_list"] == role["api:list_users"] == Role.SYS_ADMIN
    assert role["core:audit_list"] == role["api:list_audit"] == role["core:history@user"] == Role.AUDIT_ADMIN
    assert role["accounts:login"] == bench_routes.ANON
    owners = bench_routes.owners()
    assert owners[Role.CITY_LEADER] == bench.CHIEF and owners[Role.LIAISON] == bench.LIAISON
    assert owners[Role.DEPT_HANDLER] == bench.HANDLER
    assert set(role.values()) <= set(owners)


@pytest.fixture
def what_the_demo_lacks(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import batch of the chief's, a briefing template on his chain, a photo on the liaison's first visit, a
    meeting report the chief has read and not yet confirmed."""
    files_in_memory(monkeypatch)
    chief, liaison = User.objects.get(username=bench.CHIEF), User.objects.get(username=bench.LIAISON)
    data = "企业名称,统一社会信用代码\n测试企业,91321281MA1XYW1238\n".encode()
    batch = transfer_services.import_upload(actor=chief, kind="enterprises", name="企业名录.csv", data=data)
    transfer_services.run_check(batch.pk)
    BriefingTemplate.objects.create(
        chain=chief.teams.first().chain,
        name="红头模板",
        file=ContentFile(b"PK\x03\x04 test", name="template.docx"),
        original_name="template.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        size=12,
        uploaded_by=chief,
    )
    visit = Visit.objects.visible_to(liaison).order_by("pk").first()
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    liaison_services.visit_photos_add(actor=liaison, visit=visit, photos=[photo])
    ingest_services.report_read(actor=chief, data=SEED_REPORT.read_text(encoding="utf-8"))


@pytest.mark.django_db
@pytest.mark.demo  # the demo city as loaded: its users and their objects fill the routes
def test_the_demo_city_fills_every_case_but_the_objects_it_lacks() -> None:
    logins = bench_routes.owners()
    users = {u.username: u for u in User.objects.filter(username__in=logins.values())}
    unfilled = {}
    for case in bench_routes.cases():
        page = bench.Page(case.key, case.key, logins[case.role] or "anon", routes.all_routes()[case.route])
        try:
            bench_routes.fill_page(page, case, users.get(logins[case.role]))
        except bench_routes.Unfilled as exc:
            unfilled[case.key] = str(exc)
    assert set(unfilled) == set(DEMO_LACKS), unfilled
    assert all(DEMO_LACKS[key] in reason for key, reason in unfilled.items())


@pytest.mark.demo
def test_every_walked_case_answers_200_as_its_owner(what_the_demo_lacks: None) -> None:
    started = time.perf_counter()
    results = bench_routes.walk(runs=1, warmup=0)
    elapsed = time.perf_counter() - started
    problems = {m.page.key: (m.page.persona, m.page.path, m.status, m.note) for m in results if m.status != 200}
    assert not problems, "\n".join(f"{key}: {problem}" for key, problem in problems.items())
    assert len(results) == len(bench_routes.cases()) and all(m.runs == 1 for m in results)
    assert all(m.p95_ms > 0 for m in results)
    print(f"\nwalked {len(results)} cases as their owners in {elapsed:.1f} s")  # the report quotes it
    section = "\n".join(bench_routes.report_section(results))
    assert f"{len(results)} routes walked as their owners, " in section


@pytest.mark.django_db
@pytest.mark.demo
def test_a_p95_over_the_threshold_is_flagged_and_listed_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_routes, "THRESHOLD_MS", 0.0)
    results = bench_routes.walk(runs=2, warmup=0, only={"chains:map", "api:health"})
    assert [m.page.key for m in results] == ["chains:map", "api:health"]
    assert all(m.status == 200 and m.slow for m in results)
    assert bench_routes.count_line(results) == "2 routes walked as their owners, 2 over 0 s"

    monkeypatch.setattr(bench_routes, "THRESHOLD_MS", 1000.0)
    page = results[0].page
    fast, slow, slowest = (
        bench_routes.RouteMeasurement(page, 200, 5, p95 / 2, p95, 2, slow=p95 > 1000) for p95 in (900.0, 1200.0, 3000.0)
    )
    missing = bench_routes.RouteMeasurement(page, 0, 0, 0.0, 0.0, 0, note="no such object")
    lines = bench_routes.table([fast, missing, slow, slowest]).splitlines()
    assert [line.split(" | ")[4] for line in lines[2:5]] == ["3000.0", "1200.0", "900.0"]  # p95, slowest first
    assert "SLOW" in lines[2] and "SLOW" in lines[3] and "SLOW" not in lines[4]
    assert "not walked: no such object" in lines[5]
    section = bench_routes.report_section([fast, missing, slow, slowest])
    assert "3 routes walked as their owners, 2 over 1 s; 1 not timed (listed below)." in section
