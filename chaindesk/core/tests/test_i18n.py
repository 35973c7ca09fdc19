"""The English catalogue: complete, not fuzzy, compiled, and used by the UI once the user switches language.

The msgids are the zh-Hans source strings; locale/en/LC_MESSAGES/django.po holds their English. The .mo is
not committed (`make setup` compiles it), so these tests compile it first when it is missing or stale."""

import ast
import gettext as gettext_module
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from chaindesk.accounts.choices import Role
from chaindesk.core.navigation import nav_items

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: flags, msgctxt/msgid/msgid_plural/msgstr[n] with continuation lines. Obsolete
    (#~) entries are skipped; makemessages runs with --no-obsolete, so there should be none anyway."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            key = match.group(1)
            current.fields[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"'):
            current.fields[key] += ast.literal_eval(line)
        else:
            raise AssertionError(f"{path.name}:{number}: cannot parse {raw!r}")
    return [entry for entry in entries if "msgid" in entry.fields]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue() -> None:
    """Compile the English .mo if it is missing or older than the .po, then drop cached catalogues."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        call_command(
            "compilemessages",
            locale=["en"],
            ignore_patterns=[".venv", "node_modules", "build", "staticfiles", "var"],
            verbosity=0,
        )
    # Django and Python's gettext both cache catalogues per process: forget any loaded before the compile.
    gettext_module._translations.clear()  # type: ignore[attr-defined]
    trans_real._translations = {}
    trans_real._default = None


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = parse_po(PO)
    header, messages = entries[0], entries[1:]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Language: en" in header.msgstrs[0]
    assert len(messages) > 200
    problems = []
    for entry in messages:
        where = f"line {entry.line}: {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        if not entry.msgstrs or not all(s.strip() for s in entry.msgstrs):
            problems.append(f"{where} has an empty msgstr")
        if "msgid_plural" in entry.fields and len(entry.msgstrs) != 2:
            problems.append(f"{where} needs msgstr[0] and msgstr[1]")
        for msgstr in entry.msgstrs:
            if sorted(PLACEHOLDER.findall(msgstr)) != sorted(PLACEHOLDER.findall(entry.msgid)):
                problems.append(f"{where} placeholders differ in {msgstr!r}")
            if CJK.search(msgstr):
                problems.append(f"{where} still has Chinese in {msgstr!r}")
    msgids = [(entry.fields.get("msgctxt"), entry.msgid) for entry in messages]
    assert len(msgids) == len(set(msgids)), "duplicate msgids"
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools not installed")
def test_msgfmt_check_accepts_the_catalogue():
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def test_ui_strings_translate_to_english():
    with translation.override("en"):
        assert translation.gettext("工作台") == "Workbench"
        assert translation.gettext("产业链") == "Industry chains"
        assert translation.gettext("审计日志") == "Audit log"
        assert translation.gettext("共 %(total)s 条") % {"total": 12} == "12 in total"
        assert translation.ngettext("另 %(n)s 项…", "另 %(n)s 项…", 3) % {"n": 3} == "3 more…"
        assert str(Role.LIAISON.label) == "Liaison officer"
        assert str(Role.DISTRICT_ADMIN.label) == "District admin"
        assert all(not CJK.search(str(item.label)) for item in nav_items())
        assert str(settings.CHAINDESK_PRODUCT_NAME) == "ChainDesk"
    with translation.override("zh-hans"):
        assert translation.gettext("工作台") == "工作台"


def _nav(html: str) -> str:
    match = re.search(r'<aside class="navbar[^"]*cd-sidebar".*?</aside>', html, re.S)
    assert match, "no sidebar in the page"
    return match.group(0)


def _nav_labels(html: str) -> list[str]:
    return re.findall(r'<span class="nav-link-title">(.*?)</span>', _nav(html))


@pytest.mark.django_db
def test_switching_language_shows_the_english_navigation(personas):
    client = Client()
    client.force_login(personas.chief)  # the chief of 测试甲链 (chaindesk/testkit/personas.py)
    chinese = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert {"工作台", "产业链"} <= set(_nav_labels(chinese))

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    labels = _nav_labels(html)
    assert labels[:4] == ["Workbench", "Cockpit", "Industry chains", "Enterprises"]
    assert "Meetings" in labels
    assert not [label for label in labels if CJK.search(label)], labels
    nav = _nav(html)
    assert "工作台" not in nav and "产业链" not in nav
    assert "Reports" in labels  # 报表: the briefings (issue 12)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in _nav_labels(client.get("/").content.decode())
