"""Reading a meeting report into a draft, in the label format of `shared/examples/ingest/` (its README names the
fields): rule-based, on the normalised text (`normalise.py`).

The reader takes the meeting (date, place, chain, kind, who led, who presided), the people named with their titles,
the enterprises (full registered names, founding month, qualifications) and their projects (core name, planned
investment in 万元, capacity, production lines), the enterprises' demands (category, the department asked), the
meeting's decisions (department, deadline), items sought from the province or the state, hometown talents and
R&D cooperations. Amounts and deadlines are read by jionlp, counts in Chinese numerals by cn2an. Nothing is
invented: a value the text does not state is None (a project without a stated investment has none), a mention in
passing (深挖潜在项目) is not an item."""

import dataclasses
import functools
import re
from decimal import Decimal
from typing import Any

import cn2an

from chaindesk.core import clock

from .lexicon import CHAIN, DEPARTMENT, PERSON, Known, Lexicon, known_names
from .libraries import jionlp
from .mentions import Mention, enterprise_name, named, with_short_forms
from .normalise import normalise

CJK = "\u3400-\u9fff"
# What a meeting is called, most specific first: the title is searched, then the opening paragraph, then the text.
KINDS = ("签约仪式", "推介会", "座谈会", "调度会", "推进会", "例会", "走访调研", "调研", "考察")
SIGNING = re.compile("签约|签署")
_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日")
_CHAIN = re.compile(rf"([{CJK}]{{2,6}})产业链")
_INDUSTRY = re.compile(rf"([{CJK}]{{2,6}})产业(?!园|基础|发展|集群)")  # 生物医药产业(上海)专题推介会
_REFERS = ("这家", "该企业", "该公司", "企业", "公司")  # a sentence about the enterprise just named
_THIS_ONE = ("这家", "该企业", "该公司")  # … even after a sentence about something else
_CHAIN_PREFIXES = ("调研", "推动", "聚焦", "围绕", "发展", "全市", "我市", "本市", "市", "的", "赴", "对")
_HOST = re.compile(rf"([{CJK}]{{2,3}}?)(?:带队|率|带领)")
_PLACE = re.compile(
    rf"(?:赴|到|在|来到)([{CJK}]{{1,6}}?(?:市|县|区|镇|乡))"  # 赴兴化市
    rf"|^([{CJK}]{{2,6}}?(?:市|县|区|镇|乡))(?:召开|举行)"  # 坪上镇召开
    rf"|在([{CJK}]{{2,8}}?(?:宾馆|酒店|大厦|会议中心)|[{CJK}]{{2,3}}(?=举办|举行|召开))"  # 在汉水宾馆, 在上海举办
)
# A person's role: an office (市委, 县政府 …, optionally after a place) and a post, or a bare 市领导.
_POST = (
    "(?:副)?(?:书记|市长|县长|区长|镇长|乡长|主任|主席|秘书长|部长|局长|常委|领导|组长|校长|院长|董事长|总经理|"
    "行长|研究员|教授|总裁|创始人)"
)
_OFFICE = "(?:市委|县委|区委|镇党委|乡党委|市政府|县政府|区政府|市人大常委会|市政协|市|县|区|镇|乡)?"
_TITLE = rf"(?:[{CJK}]{{1,4}}?(?:省|市|县|区|镇|乡))?{_OFFICE}{_POST}"
_AFTER_NAME = (
    "主持|带队|带领|参加|出席|说|建议|认为|坦言|作|强调|表示|指出|要求|率|到|赴|在|一行|等|讲话|致辞|介绍|调研|走访|会见|陪同|先后|深入|来|"
    "一同|对|和|与|及|就|同志|，|,|。|、|；|;"
)
_PERSON = re.compile(rf"({_TITLE})([{CJK}]{{2,3}}?)(?={_AFTER_NAME})")
_FOUNDED = re.compile(
    r"(?:创建|成立|创办|始建|注册)于(\d{4})年(?:(\d{1,2})月)?"  # 创建于1998年7月
    r"|于(\d{4})年(?:(\d{1,2})月)?(?:成立|创建|创办|注册)"  # 于2019年5月成立
)
_QUALIFICATION = re.compile(r"(?:是|被评为|获评|入选|这家)(?:一家)?([^，,。；;]*企业)")
# What makes a phrase ending in 企业 a qualification the state or the province grants.
_GRANTED = ("国家", "省", "高新技术", "专精特新", "小巨人", "单项冠军", "瞪羚", "独角兽", "定点", "科技型中小")
_CAPACITY = re.compile(
    rf"年产([{CJK}]{{0,8}}?)(\d+(?:\.\d+)?)((?:万|亿)?(?:平方米|立方米|吨|件|台套|套|台|辆|吉瓦时|兆瓦时|千瓦|兆瓦|片|只|支|个|瓶|盒|米))"
)
_INVESTMENT = re.compile(r"(?:计划)?(?:总)?(?:投资|增资)(?:约|达|额)?(\d+(?:\.\d+)?)(亿元|万元|亿)")


