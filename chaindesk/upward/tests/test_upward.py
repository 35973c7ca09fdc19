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

from chaindesk.accounts.models import Department, Region, User
from chaindesk.chains.models import Chain
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.upward import services as upward
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

BOSHEN = "江苏博生医用新材料股份有限公司"
PREFIX = "测试上争"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _item(title: str = f"{PREFIX}省级专项资金", *, actor: str = "wangzh", **fields: Any) -> UpwardRequest:
    """Set-up through the create service: a 生物医药 item, 兴化市, 市工信局 responsible by default."""
    defaults: dict[str, Any] = {
        "kind": "funds",
        "level": "province",
        "counterpart": "省工信厅",
        "department": Department.objects.get(code="gxj"),
        "chain": Chain.objects.get(code="biomed"),
        "region": Region.objects.get(code="321281"),
        "amount_sought": Decimal("800"),
    }
    defaults.update(fields)
    return upward.upward_create(actor=_user(actor), title=title, **defaults)


def _advance(item: UpwardRequest, *stages: str, actor: str = "wangzh") -> UpwardRequest:
    for stage in stages:
        item = upward.upward_advance(item=item, to_stage=stage, on=timezone.localdate(), actor=_user(actor))
    return item


def _logs(obj: UpwardRequest, action: str) -> Any:
    return AuditLog.objects.filter(content_type__model="upwardrequest", object_id=str(obj.pk), action=action)


@pytest.fixture
def boshen() -> Enterprise:
    return Enterprise.objects.get(name=BOSHEN)


@pytest.fixture
def item(boshen: Enterprise) -> UpwardRequest:
    """In scope of the 生物医药 team, 市工信局, 兴化市 (zhoutao) and liming (who serves 博生)."""
    return _item(enterprises=[boshen], window_opens_on=dt.date(2026, 11, 1), deadline=dt.date(2026, 12, 15))


# --- services ------------------------------------------------------------------------------------------


def test_create_is_audited_at_planning(item, boshen):
    assert item.stage == UpwardStage.PLANNING and item.amount_sought == Decimal("800")
    assert list(item.enterprises.all()) == [boshen]
    log = _logs(item, AuditAction.CREATE).get()
    assert log.actor.username == "wangzh" and log.after["title"] == item.title


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"window_opens_on": dt.date(2026, 12, 1), "deadline": dt.date(2026, 11, 30)}, "deadline"),
        ({"amount_obtained": Decimal("100")}, "amount_obtained"),
        ({"amount_sought": Decimal("-1")}, "amount_sought"),
    ],
)
def test_create_refuses_bad_facts_and_writes_nothing(fields, field):
    before = UpwardRequest.objects.count()
    with pytest.raises(ValidationError) as exc:
        _item(**fields)
    assert field in exc.value.error_dict
    assert UpwardRequest.objects.count() == before


def test_create_scope_per_role():
    equip = Chain.objects.get(code="equip") if Chain.objects.filter(code="equip").exists() else None
    other = equip or Chain.objects.exclude(code="biomed").first()
    with pytest.raises(PermissionDenied):
        _item(chain=other)  # wangzh is not on that chain's team
    with pytest.raises(PermissionDenied):
        _item(actor="chenjing")  # a handler registers only for their own department
    mine = _item(actor="chenjing", department=Department.objects.get(code="zrzy"), chain=None)
    assert mine.department.code == "zrzy"
    with pytest.raises(PermissionDenied):
        _item(actor="liming")  # liaisons read only
    with pytest.raises(PermissionDenied):
        _item(actor="da_321282")  # 兴化市 is not their district


def test_create_links_only_visible_enterprises():
    foreign = Enterprise.objects.exclude(pk__in=Enterprise.objects.visible_to(_user("wangzh"))).first()
    assert foreign is not None
    with pytest.raises(ValidationError) as exc:
        _item(enterprises=[foreign])
    assert "enterprises" in exc.value.error_dict


