"""Two partial indexes over the open tasks (待签收, 办理中, 申请延期, 申请办结: about a seventh of the table at province
scale) for a department's task queue (selectors_queues.department_tasks). 主办: the department's open tasks in queue
order (deadline, then id), so that a page is read in order and the tab's count is an index-only range.
协办: every open task in queue order with its lead department and status, so that the side's page is read in
order, each candidate probed in the co-department links, and its count joins the links with this index alone.
The escalation job's UPDATE touches none of their columns, so it stays a heap-only (HOT) update.

And the co-department links by department then task (the link table of Task.co_departments, which Django creates
itself, so the index is plain SQL here, not a model's Meta): the 协办 side's count reads the department's links
from this index alone instead of visiting the link table's rows."""

from django.db import migrations, models

OPEN_TASK = ["completion_requested", "extension_requested", "in_progress", "pending"]


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0009_assignments"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("status__in", OPEN_TASK)),
                fields=["lead_department", "deadline", "id"],
                name="task_dept_open_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("status__in", OPEN_TASK)),
                fields=["deadline", "id", "lead_department", "status"],
                name="task_open_queue_idx",
            ),
        ),
        migrations.RunSQL(
            sql='CREATE INDEX "task_co_department_task_idx" ON "demands_task_co_departments" '
            '("department_id", "task_id")',
            reverse_sql='DROP INDEX "task_co_department_task_idx"',
        ),
    ]
