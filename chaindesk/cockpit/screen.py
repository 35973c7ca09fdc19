"""The 大屏 (the meeting room's big screen): the cockpit's figures as one JSON payload, shown as a carousel of the
cockpit's views on a 1920×1080 stage, and fetched again every minute to update the stage in place.

Nothing is counted here: the payload is the cockpit's own context (`views.city_context`, `views.chain_context`:
the same selectors and panels, the same scope by `visible_to`) put into text, so the screen shows exactly the
cockpit's numbers. The payload:

- `fields`: the text of every figure, keyed by name (`p.signed.value`), with the lights (`….light`: red, yellow,
  green, none) and the percentages the bars are drawn to (`….bar`, `….tick`); the page's elements name the field
  they show (`data-f`, `data-l`, `data-p`, `data-hide`), and screen.js writes the new text into them;
- `lists`: the rows of the keyed lists (departments, districts, chains, stalled projects, overdue tasks, targets
  behind), each `{"key": …, "fields": {…}}`, updated row by row;
- `charts`: the cockpit's ECharts options (investment against 序时进度, leads by stage and source);
- `figures`: the raw numbers (counts, amounts in 万元, rates in %), for readers other than the screen;
- `layout`: what shapes the stage (its slides, the districts' metrics): when it changes, the page is loaded
  again, since the stage has no place for what is new."""

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.core import clock
from chaindesk.core.templatetags.cd import intcomma_cn, wan_yuan
from chaindesk.demands.choices import Escalation
from chaindesk.targets import views as targets_views
from chaindesk.targets.choices import Light, Metric, Owner
from chaindesk.targets.selectors import Ledger, behind_list

from . import panels
from .panels import AMOUNT, COUNT, RATE, Goal, Stat

Fields = dict[str, str]
REFRESH = (60, 2, 3600)  # seconds between two fetches of the figures: default, minimum, maximum
SLIDE = (15, 3, 600)  # seconds a slide stays
BEHIND_ROWS = 5  # targets behind, on the targets' slide
RANK_ROWS = 10  # departments in the ranking
SLIDES = (
    ("projects", gettext_lazy("项目推进")),
    ("demands", gettext_lazy("诉求办理")),
    ("districts", gettext_lazy("各地区")),
    ("chains", gettext_lazy("各产业链")),
    ("leads", gettext_lazy("招商与上争")),
    ("alerts", gettext_lazy("滞后与逾期")),
    ("targets", gettext_lazy("年度目标")),
)
OWNER_KINDS = (Owner.REGION, Owner.CHAIN, Owner.DEPARTMENT)  # the lights' rows, in the ledger's order


def seconds(raw: str | None, bounds: tuple[int, int, int]) -> int:
    """An interval from the query string (`?refresh=2&slide=3`, for a rehearsal or a test), kept within bounds."""
    default, low, high = bounds
    try:
        value = int(raw or default)
    except ValueError:
        return default
    return min(max(value, low), high)


# --- text ------------------------------------------------------------------------------------------------


def number(value: Any, kind: str) -> tuple[str, str]:
    """A figure as the screen prints it: the numerals, and the unit beside them in smaller type (amounts as 万元
    or 亿元, as everywhere in the product)."""
    if kind == AMOUNT:
        text = wan_yuan(value)
        num, _sep, unit = text.partition(" ")
        return num, unit
    if kind == RATE:
        return ("—", "") if value is None else (str(value), "%")
    return intcomma_cn(value), ""


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def bar(value: Decimal | None) -> str:
    """A bar's length in % (0–100)."""
    return "0" if value is None else str(min(max(value, Decimal(0)), Decimal(100)))


def target_text(goal: Goal) -> str:
    """The target as `cockpit/partials/target_value.html` prints it."""
    if goal.kind == AMOUNT:
        return wan_yuan(goal.target)
    if goal.kind == RATE:
        return f"{floatformat(goal.target, '-1')}%"
    return str(floatformat(goal.target, "-2"))


def behind_text(goal: Goal) -> str:
    """How far behind, as `cockpit/partials/behind.html` says it."""
    if goal.behind is None:
        return ""
    if goal.behind > 0:
        if goal.kind == RATE:
            return _("低于目标 %(p)s 个百分点") % {"p": goal.behind}
        return _("落后序时 %(p)s 个百分点") % {"p": goal.behind}
    return _("达到目标") if goal.kind == RATE else _("达到序时进度")


def _key(prefix: str, name: str) -> str:
    """A field's name: `name` under `prefix` (`p.signed.light`), or alone in a list's row."""
    return f"{prefix}.{name}" if prefix else name


