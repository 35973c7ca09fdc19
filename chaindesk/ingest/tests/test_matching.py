"""A draft's items matched to the records the reader may see: USCC, the registered name, a similar name with its
score, or new; a project among its owner's projects; nothing outside the reader's scope is named."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chaindesk.ingest.matching import NAME, NEW, SIMILAR, USCC, match_draft, match_enterprise, match_project
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db


def test_an_enterprise_matches_by_uscc_then_name_then_a_similar_name(personas: Personas) -> None:
    p = personas
    ours = p.ours.enterprise
    by_code, _record = match_enterprise({"name": "别的名字", "uscc": ours.uscc}, p.chief)
    assert (by_code.how, by_code.pk) == (USCC, ours.pk)
    by_name, record = match_enterprise({"name": ours.name}, p.chief)
    assert (by_name.how, by_name.pk, record) == (NAME, ours.pk, ours)
    close = ours.name.replace("有限公司", "股份有限公司") if "股份" not in ours.name else ours.name[:-4] + "有限公司"
    by_likeness, _record = match_enterprise({"name": close}, p.chief)
    assert by_likeness.how in (NAME, SIMILAR) and by_likeness.pk == ours.pk
    assert by_likeness.score is not None and by_likeness.score >= 0.8
    assert match_enterprise({"name": "完全不同的某某某某有限公司"}, p.chief)[0].how == NEW


def test_an_enterprise_outside_the_reader_s_scope_is_never_named(personas: Personas) -> None:
    p = personas
    theirs = p.theirs.enterprise
    assert match_enterprise({"name": theirs.name}, p.x_chief)[0].pk == theirs.pk  # in their chief's scope
    unseen, record = match_enterprise({"name": theirs.name, "uscc": theirs.uscc}, p.chief)
    assert unseen.how != USCC and unseen.pk != theirs.pk and theirs.name not in unseen.label
    assert record is None or record.pk in {e.pk for e in type(theirs).objects.visible_to(p.chief)}
    # (测试乙企业 is close to the chief's own 测试甲企业: at most that one, which the chief may see, is offered)


def test_a_project_matches_among_its_owner_s_projects(personas: Personas) -> None:
    p = personas
    project, owner = p.ours.project, p.ours.enterprise
    assert project.enterprise_id == owner.pk
    same = match_project({"name": project.name}, owner, p.chief)
    assert (same.how, same.pk) == (NAME, project.pk)
    longer = match_project({"name": f"年产100吨{project.name}"}, owner, p.chief)
    assert (longer.how, longer.pk) == (SIMILAR, project.pk)
    assert match_project({"name": project.name}, p.theirs.enterprise, p.chief).how == NEW  # not that owner's
    assert match_project({"name": project.name}, None, p.chief).how == NEW


def test_a_draft_carries_a_match_beside_each_item(personas: Personas) -> None:
    p = personas
    draft = {
        "meeting": {"chain": p.ours.chain.name},
        "enterprises": [{"name": p.ours.enterprise.name}, {"name": "新来的示例科技有限公司"}],
        "projects": [{"name": p.ours.project.name, "owner": p.ours.enterprise.name}],
        "demands": [{"text_contains": "用地", "department": p.ours.department.name}],
        "decisions": [{"text_contains": "办结", "department": "不存在的局"}],
    }
    matched = match_draft(draft, p.chief)
    assert matched["meeting"]["chain_match"]["pk"] == p.ours.chain.pk
    assert [e["match"]["how"] for e in matched["enterprises"]] == [NAME, NEW]
    assert matched["projects"][0]["match"]["pk"] == p.ours.project.pk
    assert matched["demands"][0]["department_match"]["pk"] == p.ours.department.pk
    assert matched["decisions"][0]["department_match"]["how"] == NEW
    assert "match" not in draft["enterprises"][0]  # the draft itself is left as it was


def test_ingest_with_a_user_prints_each_item_s_match(personas: Personas, tmp_path: Path) -> None:
    p = personas
    report = tmp_path / "report.txt"
    report.write_text(
        f"{p.ours.chain.name}产业链服务团队工作例会召开\n"
        f"11月2日,市委书记王测试带队赴测试区开展现场观摩。{p.ours.enterprise.name}是国家高新技术企业。\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("ingest", str(report), "--user", p.chief.username, stdout=out)
    result = json.loads(out.getvalue())
    assert result["enterprises"][0]["match"] == {
        "how": NAME,
        "pk": p.ours.enterprise.pk,
        "label": p.ours.enterprise.name,
        "score": 1.0,
    }
    with pytest.raises(CommandError, match="没有这个用户"):
        call_command("ingest", str(report), "--user", "nobody-here")
