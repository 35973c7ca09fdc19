"""Demand intake through the JSON API: the same service as the form, with its rules and Chinese messages.

On the fixed personas: `member` is on 测试甲链's team, `ent_user` is the user of our enterprise (测试甲区, 测试甲链),
whose only demand in the world is `personas.ours.demand`; `handler` works in 测试甲局."""

import json

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.demands.choices import Channel, DemandStatus
from chaindesk.demands.models import Demand
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, payload):  # noqa: ANN001, ANN202
    return client.post("/api/demands/", data=json.dumps(payload), content_type="application/json")


def test_team_member_submits_through_the_api_channel(personas: Personas) -> None:
    ours = personas.ours.enterprise
    payload = {
        "enterprise_id": ours.pk,
        "title": "申请二期厂房规划许可加快办理",
        "description": "二期厂房已完成方案设计，希望规划许可在本月内办结。",
        "category": "approval",
        "urgency": "urgent",
    }
    response = _post(_client(personas.member), payload)
    assert response.status_code == 201, response.content
    data = response.json()
    demand = Demand.objects.get(pk=data["id"])
    assert demand.channel == Channel.API and demand.status == DemandStatus.SUBMITTED
    assert data["status"] == "submitted" and data["tasks"] == []
    assert demand.chain == personas.ours.chain and demand.region == personas.ours.region  # 测试甲链, 测试甲区
    assert demand.submitted_by == personas.member


def test_enterprise_user_submits_for_their_own_enterprise_only(personas: Personas) -> None:
    payload = {
        "enterprise_id": personas.ours.enterprise.pk,
        "title": "用电增容",
        "description": "需增容至 4000 kVA。",
        "category": "energy",
    }
    client = _client(personas.ent_user)
    created = _post(client, payload)
    assert created.status_code == 201
    assert Demand.objects.get(pk=created.json()["id"]).channel == Channel.ENTERPRISE
    before = Demand.objects.count()
    assert _post(client, {**payload, "enterprise_id": personas.theirs.enterprise.pk}).status_code == 404
    assert _post(client, {**payload, "enterprise_id": personas.ent2.pk}).status_code == 404  # same chain, not theirs
    assert Demand.objects.count() == before
    assert client.get(f"/api/demands/{created.json()['id']}").status_code == 200


def test_bad_input_answers_422_in_chinese_and_writes_nothing(personas: Personas) -> None:
    ours = personas.ours.enterprise
    before = Demand.objects.count()
    client = _client(personas.member)
    unknown = _post(client, {"enterprise_id": ours.pk, "title": "x", "description": "y", "category": "nope"})
    assert unknown.status_code == 422 and "不存在" in unknown.json()["detail"]
    blank = _post(client, {"enterprise_id": ours.pk, "title": " ", "description": "y", "category": "land"})
    assert blank.status_code == 422 and "诉求事项" in blank.json()["detail"]
    assert Demand.objects.count() == before


def test_scope_and_anonymous(client: Client, personas: Personas) -> None:
    assert _post(client, {"enterprise_id": 1, "title": "x", "description": "y", "category": "land"}).status_code == 401
    mine = _client(personas.ent_user).get("/api/demands/").json()
    assert mine["count"] == 1  # our enterprise has one demand in the world
    assert [d["id"] for d in mine["items"]] == [personas.ours.demand.pk]
    assert _client(personas.handler).get("/api/demands/").status_code == 200