def light_fields(prefix: str, light: str) -> Fields:
    return {_key(prefix, "light"): str(light), _key(prefix, "light_label"): str(Light(light).label)}


def goal_fields(prefix: str, goal: Goal | None, *, differs: bool = False, elapsed: Decimal | None = None) -> Fields:
    """A target beside a figure: the target, 完成率 (a rate: the rate itself) as a bar with its tick at 序时进度
    (a rate: at the target rate), the light and how far behind; the owner's own figure when it is not the one
    shown (`Stat.differs`)."""
    if goal is None:
        return {_key(prefix, "goal"): "", **light_fields(prefix, Light.NONE)}
    is_rate = goal.kind == RATE
    own = ""
    if differs:
        own = _("%(owner)s全口径 %(value)s") % {
            "owner": goal.owner_name,
            "value": "".join(number(goal.actual, goal.kind)),
        }
    return {
        _key(prefix, "goal"): "1",
        _key(prefix, "target"): target_text(goal),
        _key(prefix, "done"): "" if is_rate else percent(goal.done),
        _key(prefix, "bar"): bar(goal.actual if is_rate else goal.done),
        _key(prefix, "tick"): bar(goal.target if is_rate else elapsed),
        _key(prefix, "behind"): behind_text(goal),
        _key(prefix, "own"): own,
        **light_fields(prefix, goal.light),
    }


def stat_fields(prefix: str, stat: Stat, elapsed: Decimal | None) -> Fields:
    num, unit = number(stat.value, stat.kind)
    fields = {
        f"{prefix}.label": str(stat.label),
        f"{prefix}.value": num,
        f"{prefix}.unit": str(stat.unit) if stat.kind == COUNT else unit,
        f"{prefix}.cases": str(stat.cases),
    }
    fields.update(goal_fields(prefix, stat.goal, differs=stat.differs, elapsed=elapsed))
    return fields


def item(key: Any, fields: Fields) -> dict[str, Any]:
    return {"key": str(key), "fields": fields}


# --- the parts of the cockpit ----------------------------------------------------------------------------


def head_fields(context: dict[str, Any], title: str) -> Fields:
    now = timezone.localtime(clock.now())
    days_left = context["days_left"]
    return {
        "title": title,
        "scope": str(context["scope_text"]),
        "year": _("%(y)s 年") % {"y": context["year"]},
        "as_of": _("截至 %(d)s") % {"d": context["today"].isoformat()},
        "elapsed": percent(context["elapsed"]),
        "elapsed.bar": bar(context["elapsed"]),
        "days_left": "—" if days_left is None else str(days_left),
        "updated": now.strftime("%H:%M:%S"),
        "updated.full": now.strftime("%Y-%m-%d %H:%M:%S"),
    }


def project_fields(context: dict[str, Any]) -> Fields:
    """Slide 1: 签约 → 开工 → 竣工 → 投产 against the targets, the amount signed and the investment completed."""
    elapsed = context["elapsed"]
    fields: Fields = {}
    for stat in context["project_stats"]:
        fields.update(stat_fields(f"p.{stat.key}", stat, elapsed))
    fields.update(stat_fields("p.amount", context["signed_amount"], elapsed))
    fields.update(stat_fields("p.investment", context["investment"], elapsed))
    fields["p.own"] = context["own_goals"].name if context["own_goals"] else ""
    investment = context["investment"]
    fields["p.schedule"] = "1" if investment.goal and not investment.differs else ""  # the chart's target line
    return fields


def demand_fields(context: dict[str, Any]) -> Fields:
    """Slide 2: 收到 → 已受理 → 已办结 → 评价满意, and the four rates against their targets."""
    fields: Fields = {}
    for stat in context["demand_steps"]:
        fields.update(stat_fields(f"d.{stat.key}", stat, None))
    for stat in context["demand_rates"]:
        fields.update(stat_fields(f"r.{stat.key}", stat, None))
        fields[f"r.{stat.key}.bar"] = bar(stat.value)
        fields.setdefault(f"r.{stat.key}.tick", "")  # no target rate: no tick
    fields["d.min_cases"] = str(context["min_cases"])
    return fields