def test_update_is_audited_and_keeps_links_the_editor_cannot_see(item, boshen):
    # wangzh unlinks and relinks 博生, hands the item to 市自然资源和规划局; chenjing (who sees no
    # enterprises) then edits it: the link she cannot see stays
    upward.upward_update(item=item, actor=_user("wangzh"), title=f"{PREFIX}省级专项资金（修订）", enterprises=[])
    item.refresh_from_db()
    assert item.title.endswith("（修订）") and item.enterprises.count() == 0
    upward.upward_update(item=item, actor=_user("wangzh"), enterprises=[boshen])
    upward.upward_update(
        item=item, actor=_user("wangzh"), department=Department.objects.get(code="zrzy"), enterprises=[boshen]
    )
    item.refresh_from_db()
    upward.upward_update(item=item, actor=_user("chenjing"), counterpart="自然资源部", enterprises=[])
    item.refresh_from_db()
    assert item.counterpart == "自然资源部" and list(item.enterprises.all()) == [boshen]
    updates = _logs(item, AuditAction.UPDATE)
    assert updates.filter(after__has_key="title").exists() and updates.filter(after__has_key="enterprises").exists()


def test_update_refuses_out_of_scope_and_bad_dates(item):
    with pytest.raises(PermissionDenied):
        upward.upward_update(item=item, actor=_user("lead_equip"), title="x")
    with pytest.raises(PermissionDenied):
        upward.upward_update(item=item, actor=_user("liming"), title="x")
    with pytest.raises(ValidationError):
        upward.upward_update(item=item, actor=_user("wangzh"), deadline=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError):
        upward.upward_update(item=item, actor=_user("wangzh"), amount_obtained=Decimal("10"))
    item.refresh_from_db()
    assert item.deadline == dt.date(2026, 12, 15) and item.amount_obtained is None


def test_legal_path_to_approved_records_amount_and_history(item):
    item = _advance(item, UpwardStage.APPLIED, UpwardStage.REVIEWING)
    item = upward.upward_advance(
        item=item,
        to_stage=UpwardStage.APPROVED,
        on=timezone.localdate(),
        actor=_user("jiangdd"),
        amount_obtained=Decimal("650.5"),
    )
    assert item.stage == UpwardStage.APPROVED and item.amount_obtained == Decimal("650.50")
    assert item.stage_changed_on == timezone.localdate()
    moves = _logs(item, AuditAction.TRANSITION).order_by("pk")
    assert [m.after["stage"] for m in moves] == ["applied", "reviewing", "approved"]
    assert moves.last().after["amount_obtained"] == "650.5"
    # once approved the amount may be corrected by an edit
    upward.upward_update(item=item, actor=_user("wangzh"), amount_obtained=Decimal("700"))


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
def test_illegal_moves_are_refused_and_change_nothing(item, path, to_stage):
    item = _advance(item, *path)
    stage = item.stage
    with pytest.raises(InvalidTransition):
        upward.upward_advance(item=item, to_stage=to_stage, on=timezone.localdate(), actor=_user("wangzh"))
    item.refresh_from_db()
    assert item.stage == stage


def test_stale_expected_stage_is_a_conflict(item):
    _advance(item, UpwardStage.APPLIED)
    stale = UpwardRequest.objects.get(pk=item.pk)
    stale.stage = UpwardStage.PLANNING  # a second tab still shows 谋划
    with pytest.raises(InvalidTransition):
        upward.upward_advance(
            item=stale,
            to_stage=UpwardStage.APPLIED,
            on=timezone.localdate(),
            actor=_user("wangzh"),
            expected_stage=UpwardStage.PLANNING,
        )
    assert _logs(item, AuditAction.TRANSITION).count() == 1


def test_advance_rules(item):
    today = timezone.localdate()
    user = _user("wangzh")
    with pytest.raises(ValidationError):
        upward.upward_advance(item=item, to_stage="applied", on=today + dt.timedelta(days=1), actor=user)
    with pytest.raises(ValidationError):  # an amount obtained belongs to 获批
        upward.upward_advance(item=item, to_stage="applied", on=today, actor=user, amount_obtained=Decimal("1"))
    _advance(item, UpwardStage.APPLIED)
    with pytest.raises(ValidationError):  # before the previous change
        upward.upward_advance(item=item, to_stage="reviewing", on=today - dt.timedelta(days=1), actor=user)
    with pytest.raises(PermissionDenied):
        upward.upward_advance(item=item, to_stage="reviewing", on=today, actor=_user("liming"))
    with pytest.raises(PermissionDenied):
        upward.upward_advance(item=item, to_stage="reviewing", on=today, actor=_user("lead_equip"))
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


@pytest.mark.parametrize("username", ["liuyang", "sysadmin", "auditor"])
def test_wrong_roles_are_refused(client_as, item, username):
    client = client_as(username)
    assert client.get(reverse("upward:list")).status_code == 403
    assert client.get(reverse("upward:detail", args=[item.pk])).status_code == 403