def _first(pattern: re.Pattern[str], *texts: str) -> re.Match[str] | None:
    for text in texts:
        found = pattern.search(text)
        if found:
            return found
    return None


# Several places meeting on the same day (郸城县宁平镇、巴集乡两地同日举办): the places as the sentence lists them.
_PLACES = re.compile(
    rf"(?:^|日[,，]?)([{CJK}]{{2,8}}?(?:市|县|区|镇|乡|街道)(?:[、和及][{CJK}]{{2,5}}?(?:市|县|区|镇|乡|街道))+)"
    "(?:[两三四五多]地)?(?:同日|同时|分别)?(?:召开|举行|举办)"
)
_OWN_OFFICE = re.compile(rf"([{CJK}]{{2,4}}?(?:市|县|区))(?:委|政府|人大常委会|政协)?(?:常务)?{_POST}")
_OWN_PLACE = ("全", "我", "本", "各")  # 全市, 我市: the place of whoever speaks, not a place gone to


def _place(title: str, opening: str) -> str | None:
    """Where the meeting was: the places of a meeting held in several at once, else the first place gone to (赴,
    到, 来到) or met in, without its province; for a visit around the speaker's own city (到全市…), that city as
    the opening names it (its office) and jionlp's place parser knows it."""
    several = _PLACES.search(opening)
    if several:
        return several.group(1)
    own = False
    for text in (title, opening):
        for found in _PLACE.finditer(text):
            place = found.group(1) or found.group(2) or found.group(3)
            if place.startswith(_OWN_PLACE):
                own = True
                continue
            return place.rsplit("省", 1)[-1] if len(place.rsplit("省", 1)[-1]) >= 2 else place
    return _own_city(opening) if own else None


def _own_city(opening: str) -> str | None:
    """The county or city whose office the opening names (兰溪市副市长…), if jionlp's place parser knows it as one."""
    for found in _OWN_OFFICE.finditer(opening):
        name = found.group(1)
        if name.startswith(_OWN_PLACE):
            continue
        parsed = jionlp().parse_location(name)
        if name in (parsed.get("county"), parsed.get("city")):
            return name
    return None


def _chain(title: str, opening: str, known: list[str]) -> str | None:
    """The chain's name without 产业链: a chain the lexicon knows (`known`: its chains' names in the title, then in
    the opening), else what the title or the opening calls a chain or an industry."""
    if known:
        return known[0].removesuffix("产业链")
    found = _first(_CHAIN, title, opening) or _INDUSTRY.search(title)
    if found is None:
        return None
    name = found.group(1)
    for prefix in _CHAIN_PREFIXES:
        if name.startswith(prefix) and len(name) - len(prefix) >= 2:
            name = name[len(prefix) :]
    return name[-4:] if len(name) > 4 else name


def _kind(title: str, opening: str, text: str) -> str | None:
    if SIGNING.search(title):
        return "签约仪式"
    for part in (title, opening, text):
        for kind in KINDS:
            if kind in part:
                return kind
    return None


