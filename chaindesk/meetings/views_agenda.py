"""The agenda page of a meeting (/meetings/<pk>/agenda/) and the team's edits on it.

Whoever sees the meeting reads its agenda, grouped by kind, each item with the live state of its record
(linked when the reader may open it); the page prints as a document (print.css: no buttons; the title, the
meeting's date and place, page numbers). The chain's team drafts it (生成/更新议程), adds written items, drops
and restores, reorders and annotates, before and on the meeting's day. The edits answer htmx with the agenda's
body (200 with the message in place: htmx swaps only 2xx answers) and anything else with a redirect back to the
item. Lookups go through the reader's visible set (404 for missing and forbidden alike); a reader who sees the
meeting but is not on the chain's team gets 403."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import refusal_text, service_errors
from chaindesk.core.pages import Section, is_htmx
from chaindesk.core.params import param_int
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services_agenda
from .agenda import agenda_items, sections_of, short_kinds
from .agenda_draft import UPWARD_DAYS
from .models import AgendaItem, AgendaKind, Meeting

MEETING_PAGES = Section(gettext_lazy("会议"), "meetings:list", "meetings:detail", "meeting", name_attr="title")
BODY = "meetings/partials/agenda_body.html"


class AgendaItemForm(forms.Form):
    """An item the team writes itself: the topic, its section (其他议题 unless chosen) and a note."""

    title = forms.CharField(
        label=gettext_lazy("议题"),
        max_length=services_agenda.TITLE_MAX,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": gettext_lazy("请填写议题。")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类别"),
        choices=AgendaKind.choices,
        initial=AgendaKind.OTHER,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        max_length=services_agenda.NOTE_MAX,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        help_text=gettext_lazy("如：汇报单位、需要会议研究的问题。"),
    )


def _meeting(request: AuthedRequest, pk: int) -> Meeting:
    return get_visible_or_404(
        Meeting.objects.visible_to(request.user).select_related("chain", "leader", "chair", "region"),
        pk,
        user=request.user,
    )


def _team_meeting(request: AuthedRequest, pk: int) -> Meeting:
    """The meeting, for its chain's team only (403 for another reader who sees it)."""
    meeting = _meeting(request, pk)
    if not permissions.is_team_of_chain(request.user, meeting.chain_id):
        raise PermissionDenied
    return meeting


def _item(request: AuthedRequest, pk: int) -> AgendaItem:
    """An item of an agenda the reader sees (404 otherwise), for the team of the meeting's chain (403 otherwise)."""
    item = get_visible_or_404(
        AgendaItem.objects.visible_to(request.user).select_related("meeting__chain"), pk, user=request.user
    )
    if not permissions.is_team_of_chain(request.user, item.meeting.chain_id):
        raise PermissionDenied
    return item


def _agenda_url(meeting_id: int, item_id: int | None = None) -> str:
    url = reverse("meetings:agenda", args=[meeting_id])
    return f"{url}#item-{item_id}" if item_id else url


def _body_context(request: AuthedRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    """What the agenda's body shows: its sections (numbered 一、二 …), the dropped items and who may edit."""
    today = clock.today()
    items = agenda_items(meeting, request.user, today)
    sections, dropped = sections_of(items)
    return {
        "meeting": meeting,
        "sections": sections,
        "dropped": dropped,
        "n_items": sum(len(s.items) for s in sections),
        "may_edit": services_agenda.may_edit_agenda(request.user, meeting, today),
        "editable": services_agenda.agenda_editable(meeting, today),
        "today": today,
        **extra,
    }


def _page(request: AuthedRequest, meeting: Meeting, form: AgendaItemForm | None = None, status: int = 200) -> Any:
    context = _body_context(request, meeting)
    title = _("%(title)s 议程") % {"title": meeting.title}
    context.update(
        add_form=(form or AgendaItemForm()) if context["may_edit"] else None,
        upward_days=UPWARD_DAYS,
        page_title=title,
        breadcrumbs=MEETING_PAGES.object_crumbs(meeting, (_("会议议程"), None)),
    )
    return render(request, "meetings/agenda.html", context, status=status)


@role_required(*OFFICIALS)
def agenda_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """The meeting's agenda, grouped by kind, with each item's live state."""
    return _page(request, _meeting(request, pk))


def _draft_message(result: services_agenda.DraftResult) -> str:
    if not result.total:
        return _("议程已是最新：没有需要新增的事项。")
    kinds = short_kinds()
    parts = "、".join(_("%(kind)s %(n)s 项") % {"kind": kinds[kind], "n": n} for kind, n in result.added.items() if n)
    text = _("已更新议程：新增 %(n)s 项（%(parts)s）。") % {"n": result.total, "parts": parts}
    if result.left_out:
        more = sum(result.left_out.values())
        text += _("另有 %(n)s 项超出每类上限未列入，请在相应列表中查看。") % {"n": more}
    return text


@require_POST
@role_required(*OFFICIALS)
def agenda_draft(request: AuthedRequest, pk: int) -> HttpResponse:
    """生成/更新议程: add what the records raise and the agenda does not hold yet."""
    meeting = _team_meeting(request, pk)
    try:
        result = services_agenda.agenda_draft(actor=request.user, meeting=meeting)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _draft_message(result))
    return redirect(_agenda_url(meeting.pk))


