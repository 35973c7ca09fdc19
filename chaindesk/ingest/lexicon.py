"""The names the database knows, as the reader's user dictionary (issue 15, item 4): the enterprises the reader may
see (their registered names, and the short forms reports use for them), the departments (full and short names),
the chains (with and without 产业链) and the people (the users' names).

A report is segmented by jieba with these names added as words, so that a registered name is one word wherever the
text writes it: a firm whose name ends in 厂 or 集团 (which the reader's patterns, built on 有限公司, do not see), a
short form (瀚昌铝材 for 山东瀚昌铝材科技有限公司), a person's name next to a title, a department named the way it is
registered. Each lexicon has its own `jieba.Tokenizer` (never jieba's global one), so that two readers' names are
never mixed; jieba's own dictionary is loaded once per process (about a second) and shared read-only by them.

Nothing outside the reader's scope enters a lexicon: `lexicon_for` reads the enterprises through
`Enterprise.objects.visible_to`, so a full name the reader may not see is never written into a draft. The people's
and departments' names only help to cut the text: what is found of them is written as the report writes it."""

import collections
import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from .libraries import jieba, place_names

ENTERPRISE, SHORT, DEPARTMENT, CHAIN, PERSON = "enterprise", "short", "department", "chain", "person"
# How often a known name is taken to occur (jieba's unit): well above the dictionary's common words, so that the
# name wins over any cut of it, without the cost of jieba's suggest_freq for each of thousands of names.
NAME_FREQ = 50_000
SHORT_FORM_MIN = 4  # shorter forms (瀚昌) are too often parts of other words

# The legal form at the end of a registered name, and a generic trade word before it: what a report drops, with the
# place the name begins with, when it names the firm short.
_LEGAL_FORM = re.compile("(?:集团)?(?:股份有限公司|有限责任公司|有限公司|集团|公司|总厂|厂)$")
_TRADE = re.compile("(?:科技|实业|股份|控股|发展|国际|制造|工业)$")
_PLACE_LONGEST = 8
_FULL_PLACE = re.compile("[\u4e00-\u9fff]{1,6}?(?:省|市|县|区|自治区|自治州|自治县)")


def _without_place(name: str) -> str:
    """The name without the places it begins with: one place as jionlp's divisions name it, full or short (江苏,
    泰州市, 兰溪 …), then more only in full (江苏省泰州市…: 兰溪新丰源… keeps 新丰, a county's short name)."""
    places = place_names()
    for size in range(min(_PLACE_LONGEST, len(name) - 2), 1, -1):
        if name[:size] in places:
            name = name[size:]
            break
    while (found := _FULL_PLACE.match(name)) and found.group(0) in places and len(name) - found.end() >= 2:
        name = name[found.end() :]
    return name


def short_forms(name: str) -> tuple[str, ...]:
    """The short forms a report may use for a registered name: without its leading places (南通锦程纺织有限公司 →
    锦程纺织有限公司), then also without its legal form (→ 锦程纺织) and a generic trade word (山东瀚昌铝材科技有限公司
    → 瀚昌铝材); only forms of at least four
    characters, none when the core is shorter."""
    local = _without_place(name)
    core = _LEGAL_FORM.sub("", local)
    if len(core) < SHORT_FORM_MIN:  # 华泰集团, 东方电气: too short a core to be told apart from common words
        return ()
    forms = [local, core, _TRADE.sub("", core)]
    return tuple(f for f in dict.fromkeys(forms) if len(f) >= SHORT_FORM_MIN and f != name)


def _names(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in values if v and v.strip()}))


@dataclasses.dataclass(frozen=True)
class Lexicon:
    """The names the database knows, each list sorted and without repeats (a lexicon is a cache key). Empty by
    default: the reader without a database."""

    enterprises: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    chains: tuple[str, ...] = ()
    people: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        enterprises: Iterable[str | None] = (),
        departments: Iterable[str | None] = (),
        chains: Iterable[str | None] = (),
        people: Iterable[str | None] = (),
    ) -> "Lexicon":
        """A lexicon from names as read (blank ones dropped, repeats once, sorted)."""
        return cls(_names(enterprises), _names(departments), _names(chains), _names(people))

    def is_empty(self) -> bool:
        return not (self.enterprises or self.departments or self.chains or self.people)

    def words(self) -> dict[str, tuple[str, str]]:
        """Each word to add to the tokenizer: its kind and the name it stands for (a short form stands for its
        registered name; a short form two enterprises share stands for none and is left out)."""
        return _words(self)


