"""Demand intake through the JSON API: the same service as the form, with its rules and Chinese messages."""

import json

import pytest

from chaindesk.demands.choices import Channel, DemandStatus
from chaindesk.demands.models import Demand
from chaindesk.enterprises.models import Enterprise

BOSHEN = "江苏博生医用新材料股份有限公司"


def _post(client, payload):  # noqa: ANN001, ANN202
    return client.post("/api/demands/", data=json.dumps(payload), content_type="application/json")


@pytest.mark.django_db
def test_team_member_submits_through_the_api_channel(client_as):
    boshen = Enterprise.objects.get(name=BOSHEN)
    payload = {
        "enterprise_id": boshen.pk,
        "title": "申请二期厂房规划许可加快办理",
        "description": "二期厂房已完成方案设计，希望规划许可在本月内办结。",
        "category": "approval",
        "urgency": "urgent",
    }
    response = _post(client_as("wangzh"), payload)
    assert response.status_code == 201, response.content
    data = response.json()
    demand = Demand.objects.get(pk=data["id"])
    assert demand.channel == Channel.API and demand.status == DemandStatus.SUBMITTED
    assert data["status"] == "submitted" and data["tasks"] == []
    assert demand.chain is not None and demand.region_id == boshen.region_id


@pytest.mark.django_db
def test_enterprise_user_submits_for_their_own_enterprise_only(client_as):
    boshen = Enterprise.objects.get(name=BOSHEN)
    other = Enterprise.objects.exclude(pk=boshen.pk).first()
    payload = {
        "enterprise_id": boshen.pk,
        "title": "用电增容",
        "description": "需增容至 4000 kVA。",
        "category": "energy",
    }
    client = client_as("liuyang")
    created = _post(client, payload)
    assert created.status_code == 201
    assert Demand.objects.get(pk=created.json()["id"]).channel == Channel.ENTERPRISE
    assert _post(client, {**payload, "enterprise_id": other.pk}).status_code == 404
    assert client.get(f"/api/demands/{created.json()['id']}").status_code == 200


@pytest.mark.django_db
def test_bad_input_answers_422_in_chinese_and_writes_nothing(client_as):
    boshen = Enterprise.objects.get(name=BOSHEN)
    before = Demand.objects.count()
    client = client_as("wangzh")
    unknown = _post(client, {"enterprise_id": boshen.pk, "title": "x", "description": "y", "category": "nope"})
    assert unknown.status_code == 422 and "不存在" in unknown.json()["detail"]
    blank = _post(client, {"enterprise_id": boshen.pk, "title": " ", "description": "y", "category": "land"})
    assert blank.status_code == 422 and "诉求事项" in blank.json()["detail"]
    assert Demand.objects.count() == before


@pytest.mark.django_db
def test_scope_and_anonymous(client, client_as):
    assert _post(client, {"enterprise_id": 1, "title": "x", "description": "y", "category": "land"}).status_code == 401
    mine = client_as("liuyang").get("/api/demands/").json()
    assert mine["count"] == Demand.objects.filter(enterprise__name=BOSHEN).count()
    assert client_as("chenjing").get("/api/demands/").status_code == 200
