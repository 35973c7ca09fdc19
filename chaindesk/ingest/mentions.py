"""Where a report names an enterprise, and which: the reader's part of `extract.py` that finds enterprises.

Four ways, most certain first:
- a registered form of name (…有限公司, …股份有限公司), wherever it is written, cut from the words before it;
- a firm that is not a company (…厂, …集团) listed among the companies an official visited
  (先后走访了A有限公司、B有限公司和C竹木制品厂6家企业);
- with a lexicon (`lexicon.py`), a name the database knows, full or short (瀚昌铝材), written as a word of its own
  and written as a visit or as the subject of its sentence: an enterprise mentioned in passing is not a visit;
- a short form of a name the report gave in full (禾睿光电 after 浙江禾睿光电科技有限公司), as the subject of its
  sentence: the same enterprise, whose facts that sentence states.

A mention carries the full name: as written for the first two, as registered for the last two."""

import dataclasses
import re
from collections.abc import Iterable

from .lexicon import ENTERPRISE, SHORT, Known, short_forms

CJK = "\u3400-\u9fff"
ENTERPRISE_PATTERN = re.compile(rf"([{CJK}（）()]{{2,40}}?(?:股份有限公司|有限责任公司|有限公司))")
ENTERPRISE_LEADS = (
    "先后走访了",
    "先后走访",
    "走访了",
    "走访",
    "来到",
    "深入",
    "考察了",
    "考察",
    "调研了",
    "调研",
    "看望",
    "走进",
    "本地企业",
    "当地企业",
    "龙头企业",
)
_VISIT = re.compile("(?:走访|来到|深入|考察|调研|看望|走进|察看|参观)了?")
# A firm listed among the companies visited: after a separator of the list, ending in 厂 or 集团 (or 公司 without
# 有限, which the registered form takes), before the next separator or the count that closes the list (6家企业).
_LISTED = re.compile(
    rf"(?<=[、和及])((?:(?![和及])[{CJK}]){{3,20}}?(?:厂|集团|(?<!有限)公司))"
    "(?=[、和及，,。；;]|\\d+家|[一二两三四五六七八九十]+家)"
)
_NOT_A_FIRM = ("该", "本", "这", "各", "其", "母公司", "子公司", "分公司")
# What follows an enterprise that is the subject of its sentence (瀚昌铝材是…, 绿源竹木制品厂创办于…).
_SUBJECT_NEXT = re.compile(
    "是|主要|专注|专业|拥有|位于|成立|创办|创建|始建|注册|于\\d{4}|计划|拟|投资|总投资|今年|目前|现有|近年|去年|"
    "反映|提出|负责人|董事长|总经理|先后被|被评为|获评|入选"
)
_CLAUSE_END = "，,。；;：:"


@dataclasses.dataclass(frozen=True)
class Mention:
    """An enterprise named in a paragraph: where (start, end of the words naming it) and its full name."""

    start: int
    end: int
    name: str


def enterprise_name(raw: str) -> str:
    """The enterprise's name from the run the registered-form pattern took: the words before it cut."""
    name = raw
    for lead in ENTERPRISE_LEADS:
        if lead in name:
            name = name.rsplit(lead, 1)[1]
    if name[0] in "在到赴与和" and len(name) > 7:  # 在潍坊沃德流体机械有限公司
        name = name[1:]
    partner, _and, own = name.rpartition("与")  # 坪上镇政府与深圳市拓维精密电子有限公司
    if partner and len(own) >= 6:
        name = own
    return name


def _clause_start(paragraph: str, position: int) -> int:
    return max(paragraph.rfind(p, 0, position) for p in _CLAUSE_END) + 1


def _visited(paragraph: str, start: int, end: int) -> bool:
    """Named as a visit: after a visit verb in its clause, alone or in the list that follows it (走访了A、B和C),
    or as where the visitors were (在C，…)."""
    before = paragraph[_clause_start(paragraph, start) : start]
    if before == "在":
        return paragraph[end : end + 1] in _CLAUSE_END
    visits = list(_VISIT.finditer(before))
    if not visits:
        return False
    between = before[visits[-1].end() :]
    return re.fullmatch("(?:[^、和及与]+[、和及与])*", between) is not None


def _subject(paragraph: str, start: int, end: int) -> bool:
    """The subject of its sentence: first in it (or after 在), followed by what is said of an enterprise."""
    sentence_start = max(paragraph.rfind(p, 0, start) for p in "。；;") + 1
    if paragraph[sentence_start:start].strip() not in ("", "在"):
        return False
    return _SUBJECT_NEXT.match(paragraph, end) is not None


def _listed(paragraph: str, named: list[Mention]) -> list[Mention]:
    """Firms not named in registered form (…厂, …集团) listed with companies named so, in a visit's clause."""
    found: list[Mention] = []
    for match in _LISTED.finditer(paragraph):
        name, start = match.group(1), match.start(1)
        if name.startswith(_NOT_A_FIRM) or any(m.start <= start < m.end for m in named):
            continue
        clause_start = _clause_start(paragraph, start)
        in_clause = [m for m in named if clause_start <= m.start < start]
        if in_clause and _VISIT.search(paragraph, clause_start, start):
            found.append(Mention(start, match.end(1), name))
    return found


def _known(paragraph: str, named: list[Mention], known: Iterable[Known]) -> list[Mention]:
    """The lexicon's enterprises written as words of their own: a registered name inside a longer run the pattern
    took corrects that run's name; elsewhere a name, full or short, counts as a visit or the sentence's subject."""
    found: list[Mention] = []
    for word in known:
        if word.kind not in (ENTERPRISE, SHORT):
            continue
        around = next((m for m in named if m.start <= word.start and word.end <= m.end), None)
        if around is not None:  # 调研组来到泰州XX有限公司 → 泰州XX有限公司; XX有限公司 (short) → its registered name
            written = around.name.endswith(word.word) if word.kind == ENTERPRISE else around.name == word.word
            if word.end == around.end and written and around.name != word.name:
                named[named.index(around)] = Mention(around.start, around.end, word.name)
            continue
        if _visited(paragraph, word.start, word.end) or _subject(paragraph, word.start, word.end):
            found.append(Mention(word.start, word.end, word.name))
    return found


def _short(paragraph: str, named: list[Mention], names: Iterable[str]) -> list[Mention]:
    """Short forms of names given in full in the report, as the subject of their sentence (禾睿光电是…)."""
    found: list[Mention] = []
    for name in names:
        for form in short_forms(name):
            for match in re.finditer(re.escape(form), paragraph):
                start, end = match.span()
                if any(m.start <= start < m.end for m in named + found):
                    continue
                if _subject(paragraph, start, end):
                    found.append(Mention(start, end, name))
    return found


def named(paragraph: str, known: Iterable[Known] = ()) -> list[Mention]:
    """The enterprises a paragraph names itself: in registered form, listed with those, or known to the lexicon
    (`known`: the lexicon's words found in this paragraph)."""
    mentions = [
        Mention(found.start(), found.end(), enterprise_name(found.group(1)))
        for found in ENTERPRISE_PATTERN.finditer(paragraph)
    ]
    mentions += _listed(paragraph, mentions)
    mentions += _known(paragraph, mentions, known)
    return sorted(mentions, key=lambda m: m.start)


def with_short_forms(paragraph: str, mentions: list[Mention], names: Iterable[str]) -> list[Mention]:
    """`mentions` with the short forms of `names` (every enterprise the report names in full) in the paragraph."""
    return sorted(mentions + _short(paragraph, mentions, names), key=lambda m: m.start)