@pytest.mark.parametrize("username", ["jiangdd", "zhangkun", "wangzh", "liming", "zhoutao"])
def test_in_scope_personas_see_the_item(client_as, item, username):
    client = client_as(username)
    assert item.title in client.get(reverse("upward:list")).content.decode()
    page = client.get(reverse("upward:detail", args=[item.pk]))
    assert page.status_code == 200 and BOSHEN in page.content.decode()


@pytest.mark.parametrize("username", ["lead_equip", "lz_321282", "da_321282", "chenjing"])
def test_out_of_scope_personas_get_404_by_url_guessing(client_as, item, username):
    client = client_as(username)
    assert item.title not in client.get(reverse("upward:list")).content.decode()
    for name in ("upward:detail", "upward:edit"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 404
    response = client.post(reverse("upward:advance", args=[item.pk]), {"to_stage": "applied"})
    assert response.status_code == 404
    assert client.get(reverse("upward:detail", args=[999999])).status_code == 404
    assert _logs(item, AuditAction.PERMISSION_DENIED).exists()


def test_department_handler_sees_own_department_items(client_as):
    mine = _item(
        actor="chenjing", department=Department.objects.get(code="zrzy"), chain=None, title=f"{PREFIX}用地指标"
    )
    client = client_as("chenjing")
    assert mine.title in client.get(reverse("upward:list")).content.decode()
    page = client.get(reverse("upward:detail", args=[mine.pk])).content.decode()
    assert 'data-testid="upward-edit"' in page and 'data-testid="upward-submit-applied"' in page


def test_liaison_reads_but_does_not_act(client_as, item):
    client = client_as("liming")
    page = client.get(reverse("upward:detail", args=[item.pk])).content.decode()
    assert 'data-testid="upward-edit"' not in page and "upward-stage-actions" not in page
    assert client.get(reverse("upward:edit", args=[item.pk])).status_code == 403
    response = client.post(
        reverse("upward:advance", args=[item.pk]),
        {"to_stage": "applied", "expected_stage": "planning", "on": "2026-11-25"},
    )
    assert response.status_code == 403
    assert client.get(reverse("upward:create")).status_code == 403


def _bulk(n: int) -> None:
    actor = _user("wangzh")
    gxj, biomed, xinghua = (
        Department.objects.get(code="gxj"),
        Chain.objects.get(code="biomed"),
        Region.objects.get(code="321281"),
    )
    items = [
        UpwardRequest(
            title=f"{PREFIX}批量{i:03d}",
            kind="funds" if i % 2 else "pilot",
            level="province" if i % 3 else "state",
            counterpart="省发改委",
            department=gxj,
            chain=biomed,
            region=xinghua,
            deadline=dt.date(2026, 12, 1) + dt.timedelta(days=i),
            amount_sought=Decimal(i * 10),
            created_by=actor,
        )
        for i in range(n)
    ]
    UpwardRequest.objects.bulk_create(items)  # bulk set-up only; the services are tested above


@pytest.mark.parametrize("query", ["", "?sort=-sought", "?kind=funds&level=province&stage=planning", "?q=批量&page=2"])
def test_list_query_count_is_pinned(client_as, django_assert_max_num_queries, query):
    _bulk(65)
    client = client_as("jiangdd")
    url = reverse("upward:list") + query
    assert client.get(url).status_code == 200  # warm-up: session, caches
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200


def test_list_filters_sort_and_pagination(client_as):
    _bulk(65)
    client = client_as("jiangdd")
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量").content.decode()
    assert "共 65 项" in page and f"{PREFIX}批量000" in page and f"{PREFIX}批量050" not in page
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量&sort=-sought").content.decode()
    assert f"{PREFIX}批量064" in page and f"{PREFIX}批量000" not in page
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量&kind=pilot&level=state").content.decode()
    assert "共 11 项" in page  # even and divisible by 3: 0, 6, …, 60
    window = f"?q={PREFIX}批量&deadline_from=2026-12-02&deadline_to=2026-12-04"
    assert "共 3 项" in client.get(reverse("upward:list") + window).content.decode()
    gxj = Department.objects.get(code="gxj").pk
    zrzy = Department.objects.get(code="zrzy").pk
    assert "共 65 项" in client.get(reverse("upward:list") + f"?q={PREFIX}批量&department={gxj}").content.decode()
    page = client.get(reverse("upward:list") + f"?q={PREFIX}批量&department={zrzy}").content.decode()
    assert "没有符合条件的上争事项" in page
    # nonsense filters are ignored, not a 500
    bad = "?stage=nope&deadline_from=2026-13-40&chain=abc&sort=password"
    assert client.get(reverse("upward:list") + bad).status_code == 200


def test_export_is_exactly_the_filtered_list_and_audited(client_as, item):
    _bulk(5)
    response = client_as("jiangdd").get(reverse("upward:export") + f"?q={PREFIX}批量&kind=funds")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    titles = [row[0] for row in sheet.iter_rows(values_only=True) if row[0] and str(row[0]).startswith(f"{PREFIX}批量")]
    assert sorted(titles) == [f"{PREFIX}批量001", f"{PREFIX}批量003"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, message__startswith="上争事项台账导出 2 条").exists()


def test_export_respects_scope(client_as, item):
    response = client_as("lead_equip").get(reverse("upward:export"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    assert item.title not in [row[0] for row in sheet.iter_rows(values_only=True)]


def test_stage_buttons_advance_and_record_amount(client_as, item):
    client = client_as("wangzh")
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


def test_stale_page_gets_409_and_nothing_changes(client_as, item):
    _advance(item, UpwardStage.APPLIED)
    response = client_as("wangzh").post(
        reverse("upward:advance", args=[item.pk]),
        {"to_stage": "applied", "expected_stage": "planning", "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 409
    assert "已被他人变更为“申报”" in response.content.decode()
    item.refresh_from_db()
    assert item.stage == "applied"


def test_illegal_move_by_post_is_409_and_bad_input_400(client_as, item):
    client = client_as("wangzh")
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


def test_create_form_saves_and_refuses_bad_input(client_as, boshen):
    client = client_as("wangzh")
    url = reverse("upward:create")
    assert client.get(url).status_code == 200
    data = {
        "title": f"{PREFIX}国家级试点",
        "kind": "pilot",
        "level": "state",
        "counterpart": "工信部",
        "department": Department.objects.get(code="gxj").pk,
        "chain": Chain.objects.get(code="biomed").pk,
        "region": Region.objects.get(code="321281").pk,
        "window_opens_on": "2026年12月1日",
        "deadline": "2026-11-30",
        "amount_sought": "2000",
        "enterprises": [boshen.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "申报截止日期不能早于申报窗口开始日期" in response.content.decode()
    assert not UpwardRequest.objects.filter(title=data["title"]).exists()
    data["deadline"] = "2027-01-15"
    response = client.post(url, data)
    assert response.status_code == 302
    created = UpwardRequest.objects.get(title=data["title"])
    assert created.stage == "planning" and created.amount_sought == Decimal("2000")
    assert list(created.enterprises.all()) == [boshen]
    hidden = Enterprise.objects.exclude(pk__in=Enterprise.objects.visible_to(_user("wangzh"))).first()
    data.update(title=f"{PREFIX}越权关联", enterprises=[hidden.pk])
    assert client.post(url, data).status_code == 400  # not among the offered choices
    assert not UpwardRequest.objects.filter(title=f"{PREFIX}越权关联").exists()


def test_edit_form_offers_amount_obtained_only_when_approved(client_as, item):
    client = client_as("wangzh")
    url = reverse("upward:edit", args=[item.pk])
    assert 'name="amount_obtained"' not in client.get(url).content.decode()
    _advance(item, UpwardStage.APPLIED, UpwardStage.APPROVED)
    assert 'name="amount_obtained"' in client.get(url).content.decode()


def test_history_tab_shows_stage_changes(client_as, item):
    _advance(item, UpwardStage.APPLIED)
    client = client_as("jiangdd")
    page = client.get(reverse("upward:detail", args=[item.pk])).content.decode()
    history_url = reverse("core:history", args=["upward", "upwardrequest", item.pk])
    assert history_url in page
    response = client.get(history_url)
    assert response.status_code == 200
    assert client_as("lead_equip").get(history_url).status_code == 404


def test_detail_query_count_does_not_grow_with_links(client_as, boshen, django_assert_max_num_queries):
    linked = list(Enterprise.objects.visible_to(_user("wangzh"))[:8])
    item = _item(enterprises=linked)
    client = client_as("wangzh")
    url = reverse("upward:detail", args=[item.pk])
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
