"""The demo's items sought from higher levels (上争事项): six items, one at every stage, with the amounts
sought and obtained, dated to the story; loading again creates nothing."""

import pytest
from django.utils import timezone

from chaindesk.conftest import DEMO_TODAY
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demo import city
from chaindesk.demo.upward import ITEMS
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.demo]  # the demo smoke set: checks of the demo city as loaded
BOSHEN = "江苏博生医用新材料股份有限公司"


def test_upward_requests_at_every_stage_with_amounts() -> None:
    items = UpwardRequest.objects.filter(title__in=[i.title for i in ITEMS])
    assert items.count() == len(ITEMS) == 6
    assert set(items.values_list("stage", flat=True)) == set(UpwardStage.values)
    assert set(items.values_list("kind", flat=True)) == {"funds", "policy", "pilot", "approval", "quota"}
    funds = items.get(title="生物医药先进制造业集群培育省级奖补资金")
    assert (funds.amount_sought, funds.amount_obtained) == (1500, 1200)
    assert all(i.amount_obtained is None for i in items.exclude(stage=UpwardStage.APPROVED))
    for item in items.exclude(stage=UpwardStage.PLANNING):
        moves = AuditLog.objects.filter(
            action=AuditAction.TRANSITION,
            content_type__app_label="upward",
            content_type__model="upwardrequest",
            object_id=str(item.pk),
        )
        assert moves.exists() and item.stage_changed_on is not None and item.stage_changed_on <= DEMO_TODAY
        assert timezone.localdate(item.created_at) < item.stage_changed_on  # registered before its first step
    boshen_item = items.get(title__startswith="医用膜材项目申报省级")
    assert list(boshen_item.enterprises.values_list("name", flat=True)) == [BOSHEN]
    assert boshen_item.projects.exists()


def test_loading_again_adds_no_item() -> None:
    before = UpwardRequest.objects.count()
    assert city.load(enterprises=40, today=DEMO_TODAY).created.get("upward_request") is None
    assert UpwardRequest.objects.count() == before
