"""Items sought from higher levels (上争事项): the services (create/edit rules, the stage machine with its
compare-and-set, amounts) and the pages per persona (scope by URL guessing, list filters, sort, query count,
export, the stage buttons with 409 on a stale page, the form, the history tab)."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.accounts.models import User
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.upward import services as upward
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

PREFIX = "测试上争"


def _item(
    personas: Personas, title: str = f"{PREFIX}省级专项资金", *, actor: User | None = None, **fields: Any
) -> UpwardRequest:
    """Set-up through the create service: an item of 测试甲链, 测试甲区, 测试甲局 responsible, registered by our team
    member, by default."""
    defaults: dict[str, Any] = {
        "kind": "funds",
        "level": "province",
        "counterpart": "省工信厅",
        "department": personas.ours.department,
        "chain": personas.ours.chain,
        "region": personas.ours.region,
        "amount_sought": Decimal("800"),
    }
    defaults.update(fields)
    return upward.upward_create(actor=actor or personas.member, title=title, **defaults)


def _advance(item: UpwardRequest, *stages: str, actor: User) -> UpwardRequest:
    for stage in stages:
        item = upward.upward_advance(item=item, to_stage=stage, on=timezone.localdate(), actor=actor)
    return item


def _logs(obj: UpwardRequest, action: str) -> Any:
    return AuditLog.objects.filter(content_type__model="upwardrequest", object_id=str(obj.pk), action=action)


@pytest.fixture
def ours_ent(personas: Personas) -> Enterprise:
    """Our enterprise (测试甲企业有限公司), served by our liaison, in 测试甲区."""
    return personas.ours.enterprise


@pytest.fixture
def item(personas: Personas, ours_ent: Enterprise) -> UpwardRequest:
    """In scope of 测试甲链's team, 测试甲局 (our handler), 测试甲区 (our district) and our liaison (who serves
    our enterprise, linked here)."""
    return _item(personas, enterprises=[ours_ent], window_opens_on=dt.date(2026, 11, 1), deadline=dt.date(2026, 12, 15))


def _more_enterprises(personas: Personas, count: int) -> list[Enterprise]:
    """`count` more enterprises of 测试甲链 in 测试甲区, registered by our chief (our team member sees them)."""
    region, made = personas.ours.region, []
    for number in range(count):
        name = f"测试上争{number}号关联企业有限公司"
        made.append(
            enterprise_services.enterprise_create(
                actor=personas.chief,
                name=name,
                uscc=make_uscc(name, region.code),
                region=region,
                nodes=[personas.ours.node],
            )
        )
    return made


# --- services ------------------------------------------------------------------------------------------


def test_create_is_audited_at_planning(personas, item, ours_ent):
    assert item.stage == UpwardStage.PLANNING and item.amount_sought == Decimal("800")
    assert list(item.enterprises.all()) == [ours_ent]
    log = _logs(item, AuditAction.CREATE).get()
    assert log.actor == personas.member and log.after["title"] == f"{PREFIX}省级专项资金"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"window_opens_on": dt.date(2026, 12, 1), "deadline": dt.date(2026, 11, 30)}, "deadline"),
        ({"amount_obtained": Decimal("100")}, "amount_obtained"),
        ({"amount_sought": Decimal("-1")}, "amount_sought"),
    ],
)
def test_create_refuses_bad_facts_and_writes_nothing(personas, fields, field):
    before = UpwardRequest.objects.count()
    with pytest.raises(ValidationError) as exc:
        _item(personas, **fields)
    assert field in exc.value.error_dict
    assert UpwardRequest.objects.count() == before


def test_create_scope_per_role(personas):
    before = UpwardRequest.objects.count()
    with pytest.raises(PermissionDenied):
        _item(personas, chain=personas.theirs.chain)  # our member is not on 测试乙链's team
    with pytest.raises(PermissionDenied):  # a handler registers only for their own department
        _item(personas, actor=personas.handler, department=personas.theirs.department)
    with pytest.raises(PermissionDenied):
        _item(personas, actor=personas.liaison)  # liaisons read only
    with pytest.raises(PermissionDenied):
        _item(personas, actor=personas.x_district)  # 测试甲区 is not their district
    assert UpwardRequest.objects.count() == before
    mine = _item(personas, actor=personas.handler, department=personas.ours.department, chain=None)
    assert mine.department == personas.ours.department and mine.created_by == personas.handler


def test_create_links_only_visible_enterprises(personas):
    foreign = personas.theirs.enterprise  # 测试乙链's, in 测试乙区: out of our member's sight
    with pytest.raises(ValidationError) as exc:
        _item(personas, enterprises=[foreign])
    assert "enterprises" in exc.value.error_dict
    assert not UpwardRequest.objects.filter(title=f"{PREFIX}省级专项资金").exists()


def test_update_is_audited_and_keeps_links_the_editor_cannot_see(personas, item, ours_ent):
    # our member unlinks and relinks our enterprise, hands the item to 测试乙局; its handler (who sees no
    # enterprises) then edits it: the link they cannot see stays
    member = personas.member
    upward.upward_update(item=item, actor=member, title=f"{PREFIX}省级专项资金（修订）", enterprises=[])
    item.refresh_from_db()
    assert item.title.endswith("（修订）") and item.enterprises.count() == 0
    upward.upward_update(item=item, actor=member, enterprises=[ours_ent])
    upward.upward_update(item=item, actor=member, department=personas.theirs.department, enterprises=[ours_ent])
    item.refresh_from_db()
    assert item.department == personas.theirs.department
    upward.upward_update(item=item, actor=personas.x_handler, counterpart="自然资源部", enterprises=[])
    item.refresh_from_db()
    assert item.counterpart == "自然资源部" and list(item.enterprises.all()) == [ours_ent]
    updates = _logs(item, AuditAction.UPDATE)
    assert updates.filter(after__has_key="title").exists() and updates.filter(after__has_key="enterprises").exists()


def test_update_refuses_out_of_scope_and_bad_dates(personas, item):
    with pytest.raises(PermissionDenied):
        upward.upward_update(item=item, actor=personas.x_chief, title="x")
    with pytest.raises(PermissionDenied):
        upward.upward_update(item=item, actor=personas.liaison, title="x")
    with pytest.raises(ValidationError):
        upward.upward_update(item=item, actor=personas.member, deadline=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError):
        upward.upward_update(item=item, actor=personas.member, amount_obtained=Decimal("10"))
    item.refresh_from_db()
    assert item.deadline == dt.date(2026, 12, 15) and item.amount_obtained is None
    assert item.title == f"{PREFIX}省级专项资金"


def test_legal_path_to_approved_records_amount_and_history(personas, item):
    item = _advance(item, UpwardStage.APPLIED, UpwardStage.REVIEWING, actor=personas.member)
    item = upward.upward_advance(
        item=item,
        to_stage=UpwardStage.APPROVED,
        on=timezone.localdate(),
        actor=personas.chief,
        amount_obtained=Decimal("650.5"),
    )
    assert item.stage == UpwardStage.APPROVED and item.amount_obtained == Decimal("650.50")
    assert item.stage_changed_on == timezone.localdate()
    moves = _logs(item, AuditAction.TRANSITION).order_by("pk")
    assert [m.after["stage"] for m in moves] == ["applied", "reviewing", "approved"]
    assert moves.last().after["amount_obtained"] == "650.5"
    # once approved the amount may be corrected by an edit
    upward.upward_update(item=item, actor=personas.member, amount_obtained=Decimal("700"))
    item.refresh_from_db()
    assert item.amount_obtained == Decimal("700")


@pytest.mark.parametrize(
    ("path", "to_stage"),
    [
        ([], UpwardStage.APPROVED),  # 谋划 → 获批 skips 申报
        ([], UpwardStage.REVIEWING),
        ([UpwardStage.APPLIED], UpwardStage.PLANNING),  # no way back
        ([UpwardStage.APPLIED, UpwardStage.APPROVED], UpwardStage.DECLINED),  # final
        ([UpwardStage.APPLIED, UpwardStage.DECLINED], UpwardStage.REVIEWING),  # final
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(personas, item, path, to_stage):
    item = _advance(item, *path, actor=personas.member)
    stage = item.stage
    with pytest.raises(InvalidTransition):
        upward.upward_advance(item=item, to_stage=to_stage, on=timezone.localdate(), actor=personas.member)
    item.refresh_from_db()
    assert item.stage == stage


def test_stale_expected_stage_is_a_conflict(personas, item):
    _advance(item, UpwardStage.APPLIED, actor=personas.member)
    stale = UpwardRequest.objects.get(pk=item.pk)
    stale.stage = UpwardStage.PLANNING  # a second tab still shows 谋划
    with pytest.raises(InvalidTransition):
        upward.upward_advance(
            item=stale,
            to_stage=UpwardStage.APPLIED,
            on=timezone.localdate(),
            actor=personas.member,
            expected_stage=UpwardStage.PLANNING,
        )
    assert _logs(item, AuditAction.TRANSITION).count() == 1


def test_advance_rules(personas, item):
    today = timezone.localdate()
    user = personas.member
    with pytest.raises(ValidationError):
        upward.upward_advance(item=item, to_stage="applied", on=today + dt.timedelta(days=1), actor=user)
    with pytest.raises(ValidationError):  # an amount obtained belongs to 获批
        upward.upward_advance(item=item, to_stage="applied", on=today, actor=user, amount_obtained=Decimal("1"))
    _advance(item, UpwardStage.APPLIED, actor=user)
    with pytest.raises(ValidationError):  # before the previous change
        upward.upward_advance(item=item, to_stage="reviewing", on=today - dt.timedelta(days=1), actor=user)
    with pytest.raises(PermissionDenied):
        upward.upward_advance(item=item, to_stage="reviewing", on=today, actor=personas.liaison)
    with pytest.raises(PermissionDenied):
        upward.upward_advance(item=item, to_stage="reviewing", on=today, actor=personas.x_chief)
    item.refresh_from_db()
    assert item.stage == UpwardStage.APPLIED


# --- visibility and pages ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, item):
    for url in (
        reverse("upward:list"),
        reverse("upward:detail", args=[item.pk]),
        reverse("upward:create"),
        reverse("upward:export"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("key", ["ent_user", "sysadmin", "auditor"])
def test_wrong_roles_are_refused(client, personas, item, key):
    client.force_login(personas.user(key))
    assert client.get(reverse("upward:list")).status_code == 403
    assert client.get(reverse("upward:detail", args=[item.pk])).status_code == 403


# The linked enterprise shows by name to all of them; it opens for those who may see it (a department handler
# sees no enterprises).
@pytest.mark.parametrize(
    ("key", "sees_enterprise"),
    [("chief", True), ("member", True), ("liaison", True), ("district", True), ("handler", False)],
)
def test_in_scope_personas_see_the_item(client, personas, item, key, sees_enterprise):
    client.force_login(personas.user(key))
    assert f"{PREFIX}省级专项资金" in client.get(reverse("upward:list")).content.decode()
    page = client.get(reverse("upward:detail", args=[item.pk]))
    assert page.status_code == 200 and personas.ours.enterprise.name in page.content.decode()
    assert page.context["linked_enterprises"] == [(personas.ours.enterprise, sees_enterprise)]


@pytest.mark.parametrize("key", ["x_chief", "x_liaison", "x_district", "x_handler"])
def test_out_of_scope_personas_get_404_by_url_guessing(client, personas, item, key):
    client.force_login(personas.user(key))
    assert item.title not in client.get(reverse("upward:list")).content.decode()
    for name in ("upward:detail", "upward:edit"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 404
    response = client.post(reverse("upward:advance", args=[item.pk]), {"to_stage": "applied"})
    assert response.status_code == 404
    assert client.get(reverse("upward:detail", args=[999999])).status_code == 404
    assert _logs(item, AuditAction.PERMISSION_DENIED).exists()


def test_department_handler_sees_own_department_items(client, personas):
    mine = _item(personas, f"{PREFIX}用地指标", actor=personas.handler, department=personas.ours.department, chain=None)
    client.force_login(personas.handler)
    assert f"{PREFIX}用地指标" in client.get(reverse("upward:list")).content.decode()
    page = client.get(reverse("upward:detail", args=[mine.pk])).content.decode()
    assert 'data-testid="upward-edit"' in page and 'data-testid="upward-submit-applied"' in page


def test_liaison_reads_but_does_not_act(client, personas, item):
    client.force_login(personas.liaison)
    page = client.get(reverse("upward:detail", args=[item.pk])).content.decode()
    assert 'data-testid="upward-edit"' not in page and "upward-stage-actions" not in page
    assert client.get(reverse("upward:edit", args=[item.pk])).status_code == 403
    response = client.post(
        reverse("upward:advance", args=[item.pk]),
        {"to_stage": "applied", "expected_stage": "planning", "on": "2026-11-25"},
    )
    assert response.status_code == 403
    assert client.get(reverse("upward:create")).status_code == 403
    item.refresh_from_db()
    assert item.stage == UpwardStage.PLANNING


def _bulk(personas: Personas, n: int) -> None:
    """`n` items 测试上争批量000… of 测试甲链, 测试甲区, 测试甲局: kind funds when i is odd (else pilot), level
    province unless i is divisible by 3 (state), deadline 2026-12-01 + i days, 10 × i 万元 sought."""
    actor = personas.member
    department, chain, region = personas.ours.department, personas.ours.chain, personas.ours.region
    items = [
        UpwardRequest(
            title=f"{PREFIX}批量{i:03d}",
            kind="funds" if i % 2 else "pilot",
            level="province" if i % 3 else "state",
            counterpart="省发改委",
            department=department,
            chain=chain,
            region=region,
            deadline=dt.date(2026, 12, 1) + dt.timedelta(days=i),
            amount_sought=Decimal(i * 10),
            created_by=actor,
        )
        for i in range(n)
    ]
    UpwardRequest.objects.bulk_create(items)  # bulk set-up only; the services are tested above


@pytest.mark.parametrize("query", ["", "?sort=-sought", "?kind=funds&level=province&stage=planning", "?q=批量&page=2"])
def test_list_query_count_is_pinned(client, personas, django_assert_max_num_queries, query):
    _bulk(personas, 65)
    client.force_login(personas.chief)
    url = reverse("upward:list") + query
    assert client.get(url).status_code == 200  # warm-up: session, caches
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200


def test_list_filters_sort_and_pagination(client, personas):
    _bulk(personas, 65)
    client.force_login(personas.chief)
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量").content.decode()
    assert "共 65 项" in page and f"{PREFIX}批量000" in page and f"{PREFIX}批量050" not in page
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量&sort=-sought").content.decode()
    assert f"{PREFIX}批量064" in page and f"{PREFIX}批量000" not in page
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量&kind=pilot&level=state").content.decode()
    assert "共 11 项" in page  # even and divisible by 3: 0, 6, …, 60
    window = f"?q={PREFIX}批量&deadline_from=2026-12-02&deadline_to=2026-12-04"
    assert "共 3 项" in client.get(reverse("upward:list") + window).content.decode()
    ours_dept = personas.ours.department.pk
    theirs_dept = personas.theirs.department.pk
    assert "共 65 项" in client.get(reverse("upward:list") + f"?q={PREFIX}批量&department={ours_dept}").content.decode()
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量&department={theirs_dept}").content.decode()
    assert "没有符合条件的上争事项" in page
    # nonsense filters are ignored, not a 500
    bad = "?stage=nope&deadline_from=2026-13-40&chain=abc&sort=password"
    assert client.get(reverse("upward:list") + bad).status_code == 200


def test_export_is_exactly_the_filtered_list_and_audited(client, personas, item):
    _bulk(personas, 5)
    client.force_login(personas.chief)
    response = client.get(reverse("upward:export") + f"?q={PREFIX}批量&kind=funds")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    titles = [row[0] for row in sheet.iter_rows(values_only=True) if row[0] and str(row[0]).startswith(f"{PREFIX}批量")]
    assert sorted(titles) == [f"{PREFIX}批量001", f"{PREFIX}批量003"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, message__startswith="上争事项台账导出 2 条").exists()


def test_export_respects_scope(client, personas, item):
    client.force_login(personas.x_chief)
    response = client.get(reverse("upward:export"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    titles = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert f"{PREFIX}省级专项资金" not in titles
    assert personas.theirs.upward.title in titles  # their own chain's item is there


def test_stage_buttons_advance_and_record_amount(client, personas, item):
    client.force_login(personas.member)
    url = reverse("upward:advance", args=[item.pk])
    today = timezone.localdate().isoformat()
    for frm, to in (("planning", "applied"), ("applied", "approved")):
        data = {
            "to_stage": to,
            "expected_stage": frm,
            "on": today,
            "amount_obtained": "1.2亿" if to == "approved" else "",
        }
        response = client.post(url, data)
        assert response.status_code == 302
    item.refresh_from_db()
    assert item.stage == "approved" and item.amount_obtained == Decimal("12000")
    page = client.get(reverse("upward:detail", args=[item.pk])).content.decode()
    assert "1.20 亿元" in page and "不再变更阶段" in page


def test_stale_page_gets_409_and_nothing_changes(client, personas, item):
    _advance(item, UpwardStage.APPLIED, actor=personas.member)
    client.force_login(personas.member)
    response = client.post(
        reverse("upward:advance", args=[item.pk]),
        {"to_stage": "applied", "expected_stage": "planning", "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 409
    assert "已被他人变更为“申报”" in response.content.decode()
    item.refresh_from_db()
    assert item.stage == "applied"


def test_illegal_move_by_post_is_409_and_bad_input_400(client, personas, item):
    client.force_login(personas.member)
    url = reverse("upward:advance", args=[item.pk])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"to_stage": "approved", "expected_stage": "planning", "on": today})
    assert response.status_code == 409 and "不能从“谋划”变更为“获批”" in response.content.decode()
    response = client.post(url, {"to_stage": "applied", "expected_stage": "planning", "on": ""})
    assert response.status_code == 400 and "请填写日期" in response.content.decode()
    response = client.post(
        url, {"to_stage": "applied", "expected_stage": "planning", "on": today, "amount_obtained": "abc"}
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.stage == "planning"


def test_create_form_saves_and_refuses_bad_input(client, personas, ours_ent):
    client.force_login(personas.member)
    url = reverse("upward:create")
    assert client.get(url).status_code == 200
    data = {
        "title": f"{PREFIX}国家级试点",
        "kind": "pilot",
        "level": "state",
        "counterpart": "工信部",
        "department": personas.ours.department.pk,
        "chain": personas.ours.chain.pk,
        "region": personas.ours.region.pk,
        "window_opens_on": "2026年12月1日",
        "deadline": "2026-11-30",
        "amount_sought": "2000",
        "enterprises": [ours_ent.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "申报截止日期不能早于申报窗口开始日期" in response.content.decode()
    assert not UpwardRequest.objects.filter(title=data["title"]).exists()
    data["deadline"] = "2027-01-15"
    response = client.post(url, data)
    assert response.status_code == 302
    created = UpwardRequest.objects.get(title=data["title"])
    assert created.stage == "planning" and created.amount_sought == Decimal("2000")
    assert list(created.enterprises.all()) == [ours_ent]
    hidden = personas.theirs.enterprise  # 测试乙链's, in 测试乙区: out of our member's sight
    data.update(title=f"{PREFIX}越权关联", enterprises=[hidden.pk])
    assert client.post(url, data).status_code == 400  # not among the offered choices
    assert not UpwardRequest.objects.filter(title=f"{PREFIX}越权关联").exists()


def test_edit_form_offers_amount_obtained_only_when_approved(client, personas, item):
    client.force_login(personas.member)
    url = reverse("upward:edit", args=[item.pk])
    assert 'name="amount_obtained"' not in client.get(url).content.decode()
    _advance(item, UpwardStage.APPLIED, UpwardStage.APPROVED, actor=personas.member)
    assert 'name="amount_obtained"' in client.get(url).content.decode()


def test_history_tab_shows_stage_changes(client, personas, item):
    _advance(item, UpwardStage.APPLIED, actor=personas.member)
    client.force_login(personas.chief)
    page = client.get(reverse("upward:detail", args=[item.pk])).content.decode()
    history_url = reverse("core:history", args=["upward", "upwardrequest", item.pk])
    assert history_url in page
    response = client.get(history_url)
    assert response.status_code == 200
    client.force_login(personas.x_chief)
    assert client.get(history_url).status_code == 404


def test_detail_query_count_does_not_grow_with_links(client, personas, ours_ent, django_assert_max_num_queries):
    linked = [ours_ent, personas.ent2, *_more_enterprises(personas, 6)]  # all 8 of 测试甲链, in our member's sight
    item = _item(personas, enterprises=linked)
    assert item.enterprises.count() == 8
    client.force_login(personas.member)
    url = reverse("upward:detail", args=[item.pk])
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