def rank_fields(rank: panels.DemandRank, min_cases: int) -> Fields:
    """One row of a demand ranking (办结率, ranked from the minimum number of cases), with its light."""
    row = rank.row
    lit = rank.target is not None and row.accepted >= min_cases
    if rank.target is None:
        word = _("未设目标")
    elif not lit:
        word = _("基数不足")
    else:
        word = str(Light(rank.light).label)
    return {
        "rank": "—" if row.rank is None else str(row.rank),
        "name": str(row.label),
        "received": intcomma_cn(row.received),
        "closure": percent(rank.closure),
        "closure.bar": bar(rank.closure),
        "cases": f"{row.closed}/{row.accepted}",
        "closure.light": str(rank.light if lit else Light.NONE),
        "closure.light_label": word,
    }


def department_items(context: dict[str, Any]) -> list[dict[str, Any]]:
    minimum = context["min_cases"]
    ranking = context["department_ranking"][:RANK_ROWS]
    return [item(r.row.key or "none", rank_fields(r, minimum)) for r in ranking]


def _cell_text(goal: Goal) -> str:
    """A district's cell as the cockpit's targets table prints it: 完成率, or the rate itself."""
    value = goal.actual if goal.kind == RATE else goal.done
    return percent(value)


def _tile(name: str, rank: str, lights: dict[str, int], cells: dict[str, Goal | None]) -> Fields:
    """A district's tile: its name, its rank, its lights counted and a cell per metric (— without a target)."""
    fields: Fields = {"name": name, "rank": rank, **{str(c): str(lights.get(c, 0)) for c in panels.LIT}}
    for metric, goal in cells.items():
        fields[f"m.{metric}"] = _cell_text(goal) if goal else "—"
        fields.update(light_fields(f"m.{metric}", goal.light if goal else Light.NONE))
    return fields


def district_items(context: dict[str, Any], columns: list[str]) -> list[dict[str, Any]]:
    """Slide 3: a tile per district: its targets ranked with their lights (the city page's districts' table) and
    its demands (the region ranking: 受理, 办结率 and its light). A region with demands but no target has a tile
    too; the demands without a region have none."""
    minimum = context["min_cases"]
    demands = {r.row.key: r for r in context.get("region_ranking", []) if r.row.key is not None}
    tiles: list[dict[str, Any]] = []
    for rank in context.get("district_ranks", []):
        place = _("第 %(n)s 名") % {"n": rank.rank} if rank.rank else _("未排名")
        fields = _tile(rank.row.name, place, rank.lights, {m: rank.cells.get(m) for m in columns})
        fields.update(_district_demands(demands.pop(rank.row.owner_id, None), minimum))
        tiles.append(item(rank.row.owner_id, fields))
    for key, demand in demands.items():
        fields = _tile(str(demand.row.label), _("未设目标") if columns else "", {}, dict.fromkeys(columns))
        fields.update(_district_demands(demand, minimum))
        tiles.append(item(key, fields))
    return tiles


def _district_demands(rank: panels.DemandRank | None, minimum: int) -> Fields:
    if rank is None:
        return {"received": "0", "closure": "—", **light_fields("closure", Light.NONE)}
    row = rank_fields(rank, minimum)
    return {k: row[k] for k in ("received", "closure", "closure.light", "closure.light_label")}


