"""The words offices write for our coded choices, and the one function that maps them.

See chaindesk/transfer/values.py for the whole vocabulary and the decisions behind it."""

from collections.abc import Mapping

from django.utils.translation import gettext as _

from chaindesk.leads.choices import LeadStage
from chaindesk.projects.choices import ProjectKind, ProjectLevel, ProjectStage

from .values_text import BLANK_WORDS, Cell, CellError, blank_error, clean_name, show


def _words(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {word: str(code) for code, words in table.items() for word in words}


# Project stages (chaindesk/projects/choices.py). 暂停 and 终止 are read so that no word is silently dropped; a
# paused project also needs the stage it paused, which the importer must ask for or refuse.
PROJECT_STAGE_WORDS: dict[str, str] = _words(
    {
        ProjectStage.NEGOTIATING: ("在谈", "洽谈", "谈判", "在谈项目", "洽谈中"),
        ProjectStage.SIGNED: ("签约", "已签约", "签约项目", "签约未开工"),
        ProjectStage.STARTED: ("开工", "新开工", "已开工", "开工项目"),
        ProjectStage.BUILDING: ("在建", "续建", "建设中", "在建项目", "续建项目"),
        ProjectStage.COMPLETED: ("竣工", "建成", "已竣工", "已建成"),
        ProjectStage.PRODUCING: ("投产", "试生产", "已投产", "部分投产"),
        ProjectStage.FULL: ("达产", "已达产", "全面达产"),
        ProjectStage.PAUSED: ("暂停", "停建", "缓建"),
        ProjectStage.TERMINATED: ("终止", "已终止", "取消"),
    }
)

PROJECT_KIND_WORDS: dict[str, str] = _words(
    {
        ProjectKind.NEW: ("新建", "新建项目"),
        ProjectKind.EXTENSION: ("扩建", "改扩建"),
        ProjectKind.RENOVATION: ("技术改造", "技改", "技改项目"),
        ProjectKind.EXPANSION: ("增资扩产", "增资", "扩产"),
        ProjectKind.SUPPORTING: ("配套", "配套项目"),
    }
)

PROJECT_LEVEL_WORDS: dict[str, str] = _words(
    {
        ProjectLevel.PROVINCIAL: ("省重大", "省重大项目", "省重点", "省级重大"),
        ProjectLevel.CITY: ("市重大", "市重大项目", "市重点", "市级重大"),
        ProjectLevel.COUNTY: ("县级重点", "县重点", "区重点", "县（市、区）重点", "县（市区）重点"),
        ProjectLevel.GENERAL: ("一般", "一般项目", "其他"),
    }
)

# Lead stages (chaindesk/leads/choices.py). 签约 is reached only through the signing service, which creates the
# project: the importer decides what a signed lead in a ledger means.
LEAD_STAGE_WORDS: dict[str, str] = _words(
    {
        LeadStage.NEW: ("新线索", "新增", "初步信息"),
        LeadStage.CONTACTED: ("接洽", "已接洽", "对接", "初步接洽", "已对接"),
        LeadStage.INSPECTED: ("考察", "已考察", "实地考察", "来访考察"),
        LeadStage.NEGOTIATING: ("洽谈", "在谈", "谈判", "商谈", "洽谈中"),
        LeadStage.SIGNED: ("签约", "已签约"),
        LeadStage.ABANDONED: ("放弃", "已放弃", "中止", "终止"),
    }
)


def map_choice(value: Cell, choices: Mapping[str, str], *, field_label: str) -> str:
    """The code for the word in the cell: the word as cleaned by clean_name (half-width brackets, simplified,
    no spaces), or the code itself (our own export and API write codes). An unknown word is refused with
    the list of accepted words, e.g. 「阶段“规划中”无法识别，可填：在谈、洽谈、…」."""
    word = clean_name(value).replace(" ", "")
    if word in BLANK_WORDS:
        raise blank_error()
    code = choices.get(word)
    if code is not None:
        return code
    codes = {str(c).lower(): str(c) for c in choices.values()}
    if word.lower() in codes:
        return codes[word.lower()]
    accepted = "、".join(dict.fromkeys(choices))
    message = _("%(field)s“%(value)s”无法识别，可填：%(words)s") % {
        "field": field_label,
        "value": show(value),
        "words": accepted,
    }
    raise CellError(message, code="choice")