@require_POST
@role_required(*OFFICIALS)
def agenda_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a written item; the form comes back with its errors (400) and what was typed."""
    meeting = _team_meeting(request, pk)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            item = services_agenda.agenda_add(actor=request.user, meeting=meeting, **form.cleaned_data)
            messages.success(request, _("已添加议题：%(title)s") % {"title": item.title})
            return redirect(_agenda_url(meeting.pk, item.pk))
    return _page(request, meeting, form=form, status=400)


def _answer(request: AuthedRequest, item: AgendaItem, notice: str, error: str = "", **extra: Any) -> HttpResponse:
    """The agenda's body for htmx (200, the message in place, `focus` naming the control to focus after the
    swap); otherwise a redirect back to the item with the message."""
    if is_htmx(request):
        context = _body_context(request, item.meeting, notice=notice, error=error, **extra)
        return render(request, BODY, context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(_agenda_url(item.meeting_id, item.pk))


def _edit(request: AuthedRequest, pk: int, act: Any, notice: str, focus: str) -> HttpResponse:
    """Run one edit on an item (`act(item)` calls the service); a refusal comes back as the page's error."""
    item = _item(request, pk)
    try:
        act(item)
    except ValidationError as error:
        return _answer(request, item, "", error=refusal_text(error), focus=f"item-{item.pk}")
    return _answer(request, item, notice, focus=focus % {"pk": item.pk})


@require_POST
@role_required(*OFFICIALS)
def agenda_drop(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(item: AgendaItem) -> None:
        services_agenda.agenda_drop(actor=request.user, item=item)

    return _edit(request, pk, act, _("已移出议程，可在“已移出”中恢复。"), "item-%(pk)s-restore")


@require_POST
@role_required(*OFFICIALS)
def agenda_restore(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(item: AgendaItem) -> None:
        services_agenda.agenda_restore(actor=request.user, item=item)

    return _edit(request, pk, act, _("已恢复到议程。"), "item-%(pk)s-drop")


@require_POST
@role_required(*OFFICIALS)
def agenda_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """上移 / 下移 (direction=up|down) or 移至第 n 项 (position=n) within the item's section."""
    direction = request.POST.get("direction")
    direction = direction if direction in (services_agenda.UP, services_agenda.DOWN) else None
    position = param_int(request.POST.get("position"), lo=1, hi=10_000)

    def act(item: AgendaItem) -> None:
        services_agenda.agenda_move(actor=request.user, item=item, direction=direction, position=position)

    focus = f"item-%(pk)s-{direction}" if direction and position is None else "item-%(pk)s"
    return _edit(request, pk, act, _("已调整顺序。"), focus)


@require_POST
@role_required(*OFFICIALS)
def agenda_note(request: AuthedRequest, pk: int) -> HttpResponse:
    """Set the item's note (说明); an empty one clears it."""
    note = request.POST.get("note", "")

    def act(item: AgendaItem) -> None:
        services_agenda.agenda_annotate(actor=request.user, item=item, note=note)

    return _edit(request, pk, act, _("已保存说明。"), "item-%(pk)s-note")
