"""The database's names as the reader's user dictionary (issue 15, item 4): the lexicon read in a fixed number of
queries, a registered firm whose name the patterns miss (…厂) or a short form found with it and not without it,
people and departments known by name, and nothing outside the reader's scope ever written into a draft."""

import json
from pathlib import Path

import pytest

from chaindesk.accounts.models import Department
from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise
from chaindesk.ingest.extract import draft
from chaindesk.ingest.lexicon import Lexicon, in_text, known_names, lexicon_for, short_forms, tokenizer_for
from chaindesk.testkit.personas import Personas, Side, make_uscc

DATA = Path(__file__).parent / "data"
WORKSHOP = "泰州市绿源竹木制品厂"  # a registered firm that is not a company: the patterns see only …有限公司
SHORT = "江苏瀚森铝材科技有限公司"  # reports call it 瀚森铝材
ELSEWHERE = "泰州市青山五金厂"  # registered on the other chain: the chief may not see it


def _register(side: Side, actor: object, name: str) -> Enterprise:
    return enterprise_services.enterprise_create(
        actor=actor,  # type: ignore[arg-type]
        name=name,
        uscc=make_uscc(name, side.region.code),
        region=side.region,
        nodes=[side.node],
    )


@pytest.fixture
def registered(personas: Personas) -> Personas:
    _register(personas.ours, personas.chief, WORKSHOP)
    _register(personas.ours, personas.chief, SHORT)
    _register(personas.theirs, personas.x_chief, ELSEWHERE)
    audited_create(
        model=Department,
        actor=FIXTURES,
        code="p_dept_data",
        name="测试市数据服务站",  # a body whose name ends in none of the kinds the patterns know (局, 委 …)
        short_name="数据服务站",
        region=personas.city,
    )
    return personas


def _names(result: dict, key: str) -> set[str]:
    return {item["name"] for item in result[key]}


def test_short_forms_drop_the_place_the_legal_form_and_a_trade_word() -> None:
    assert short_forms("山东瀚昌铝材科技有限公司") == ("瀚昌铝材科技有限公司", "瀚昌铝材科技", "瀚昌铝材")
    assert short_forms("泰州市绿源竹木制品厂") == ("绿源竹木制品厂", "绿源竹木制品")
    assert short_forms("兰溪新丰源新材料有限公司")[-1] == "新丰源新材料"  # 新丰 (a county) is part of the name
    assert short_forms("江苏华泰集团") == ()  # 华泰: too short a core to tell apart from other words


def test_a_short_form_two_enterprises_share_stands_for_neither() -> None:
    lexicon = Lexicon.of(enterprises=["南通锦程纺织有限公司", "苏州锦程纺织有限公司", "泰州市绿源竹木制品厂"])
    words = lexicon.words()
    assert "锦程纺织" not in words and words["绿源竹木制品"] == ("short", "泰州市绿源竹木制品厂")
    assert tokenizer_for(lexicon) is tokenizer_for(Lexicon.of(enterprises=reversed(lexicon.enterprises)))
    assert tokenizer_for(lexicon) is not tokenizer_for(Lexicon())  # each lexicon its own words


@pytest.mark.django_db
def test_the_lexicon_holds_what_the_reader_may_see_in_four_queries(
    registered: Personas, django_assert_num_queries
) -> None:
    p = registered
    with django_assert_num_queries(4):
        lexicon = lexicon_for(p.chief)
    assert {WORKSHOP, SHORT, p.ours.enterprise.name} <= set(lexicon.enterprises)
    assert ELSEWHERE not in lexicon.enterprises and p.theirs.enterprise.name not in lexicon.enterprises
    assert {"测试市数据服务站", "数据服务站", p.ours.department.name, p.ours.department.short_name} <= set(
        lexicon.departments
    )
    assert {p.ours.chain.name, p.ours.chain.name.removesuffix("产业链")} <= set(lexicon.chains)
    assert p.chief.display_name in lexicon.people and p.ent_user.display_name not in lexicon.people