# Where a title written before a name begins: after punctuation, then after words that are not part of it.
_TITLE_STOP = re.compile('[，,。；;：:“”"（）()\n ]')
_TITLE_LEADS = tuple(
    "座谈会上 会上 随后 期间 活动中 上午 下午 出席活动的有 出席 参加 陪同 邀请 由 和 与 及 同 日 还有 的 "
    "在外能人、 家乡能人、".split()
)


# Words of the sentence before an office (…服务团队在市委常委…, 会议由市政府…, 还有A和市政协…): the title begins after.
_TITLE_CUT = re.compile(rf"(?:在|由|还有|和|及|与)(?=[{CJK}]{{0,4}}?(?:省|市|县|区|镇|乡)[{CJK}]+)")


def _full_title(text: str, start: int, title: str) -> str:
    """The title as written before the name: the matched post extended left over the offices and posts before it
    (市委副书记、市长), up to punctuation, without leading words that belong to the sentence."""
    begin = start
    while begin > 0 and not _TITLE_STOP.match(text[begin - 1]):
        begin -= 1
    full = text[begin:start] + title
    changed = True
    while changed:
        changed = False
        for lead in _TITLE_LEADS:
            if full.startswith(lead) and len(full) > len(lead) + 1:
                full, changed = full[len(lead) :], True
    return _TITLE_CUT.split(full)[-1]


_TITLE_BEFORE = re.compile(rf"({_TITLE})$")


def _people(text: str, known: list[Known]) -> list[dict[str, str]]:
    """The people named after a title (市委副书记陈志强), first title kept; a name the lexicon knows (`known`: its
    people's names found in the text) is read whole right after a title, whatever follows it."""
    found: list[tuple[int, str, str]] = [
        (match.start(2), match.group(2), _full_title(text, match.start(), match.group(1)))
        for match in _PERSON.finditer(text)
    ]
    for word in known:
        before = _TITLE_BEFORE.search(text, max(0, word.start - 40), word.start)
        if before is None:
            continue
        found = [f for f in found if f[0] != word.start]  # the pattern's cut of the same name gives way
        found.append((word.start, word.name, _full_title(text, before.start(), before.group(1))))
    people: dict[str, str] = {}
    for _start, name, title in sorted(found):
        people.setdefault(name, title)
    return [{"name": name, "title": title} for name, title in people.items()]


def _qualifications(sentence: str) -> list[str]:
    """The qualifications a sentence about an enterprise states (是国家高新技术企业, 被评为A和B), as written."""
    qualifications: list[str] = []
    for found in _QUALIFICATION.finditer(sentence):
        qualifications += [q for q in _granted(found.group(1)) if q not in qualifications]
    return qualifications


def _granted(phrase: str) -> list[str]:
    qualifications = []
    for part in re.split("[、和]", phrase):
        words = part
        if not words.startswith(("国家", "省")) and not re.match(rf"[{CJK}]{{2,3}}省", words):
            words = words.rsplit("的", 1)[-1]
        words = words.replace("的", "").removeprefix("国家级")
        if words.endswith("企业") and len(words) > 4 and any(mark in words for mark in _GRANTED):
            qualifications.append(words)
    return qualifications


def _wan(amount: str, unit: str) -> int | float:
    """An amount as the text writes it (5.2 亿元, 7800 万元) in 万元, read by jionlp's money parser."""
    yuan = Decimal(jionlp().parse_money(f"{amount}{unit}")["num"])
    value = yuan / 10_000
    return int(value) if value == value.to_integral_value() else float(value)


def _count(text: str | None) -> int:
    """A count written in digits or in Chinese numerals (两条, 十二条: cn2an); one when none is written."""
    if not text:
        return 1
    return int(text) if text.isdigit() else int(cn2an.cn2an(text, "smart"))


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


