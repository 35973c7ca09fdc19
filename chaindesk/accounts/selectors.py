"""Reads on the organisation: which departments have nobody to sign their tasks, and who is told instead.

A task sent to a department without an active handler account (部门经办人) would sit at 待签收 for ever; the split
form marks such departments and the demands side tells someone when a task is sent there anyway. Both reads are
a constant number of queries, whatever the number of departments."""

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from .choices import Role
from .models import Department, User


def _active_handlers() -> QuerySet[User]:
    return User.objects.filter(department=OuterRef("pk"), role=Role.DEPT_HANDLER, is_active=True)


def with_handler_flag(qs: QuerySet[Department]) -> QuerySet[Department]:
    """`qs` with `has_handler` (an active 部门经办人 account exists), in the same query."""
    return qs.annotate(has_handler=Exists(_active_handlers()))


def departments_without_handler() -> set[int]:
    """Ids of the ACTIVE departments with no active user of role 部门经办人 (one query). An inactive department
    is left out: it is offered nowhere, so it cannot be sent a task."""
    headless = Department.objects.filter(is_active=True).filter(~Exists(_active_handlers()))
    return set(headless.values_list("pk", flat=True))


def department_alert_recipients(department_ids: Iterable[int]) -> dict[int, list[User]]:
    """Who is told, for each department, when a task is sent there while it has no active handler.

    The rule, in order:
    1. the department's 部门收件人 (`Department.recipient`, named by the system administrator), if that account
       is active: whatever their role or department (an office often names its director's secretary or the
       team member who follows the department);
    2. else every active user of the department flagged 部门负责人 (`is_department_head`);
    3. else nobody: the list is empty and the caller warns the team alone (an inactive account is never told,
       since it cannot sign in to read it).
    Every id asked for is a key of the answer (an unknown id maps to an empty list). Two queries in all."""
    ids = {int(pk) for pk in department_ids}
    answer: dict[int, list[User]] = {pk: [] for pk in ids}
    if not ids:
        return answer
    named = Department.objects.filter(pk__in=ids, recipient__is_active=True).select_related("recipient")
    for department in named:
        answer[department.pk] = [department.recipient]  # type: ignore[list-item]
    unnamed = [pk for pk, users in answer.items() if not users]
    if unnamed:
        heads = User.objects.filter(department_id__in=unnamed, is_department_head=True, is_active=True)
        for head in heads.order_by("department_id", "username"):
            answer[head.department_id].append(head)  # type: ignore[index]
    return answer


def departments_with_handler_counts() -> QuerySet[Department]:
    """Every department with `active_handlers` (its active 部门经办人 accounts) and its recipient, for the system
    administrator's department page (one query)."""
    return Department.objects.select_related("region", "recipient").annotate(
        active_handlers=Count("users", filter=Q(users__role=Role.DEPT_HANDLER, users__is_active=True))
    )
