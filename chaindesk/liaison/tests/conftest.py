import datetime as dt

import pytest

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import LiaisonAssignment, Visit

BOSHEN = "江苏博生医用新材料股份有限公司"


@pytest.fixture
def boshen(db) -> Enterprise:  # noqa: ANN001
    """江苏博生 (liming's enterprise) without visits or assignment periods, whatever the demo loaded."""
    enterprise = Enterprise.objects.get(name=BOSHEN)
    Visit.objects.filter(enterprise=enterprise).delete()
    LiaisonAssignment.objects.filter(enterprise=enterprise).delete()
    Enterprise.objects.filter(pk=enterprise.pk).update(last_visit_on=None)
    enterprise.refresh_from_db()
    return enterprise


@pytest.fixture
def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