@pytest.mark.django_db
def test_given_the_report_the_lexicon_keeps_only_the_enterprises_it_names(
    registered: Personas, django_assert_num_queries
) -> None:
    p = registered
    text = f"测试调研\n5月9日，调研组来到{WORKSHOP}。瀚森铝材计划投资2亿元。"
    with django_assert_num_queries(4):
        lexicon = lexicon_for(p.chief, text)
    assert lexicon.enterprises == tuple(sorted({WORKSHOP, SHORT}))  # in full, and by its short form
    assert lexicon.departments == lexicon_for(p.chief).departments  # the small lists stay whole
    assert draft(text, lexicon=lexicon) == draft(text, lexicon=lexicon_for(p.chief))
    many = [f"测试{n:05d}号材料科技有限公司" for n in range(20_000)] + [WORKSHOP]
    assert list(in_text(many, text)) == [WORKSHOP]


@pytest.mark.django_db
def test_a_registered_workshop_visited_is_found_with_the_lexicon_only(registered: Personas) -> None:
    text = f"测试调研\n5月9日，副市长李明华带队调研。随后，调研组来到{WORKSHOP}，察看生产线运行情况。"
    assert WORKSHOP not in _names(draft(text), "enterprises")
    assert WORKSHOP in _names(draft(text, lexicon=lexicon_for(registered.chief)), "enterprises")
    passing = f"测试调研\n5月9日，副市长李明华带队调研。会议指出，要学习{WORKSHOP}的经验。"
    assert WORKSHOP not in _names(draft(passing, lexicon=lexicon_for(registered.chief)), "enterprises")


@pytest.mark.django_db
def test_a_short_form_as_the_subject_is_the_registered_enterprise(registered: Personas) -> None:
    text = "测试调研\n5月9日，副市长李明华带队调研。瀚森铝材计划投资2亿元建设高端铝型材项目。"
    found = draft(text, lexicon=lexicon_for(registered.chief))
    assert SHORT in _names(found, "enterprises")
    assert [(p["owner"], p["investment_wan"]) for p in found["projects"]] == [(SHORT, 20000)]
    assert draft(text)["enterprises"] == [] and draft(text)["projects"][0]["owner"] is None


@pytest.mark.django_db
def test_a_name_outside_the_reader_s_scope_is_never_written(registered: Personas) -> None:
    p = registered
    text = (
        f"测试调研\n5月9日，副市长李明华带队调研。随后，调研组来到{ELSEWHERE}，察看生产线。青山五金是省级专精特新企业。"
    )
    for reader in (p.chief, p.liaison, p.ent_user):
        found = draft(text, lexicon=lexicon_for(reader))
        assert ELSEWHERE not in json.dumps(found, ensure_ascii=False), reader.username
    assert ELSEWHERE in _names(draft(text, lexicon=lexicon_for(p.x_chief)), "enterprises")  # in their scope


@pytest.mark.django_db
def test_people_and_departments_known_by_name(registered: Personas) -> None:
    p = registered
    name = p.chief.display_name  # four characters: longer than the names the patterns take
    text = (
        f"测试调研\n5月9日，副市长{name}现场办公。会议要求，测试市数据服务站要在6月底前完成数据归集，"
        "企业负责人反映数据共享不畅，希望数据服务站协调。"
    )
    plain, known = draft(text), draft(text, lexicon=lexicon_for(p.chief))
    assert name not in _names(plain, "people") and plain["decisions"] == []
    assert {"name": name, "title": "副市长"} in known["people"]
    assert [(d["department"], d["due"]) for d in known["decisions"]] == [("测试市数据服务站", "06-30")]
    assert [d["department"] for d in known["demands"]] == ["数据服务站"]
    assert [k.word for k in known_names(text, lexicon_for(p.chief)) if k.kind == "person"] == [name]


def test_without_a_lexicon_the_seed_is_read_as_before() -> None:
    label = json.loads((DATA / "seed.json").read_text(encoding="utf-8"))
    text = (DATA / "seed.txt").read_text(encoding="utf-8")
    plain = draft(text)
    assert draft(text, lexicon=Lexicon()) == plain
    for key in ("meeting", "people", "enterprises", "projects"):
        assert plain[key] == label[key], key