@functools.lru_cache(maxsize=16)
def _words(lexicon: Lexicon) -> dict[str, tuple[str, str]]:
    words: dict[str, tuple[str, str]] = {}
    for kind, names in ((PERSON, lexicon.people), (CHAIN, lexicon.chains), (DEPARTMENT, lexicon.departments)):
        words.update((name, (kind, name)) for name in names)
    owners: dict[str, set[str]] = collections.defaultdict(set)
    for name in lexicon.enterprises:
        for form in short_forms(name):
            owners[form].add(name)
    words.update((form, (SHORT, names.pop())) for form, names in owners.items() if len(names) == 1)
    words.update((name, (ENTERPRISE, name)) for name in lexicon.enterprises)
    return words


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def in_text(names: Iterable[str], text: str) -> Iterator[str]:
    """The names of which the text writes the whole or a short form. A first sieve needs three consecutive
    characters' pairs of a name among the text's (every form is four characters at least), so that a million
    names cost one pass over their characters; the few left are then looked for form by form."""
    pairs = _bigrams(text)
    for name in names:
        run = 0
        for i in range(len(name) - 1):
            run = run + 1 if name[i : i + 2] in pairs else 0
            if run >= SHORT_FORM_MIN - 1:
                break
        else:
            continue
        if name in text or any(form in text for form in short_forms(name)):
            yield name


def lexicon_for(user: Any, text: str | None = None) -> Lexicon:
    """The names known to the database that `user` may read, in four queries: the enterprises the user may see,
    the active departments (reference data, as `matching.match_department` reads them), the chains the user may
    see (with and without 产业链), the active users' names (staff, not enterprise accounts). Given the report's
    `text`, only the enterprises it names (in full or short) are kept: a province's million names would take the
    tokenizer half a minute to learn, the few a report names a few milliseconds."""
    from chaindesk.accounts.choices import Role
    from chaindesk.accounts.models import Department, User
    from chaindesk.chains.models import Chain
    from chaindesk.enterprises.models import Enterprise

    departments = Department.objects.filter(is_active=True).values_list("name", "short_name")
    chains = list(Chain.objects.visible_to(user).values_list("name", flat=True))
    staff = User.objects.filter(is_active=True).exclude(role=Role.ENTERPRISE)
    enterprises: Iterable[str] = Enterprise.objects.visible_to(user).values_list("name", flat=True)
    if text is not None:
        enterprises = in_text(enterprises.iterator(chunk_size=20_000), text)  # type: ignore[attr-defined]
    return Lexicon.of(
        enterprises=enterprises,
        departments=[name for pair in departments for name in pair],
        chains=chains + [c.removesuffix("产业链") for c in chains if len(c.removesuffix("产业链")) >= 2],
        people=staff.values_list("display_name", flat=True),
    )


# --- segmentation ---------------------------------------------------------------------------------------------


@functools.cache
def _base() -> Any:
    """A tokenizer with jieba's own dictionary loaded: once per process, then only read."""
    tokenizer = jieba().Tokenizer()
    tokenizer.initialize()
    return tokenizer


@functools.lru_cache(maxsize=8)
def tokenizer_for(lexicon: Lexicon) -> Any:
    """A tokenizer of its own for `lexicon`: jieba's dictionary shared (a ChainMap over the loaded one, so that
    adding words writes only this tokenizer's layer) and the lexicon's names added as words."""
    base = _base()
    tokenizer = jieba().Tokenizer()
    tokenizer.FREQ = collections.ChainMap({}, base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word, (kind, _name) in lexicon.words().items():
        tokenizer.add_word(word, freq=NAME_FREQ, tag=kind)
    return tokenizer


@dataclasses.dataclass(frozen=True)
class Known:
    """A known name where the text writes it: its span, the kind of name and the name it stands for."""

    start: int
    end: int
    word: str
    kind: str
    name: str


def known_names(text: str, lexicon: Lexicon) -> Iterator[Known]:
    """The lexicon's names in `text`, in order, each where jieba's cut makes it a word of its own (a name inside a
    longer word is not that name)."""
    if lexicon.is_empty():
        return
    words = lexicon.words()
    for word, start, end in tokenizer_for(lexicon).tokenize(text, HMM=False):
        if word in words:
            kind, name = words[word]
            yield Known(start, end, word, kind, name)
