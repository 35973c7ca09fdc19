"""Pages of items sought from higher levels (上争事项): the list with filters and export, the item page with
its stage buttons and history, and the create/edit form. Lookups go through the user's visible set (404 for
missing and forbidden alike); writes go through chaindesk.demands.upward."""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import Role
from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.export import Column, filtered_ledger
from chaindesk.core.listing import paginate, sort_queryset
from chaindesk.core.navigation import OFFICIALS
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.forms import AmountField, ChineseDateField
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.permissions import district_region_ids, team_chain_ids
from chaindesk.projects.models import Project

from . import upward
from .choices import UpwardKind, UpwardLevel, UpwardStage
from .models import UpwardRequest

VIEWERS = (*OFFICIALS, Role.DEPT_HANDLER)
FILTER_KEYS = ("q", "kind", "level", "stage", "department", "chain", "deadline_from", "deadline_to")
SORTS = {
    "deadline": "deadline",
    "title": "title",
    "stage": "stage",
    "sought": "amount_sought",
    "obtained": "amount_obtained",
    "created": "created_at",
}


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("上争事项"), reverse("demands:upward_list")), *extra]


# --- list and export -----------------------------------------------------------------------------------


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def upward_list(user: Any, params: Mapping[str, str]) -> tuple[QuerySet[UpwardRequest], str]:
    """The user's visible items, filtered and sorted as the URL says (unknown values are ignored)."""
    qs = UpwardRequest.objects.visible_to(user).select_related("department", "chain", "region")
    if q := params.get("q", "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(counterpart__icontains=q))
    for key, choices in (("kind", UpwardKind), ("level", UpwardLevel), ("stage", UpwardStage)):
        if params.get(key) in choices.values:
            qs = qs.filter(**{key: params[key]})
    for key in ("department", "chain"):
        if (pk := _int(params.get(key, ""))) is not None:
            qs = qs.filter(**{f"{key}_id": pk})
    if start := _date(params.get("deadline_from", "")):
        qs = qs.filter(deadline__gte=start)
    if end := _date(params.get("deadline_to", "")):
        qs = qs.filter(deadline__lte=end)
    return sort_queryset(qs, params.get("sort", ""), SORTS, "deadline")


@role_required(*VIEWERS)
def upward_list_view(request: HttpRequest) -> HttpResponse:
    qs, sort = upward_list(request.user, request.GET.dict())
    page_obj = paginate(qs, request.GET.get("page"))
    filters = {k: v for k, v in request.GET.items() if k in FILTER_KEYS and v}
    return render(
        request,
        "demands/upward_list.html",
        {
            "page_obj": page_obj,
            "rows": list(page_obj.object_list),
            "sort": sort,
            "filters": filters,
            "kinds": UpwardKind.choices,
            "levels": UpwardLevel.choices,
            "stages": UpwardStage.choices,
            "departments": list(Department.objects.filter(is_active=True).values_list("pk", "short_name")),
            "chains": list(Chain.objects.values_list("pk", "name")),
            "today": clock.today(),
            "may_create": upward.may_create(request.user),
            "export_query": request.GET.urlencode(),
            "page_title": _("上争事项"),
            "breadcrumbs": [(_("上争事项"), None)],
        },
    )


EXPORT_COLUMNS = [
    Column(gettext_lazy("事项名称"), 34),
    Column(gettext_lazy("类型"), 10),
    Column(gettext_lazy("争取层级"), 8),
    Column(gettext_lazy("对接部门"), 18),
    Column(gettext_lazy("产业链"), 12),
    Column(gettext_lazy("所在地区"), 10),
    Column(gettext_lazy("责任部门"), 14),
    Column(gettext_lazy("阶段"), 8),
    Column(gettext_lazy("阶段变更日期"), 12),
    Column(gettext_lazy("申报窗口开始"), 12),
    Column(gettext_lazy("申报截止"), 12),
    Column(gettext_lazy("争取金额(万元)"), 14),
    Column(gettext_lazy("获批金额(万元)"), 14),
    Column(gettext_lazy("关联企业"), 30),
    Column(gettext_lazy("关联项目"), 30),
    Column(gettext_lazy("事项说明"), 40),
]


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _export_rows(qs: QuerySet[UpwardRequest]) -> Any:
    for item in qs.prefetch_related("enterprises", "projects"):
        yield [
            item.title,
            item.get_kind_display(),
            item.get_level_display(),
            item.counterpart,
            item.chain.name if item.chain else "",
            item.region.name if item.region else "",
            item.department.short_name,
            item.get_stage_display(),
            _iso(item.stage_changed_on),
            _iso(item.window_opens_on),
            _iso(item.deadline),
            _num(item.amount_sought),
            _num(item.amount_obtained),
            "、".join(str(e.name) for e in item.enterprises.all()),
            "、".join(str(p.name) for p in item.projects.all()),
            item.description,
        ]


@role_required(*VIEWERS)
def upward_export(request: HttpRequest) -> HttpResponse:
    """Exactly the filtered list as an .xlsx ledger (capped at EXPORT_ROW_CAP); audited."""
    qs, _sort = upward_list(request.user, request.GET.dict())
    return filtered_ledger(
        request,
        queryset=qs,
        rows=_export_rows,
        columns=EXPORT_COLUMNS,
        title=_("上争事项台账"),
        name="上争事项台账",
        cap_warning=_("符合条件的事项超过单次导出上限，仅导出前 %(cap)s 条。"),
    )


# --- item page and stage moves -------------------------------------------------------------------------


def _visible(request: HttpRequest, pk: int) -> UpwardRequest:
    qs = UpwardRequest.objects.visible_to(request.user).select_related("department", "chain", "region", "created_by")
    return get_visible_or_404(qs, pk, user=request.user)


def _managed(request: HttpRequest, pk: int) -> UpwardRequest:
    item = _visible(request, pk)
    if not upward.can_manage(request.user, item):
        raise PermissionDenied
    return item


def _linked(request: HttpRequest, item: UpwardRequest) -> dict[str, Any]:
    """Linked enterprises and projects, each with whether the reader may open its page."""
    enterprises = list(item.enterprises.order_by("name"))
    projects = list(item.projects.order_by("name"))
    seen_e = set(
        Enterprise.objects.visible_to(request.user)
        .filter(pk__in=[e.pk for e in enterprises])
        .values_list("pk", flat=True)
    )
    seen_p = set(
        Project.objects.visible_to(request.user).filter(pk__in=[p.pk for p in projects]).values_list("pk", flat=True)
    )
    return {
        "linked_enterprises": [(e, e.pk in seen_e) for e in enterprises],
        "linked_projects": [(p, p.pk in seen_p) for p in projects],
    }


def _detail_context(request: HttpRequest, item: UpwardRequest, **extra: Any) -> dict[str, Any]:
    may_manage = upward.can_manage(request.user, item)
    targets = upward.allowed_stages(item) if may_manage else []
    context = {
        "item": item,
        "may_manage": may_manage,
        "targets": [(t, UpwardStage(t).label) for t in targets],
        "stage_path": [(value, label, value == item.stage) for value, label in UpwardStage.choices],
        "today": clock.today(),
        "page_title": item.title,
        "breadcrumbs": _crumbs((item.title, None)),
        **_linked(request, item),
    }
    context.update(extra)
    return context


@role_required(*VIEWERS)
def upward_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible(request, pk)
    return render(request, "demands/upward_detail.html", _detail_context(request, item))


class AdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(
        choices=UpwardStage.choices, error_messages={"invalid_choice": gettext_lazy("阶段无效。")}
    )
    expected_stage = forms.ChoiceField(choices=UpwardStage.choices)
    on = ChineseDateField(label=gettext_lazy("日期"), error_messages={"required": gettext_lazy("请填写日期。")})
    amount_obtained = AmountField(label=gettext_lazy("获批金额"))


@role_required(*VIEWERS)
@require_POST
def upward_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """A stage move. A stale page or a move the machine forbids answers 409 with the item as it now stands;
    bad input answers 400 with its message; neither changes anything."""
    item = _managed(request, pk)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        error = "；".join(str(e) for errors in form.errors.values() for e in errors)
        return _refused(request, item, form, status=400, error=error)
    data = form.cleaned_data
    try:
        item = upward.upward_advance(
            item=item,
            to_stage=data["to_stage"],
            on=data["on"],
            actor=request.user,
            expected_stage=data["expected_stage"],
            amount_obtained=data["amount_obtained"],
        )
    except InvalidTransition as exc:
        return _refused(request, _visible(request, pk), form, status=409, error=str(exc))
    except ValidationError as exc:
        return _refused(request, item, form, status=400, error="；".join(exc.messages))
    messages.success(
        request,
        _("事项阶段已变更为“%(stage)s”（%(date)s）。")
        % {"stage": item.get_stage_display(), "date": data["on"].isoformat()},
    )
    return redirect("demands:upward_detail", item.pk)


def _refused(request: HttpRequest, item: UpwardRequest, form: AdvanceForm, *, status: int, error: str) -> HttpResponse:
    context = _detail_context(request, item, stage_error=error, posted_stage=form.data.get("to_stage"))
    return render(request, "demands/upward_detail.html", context, status=status)


# --- create and edit -----------------------------------------------------------------------------------


class UpwardForm(StyledForm):
    """The facts of an item; linked enterprises and projects are offered among those the user can see."""

    title = forms.CharField(label=gettext_lazy("事项名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=[("", "—"), *UpwardKind.choices])
    level = forms.ChoiceField(label=gettext_lazy("争取层级"), choices=[("", "—"), *UpwardLevel.choices])
    counterpart = forms.CharField(
        label=gettext_lazy("对接部门"), max_length=100, help_text=gettext_lazy("如：省发改委、工信部")
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("责任部门"), queryset=Department.objects.none(), empty_label="—"
    )
    chain = forms.ModelChoiceField(label=gettext_lazy("产业链"), queryset=Chain.objects.none(), required=False)
    region = forms.ModelChoiceField(label=gettext_lazy("所在地区"), queryset=Region.objects.none(), required=False)
    window_opens_on = ChineseDateField(label=gettext_lazy("申报窗口开始"), required=False)
    deadline = ChineseDateField(label=gettext_lazy("申报截止"), required=False)
    amount_sought = AmountField(label=gettext_lazy("争取金额"))
    amount_obtained = AmountField(
        label=gettext_lazy("获批金额"), help_text=gettext_lazy("单位：万元。事项“获批”后才可填写。")
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=gettext_lazy("关联企业"), queryset=Enterprise.objects.none(), required=False
    )
    projects = forms.ModelMultipleChoiceField(
        label=gettext_lazy("关联项目"), queryset=Project.objects.none(), required=False
    )
    description = forms.CharField(
        label=gettext_lazy("事项说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, user: Any, item: UpwardRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(user)  # type: ignore[attr-defined]
        self.fields["chain"].queryset = _chains(user)  # type: ignore[attr-defined]
        self.fields["region"].queryset = _regions(user)  # type: ignore[attr-defined]
        self.fields["enterprises"].queryset = Enterprise.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["projects"].queryset = Project.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
            self.fields["chain"].required = True
        if user.role == Role.DISTRICT_ADMIN:
            self.fields["region"].required = True
        if item is None or item.stage != UpwardStage.APPROVED:
            del self.fields["amount_obtained"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, deadline = data.get("window_opens_on"), data.get("deadline")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", _("申报截止日期不能早于申报窗口开始日期。"))
        return data


def _departments(user: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True)
    return qs.filter(pk=user.department_id) if user.role == Role.DEPT_HANDLER else qs


def _chains(user: Any) -> QuerySet[Chain]:
    if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return Chain.objects.filter(pk__in=team_chain_ids(user))
    return Chain.objects.all()


def _regions(user: Any) -> QuerySet[Region]:
    if user.role == Role.DISTRICT_ADMIN:
        return Region.objects.filter(pk__in=district_region_ids(user))
    return Region.objects.all()


def _initial(item: UpwardRequest) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(item, f) for f in upward.EDITABLE}
    data["enterprises"] = list(item.enterprises.all())
    data["projects"] = list(item.projects.all())
    return data


def _add_service_error(form: UpwardForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _save(request: HttpRequest, form: UpwardForm, item: UpwardRequest | None) -> UpwardRequest | None:
    """Hand the cleaned form to the service; its refusals land on the form and nothing is written."""
    data = dict(form.cleaned_data)
    try:
        if item is None:
            return upward.upward_create(actor=request.user, **data)
        return upward.upward_update(item=item, actor=request.user, **data)
    except ValidationError as error:
        _add_service_error(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("您无权保存该上争事项。"))
    return None


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "demands/upward_form.html", context, status=400 if request.method == "POST" else 200)


@role_required(*VIEWERS)
def upward_create(request: HttpRequest) -> HttpResponse:
    if not upward.may_create(request.user):
        raise PermissionDenied
    initial = {"department": request.user.department_id} if request.user.role == Role.DEPT_HANDLER else {}  # type: ignore[union-attr]
    form = UpwardForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid() and (item := _save(request, form, None)) is not None:
        messages.success(request, _("上争事项“%(title)s”已登记，当前阶段：谋划。") % {"title": item.title})
        return redirect("demands:upward_detail", item.pk)
    return _form_page(
        request,
        {"form": form, "creating": True, "page_title": _("登记上争事项"), "breadcrumbs": _crumbs((_("登记"), None))},
    )


@role_required(*VIEWERS)
def upward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _managed(request, pk)
    form = UpwardForm(request.POST or None, user=request.user, item=item, initial=_initial(item))
    if request.method == "POST" and form.is_valid() and _save(request, form, item) is not None:
        messages.success(request, _("已保存。"))
        return redirect("demands:upward_detail", item.pk)
    return _form_page(
        request,
        {
            "form": form,
            "item": item,
            "page_title": _("编辑上争事项"),
            "breadcrumbs": _crumbs((item.title, reverse("demands:upward_detail", args=[item.pk])), (_("编辑"), None)),
        },
    )