_PROJECT_MARK = re.compile("项目")
_PROJECT_LEADS = (
    "新上的",
    "新上",
    "了解",
    "察看了",
    "察看",
    "来到",
    "投资建设",
    "建设",
    "实施",
    "推进",
    "启动",
    "扩建",
    "签订",
    "签署",
    "现场",
    "公司",
    "的",
)
_GENERIC = re.compile("^(?:该|重点|工业|重点工业|签约|回归|产业|在建|新建|招商|大|好|这些|各|多个|\\d+个)$")
# Words of exhortation or of counting, not of a project's name (深挖潜在项目, 服务好现有项目, 签约4个项目).
_VAGUE = re.compile(
    "现有|潜在|优质|更多|锚定|解决|服务|推动|重点|一批|各类|新的|签约"  # exhortation
    "|[0-9两几多数一二三四五六七八九十]个"  # counting
)
_LINE = re.compile(
    rf"(?:(\d+|[一二两三四五六七八九十]+)条)?([{CJK}]{{2,20}}?(?:生产线|装配线|流水线|加工线|包装线|检测线))"
)
_LINE_LEAD = re.compile("(?:新上|建设|建成|引进|上马)")
# A renovation an enterprise carries out with a stated investment is a project even when the text does not say 项目
# (企业计划追加投资8000万元实施技术改造); without an amount it is an exhortation (加大技术改造投入).
_RENOVATION = re.compile("(?:实施|开展|启动|进行)((?:技术|技改|智能化|数字化|绿色化|节能)改造|技改)(?!项目|工作)")


def _project_name(left: str) -> tuple[str, re.Match[str] | None] | None:
    """The project's core name from the clause before its 项目 (leading verbs, owner and 年产… cut), and the
    capacity phrase when the name began with one; None for a generic mention (该项目, 重点工业项目)."""
    introduced = False
    for lead in _PROJECT_LEADS:
        if lead in left:
            left = left.rsplit(lead, 1)[1]
            introduced = introduced or lead != "的"
    capacity = _CAPACITY.match(left)
    if capacity:
        left = left[capacity.end() :]
    if not (introduced or capacity) or len(left) < 2 or _GENERIC.match(left) or _VAGUE.search(left):
        return None
    if not re.fullmatch(rf"[{CJK}A-Za-z0-9]+", left):
        return None
    return left + "项目", capacity