def chain_items(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Slide 4 (the city page's, with more than one chain): the chains' table."""
    rows = []
    for r in context.get("chain_rows", []):
        demands = r["demands"][0]
        lights = r["goals"].lights if r["goals"] else None
        fields = {
            "name": r["chain"].name,
            **{f"s{i}": intcomma_cn(n) for i, n in enumerate(r["counts"])},
            "stalled": intcomma_cn(r["stalled"][0]),
            "overdue": intcomma_cn(r["overdue"][0]),
            "received": intcomma_cn(demands.received if demands else 0),
            "closure": percent(demands.percents["closure"] if demands else None),
            "goals": "1" if lights else "",
            **{c: str(lights[c]) if lights else "0" for c in ("red", "yellow", "green")},
        }
        rows.append(item(r["chain"].pk, fields))
    return rows


def lead_fields(context: dict[str, Any]) -> Fields:
    """Slide 5: the leads per stage (the chart: per stage and source), the virtuous cycle, 上争."""
    total = context["lead_total"]
    fields: Fields = {"l.total": intcomma_cn(total.total[0] if total.total else 0)}
    for stage, (n, _link) in zip(context["lead_stages"], total.cells, strict=True):
        fields[f"l.{stage}"] = intcomma_cn(n)
    for c in context["cycle"]:
        step = c["step"]
        fields[f"c.{step.key}.landed"] = intcomma_cn(step.n_landed)
        fields[f"c.{step.key}.amount"] = wan_yuan(step.amount_landed)
        fields[f"c.{step.key}.talks"] = intcomma_cn(step.n_negotiating)
    for stat in context["upward_stats"]:
        fields.update(stat_fields(f"u.{stat.key}", stat, context["elapsed"]))
    for row in context["upward_rows"]:
        figure = row.figure
        fields[f"u.{figure.stage}.count"] = intcomma_cn(figure.count)
        fields[f"u.{figure.stage}.sought"] = wan_yuan(figure.sought)
        fields[f"u.{figure.stage}.obtained"] = wan_yuan(figure.obtained) if figure.obtained else "—"
    return fields


def stalled_items(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Slide 6, left: the most urgent stalled projects (the cockpit's eight)."""
    rows = []
    for r in context["stalled_rows"]:
        p = r.project
        if r.idle_days is None:
            idle, updated = _("从未更新"), ""
        else:
            idle, updated = _("%(n)s 天未更新") % {"n": r.idle_days}, p.last_progress_on.isoformat()
        fields = {
            "name": p.name,
            "owner": p.owner_name or "",
            "where": " · ".join(x for x in (p.chain.name if p.chain else "", p.region.name if p.region else "") if x),
            "stage": str(p.get_stage_display()),
            "updated": updated,
            "idle.light": Light.RED if r.idle_days is None or r.idle_days > 30 else Light.YELLOW,
            "idle.light_label": idle,
        }
        rows.append(item(p.pk, fields))
    return rows


def overdue_items(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Slide 6, right: the most overdue tasks (督办 first), with their working days overdue."""
    rows = []
    for task, _url in context["overdue_rows"]:
        department = task.lead_department
        fields = {
            "title": task.demand.title,
            "owner": task.demand.enterprise.name if task.demand.enterprise else _("会议交办"),
            "dept": getattr(department, "short_name", "") or getattr(department, "name", "") or "",
            "deadline": task.deadline.isoformat() if task.deadline else "",
            "late": _("逾期 %(n)s 个工作日") % {"n": task.days_overdue} if task.days_overdue else "",
            "level.light": Light.RED if task.escalation == Escalation.SUPERVISED else Light.YELLOW,
            "level.light_label": str(task.get_escalation_display()),
        }
        rows.append(item(task.pk, fields))
    return rows


def alert_fields(context: dict[str, Any]) -> Fields:
    return {"a.stalled": intcomma_cn(context["stalled_count"]), "a.overdue": intcomma_cn(context["overdue_count"])}


# --- the year's targets ------------------------------------------------------------------------------------


def _gap_text(cell: Any, owner_name: str, days_left: int | None) -> str:
    """最后赛段: what is still missing and the weekly pace it needs, in the targets' own words."""
    if cell.pace is None or not cell.pace.gap:
        return ""
    shown = targets_views.cell(cell, owner_name, days_left, unit=True)
    return _("尚差 %(gap)s · %(weekly)s") % {"gap": shown.gap, "weekly": shown.weekly}


def own_goal_items(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Slide 7, left: the page's own targets (the city's, the district's or the chain's), each measured."""
    own = context["own_goals"]
    if own is None:
        return []
    rows = []
    for metric, cell in own.cells.items():
        goal = panels.goal_of(cell, own.name)
        if goal is None:
            continue
        num, unit = number(goal.actual, goal.kind)
        fields = {
            "label": str(Metric(metric).label),
            "actual": num,
            "unit": unit if goal.kind != COUNT else _("个"),
            "gap": _gap_text(cell, own.name, context["days_left"]),
            **goal_fields("", goal, elapsed=context["elapsed"]),
        }
        rows.append(item(metric, fields))
    return rows


def light_totals(book: Ledger) -> Fields:
    """Every target the reader sees, counted by light: all of them, and per kind of owner."""
    fields: Fields = {}
    totals = dict.fromkeys(map(str, Light), 0)
    for owner, rows in book.sections.items():
        counts = dict.fromkeys(map(str, Light), 0)
        for row in rows:
            for cell in row.cells.values():
                counts[cell.light] += 1
        for light, n in counts.items():
            fields[f"t.{owner}.{light}"] = str(n)
            totals[light] += n
        fields[f"t.{owner}.owners"] = str(len(rows))
    for light, n in totals.items():
        fields[f"t.{light}"] = str(n)
    fields["t.all"] = str(sum(totals.values()))
    return fields


def behind_items(book: Ledger) -> list[dict[str, Any]]:
    """Slide 7, right: who is behind (the targets' 最后赛段 list: red first, the furthest behind first)."""
    rows = []
    for row, cell in behind_list(book)[:BEHIND_ROWS]:
        goal = panels.goal_of(cell, row.name)
        if goal is None:
            continue
        fields = {
            "owner": row.name,
            "kind": str(Owner(row.owner).label),
            "metric": str(Metric(cell.metric).label),
            "behind": behind_text(goal),
            "done": percent(goal.actual if goal.kind == RATE else goal.done),
            **light_fields("", goal.light),
        }
        rows.append(item(f"{row.owner}-{row.owner_id}-{cell.metric}", fields))
    return rows


def rule_text(context: dict[str, Any]) -> str:
    rule = context["rule"]
    return _(
        "累计类目标落后序时进度 %(y)s–%(r)s 个百分点为黄灯，超过 %(r)s 个百分点为红灯；"
        "比率类目标低于目标 %(ry)s–%(rr)s 个百分点为黄灯，超过 %(rr)s 个百分点为红灯。"
    ) % {"y": rule.yellow, "r": rule.red, "ry": rule.rate_yellow, "rr": rule.rate_red}


# --- the payload -----------------------------------------------------------------------------------------


def slides(context: dict[str, Any]) -> list[tuple[str, str]]:
    """The stage's slides: the chains' one only on a city page with more than one chain."""
    many_chains = context.get("is_city") and len(context.get("chain_rows", [])) > 1
    return [(key, str(label)) for key, label in SLIDES if key != "chains" or many_chains]


def figures(context: dict[str, Any]) -> dict[str, Any]:
    """The raw numbers behind the text (counts, amounts in 万元, rates in %)."""
    stats: Iterable[Stat] = (*context["project_stats"], context["signed_amount"], context["investment"])
    return {
        "projects": {s.key: s.value for s in stats},
        "demands": {s.key: s.value for s in context["demand_steps"]},
        "rates": {s.key: s.value for s in context["demand_rates"]},
        "upward": {s.key: s.value for s in context["upward_stats"]},
        "leads": context["lead_total"].total[0] if context["lead_total"].total else 0,
        "stalled": context["stalled_count"],
        "overdue": context["overdue_count"],
    }


def layout(context: dict[str, Any]) -> str:
    shape = [key for key, _label in slides(context)] + list(context.get("district_columns", []))
    return hashlib.sha256("|".join(shape).encode()).hexdigest()[:16]


def payload(context: dict[str, Any], *, title: str) -> dict[str, Any]:
    """Everything the stage shows, from the cockpit's context."""
    columns = list(context.get("district_columns", []))
    now = clock.now()
    fields: Fields = {
        **head_fields(context, title),
        **project_fields(context),
        **demand_fields(context),
        **lead_fields(context),
        **alert_fields(context),
        **light_totals(context["ledger"]),
        "t.rule": rule_text(context),
        "t.own": context["own_goals"].name if context["own_goals"] else "",
    }
    return {
        "generated_at": timezone.localtime(now).isoformat(),
        "now_ms": int(now.timestamp() * 1000),
        "layout": layout(context),
        "fields": fields,
        "lists": {
            "departments": department_items(context),
            "districts": district_items(context, columns),
            "chains": chain_items(context),
            "stalled": stalled_items(context),
            "overdue": overdue_items(context),
            "goals": own_goal_items(context),
            "behind": behind_items(context["ledger"]),
        },
        "charts": {"investment": context["investment_chart"], "leads": context["leads_chart"]},
        "figures": figures(context),
    }


def page_context(context: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """What the stage's template needs besides the payload: the slides, and the names of the repeated parts' fields
    (the funnels' steps, the rates, the leads' stages, the cycle's steps, the districts' metrics)."""
    return {
        "data": data,
        "fields": data["fields"],
        "lists": data["lists"],
        "blank": {},
        "slides": slides(context),
        "project_keys": [f"p.{stat.key}" for stat in context["project_stats"]],
        "demand_keys": [f"d.{stat.key}" for stat in context["demand_steps"]],
        "rate_keys": [f"r.{stat.key}" for stat in context["demand_rates"]],
        "lead_steps": [(f"l.{stage}", str(stage.label)) for stage in context["lead_stages"]],
        "upward_steps": [(f"u.{row.figure.stage}", row.label, not row.is_open) for row in context["upward_rows"]],
        "cycle_steps": [(f"c.{c['step'].key}", c["step"].label, c["step"].description) for c in context["cycle"]],
        "columns": [(f"m.{m}", str(panels.METRIC_SHORT[Metric(m)])) for m in context.get("district_columns", [])],
        "owner_kinds": [(f"t.{owner}", str(owner.label)) for owner in OWNER_KINDS],
    }
