"""Projects as a resource: the filter bar, the list's columns and the 项目台账 columns, and the filters of the
API list (/api/projects/)."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS
from chaindesk.core import clock
from chaindesk.core.resources import (
    ANY,
    CHOICE,
    LG,
    MD,
    TEXT,
    XL,
    Col,
    Filter,
    Ledger,
    Resource,
    attr,
    ledger_only,
    page_only,
)

from .choices import STAGE_DATE_FIELD, ProjectKind, ProjectLevel, ProjectStage
from .models import Project
from .selectors import REACHED, SORTS, base_queryset, project_list
from .selectors_progress import CYCLE_VALUES, cycle_options
from .selectors_schedule import FLAGS

CELLS = "projects/partials/list_cells.html"
KEY_DATES = (
    (ProjectStage.SIGNED, "planned_signed_on"),
    (ProjectStage.STARTED, "planned_started_on"),
    (ProjectStage.COMPLETED, "planned_completed_on"),
    (ProjectStage.PRODUCING, "planned_production_on"),
    (ProjectStage.FULL, "planned_full_production_on"),
)
REACHED_OPTIONS = (
    ("signed", _("本年签约")),
    ("started", _("本年开工")),
    ("completed", _("本年竣工")),
    ("production", _("本年投产")),
)
FLAG_OPTIONS = (
    ("behind", _("投资滞后")),
    ("stale", _("长期无更新")),
    ("stalled", _("滞后或无更新")),
)


def capacity_text(project: Project) -> str:
    """3000 万平方米/年, or "" when no capacity is recorded."""
    if project.capacity_quantity is None:
        return ""
    quantity = f"{Decimal(project.capacity_quantity).normalize():f}"  # 3000.00 → 3000, 2.50 → 2.5
    return f"{quantity} {project.capacity_unit}/{project.get_capacity_period_display()}"


def _key_date(stage: str, planned_field: str) -> Any:
    """The actual date, or the planned one marked as such (a ledger keeps both in one column)."""

    def get(project: Project) -> str:
        actual = getattr(project, STAGE_DATE_FIELD[stage])
        if actual:
            return str(actual.isoformat())
        planned = getattr(project, planned_field)
        return gettext("计划 %(date)s") % {"date": planned.isoformat()} if planned else ""

    return get


def _credit(project: Project) -> str:
    if project.credited_enterprise_id:
        return str(project.credited_enterprise)
    if project.credited_talent_id:
        return gettext("在外能人 %(name)s") % {"name": project.credited_talent}
    return ""


def _rate_percent(project: Project) -> Any:
    rate = getattr(project, "rate", None)
    return rate * 100 if rate is not None else None


def _grouped(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def decorate(rows: list[Project]) -> list[Project]:
    """This year's figures as the table shows them (万元 with separators, rate in %)."""
    for p in rows:
        p.rate_percent = _rate_percent(p)  # type: ignore[attr-defined]
        p.plan_text = _grouped(p.plan_amount)  # type: ignore[attr-defined]
        p.done_text = _grouped(p.done_ytd)  # type: ignore[attr-defined]
    return rows


def _cycle_options(_choices: Any) -> list[tuple[str, str]]:
    """The chain 良性循环 page's counts, each a filter value (translated when the bar is drawn)."""
    return cycle_options()


def _year_header() -> str:
    return gettext("%(year)s 年计划/完成(万元)") % {"year": clock.today().year}


PROJECTS = Resource(
    view="projects:list",
    testid="project",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("项目名称、项目单位或投资方")),
        Filter("chain", _("产业链"), options="chains"),
        Filter("node", _("环节（含下级）"), options="nodes", width="col-sm-6 col-lg-3"),
        Filter("region", _("地区（含下级）"), options="regions"),
        Filter("stage", _("阶段"), CHOICE, options="stages", values=ProjectStage.values),
        Filter("kind", _("建设性质"), CHOICE, options="kinds", values=ProjectKind.values),
        Filter("level", _("项目级别"), CHOICE, options="levels", values=ProjectLevel.values),
        Filter("flag", _("预警"), CHOICE, options=FLAG_OPTIONS, values=list(FLAGS), blank=ANY),
        Filter("cycle", _("良性循环"), CHOICE, options=_cycle_options, values=CYCLE_VALUES, blank=ANY),
        Filter("reached", _("本年进展"), CHOICE, options=REACHED_OPTIONS, values=list(REACHED), blank=ANY),
    ),
    columns=(
        Col("name", _("项目名称"), attr("name"), width=34, sort="name", link="projects:detail"),
        Col("owner", _("项目单位/投资方"), attr("owner_name"), width=30, css="small", cell=CELLS),
        page_only("position", _("产业链/环节"), cell=CELLS, hide=LG, css="small"),
        ledger_only("chain", _("产业链"), attr("chain.name"), 12),
        ledger_only("node", _("环节"), attr("node.name"), 16),
        Col("region", _("地区"), attr("region.name"), width=10, hide=MD, css="text-nowrap"),
        page_only("kind_level", _("性质/级别"), cell=CELLS, hide=XL, css="small text-nowrap"),
        ledger_only("kind", _("建设性质"), attr("get_kind_display"), 10),
        ledger_only("level", _("级别"), attr("get_level_display"), 10),
        Col("stage", _("阶段"), attr("get_stage_display"), width=8, sort="stage", css="text-nowrap", cell=CELLS),
        Col(
            "planned_investment",
            _("计划总投资(万元)"),
            attr("planned_investment"),
            width=16,
            sort="investment",
            align="text-end",
            css="text-nowrap",
            wan=True,
            short=_("计划总投资"),
        ),
        ledger_only("capacity", _("产能"), capacity_text, 20),
        ledger_only("land_mu", _("用地(亩)"), attr("land_mu"), 10),
        ledger_only("signed", _("签约日期"), _key_date(*KEY_DATES[0]), 12),
        ledger_only("started", _("开工日期"), _key_date(*KEY_DATES[1]), 12),
        ledger_only("completed", _("竣工日期"), _key_date(*KEY_DATES[2]), 12),
        ledger_only("producing", _("投产日期"), _key_date(*KEY_DATES[3]), 12),
        ledger_only("full", _("达产日期"), _key_date(*KEY_DATES[4]), 12),
        page_only("plan_done", _year_header, cell=CELLS, align="text-end", hide=MD, css="text-nowrap"),
        ledger_only("plan_amount", _("年度计划投资(万元)"), attr("plan_amount"), 16),
        ledger_only("done_ytd", _("年度累计完成(万元)"), attr("done_ytd"), 16),
        page_only("rate_percent", _("完成率"), cell=CELLS, align="text-end", css="text-nowrap"),
        ledger_only("rate", _("完成率(%)"), _rate_percent, 10),
        page_only("updated", _("最近更新"), cell=CELLS, sort="updated", css="text-nowrap"),
        ledger_only("credit", _("引荐"), _credit, 24),
    ),
    sorts=SORTS,
    default_sort="-created",
    queryset=base_queryset,
    select=project_list,
    roles=ENTERPRISE_VIEWERS,
    ledger=Ledger(
        title=_("项目台账"),
        name="项目台账",
    ),
    export_view="projects:export",
    create_view="projects:create",
    create_label=_("新增项目"),
    noun=pgettext_lazy("rows of a list", "项目"),
    empty=_("暂无可查看的项目。"),
    empty_hint=_("项目登记后将显示在这里；签约的线索也会自动转为项目。"),
    empty_icon="ti-crane",
)
