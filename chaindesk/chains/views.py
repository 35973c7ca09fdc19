"""Chain pages: the list, a chain's page and its map (图谱) with the node panel and the 补链 export, and the
team's tree editing. Chains come from the user's visible set (404 for missing and forbidden alike)."""

import functools
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import OFFICIALS, Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import audit
from chaindesk.core.errors import service_errors, service_messages
from chaindesk.core.listing import PAGE_SIZE
from chaindesk.core.models import AuditAction
from chaindesk.core.pages import Section
from chaindesk.core.params import param_id
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import charts, gaps, selectors, services
from .forms import NodeAddForm, NodeNameForm
from .models import Chain, ChainNode
from .resources import CHAINS, NODE_TABLE, TARGET_TABLE, gaps_ledger, segment_columns

EDITORS = (Role.CITY_LEADER, Role.TEAM_MEMBER)
NODE_PANEL_LIMIT = 50
CHAIN_PAGES = Section(gettext_lazy("产业链"), "chains:list", "chains:detail", "chain")


def _chain(request: AuthedRequest, pk: int) -> Chain:
    visible = Chain.objects.visible_to(request.user).select_related("chief", "lead_department")
    return get_visible_or_404(visible, pk, user=request.user)


@role_required(*CHAINS.roles)
def chain_list(request: AuthedRequest) -> HttpResponse:
    """The chains the user may see, through CHAINS' filters and columns (a handful of rows: paged in memory,
    so the page reads them in one query without a COUNT)."""
    qs, sort = selectors.chain_list(request.user, q=CHAINS.parse(request.GET)["q"], sort=request.GET.get("sort", ""))
    page_obj = Paginator(list(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "chains/list.html", CHAINS.context(request, page_obj=page_obj, sort=sort, title=_("产业链")))


@role_required(*OFFICIALS)
def chain_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    chain = _chain(request, pk)
    team = chain.team.select_related("user", "user__department", "user__region")
    return render(
        request,
        "chains/detail.html",
        {
            "chain": chain,
            "team": team,
            "regions": chain.regions.all(),
            "page_title": _("%(name)s产业链") % {"name": chain.name},
            "breadcrumbs": CHAIN_PAGES.crumbs((chain.name, None)),
        },
    )


@role_required(*OFFICIALS)
def chain_map(request: AuthedRequest, pk: int) -> HttpResponse:
    """产业链图谱: the tree as a chart, the same data as a sortable table, the rating rules, the 补链 list."""
    chain = _chain(request, pk)
    tree = selectors.chain_tree(chain)
    rows, sort = tree.sorted(request.GET.get("sort", ""))
    return render(
        request,
        "chains/map.html",
        {
            "chain": chain,
            "tree": tree,
            "rows": rows,
            "sort": sort,
            "targets": tree.targets(),
            "summary": tree.summary(),
            "option": charts.map_option(tree),
            "chart_height": charts.chart_height(tree),
            "node_columns": segment_columns(NODE_TABLE),
            "target_columns": segment_columns(TARGET_TABLE),
            "rules": gaps.rules(),
            "threshold_text": gaps.threshold_text(),
            "can_edit": services.can_edit_tree(chain=chain, user=request.user),
            "page_title": _("%(name)s产业链图谱") % {"name": chain.name},
            "breadcrumbs": CHAIN_PAGES.object_crumbs(chain, (_("产业链图谱"), None)),
        },
    )


@role_required(*OFFICIALS)
def node_panel(request: AuthedRequest, pk: int, node_pk: int) -> HttpResponse:
    """A node's enterprises (those the user may see), as an htmx fragment or a page of its own."""
    chain = _chain(request, pk)
    node = get_visible_or_404(ChainNode.objects.filter(chain=chain), node_pk, user=request.user)
    below = selectors.subtree_ids(node)
    enterprises = list(
        selectors.node_enterprises(user=request.user, node=node, subtree_ids=below)[: NODE_PANEL_LIMIT + 1]
    )
    return CHAIN_PAGES.tab_page(
        request,
        chain,
        title=node.name,
        fragment="chains/partials/node_panel.html",
        page="chains/node_page.html",
        node=node,
        enterprises=enterprises[:NODE_PANEL_LIMIT],
        more=len(enterprises) > NODE_PANEL_LIMIT,
        has_children=bool(below),
    )


@role_required(*OFFICIALS)
def gaps_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 补链 target list as an .xlsx ledger (SEGMENTS' export columns); the export itself is audited."""
    chain = _chain(request, pk)
    return gaps_ledger(request, chain, selectors.chain_tree(chain).targets())


# --- Tree editing: only the chain's own team (city leaders and team members on it).


def _editable_chain(request: AuthedRequest, pk: int) -> Chain:
    chain = _chain(request, pk)
    if not services.can_edit_tree(chain=chain, user=request.user):
        audit.record(action=AuditAction.PERMISSION_DENIED, actor=request.user, obj=chain, message="edit chain tree")
        raise PermissionDenied
    return chain


def _parent_choices(tree: selectors.ChainTree, exclude: set[int] | None = None) -> list[tuple[str, str]]:
    return [(str(s.pk), s.path) for s in tree.walk() if not exclude or s.pk not in exclude]


def _edit_page(
    request: AuthedRequest, chain: Chain, add_form: NodeAddForm | None = None, status: int = 200
) -> HttpResponse:
    tree = selectors.chain_tree(chain)
    choices = _parent_choices(tree)
    rows = []
    for item in tree.walk():
        blocked = {item.pk, *selectors.descendant_ids(tree, item.pk)}
        rows.append((item, [c for c in choices if int(c[0]) not in blocked]))
    return render(
        request,
        "chains/nodes_edit.html",
        {
            "chain": chain,
            "rows": rows,
            "add_form": add_form or NodeAddForm(parent_choices=choices),
            "page_title": _("编辑环节"),
            "breadcrumbs": CHAIN_PAGES.object_crumbs(chain, (_("编辑环节"), None)),
        },
        status=status,
    )


@role_required(*EDITORS)
def nodes_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _edit_page(request, _editable_chain(request, pk))


def _node(chain: Chain, request: AuthedRequest, node_pk: int) -> ChainNode:
    return get_visible_or_404(ChainNode.objects.filter(chain=chain).select_related("chain"), node_pk, user=request.user)


def _back(chain: Chain) -> HttpResponse:
    return redirect("chains:nodes_edit", pk=chain.pk)


@require_POST
@role_required(*EDITORS)
def node_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    chain = _editable_chain(request, pk)
    choices = [(str(p), n) for p, n in ChainNode.objects.filter(chain=chain).values_list("pk", "name")]
    form = NodeAddForm(request.POST, parent_choices=choices)
    if form.is_valid():
        parent_pk = form.cleaned_data["parent"]
        parent = _node(chain, request, parent_pk) if parent_pk else None
        with service_errors(form):
            node = services.node_add(chain=chain, parent=parent, name=form.cleaned_data["name"], actor=request.user)
            messages.success(request, _("已新增环节“%(name)s”。") % {"name": node.name})
            return _back(chain)
    return _edit_page(request, chain, add_form=form, status=400)


def _node_action(action: Callable[[AuthedRequest, ChainNode], None]) -> Callable[..., HttpResponse]:
    """A POST on one node of a tree the user may edit: `action` runs on the node (its refusals and successes
    become messages) and the answer is the edit page again."""

    @require_POST
    @role_required(*EDITORS)
    @functools.wraps(action)
    def view(request: AuthedRequest, pk: int, node_pk: int) -> HttpResponse:
        chain = _editable_chain(request, pk)
        action(request, _node(chain, request, node_pk))
        return _back(chain)

    return view


@_node_action
def node_rename_view(request: AuthedRequest, node: ChainNode) -> None:
    form = NodeNameForm(request.POST)
    with service_messages(request):
        if not form.is_valid():
            raise ValidationError(list(form.errors["name"]))
        services.node_rename(node=node, name=form.cleaned_data["name"], actor=request.user)
        messages.success(request, _("已重命名为“%(name)s”。") % {"name": node.name})


@_node_action
def node_move_view(request: AuthedRequest, node: ChainNode) -> None:
    target = request.POST.get("new_parent", "")
    parent_pk = param_id(target)
    if target and parent_pk is None:
        messages.error(request, _("请选择有效的目标上级环节。"))
        return
    new_parent = _node(node.chain, request, parent_pk) if parent_pk is not None else None
    with service_messages(request):
        services.node_move(node=node, new_parent=new_parent, actor=request.user)
        messages.success(request, _("已移动环节“%(name)s”。") % {"name": node.name})


@_node_action
def node_reorder_view(request: AuthedRequest, node: ChainNode) -> None:
    with service_messages(request):
        services.node_reorder(node=node, actor=request.user, direction=request.POST.get("direction"))


@_node_action
def node_delete_view(request: AuthedRequest, node: ChainNode) -> None:
    name = node.name
    with service_messages(request, lead=_("不能删除“%(name)s”：") % {"name": name}):
        services.node_delete(node=node, actor=request.user)
        messages.success(request, _("已删除环节“%(name)s”。") % {"name": name})
