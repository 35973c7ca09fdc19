"""A draft's items matched to the records the reader may see (issue 15, item 2): each enterprise by the USCC the
text gives, else by its name as registered, else by a similar name (shown with its score); each project among
its owner's projects; the chain and the departments by name. An item that matches nothing is new. Only what the
reader may see is matched: a record outside the reader's scope is never named (the item is then new, and the
services refuse a duplicate when it is confirmed)."""

import dataclasses
import difflib
from typing import Any

from django.db.models import Q

from chaindesk.accounts.models import Department
from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.selectors import SIMILARITY_THRESHOLD, name_core, similar_enterprises
from chaindesk.projects.models import Project
from chaindesk.transfer.values_text import clean_name

NEW, USCC, NAME, SIMILAR = "new", "uscc", "name", "similar"


@dataclasses.dataclass(frozen=True)
class Match:
    """How a draft item meets a record: `how` (new, uscc, name, similar), the record, and for a similar name the
    similarity (0–1)."""

    how: str
    pk: int | None = None
    label: str = ""
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _ratio(a: str, b: str) -> float:
    return round(difflib.SequenceMatcher(None, a, b).ratio(), 3)


def match_enterprise(item: dict[str, Any], user: Any) -> tuple[Match, Enterprise | None]:
    visible = Enterprise.objects.visible_to(user)
    uscc = (item.get("uscc") or "").strip().upper()
    if uscc:
        found = visible.filter(uscc=uscc).first()
        if found is not None:
            return Match(USCC, found.pk, found.name, 1.0), found
    name = clean_name(item.get("name") or "")
    if not name:
        return Match(NEW), None
    found = visible.filter(name=name).first()
    if found is not None:
        return Match(NAME, found.pk, found.name, 1.0), found
    candidates = [e.pk for e in similar_enterprises(name, limit=5)]
    if candidates:
        core = name_core(name)
        scored = sorted(
            ((_ratio(core, name_core(e.name)), e) for e in visible.filter(pk__in=candidates)),
            key=lambda pair: (-pair[0], pair[1].pk),
        )
        if scored:
            score, best = scored[0]
            return Match(SIMILAR, best.pk, best.name, score), best
    return Match(NEW), None


def _project_core(name: str) -> str:
    return clean_name(name).removesuffix("项目")


def match_project(item: dict[str, Any], owner: Enterprise | None, user: Any) -> Match:
    """A project among its owner's projects the reader may see: the same name, one name containing the other, or
    a similar name; new without an owner on record."""
    if owner is None or not item.get("name"):
        return Match(NEW)
    core = _project_core(item["name"])
    best: tuple[float, Project] | None = None
    for project in Project.objects.visible_to(user).filter(enterprise=owner).only("pk", "name"):
        other = _project_core(project.name)
        if other == core:
            return Match(NAME, project.pk, project.name, 1.0)
        score = 1.0 if core and other and (core in other or other in core) else _ratio(core, other)
        if score >= SIMILARITY_THRESHOLD and (best is None or score > best[0]):
            best = (score, project)
    if best is None:
        return Match(NEW)
    return Match(SIMILAR, best[1].pk, best[1].name, best[0])


def match_department(name: str | None) -> Match:
    """A department by its full or short name, or a full name containing the text's (市发改委 → 市发展和改革委员会
    only when the short name says so)."""
    text = clean_name(name or "")
    if not text:
        return Match(NEW)
    found = Department.objects.filter(Q(name=text) | Q(short_name=text)).order_by("pk").first()
    if found is not None:
        return Match(NAME, found.pk, found.name, 1.0)
    return Match(NEW)


def match_chain(name: str | None, user: Any) -> Match:
    text = clean_name(name or "")
    if not text:
        return Match(NEW)
    chains = Chain.objects.visible_to(user)
    found = chains.filter(name=text).first() or chains.filter(name=f"{text}产业链").first()
    return Match(NAME, found.pk, found.name, 1.0) if found is not None else Match(NEW)


def match_draft(draft: dict[str, Any], user: Any) -> dict[str, Any]:
    """The draft with a `match` beside each enterprise, project, demand's and decision's department, and the
    meeting's chain (a copy; the draft is left as it was)."""
    result = {key: value for key, value in draft.items()}
    meeting = dict(draft.get("meeting") or {})
    meeting["chain_match"] = match_chain(meeting.get("chain"), user).as_dict()
    result["meeting"] = meeting
    owners: dict[str, Enterprise | None] = {}
    enterprises = []
    for item in draft.get("enterprises") or []:
        match, record = match_enterprise(item, user)
        owners[item.get("name") or ""] = record
        enterprises.append(item | {"match": match.as_dict()})
    result["enterprises"] = enterprises
    projects = []
    for item in draft.get("projects") or []:
        owner_name = item.get("owner") or ""
        if owner_name not in owners:
            owners[owner_name] = match_enterprise({"name": owner_name}, user)[1]
        projects.append(item | {"match": match_project(item, owners[owner_name], user).as_dict()})
    result["projects"] = projects
    for key in ("demands", "decisions"):
        result[key] = [
            item | {"department_match": match_department(item.get("department")).as_dict()}
            for item in draft.get(key) or []
        ]
    return result
