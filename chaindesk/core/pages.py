"""Small pieces every page view shares: htmx detection, breadcrumbs, a form page's status code, the form pages
and tabs of a section's objects, and what a refused stage change shows."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .errors import describe

Crumb = tuple[str, str | None]


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx sent (it swaps a fragment, not the whole page)."""
    return bool(request.headers.get("HX-Request"))


def crumbs(label: str, url_name: str, *extra: Crumb) -> list[Crumb]:
    """Breadcrumbs below the section's list page: `crumbs(_("线索"), "leads:list", (lead.name, None))`."""
    return [(label, reverse(url_name)), *extra]


def form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A form page: 200 when shown, 400 when a POST came back with errors (nothing was written)."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)


@dataclass(frozen=True)
class Section:
    """A section of pages: its label and list page, and the page of one of its objects (`detail_url` takes the
    pk; the object is shown by its `name_attr` and named `object_key` in a template's context). It builds the
    breadcrumbs below the list, and the form pages and tabs every section has:

        PROJECT_PAGES = Section(gettext_lazy("项目"), "projects:list", "projects:detail", "project")
        PROJECT_PAGES.create_page(request, "projects/form.html", form, title=_("新增项目"))
        PROJECT_PAGES.object_page(request, "projects/form.html", form, project, title=_("编辑项目"))
    """

    label: str | Promise
    list_url: str
    detail_url: str
    object_key: str
    name_attr: str = "name"

    def crumbs(self, *extra: Crumb) -> list[Crumb]:
        """The section's list page, then `extra`."""
        return crumbs(str(self.label), self.list_url, *extra)

    def object_crumbs(self, obj: Any, *extra: Crumb) -> list[Crumb]:
        """The section's list page, the object's page, then `extra`."""
        return self.crumbs((getattr(obj, self.name_attr), reverse(self.detail_url, args=[obj.pk])), *extra)

    def create_page(
        self, request: HttpRequest, template: str, form: forms.BaseForm, *, title: str, crumb: str = "", **extra: Any
    ) -> HttpResponse:
        """The form that adds an object to the section (`creating` is set), below the list page: its last
        breadcrumb is `crumb`, the title unless given."""
        context = {
            "form": form,
            "creating": True,
            "page_title": title,
            "breadcrumbs": self.crumbs((crumb or title, None)),
        }
        return form_page(request, template, {**context, **extra})

    def object_page(
        self,
        request: HttpRequest,
        template: str,
        form: forms.BaseForm,
        obj: Any,
        *,
        title: str,
        trail: Sequence[Crumb] | None = None,
        **extra: Any,
    ) -> HttpResponse:
        """A form about one object of the section, below the object's page: the breadcrumbs end with `trail`
        (by default one "编辑")."""
        breadcrumbs = self.object_crumbs(obj, *(trail if trail is not None else [(_("编辑"), None)]))
        context = {"form": form, self.object_key: obj, "page_title": title, "breadcrumbs": breadcrumbs}
        return form_page(request, template, {**context, **extra})

    def tab_page(
        self, request: HttpRequest, obj: Any, *, title: str, fragment: str, page: str, **extra: Any
    ) -> HttpResponse:
        """A tab of the object's page: the `fragment` htmx loads into it, or on its own the full `page` below
        the object's page."""
        context = {self.object_key: obj, "page_title": title, "breadcrumbs": self.object_crumbs(obj, (title, None))}
        return render(request, fragment if is_htmx(request) else page, {**context, **extra})


def form_refusal(form: forms.BaseForm) -> ValidationError:
    """All of a bound form's messages as one refusal, for a `refusal_page` view to raise (it answers 400)."""
    return ValidationError([message for messages in form.errors.values() for message in messages])


def stage_refusal(request: HttpRequest, error: Exception) -> dict[str, Any]:
    """What an object's page adds when its stage change was refused (409 or 400 through `refusal_page`): the
    message, and the stage asked for, whose form opens again."""
    return {"stage_error": describe(error).detail, "posted_stage": request.POST.get("to_stage")}
