"""When a demand or a task entered its current status (`status_since`), for the records written before the column
existed or written in bulk (the synthetic data): the time of the latest timeline row that moved it there, else its
creation. The services set it with every move (services_base: `_demand_move`, `_task_move`).

The 待我处理 queue orders its sections by it (the longest waiting first) with an index, instead of looking up every
waiting row's latest update to sort them (2.3 s for a province chain's 69k 申请办结 tasks)."""

from typing import Any

# The rows the queue sorts (in these states) are given the time of their latest move into them.
TASK_STATES = {"completion_requested": "completion", "extension_requested": "extension", "returned": "return"}
DEMAND_STATES = ("needs_info", "awaiting_confirmation")


def backfill_sql(quote: Any) -> list[str]:
    """The UPDATEs (SQLite and PostgreSQL alike) setting `status_since` of the tasks and demands in the queue's
    states from their latest update (task) or event (demand) into that state; `quote`: the connection's
    quote_name."""
    task, update = quote("demands_task"), quote("demands_taskupdate")
    demand, event = quote("demands_demand"), quote("demands_demandevent")
    kind = " ".join(f"WHEN '{status}' THEN '{kind}'" for status, kind in TASK_STATES.items())
    task_states = ", ".join(f"'{s}'" for s in TASK_STATES)
    demand_states = ", ".join(f"'{s}'" for s in DEMAND_STATES)
    return [
        f"UPDATE {task} SET status_since = COALESCE((SELECT MAX(u.created_at) FROM {update} u "  # noqa: S608
        f"WHERE u.task_id = {task}.id AND u.kind = CASE {task}.status {kind} END), {task}.created_at) "
        f"WHERE {task}.status IN ({task_states})",
        f"UPDATE {demand} SET status_since = COALESCE((SELECT MAX(e.created_at) FROM {event} e "  # noqa: S608
        f"WHERE e.demand_id = {demand}.id AND e.to_status = {demand}.status), {demand}.submitted_at) "
        f"WHERE {demand}.status IN ({demand_states})",
    ]


def backfill(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in backfill_sql(connection.ops.quote_name):
            cursor.execute(sql)
