"""Reading meeting reports (issue 15, first part): the text normalised, the scorer of the labelled examples, the
seed read exactly, and `chaindesk ingest-eval`."""

import copy
import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from chaindesk.ingest.extract import draft
from chaindesk.ingest.normalise import normalise, strip_pinyin
from chaindesk.ingest.scoring import score

DATA = Path(__file__).parent / "data"


def _label(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def test_pinyin_annotations_go_and_characters_are_simplified() -> None:
    assert strip_pinyin("生物醫(yī)藥產(chǎn)業(yè)鏈") == "生物醫藥產業鏈"
    assert strip_pinyin("產（chǎn）業") == "產業"  # full-width brackets too
    assert normalise("生物醫(yī)藥產(chǎn)業(yè)鏈服務(wù)團(tuán)隊(duì)") == "生物医药产业链服务团队"
    assert normalise("人工智能(AI)企業") == "人工智能(AI)企业"  # an abbreviation is not pinyin
    assert normalise("總投資１５億元，，計劃。。") == "总投资15亿元，计划。"


def test_a_label_scores_one_against_itself_and_less_without_an_item() -> None:
    label = _label("seed")
    counts = score(label, label)
    assert counts.precision() == counts.recall() == 1.0
    fewer = copy.deepcopy(label)
    fewer["projects"].pop()
    partial = score(label, fewer)
    assert partial.precision() == 1.0 and partial.recall() < 1.0
    assert partial.hits[("projects", "name")] == 1 and partial.labelled[("projects", "name")] == 2


def test_projects_match_by_contained_name_and_the_same_owner() -> None:
    label = _label("seed")
    drafted = copy.deepcopy(label)
    drafted["projects"][0]["name"] = "年产3000万平方米特殊功能性新型医用膜材项目"  # contains the label's name
    assert score(label, drafted).hits[("projects", "name")] == 2
    drafted["projects"][0]["owner"] = "江苏金扬子包装科技有限公司"  # another owner: not the same project
    wrong = score(label, drafted)
    assert wrong.hits[("projects", "name")] == 1 and wrong.drafted[("projects", "owner")] == 2


def test_the_seed_comes_out_exactly() -> None:
    label = _label("seed")
    drafted = draft((DATA / "seed.txt").read_text(encoding="utf-8"))
    for key in ("meeting", "people", "enterprises", "projects"):
        assert drafted[key] == label[key], key
    counts = score(label, drafted)
    assert counts.precision() == counts.recall() == 1.0


def test_a_traditional_report_with_pinyin_is_read() -> None:
    drafted = draft((DATA / "taixing-energy-traditional.txt").read_text(encoding="utf-8"))
    assert drafted["meeting"] == _label("taixing-energy-traditional")["meeting"]
    assert {p["name"]: p["investment_wan"] for p in drafted["projects"]} == {
        "储能电池项目": 150000,
        "高性能湿法隔膜项目": 75000,
    }


def test_nothing_is_invented_from_an_empty_or_meetingless_text() -> None:
    for text in ("", "今天天气很好。"):
        drafted = draft(text)
        assert drafted["projects"] == drafted["enterprises"] == drafted["people"] == []
        assert drafted["meeting"]["date"] is None and drafted["meeting"]["host"] is None


def test_ingest_eval_prints_each_file_each_field_and_the_micro_average() -> None:
    out = StringIO()
    call_command("ingest_eval", str(DATA), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result["files"]) == {"seed", "taixing-energy-traditional"}
    assert result["files"]["seed"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert result["fields"]["meeting.date"]["hits"] == 2
    assert 0 < result["micro"]["f1"] <= 1


def test_counts_amounts_and_deadlines_are_read_by_the_field_s_libraries() -> None:
    from chaindesk.ingest import extract

    assert [extract._count(t) for t in (None, "3", "两", "十二")] == [1, 3, 2, 12]  # cn2an
    assert [extract._wan(*a) for a in (("5.2", "亿元"), ("7800", "万元"), ("1.25", "亿"))] == [52000, 7800, 12500]
    assert [extract._due(t) for t in ("要在4月底前完成", "在12月15日前办结", "年底前形成报告", "尽快推进")] == [
        "04-30",
        "12-15",
        "12-31",
        None,
    ]
    lines = extract._lines("新上两条湿法隔膜生产线和1条涂布生产线")
    assert lines == [{"name": "湿法隔膜生产线", "count": 2}, {"name": "涂布生产线", "count": 1}]


# A report invented for the tests, worded unlike the labelled examples: a visit around the leader's own city, a firm
# that is not a company listed with companies, a renovation with an amount but no 项目, two bodies assigned in one
# clause, an exhortation to every department, and a pledge that is not a demand.
INVENTED = (
    "张建国调研纺织产业链\n"
    "6月3日，海安市副市长张建国带队到全市纺织企业调研，市工信局局长刘晓梅陪同。\n"
    "张建国一行先后走访了南通锦程纺织有限公司、海安市明远针织厂和江苏华泰集团3家企业。明远针织厂始建于1998年，"
    "是省级专精特新中小企业。锦程纺织计划投资1.2亿元实施智能化改造，新上3条自动化生产线。\n"
    "座谈会上，企业家代表表示，将加快转型升级。企业负责人反映技术工人招聘难，希望人社部门帮助对接职业院校。\n"
    "会议要求，市人社局要在7月底前组织一场专场招聘会，市发展改革委负责协调项目审批。张建国强调，各部门要加大"
    "技术改造支持力度。"
)


def test_a_report_worded_unlike_the_examples_is_read() -> None:
    drafted = draft(INVENTED)
    assert drafted["meeting"]["place"] == "海安市"  # 到全市…: the city of the leader's office
    assert [e["name"] for e in drafted["enterprises"]] == ["南通锦程纺织有限公司", "海安市明远针织厂", "江苏华泰集团"]
    assert drafted["enterprises"][1] | {"name": ""} == {
        "name": "",
        "founded": "1998",
        "qualifications": ["省级专精特新中小企业"],
    }  # its short form 明远针织厂 is the subject of the next sentence
    assert drafted["projects"] == [
        {
            "name": "智能化改造项目",
            "owner": "南通锦程纺织有限公司",  # 锦程纺织: the short form of a name given in full
            "investment_wan": 12000,
            "capacity": None,
            "production_lines": [{"name": "自动化生产线", "count": 3}],
        }
    ]
    assert [(d["category"], d["department"]) for d in drafted["demands"]] == [("人才用工", "市人社局")]
    assert [(d["department"], d["due"]) for d in drafted["decisions"]] == [
        ("市人社局", "07-31"),
        ("市发展改革委", None),
    ]


def test_meetings_in_several_places_and_a_study_group_s_assignment() -> None:
    text = (
        "两镇同日签约\n8月16日，测试县平安镇、红旗乡两地同日举办项目签约仪式。"
        "会议要求课题组对签约项目逐个跟踪，年底前形成报告。"
    )
    drafted = draft(text)
    assert drafted["meeting"]["place"] == "测试县平安镇、红旗乡"
    assert [(d["department"], d["due"]) for d in drafted["decisions"]] == [("课题组", "12-31")]