def _lines(window: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for lead in _LINE_LEAD.finditer(window):
        clause = re.split(r"[，,。；;]", window[lead.end() :], maxsplit=1)[0]
        for found in _LINE.finditer(clause):
            name = found.group(2)
            for prefix in ("和", "及", "与"):
                name = name.removeprefix(prefix)
            if not any(line["name"] == name for line in lines):
                lines.append({"name": name, "count": _count(found.group(1))})
    return lines


def _sentence(paragraph: str, position: int) -> str:
    """The sentence (up to 。；) of `paragraph` around `position`."""
    start = max(paragraph.rfind(p, 0, position) for p in "。；;") + 1
    return re.split("[。；;]", paragraph[start:], maxsplit=1)[0]


def _projects(paragraph: str, owners: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The named projects of a paragraph; `owners` are the enterprises named in it by position (a project's owner
    is the last one named before it). A project's figures are read up to the next project or enterprise."""
    found: list[tuple[int, int, str, re.Match[str] | None]] = []
    for mark in _PROJECT_MARK.finditer(paragraph):
        start = max(paragraph.rfind(p, 0, mark.start()) for p in "，,。；;、 ") + 1
        named = _project_name(paragraph[start : mark.start()])
        if named is not None:
            found.append((mark.start(), mark.end(), *named))
    for renovation in _RENOVATION.finditer(paragraph):
        if _INVESTMENT.search(_sentence(paragraph, renovation.start())):
            found.append((renovation.start(1), renovation.end(), renovation.group(1) + "项目", None))
    found.sort(key=lambda f: f[0])
    projects = []
    for n, (start, end, name, capacity_in_name) in enumerate(found):
        stops = [f[0] for f in found[n + 1 :]] + [pos for pos, _name in owners if pos > end] + [len(paragraph)]
        window = paragraph[end : min(stops)]
        owner = next((o for pos, o in reversed(owners) if pos < start), None)
        sentence_start = max(paragraph.rfind(p, 0, start) for p in "。；;") + 1
        before = paragraph[sentence_start:start]  # 企业投资3.8亿元建设年产…项目
        investment = _INVESTMENT.search(window) or _INVESTMENT.search(before)
        produced = capacity_in_name or _CAPACITY.search(window)
        capacity = None
        if produced:
            capacity = {"quantity": _number(produced.group(2)), "unit": produced.group(3), "period": "年"}
        projects.append(
            {
                "name": name,
                "owner": owner,
                "investment_wan": _wan(*investment.groups()) if investment else None,
                "capacity": capacity,
                "production_lines": _lines(window),
            }
        )
    return projects


# --- what enterprises asked for, what the meeting decided, what is sought from above ---------------------------

# The demand categories (demands 0002) by the words of a demand's text, first match wins.
CATEGORY_WORDS = (
    ("环评能评", ("环评", "能评", "排污", "环境影响")),
    ("用能用电", ("变电站", "用电", "供电", "电力", "用能", "天然气", "蒸汽")),
    ("审批手续", ("审批", "许可", "手续", "办证", "验收")),
    ("用地规划", ("用地", "土地", "规划", "供地", "亩")),
    ("政策兑现", ("政策", "补贴", "奖补", "兑现")),  # before 融资金融: 补贴资金尚未兑现 is a policy's money
    ("融资金融", ("融资", "贷款", "资金", "授信", "担保")),
    ("人才用工", ("用工", "招工", "人才", "技工", "招聘", "研发人员", "技术人员", "人员缺口")),
)
_ORG = rf"[{CJK}]{{1,14}}?(?:部门|局|委|办|厅|部|署|中心|公司|集团|银行|政府|院|所|组|专班)"
# An enterprise asking (not a leader hoping that enterprises do better): the enterprise or its head is the subject.
_ASKS = re.compile(
    "(?:企业负责人|负责人|企业|公司)"
    "(?:[^，,。；;]{0,8}?|[^。；;]{0,12}?[,，]共同)"  # 负责人结合各自实际，共同反映
    "(?:反映|提出|提到|谈到|坦言|表示|希望|诉求)"
)
_HOPE = re.compile(rf"希望({_ORG})")
_DECISION_LEAD = re.compile(
    "(?:会议要求|会议明确|会议指出|会议强调|会上明确|会上要求|会议决定|他要求|要求|强调)[,，:：]?"
)
_DEPARTMENT = re.compile(rf"(?:^|(?<=[，,：:]))({_ORG})(?:要|牵头|负责|会同|抓紧|尽快|加快|在|对)")
_DEADLINE = re.compile(r"\d{1,2}月(?:底|\d{1,2}日|上旬|中旬|下旬)前|年底前|年内")
_UPWARD = re.compile(
    rf"(?:向|对接|与)((?:国家|省)[{CJK}]{{1,10}}?(?:委|厅|局|部|办))"  # the counterpart
    r"([^。；;]+)"  # the rest of the sentence: what is sought
)
_SOUGHT = re.compile("争取|力争|申报|申请|列入|纳入|支持")


def _body(department: str | None, text: str) -> str | None:
    """A department named loosely (供电部门, 生态环境部门) as the report names it elsewhere (供电公司, 市生态环境局)."""
    if not department or not department.endswith("部门"):
        return department
    core = department.removesuffix("部门").removeprefix("市").removeprefix("县").removeprefix("区")
    named = re.search(rf"(?:市|县|区)?{re.escape(core)}(?:局|委|公司|办)", text) if core else None
    return named.group(0) if named else department


def _category(text: str) -> str | None:
    return next((name for name, words in CATEGORY_WORDS if any(w in text for w in words)), None)


_ITEMS = re.compile("[一二三四五六七八九]是")
_PLEDGE = ("将", "要", "会", "一定", "必将", "力争")


@functools.lru_cache(maxsize=16)
def _department_patterns(known: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The patterns of a department hoped for (希望…) and of one assigned (…要, …牵头): a name the lexicon knows
    (`known`, longest first), else a body the text names by its kind (…局, …委, …公司)."""
    if not known:
        return _HOPE, _DEPARTMENT
    names = "|".join(re.escape(name) for name in sorted(known, key=len, reverse=True))
    org = f"(?:{names}|{_ORG})"
    return re.compile(f"希望({org})"), re.compile(_DEPARTMENT.pattern.replace(_ORG, org, 1))


def _demands(paragraph: str, owners: list[tuple[int, str]], hope_for: re.Pattern[str] = _HOPE) -> list[dict[str, Any]]:
    """Each enterprise's ask (企业反映…, 负责人提到…): its text up to the sentence's end, one demand per item of an
    enumeration (一是…；二是…). Raised jointly by several enterprises, a demand names none of them."""
    demands = []
    position = 0
    for sentence in re.split(r"(?<=[。])", paragraph):
        start, position = position, position + len(sentence)
        asked = _ASKS.search(sentence)
        if asked is None or sentence[asked.end() : asked.end() + 1] == "的":  # 企业反映的问题: a noun, not an ask
            continue
        text = sentence[asked.end() :].lstrip("了，,:：").rstrip("。；;")
        if asked.group().endswith("表示") and text.startswith(_PLEDGE):  # 企业家代表表示，将加快…: a pledge
            continue
        named = [o for pos, o in owners if start <= pos < start + asked.start()]
        before = [o for pos, o in owners if pos < start + asked.start()]
        owner = None if len(set(named)) > 1 else (named[0] if named else (before[-1] if before else None))
        items = [t for t in _ITEMS.split(text)[1:]] if _ITEMS.search(text) else [text]
        for item in items:
            item = item.strip("，,:：；;。")
            if not item:
                continue
            hope = hope_for.search(item)
            demands.append(
                {
                    "enterprise": owner,
                    "text_contains": item,
                    "category": _category(item),
                    "department": hope.group(1) if hope else None,
                }
            )
    return demands


def _due(text: str) -> str | None:
    """A deadline (4月底前, 12月15日前, 年底前) as MM-DD: the phrase found here, its last day read by jionlp's time
    parser counting from 1 January of this year (reports rarely give the year)."""
    found = _DEADLINE.search(text)
    if found is None:
        return None
    base = clock.today().replace(month=1, day=1)
    try:
        parsed = jionlp().parse_time(found.group(0), time_base={"year": base.year, "month": 1, "day": 1})
    except (ValueError, TypeError, KeyError):
        return None
    end = parsed.get("time", [None, None])[-1] if isinstance(parsed, dict) else None
    return end[5:10] if isinstance(end, str) and len(end) >= 10 else None


_EVERY = ("各", "有关", "相关")  # 各部门要…: an exhortation to all, not an assignment


def _decisions(paragraph: str, assigned: re.Pattern[str] = _DEPARTMENT) -> list[dict[str, Any]]:
    """What the meeting assigned (会议要求…, 他强调…): one decision for each body named as acting in a clause (A局要…，
    B委负责…), with its deadline."""
    decisions = []
    for lead in _DECISION_LEAD.finditer(paragraph):
        body = re.split(r"。", paragraph[lead.end() :], maxsplit=1)[0]
        for clause in re.split(r"[；;]", body):
            clause = clause.strip("，, ").removeprefix("由")
            found = [d for d in assigned.finditer(clause) if not d.group(1).startswith(_EVERY)]
            for n, department in enumerate(found):
                end = found[n + 1].start() if n + 1 < len(found) else len(clause)
                text = clause[department.start() : end].rstrip("，, ")
                decisions.append({"department": department.group(1), "text_contains": text, "due": _due(text)})
    unique: dict[str, dict[str, Any]] = {}  # a clause met under two leads (会议要求 … 强调) counts once
    for decision in decisions:
        unique.setdefault(str(decision["text_contains"]), decision)
    return list(unique.values())


def _upward(paragraph: str) -> list[dict[str, Any]]:
    """Items sought from the province or the state: a body of theirs named (向, 对接, 与) in a sentence that
    seeks something (争取, 申报, 列入 …); the text is the rest of that sentence."""
    found = []
    for match in _UPWARD.finditer(paragraph):
        text = match.group(2).lstrip("，,的")
        if _SOUGHT.search(text):
            found.append({"text_contains": text, "counterpart": match.group(1)})
    return found


# --- hometown talents and R&D partnerships ------------------------------------------------------------------

_INSTITUTE = rf"[{CJK}]{{2,30}}(?:学院|研究院|研究所|大学|科学院|实验室|研究中心)"
_COMPANY = rf"[{CJK}（）()]{{2,40}}?(?:股份有限公司|有限责任公司|有限公司)"
_AGREE = "(?:签约|签署|签订|达成|开展|共建|合作)"
_RD = (
    re.compile(rf"({_COMPANY})与({_INSTITUTE}){_AGREE}"),  # the enterprise with the institute
    re.compile(rf"({_INSTITUTE})(?:则)?与({_COMPANY}){_AGREE}"),  # the institute with the enterprise
)
_TALENT_WORDS = ("在外能人", "家乡能人", "乡贤", "在外人才")
_ORGANISATION = re.compile(r"^(.*?(?:公司|研究院|研究所|大学|学院|中心|集团))")
_LOCAL = re.compile("^(?:县|市|区|镇|乡|本地|当地)")


def _rd_cooperations(text: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for n, pattern in enumerate(_RD):
        for match in pattern.finditer(text):
            enterprise, partner = (match.group(1), match.group(2)) if n == 0 else (match.group(2), match.group(1))
            enterprise = enterprise_name(enterprise)
            if "公司" in partner or partner.endswith("公司"):
                continue
            pair = {"enterprise": enterprise, "partner": partner}
            if pair not in found:
                found.append(pair)
    return found


def _talents(text: str, people: list[dict[str, str]]) -> list[dict[str, str]]:
    """Hometown talents (在外能人): in a report about them, the people whose title names an organisation that is
    not a local one (a firm or institute elsewhere, not 县农商银行…)."""
    if not any(word in text for word in _TALENT_WORDS):
        return []
    talents = []
    for person in people:
        organisation = _ORGANISATION.match(person["title"])
        if organisation is None or _LOCAL.match(organisation.group(1)):
            continue
        talents.append({"name": person["name"], "organisation": organisation.group(1)})
    return talents


def _enterprise_facts(paragraph: str, mention: Mention, following: int, entry: dict[str, Any]) -> None:
    """The founding date and the qualifications stated right after an enterprise's name, in its sentence or in the
    next one when that is about it (…公司。这家企业成立于2005年) and no other enterprise is named before it."""
    sentence, *rest = re.split(r"[。；;]", paragraph[mention.end :], maxsplit=1)
    if len(sentence) < 4 and rest and rest[0].startswith(_REFERS):
        sentence = rest[0].split("。", 1)[0]
    elif rest and rest[0].startswith(_THIS_ONE) and following > mention.end + len(sentence) + len(rest[0]):
        sentence = f"{sentence}。{rest[0].split('。', 1)[0]}"
    founded = _FOUNDED.search(sentence)
    if founded and entry["founded"] is None:
        year, month = founded.group(1) or founded.group(3), founded.group(2) or founded.group(4)
        entry["founded"] = f"{year}-{int(month):02d}" if month else year
    for qualification in _qualifications(sentence):
        if qualification not in entry["qualifications"]:
            entry["qualifications"].append(qualification)


def _paragraphs(clean: str) -> list[tuple[int, str]]:
    """The text's non-empty lines, stripped, each with where it begins in the text."""
    found, position = [], 0
    for line in clean.split("\n"):
        if line.strip():
            found.append((position + len(line) - len(line.lstrip()), line.strip()))
        position += len(line) + 1
    return found


def _within(known: list[Known], start: int, end: int) -> list[Known]:
    """The lexicon's words found in text[start:end], placed in that slice."""
    return [dataclasses.replace(k, start=k.start - start, end=k.end - start) for k in known if start <= k.start < end]


def _mentioned(paragraphs: list[tuple[int, str]], known: list[Known]) -> list[list[Mention]]:
    """Each paragraph's enterprises: those it names itself, then the short forms of every name the report gives."""
    own = [named(text, _within(known, at, at + len(text))) for at, text in paragraphs]
    names = list(dict.fromkeys(m.name for mentions in own for m in mentions))
    return [with_short_forms(text, mentions, names) for (_at, text), mentions in zip(paragraphs, own, strict=True)]


def _items(paragraphs: list[tuple[int, str]], known: list[Known], clean: str) -> dict[str, list[dict[str, Any]]]:
    """The enterprises, projects, demands, decisions and items sought of the paragraphs after the title."""
    hope_for, assigned = _department_patterns(tuple(dict.fromkeys(k.word for k in known if k.kind == DEPARTMENT)))
    enterprises: dict[str, dict[str, Any]] = {}
    items: dict[str, list[dict[str, Any]]] = {"projects": [], "demands": [], "decisions": [], "upward_requests": []}
    for (_at, paragraph), mentions in zip(paragraphs, _mentioned(paragraphs, known), strict=True):
        for n, mention in enumerate(mentions):
            following = mentions[n + 1].start if n + 1 < len(mentions) else len(paragraph)
            entry = enterprises.setdefault(mention.name, {"name": mention.name, "founded": None, "qualifications": []})
            _enterprise_facts(paragraph, mention, following, entry)
        owners = [(m.start, m.name) for m in mentions]
        items["projects"] += _projects(paragraph, owners)
        items["demands"] += [
            d | {"department": _body(d["department"], clean)} for d in _demands(paragraph, owners, hope_for)
        ]
        items["decisions"] += _decisions(paragraph, assigned)
        items["upward_requests"] += _upward(paragraph)
    return {"enterprises": list(enterprises.values()), **items}


def _host(title: str, opening: str, clean: str, people: list[dict[str, str]]) -> tuple[str | None, str | None]:
    """Who led the meeting and who presided (None when no one is said to)."""
    host = _first(_HOST, opening, title)
    chair = re.search(rf"({_TITLE})?([{CJK}]{{2,3}}?)主持", clean)
    in_title = next((p["name"] for p in people if title.startswith(p["name"])), None)
    chair_name = chair.group(2) if chair else None
    others = [p["name"] for p in people if p["name"] != chair_name]  # who presided did not lead, if another spoke
    host_name = in_title or (host.group(1) if host else (others[0] if others else chair_name))
    host_name = next((p["name"] for p in people if host_name and host_name.endswith(p["name"])), host_name)
    return host_name, chair_name


def draft(text: str, *, lexicon: Lexicon | None = None) -> dict[str, Any]:
    """The draft of a report (see the module's docstring). With a `lexicon` (`lexicon.lexicon_for`), the names the
    database knows are found too: enterprises (full or short, as visits or subjects), people after a title,
    departments asked or assigned, the chain; without one, the rules alone read the text."""
    clean = normalise(text)
    paragraphs = _paragraphs(clean)
    title = paragraphs[0][1] if paragraphs else ""
    opening = paragraphs[1][1] if len(paragraphs) > 1 else ""
    known = list(known_names(clean, lexicon)) if lexicon is not None else []
    date = _first(_DATE, opening, clean)
    people = _people(clean, [k for k in known if k.kind == PERSON])
    host, chair = _host(title, opening, clean, people)
    head = len(title) + (paragraphs[1][0] + len(opening) if len(paragraphs) > 1 else 0)
    chains = [k.name for k in known if k.kind == CHAIN and k.start < head]
    return {
        "meeting": {
            "date": f"{int(date.group(1)):02d}-{int(date.group(2)):02d}" if date else None,
            "place": _place(title, opening),
            "chain": _chain(title, opening, chains),
            "kind": _kind(title, opening, clean),
            "host": host,
            "chair": chair,
        },
        "people": people,
        **_items(paragraphs[1:], known, clean),
        "talents": _talents(clean, people),
        "rd_cooperations": _rd_cooperations(clean),
    }
