"""Demand pages: the ledger and its export, intake, the demand page and its actions (with the 409 path), the
attachment download, the triage queue and the enterprise page's 诉求 tab. Each view: anonymous, wrong role,
in scope, out of scope (404, URL guessing included).

Everything runs on the fixed personas (chaindesk/testkit/personas.py): our chain 测试甲链 with its enterprise
`ours.enterprise` (whose user is `ent_user`) and `ent2`, served by `liaison`; 测试甲局 is the handler's
department. The world already holds one demand of ours (in progress) and one of theirs; the demands below are
made through the services by the demands conftest's `make_demand` and `make_task` (factories.DemandWorld), and
`categories` are the data migration's, by code."""

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands import services
from chaindesk.demands.choices import DemandStatus
from chaindesk.demands.models import Attachment, Category, Demand, Task

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OUT_OF_SCOPE = ("x_liaison", "x_district", "x_chief")  # 测试乙区's liaison and admin, 测试乙链's chief


def _pdf(name: str = "红线图.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _client(user: User | None) -> Client:
    """A test client signed in as `user` (force_login: no password hashing, no audit noise)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def demand(make_demand: Callable[..., Demand]) -> Demand:
    """A submitted demand of our enterprise with one PDF attachment."""
    return make_demand(files=(_pdf(),))


def _action(demand: Demand, name: str) -> str:
    return reverse("demands:action", args=[demand.pk, name])


# --- access ----------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client: Any, demand: Demand) -> None:
    attachment = demand.attachments.get()
    for url in (
        reverse("demands:list"),
        reverse("demands:export"),
        reverse("demands:create"),
        reverse("demands:triage"),
        reverse("demands:detail", args=[demand.pk]),
        reverse("demands:attachment", args=[attachment.pk]),
        reverse("demands:enterprise_tab", args=[demand.enterprise_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    response = client.post(_action(demand, "accept"), {"accept-expected_status": "submitted"})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED


def test_wrong_role_is_refused(personas: Any, demand: Demand) -> None:
    sysadmin = _client(personas.sysadmin)
    for url in (reverse("demands:list"), reverse("demands:detail", args=[demand.pk]), reverse("demands:create")):
        assert sysadmin.get(url).status_code == 403
    assert _client(personas.handler).get(reverse("demands:create")).status_code == 403
    assert _client(personas.district).get(reverse("demands:create")).status_code == 403
    assert _client(personas.ent_user).get(reverse("demands:triage")).status_code == 403
    assert _client(personas.liaison).get(reverse("demands:triage")).status_code == 403


def test_detail_in_and_out_of_scope(personas: Any, demand: Demand) -> None:
    url = reverse("demands:detail", args=[demand.pk])
    for key in ("chief", "member", "liaison", "district", "ent_user"):
        response = _client(personas.user(key)).get(url)
        assert response.status_code == 200, key
        assert demand.title in response.content.decode()
    for key in (*OUT_OF_SCOPE, "x_ent_user", "handler"):  # handler: no task for 测试甲局 on this demand yet
        assert _client(personas.user(key)).get(url).status_code == 404, key
    assert _client(personas.x_liaison).get(reverse("demands:detail", args=[999_999])).status_code == 404
    assert AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(demand.pk)).exists()


def test_handler_sees_the_demand_once_their_department_has_a_task(
    personas: Any, make_demand: Callable[..., Demand]
) -> None:
    demand = make_demand(status="in_progress")
    page = _client(personas.handler).get(reverse("demands:detail", args=[demand.pk]))
    assert page.status_code == 200
    assert 'data-testid="task-row"' in page.content.decode()
    assert 'data-testid="panel-triage"' not in page.content.decode()


def test_enterprise_user_cannot_see_or_touch_another_enterprises_demand(
    personas: Any, make_demand: Callable[..., Demand]
) -> None:
    other = personas.ent2  # on our chain, but not the enterprise user's
    foreign = make_demand(actor=personas.chief, enterprise=other, title="别家企业的诉求")
    client = _client(personas.ent_user)
    assert client.get(reverse("demands:detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("demands:enterprise_tab", args=[other.pk])).status_code == 404
    response = client.post(_action(foreign, "supply_info"), {"supply-expected_status": "submitted", "supply-note": "x"})
    assert response.status_code == 404
    assert "别家企业的诉求" not in client.get(reverse("demands:list")).content.decode()


# --- the ledger ------------------------------------------------------------------------------------------


def test_list_shows_what_the_user_may_see(personas: Any, make_demand: Callable[..., Demand]) -> None:
    mine = make_demand(title="本企业的诉求甲")
    theirs = make_demand(actor=personas.chief, enterprise=personas.ent2, title="别家的诉求乙")
    chief = _client(personas.chief).get(reverse("demands:list")).content.decode()
    assert mine.title in chief and theirs.title in chief
    own = _client(personas.ent_user).get(reverse("demands:list")).content.decode()
    assert mine.title in own and theirs.title not in own
    outsider = _client(personas.x_liaison).get(reverse("demands:list")).content.decode()
    assert mine.title not in outsider and theirs.title not in outsider


def test_list_filters_and_sort(personas: Any, make_demand: Callable[..., Demand], categories: dict[str, Any]) -> None:
    land = make_demand(title="用地诉求丙")
    finance = make_demand(title="融资诉求丁", category="finance", urgency="urgent", status="rejected")
    client = _client(personas.chief)

    def titles(query: str) -> str:
        return client.get(reverse("demands:list") + query).content.decode()

    page = titles(f"?category={categories['finance'].pk}")
    assert finance.title in page and land.title not in page
    page = titles("?status=rejected")
    assert finance.title in page and land.title not in page
    page = titles("?urgency=urgent&channel=enterprise&q=诉求丁")
    assert finance.title in page and land.title not in page
    page = titles("?from=2000-01-01&to=2000-01-31")
    assert finance.title not in page and "没有符合条件的诉求" in page
    page = titles("?sort=-urgency&status=bogus&from=not-a-date")
    assert finance.title in page and land.title in page
    assert page.index(finance.title) < page.index(land.title)


def test_list_query_count_is_pinned(
    personas: Any, make_demand: Callable[..., Demand], django_assert_max_num_queries: Any
) -> None:
    for i in range(8):
        make_demand(title=f"批量诉求{i}", status="in_progress" if i % 2 else "submitted")
    Task.objects.filter(demand__title="批量诉求1").update(escalation="supervised")  # as the ladder job sets it
    Task.objects.filter(demand__title="批量诉求3").update(escalation="warned")
    for key in ("chief", "ent_user", "handler", "district"):
        client = _client(personas.user(key))
        client.get(reverse("demands:list"))  # warm-up: session, caches
        with django_assert_max_num_queries(6):
            response = client.get(reverse("demands:list") + "?sort=status")
        assert response.status_code == 200
    chief = _client(personas.chief)
    chief.get(reverse("demands:triage"))
    with django_assert_max_num_queries(6):
        assert chief.get(reverse("demands:triage")).status_code == 200
    page = chief.get(reverse("demands:list") + "?q=批量诉求").content.decode()
    assert 'status-red">督办' in page and 'status-orange">预警' in page


def test_export_is_the_filtered_ledger_and_audited(personas: Any, make_demand: Callable[..., Demand]) -> None:
    done = make_demand(status="closed", title="导出诉求戊")
    make_demand(actor=personas.chief, enterprise=personas.ent2, title="不在筛选内的诉求")
    response = _client(personas.chief).get(reverse("demands:export") + "?q=导出诉求戊")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, r in enumerate(rows) if r[0] == "序号")
    header = rows[header_index]
    assert header == [
        "序号", "企业名称", "诉求事项", "具体内容", "类别", "紧急程度", "来源", "提交时间", "受理时间",
        "主办部门", "协办部门", "办结期限", "期限依据", "逾期(工作日)", "督办级别", "重办次数", "任务明细", "状态",
        "办理结果", "办结时间", "评价", "评价意见", "挂钩服务专员",
    ]  # fmt: skip
    data = rows[header_index + 1 :]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=False))
    task = Task.objects.get(demand=done)
    assert row["序号"] == 1 and row["企业名称"] == "测试甲企业有限公司" and row["诉求事项"] == "导出诉求戊"
    assert row["类别"] == "用地规划" and row["来源"] == "企业提交" and row["状态"] == "已办结"
    assert row["主办部门"] == "测试甲局" and row["办结期限"] == dt.datetime.combine(task.deadline, dt.time())
    assert "已协调解决用地指标" in row["办理结果"] and row["评价"] == "满意" and row["评价意见"] == "好"
    assert row["受理时间"] and row["办结时间"] and row["挂钩服务专员"] == "测试专员"
    log = AuditLog.objects.filter(action=AuditAction.EXPORT).order_by("-pk").first()
    assert log is not None and "诉求台账导出 1 条" in log.message


def test_export_respects_scope(personas: Any, demand: Demand) -> None:
    response = _client(personas.x_liaison).get(reverse("demands:export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    titles = {row[2] for row in sheet.iter_rows(values_only=True)}
    assert demand.title not in titles and personas.ours.demand.title not in titles
    assert personas.theirs.demand.title in titles  # the one the out-of-scope liaison does serve


# --- intake ----------------------------------------------------------------------------------------------


def _form(categories: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "title": "环评批复加快",
        "description": "新产线环评报告已提交，希望加快审批。",
        "category": categories["environment"].pk,
        "urgency": "urgent",
        **extra,
    }


def test_enterprise_user_submits_for_their_own_enterprise_only(personas: Any, categories: dict[str, Any]) -> None:
    own, other = personas.ours.enterprise, personas.ent2
    client = _client(personas.ent_user)
    page = client.get(reverse("demands:create")).content.decode()
    assert 'data-testid="fixed-enterprise"' in page and "测试甲企业有限公司" in page
    data = _form(categories, enterprise=other.pk, attachments=[_pdf("a.pdf"), _pdf("b.pdf")])
    response = client.post(reverse("demands:create") + f"?enterprise={other.pk}", data)
    assert response.status_code == 302
    demand = Demand.objects.get(title="环评批复加快")
    assert response["Location"] == reverse("demands:detail", args=[demand.pk])
    assert demand.enterprise_id == own.pk and demand.channel == "enterprise" and demand.urgency == "urgent"
    assert sorted(demand.attachments.values_list("original_name", flat=True)) == ["a.pdf", "b.pdf"]


def test_a_bad_attachment_is_refused_with_its_message_and_nothing_is_saved(
    personas: Any, categories: dict[str, Any]
) -> None:
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = _client(personas.ent_user).post(reverse("demands:create"), _form(categories, attachments=[fake]))
    assert response.status_code == 400
    assert "类型不允许上传" in response.content.decode()
    assert not Demand.objects.filter(title="环评批复加快").exists()
    response = _client(personas.ent_user).post(reverse("demands:create"), {"title": ""})
    assert response.status_code == 400 and "请填写诉求事项" in response.content.decode()


def test_official_chooses_among_enterprises_they_may_see(personas: Any, categories: dict[str, Any]) -> None:
    own, firm = personas.ours.enterprise, personas.theirs.enterprise  # firm: served by the other liaison
    client = _client(personas.chief)
    page = client.get(reverse("demands:create") + f"?enterprise={own.pk}").content.decode()
    assert f'<option value="{own.pk}" selected>' in page and "测试乙企业有限公司" not in page
    response = client.post(reverse("demands:create"), _form(categories, enterprise=firm.pk))
    assert response.status_code == 400 and "请选择您可查看的企业" in response.content.decode()
    response = client.post(reverse("demands:create"), _form(categories, enterprise=own.pk))
    assert response.status_code == 302
    assert Demand.objects.get(title="环评批复加快").channel == "team"
    response = _client(personas.liaison).post(
        reverse("demands:create"), _form(categories, enterprise=own.pk, title="专员")
    )
    assert response.status_code == 302 and Demand.objects.get(title="专员").channel == "liaison"


# --- actions ---------------------------------------------------------------------------------------------


def test_triage_accept_and_the_stale_page_gets_409(personas: Any, demand: Demand) -> None:
    client = _client(personas.chief)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'data-testid="panel-triage"' in page and "data-confirm" in page and "demands/pages_confirm.js" in page
    response = client.post(_action(demand, "accept"), {"accept-expected_status": "submitted", "accept-note": "受理"})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ACCEPTED
    # the same (stale) page posted again: 409 with the message, nothing changed
    response = client.post(_action(demand, "reject"), {"reject-expected_status": "submitted", "reject-reason": "重复"})
    assert response.status_code == 409
    assert "已受理" in response.content.decode() and 'data-testid="action-error"' in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ACCEPTED


def test_reject_needs_a_reason_and_the_right_role(personas: Any, demand: Demand) -> None:
    chief = _client(personas.chief)
    response = chief.post(_action(demand, "reject"), {"reject-expected_status": "submitted"})
    assert response.status_code == 400 and "请填写不予受理的原因" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED
    data = {"reject-expected_status": "submitted", "reject-reason": "不属于服务范围", "confirmed": "1"}
    assert _client(personas.ent_user).post(_action(demand, "reject"), data).status_code == 403
    assert _client(personas.x_liaison).post(_action(demand, "reject"), data).status_code == 404
    assert chief.post(_action(demand, "bogus"), data).status_code == 404
    assert chief.get(_action(demand, "reject")).status_code == 405
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED
    unconfirmed = {k: v for k, v in data.items() if k != "confirmed"}
    page = chief.post(_action(demand, "reject"), unconfirmed).content.decode()
    assert 'data-testid="confirm-page"' in page and "原因：不属于服务范围" in page
    assert 'name="reject-reason" value="不属于服务范围"' in page and 'name="confirmed" value="1"' in page
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED
    assert chief.post(_action(demand, "reject"), data).status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.REJECTED and "不属于服务范围" in demand.status_note


def test_merge_into_another_demand_of_the_same_enterprise(personas: Any, make_demand: Callable[..., Demand]) -> None:
    first = make_demand(title="用地诉求一")
    duplicate = make_demand(title="用地诉求二")
    foreign = make_demand(actor=personas.chief, enterprise=personas.ent2)
    client = _client(personas.chief)
    bad = {"merge-expected_status": "submitted", "merge-into": foreign.pk}
    assert client.post(_action(duplicate, "merge"), bad).status_code == 400
    good = {"merge-expected_status": "submitted", "merge-into": first.pk, "merge-note": "重复提交"}
    unconfirmed = client.post(_action(duplicate, "merge"), good)  # no JavaScript: the dialog never showed
    assert unconfirmed.status_code == 200 and 'data-testid="confirm-page"' in unconfirmed.content.decode()
    assert "合并至“用地诉求一”" in unconfirmed.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.status == DemandStatus.SUBMITTED
    assert client.post(_action(duplicate, "merge"), {**good, "confirmed": "1"}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == DemandStatus.MERGED and duplicate.merged_into_id == first.pk
    page = client.get(reverse("demands:detail", args=[first.pk])).content.decode()
    assert "已并入的诉求" in page and "用地诉求二" in page
    page = client.get(reverse("demands:detail", args=[duplicate.pk])).content.decode()
    assert 'data-testid="panel-triage"' not in page and "已合并至另一条诉求" in page


def test_request_and_supply_information(personas: Any, demand: Demand) -> None:
    data = {"info-expected_status": "submitted", "info-note": "请补充用地红线图"}
    assert _client(personas.chief).post(_action(demand, "request_info"), data).status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.NEEDS_INFO
    client = _client(personas.ent_user)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'data-testid="panel-supply"' in page and "请补充用地红线图" in page
    supply = {
        "supply-expected_status": "needs_info",
        "supply-note": "已补充红线图",
        "supply-attachments": [_pdf("图.pdf")],
    }
    assert client.post(_action(demand, "supply_info"), supply).status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED and demand.attachments.count() == 2


def test_split_into_tasks_shows_the_deadline(personas: Any, make_demand: Callable[..., Demand]) -> None:
    demand = make_demand(status="accepted")
    client = _client(personas.chief)
    data = {
        "task-expected_status": "accepted",
        "task-lead_department": personas.ours.department.pk,
        "task-instructions": "请核实用地指标。",
        "task-working_days": 5,
    }
    response = client.post(_action(demand, "task"), data, follow=True)
    task = Task.objects.get(demand=demand)
    assert task.lead_department == personas.ours.department
    page = response.content.decode()
    assert task.deadline.isoformat() in page and "5 个工作日" in page
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS
    bad = {**data, "task-expected_status": "in_progress", "task-working_days": 0}
    response = client.post(_action(demand, "task"), bad)
    assert response.status_code == 400 and "办理时限至少 1 个工作日" in response.content.decode()
    assert Task.objects.filter(demand=demand).count() == 1


def test_confirmation_by_the_enterprise_and_by_the_liaison_with_a_note(
    personas: Any, make_demand: Callable[..., Demand]
) -> None:
    demand = make_demand(status="awaiting_confirmation")
    liaison = _client(personas.liaison)
    page = liaison.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "代企业确认评价" in page
    data = {"confirm-expected_status": "awaiting_confirmation", "confirm-rating": "satisfied"}
    response = liaison.post(_action(demand, "confirm"), data)
    assert response.status_code == 400 and "代企业确认须填写说明" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION
    assert _client(personas.chief).post(_action(demand, "confirm"), data).status_code == 403
    # 不满意 names the tasks that go back (issue 11 item 4: the form checks them all by default)
    unhappy: dict[str, Any] = {**data, "confirm-rating": "unsatisfied", "confirm-comment": "仍未解决"}
    assert _client(personas.ent_user).post(_action(demand, "confirm"), unhappy).status_code == 400
    unhappy["confirm-reopen_tasks"] = [str(demand.tasks.get().pk)]
    assert _client(personas.ent_user).post(_action(demand, "confirm"), unhappy).status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS and demand.reopen_count == 1


# --- attachments -----------------------------------------------------------------------------------------


def test_attachment_download_checks_visibility(
    personas: Any, demand: Demand, make_demand: Callable[..., Demand]
) -> None:
    attachment = demand.attachments.get()
    url = reverse("demands:attachment", args=[attachment.pk])
    response = _client(personas.ent_user).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert _client(personas.chief).get(url).status_code == 200
    for key in (*OUT_OF_SCOPE, "x_ent_user", "handler"):
        assert _client(personas.user(key)).get(url).status_code == 404, key
    foreign = make_demand(actor=personas.chief, enterprise=personas.ent2, files=(_pdf("别家.pdf"),))
    foreign_attachment = Attachment.objects.get(demand=foreign)
    client = _client(personas.ent_user)
    assert client.get(reverse("demands:attachment", args=[foreign_attachment.pk])).status_code == 404
    assert "/media/" not in client.get(reverse("demands:detail", args=[demand.pk])).content.decode()


# --- triage queue and enterprise tab ---------------------------------------------------------------------


def test_triage_queue_oldest_first_for_the_team(personas: Any, make_demand: Callable[..., Demand]) -> None:
    older = make_demand(title="较早的诉求")
    newer = make_demand(title="较新的诉求", status="needs_info")
    accepted = make_demand(title="已受理的诉求", status="accepted")
    page = _client(personas.chief).get(reverse("demands:triage")).content.decode()
    assert older.title in page and newer.title in page and accepted.title not in page
    assert page.index(older.title) < page.index(newer.title)
    assert 'data-testid="waiting"' in page
    assert older.title not in _client(personas.x_chief).get(reverse("demands:triage")).content.decode()


def test_enterprise_tab_fragment_and_page(personas: Any, demand: Demand) -> None:
    url = reverse("demands:enterprise_tab", args=[demand.enterprise_id])
    client = _client(personas.liaison)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert demand.title in fragment and "<html" not in fragment and "已提交" in fragment
    page = client.get(url).content.decode()
    assert demand.title in page and "<html" in page
    assert _client(personas.ent_user).get(url).status_code == 200
    for key in OUT_OF_SCOPE:
        assert _client(personas.user(key)).get(url).status_code == 404, key
    assert _client(personas.handler).get(url).status_code == 403


def test_detail_query_count_does_not_grow_with_tasks(
    personas: Any,
    make_demand: Callable[..., Demand],
    make_task: Callable[..., Task],
    django_assert_max_num_queries: Any,
) -> None:
    demand = make_demand(status="in_progress")
    for _ in range(5):
        make_task(demand, co=(personas.ours.department,))
    client = _client(personas.chief)
    url = reverse("demands:detail", args=[demand.pk])
    client.get(url)
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert page.content.decode().count('data-testid="task-row"') == 6


def test_a_concurrent_change_caught_by_the_service_is_a_409(
    personas: Any, demand: Demand, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page was current when posted, but another request moved the demand first (compare-and-set)."""
    from chaindesk.core.exceptions import InvalidTransition

    def raced(**kwargs: Any) -> None:
        raise InvalidTransition("该诉求已被他人变更为“不予受理”（您看到的是“已提交”），请刷新页面后再操作。")

    monkeypatch.setattr(services, "demand_accept", raced)
    response = _client(personas.chief).post(_action(demand, "accept"), {"accept-expected_status": "submitted"})
    assert response.status_code == 409
    assert "已被他人变更为“不予受理”" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED


def test_liaison_turns_a_visit_issue_into_a_demand(personas: Any, categories: dict[str, Category]) -> None:
    """The visit page links each issue raised to the demand form, which fills itself from the issue and links
    the demand to it; the same issue cannot become a second demand."""
    from chaindesk.liaison.services import visit_create

    enterprise = personas.ours.enterprise  # served by the liaison
    visit = visit_create(
        actor=personas.liaison,
        enterprise=enterprise,
        visited_on=personas.today - dt.timedelta(days=5),
        notes="走访了解二期建设情况。",
        participants=[personas.liaison],
        issues=["二期项目施工许可办理进度慢"],
    )
    issue = visit.issues.get()
    client = _client(personas.liaison)
    visits = client.get(f"/service/enterprises/{enterprise.pk}/visits/").content.decode()
    assert f"/demands/new/?visit_issue={issue.pk}" in visits
    form = client.get(f"/demands/new/?visit_issue={issue.pk}").content.decode()
    assert "二期项目施工许可办理进度慢" in form and 'data-testid="from-visit-issue"' in form
    data = {
        "enterprise": enterprise.pk,
        "title": "二期项目施工许可办理进度慢",
        "description": "二期项目施工许可办理进度慢",
        "category": categories["approval"].pk,
        "urgency": "normal",
    }
    response = client.post(f"/demands/new/?visit_issue={issue.pk}", data)
    assert response.status_code == 302
    demand = Demand.objects.get(visit_issue=issue)
    assert demand.channel == "liaison" and demand.enterprise == enterprise
    again = client.post(f"/demands/new/?visit_issue={issue.pk}", data)
    assert again.status_code == 400
    assert Demand.objects.filter(visit_issue=issue).count() == 1
    # another liaison cannot use an issue of an enterprise they do not serve
    other = _client(personas.x_liaison).get(f"/demands/new/?visit_issue={issue.pk}").content.decode()
    assert "二期项目施工许可办理进度慢" not in other
