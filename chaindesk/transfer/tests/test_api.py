"""The imports API (chaindesk/transfer/api.py) on the fixed personas: upload (202), the dry run's rows by outcome and
page, the column mapping, commit (202), undo and the error workbook, through the same services as the 数据导入 pages;
a batch is its uploader's alone (404 for anyone else), roles without the pages get 403, bad input 422 in Chinese.
The background tasks run when the request's transaction would have committed
(django_capture_on_commit_callbacks(execute=True)), as in production."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chaindesk.api import services as api_services
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.tests.factories import login
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch, ImportTemplate
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

pytestmark = pytest.mark.django_db

HEADER = ["序号", "企业名称", "统一社会信用代码", "所在地区", "所属产业链", "成立日期"]
Capture = Callable[..., Any]


def rows(p: Personas, count: int) -> list[list[Any]]:
    """Valid rows of new enterprises of our region and chain."""
    names = [f"接口导入{n}号科技有限公司" for n in range(1, count + 1)]
    return [
        [n, name, make_uscc(name, p.ours.region.code), p.ours.region.name, p.ours.chain.name, "2019-05-01"]
        for n, name in enumerate(names, start=1)
    ]


def ledger(data: list[list[Any]], header: list[str] | None = None) -> bytes:
    return ledgers.xlsx(Sheet([["2025年企业名录"], header or HEADER, *data]))


def upload(client: Client, capture: Capture, data: bytes, kind: str = "enterprises") -> Any:
    with capture(execute=True):
        return client.post("/api/imports/", {"kind": kind, "file": SimpleUploadedFile("企业名录.xlsx", data)})


def uploaded(client: Client, capture: Capture, data: bytes) -> dict[str, Any]:
    response = upload(client, capture, data)
    assert response.status_code == 202, response.content
    return response.json()


def post(client: Client, path: str, payload: dict[str, Any] | None = None) -> Any:
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


def test_upload_check_commit_undo(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p, capture = personas, django_capture_on_commit_callbacks
    client = login(p.chief)
    body = uploaded(client, capture, ledger(rows(p, 3)))
    assert body["status"] == "queued" and body["kind_label"] == "企业名录" and body["original_name"] == "企业名录.xlsx"
    batch_url = f"/api/imports/{body['id']}"
    checked = client.get(batch_url).json()
    assert checked["status"] == "checked" and checked["counts"]["new"] == 3 and checked["commit_block"] == ""
    assert [c["field"] for c in checked["columns"]] == [None, "name", "uscc", "region", "chains", "founded_on"]
    assert [r["row"] for r in checked["rows"]["items"]] == [3, 4, 5] and checked["rows"]["count"] == 3
    assert checked["rows"]["items"][0]["outcome_label"] == "新增"

    with capture(execute=True):
        committing = post(client, f"{batch_url}/commit")
    assert committing.status_code == 202 and committing.json()["status"] == "committing"
    batch = ImportBatch.objects.get(pk=body["id"])
    assert batch.status == BatchStatus.COMMITTED and Enterprise.objects.filter(name__startswith="接口导入").count() == 3
    assert AuditLog.objects.filter(request_id=batch.token, action=AuditAction.CREATE).exists()
    assert AuditLog.objects.get(action=AuditAction.IMPORT, object_id=str(batch.pk)).after["counts"]["new"] == 3

    undone = post(client, f"{batch_url}/undo")
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    assert not Enterprise.objects.filter(name__startswith="接口导入").exists()
    assert AuditLog.objects.filter(action=AuditAction.IMPORT_UNDO, object_id=str(batch.pk)).exists()
    assert_problem(post(client, f"{batch_url}/undo"), 422)  # only a committed batch


def test_rows_by_outcome_and_page_the_refused_commit_and_the_error_workbook(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    p = personas
    data = rows(p, 5)
    data[0][2] = "91320000MA1A2B3C4X"  # a bad check digit
    data[3][5] = "2025年13月1日"
    client = login(p.chief)
    batch_url = f"/api/imports/{uploaded(client, django_capture_on_commit_callbacks, ledger(data))['id']}"
    body = client.get(f"{batch_url}?outcome=error").json()
    assert body["rows"]["count"] == 2 and [r["row"] for r in body["rows"]["items"]] == [3, 6]
    issue = body["rows"]["items"][0]["issues"][0]
    assert (issue["level"], issue["column"], issue["header"]) == ("error", "C", "统一社会信用代码")
    assert body["commit_block"] == "还有 2 行有错误，请下载错误清单，修正后重新上传。"
    first = client.get(f"{batch_url}?limit=2").json()["rows"]
    page = client.get(f"{batch_url}?limit=2&cursor={first['next']}").json()["rows"]
    assert page["count"] == 5 and [r["row"] for r in page["items"]] == [5, 6]
    last = client.get(f"{batch_url}?limit=2&cursor={page['next']}").json()["rows"]
    assert [r["row"] for r in last["items"]] == [7] and last["next"] is None
    assert_problem(client.get(f"{batch_url}?limit=2&cursor={page['next'][:-1]}"), 422)
    assert_problem(client.get(f"{batch_url}?outcome=bogus"), 422)
    assert_problem(client.get(f"{batch_url}?limit=0"), 422)

    refused = assert_problem(post(client, f"{batch_url}/commit"), 422)
    assert refused["detail"] == "还有 2 行有错误，请下载错误清单，修正后重新上传。"
    assert not Enterprise.objects.filter(name__startswith="接口导入").exists()

    workbook = client.get(f"{batch_url}/errors.xlsx")
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert workbook.content[:2] == b"PK" and "attachment" in workbook["Content-Disposition"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, object_id=batch_url.rsplit("/", 1)[1]).exists()


def test_the_mapping_is_checked_as_the_page_checks_it(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    p, capture = personas, django_capture_on_commit_callbacks
    header = ["单位全称", "代码", "区县", "所属链"]
    data = [[r[1], r[2], r[3], r[4]] for r in rows(p, 2)]
    client = login(p.chief)
    batch_id = uploaded(client, capture, ledgers.xlsx(Sheet([header, *data])))["id"]
    body = client.get(f"/api/imports/{batch_id}").json()
    assert body["missing"] == ["企业名称", "统一社会信用代码"] and body["counts"]["error"] == 2

    twice = assert_problem(
        post(client, f"/api/imports/{batch_id}/mapping", {"mapping": {"0": "name", "1": "name"}}), 422
    )
    assert "“企业名称 *”对应了多列（A列、B列），每个字段只能对应一列。" in [e["detail"] for e in twice["errors"]]
    unknown = post(client, f"/api/imports/{batch_id}/mapping", {"mapping": {"0": "bogus"}})
    assert assert_problem(unknown, 422)["errors"][0]["field"] == "mapping.0"
    beyond = post(client, f"/api/imports/{batch_id}/mapping", {"mapping": {"9": "name"}})
    assert "表中没有这些列：9。" in assert_problem(beyond, 422)["detail"]
    assert ImportBatch.objects.get(pk=batch_id).mapping == {"2": "region"}  # refused: unchanged

    mapping = {"0": "name", "1": "uscc", "2": "region", "3": "chains"}
    with capture(execute=True):
        response = post(client, f"/api/imports/{batch_id}/mapping", {"mapping": mapping})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    body = client.get(f"/api/imports/{batch_id}").json()
    assert body["status"] == "checked" and body["counts"]["new"] == 2 and body["missing"] == []
    assert ImportTemplate.objects.get(kind="enterprises", mapping=mapping).updated_by == p.chief


def test_upload_refusals(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p, capture = personas, django_capture_on_commit_callbacks
    before = ImportBatch.objects.count()
    body = assert_problem(upload(login(p.liaison), capture, ledger(rows(p, 1))), 403)
    assert "您无权导入企业名录" in body["detail"]
    assert_problem(upload(login(p.ent_user), capture, ledger(rows(p, 1))), 403)
    assert_problem(upload(login(p.handler), capture, ledger(rows(p, 1))), 403)
    assert (
        assert_problem(upload(login(p.chief), capture, ledger(rows(p, 1)), kind="bogus"), 422)["detail"]
        == "未知的导入类型。"
    )
    assert "是空的" in assert_problem(upload(login(p.chief), capture, b""), 422)["detail"]
    missing = assert_problem(login(p.chief).post("/api/imports/", {"kind": "enterprises"}), 422)
    assert missing["errors"] == [{"field": "file", "in": "file", "detail": "必填。"}]
    assert ImportBatch.objects.count() == before


def test_a_batch_is_its_uploaders_alone(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p = personas
    batch_id = uploaded(login(p.chief), django_capture_on_commit_callbacks, ledger(rows(p, 1)))["id"]
    assert [b["id"] for b in login(p.chief).get("/api/imports/").json()["items"]] == [batch_id]
    member = login(p.member)
    assert member.get("/api/imports/").json() == {"count": 0, "count_estimated": False, "items": [], "next": None}
    for path in ("", "/errors.xlsx"):
        assert_problem(member.get(f"/api/imports/{batch_id}{path}"), 404)
    for path in ("/commit", "/undo", "/mapping"):
        assert_problem(post(member, f"/api/imports/{batch_id}{path}", {"mapping": {}}), 404)
    assert_problem(login(p.ent_user).get("/api/imports/"), 403)
    assert_problem(Client().get("/api/imports/"), 401)
    assert ImportBatch.objects.get(pk=batch_id).status == BatchStatus.CHECKED


def test_the_error_workbook_waits_for_the_dry_run(personas: Personas) -> None:
    client = login(personas.chief)
    response = client.post("/api/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("a.xlsx", ledger([]))})
    assert response.status_code == 202  # the dry run never ran: no on-commit callbacks in this test
    assert_problem(client.get(f"/api/imports/{response.json()['id']}/errors.xlsx"), 404)
    body = client.get(f"/api/imports/{response.json()['id']}").json()
    assert body["status"] == "queued" and body["rows"] is None and body["columns"] == []


def test_a_read_token_reads_but_cannot_write(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p = personas
    batch_id = uploaded(login(p.chief), django_capture_on_commit_callbacks, ledger(rows(p, 1)))["id"]
    _token, secret = api_services.token_create(
        actor=p.sysadmin,
        user=p.chief,
        name="台账同步",
        scopes={"imports": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert client.get(f"/api/imports/{batch_id}").json()["status"] == "checked"
    assert "仅有只读权限" in assert_problem(post(client, f"/api/imports/{batch_id}/commit"), 403)["detail"]
    assert_problem(
        client.post("/api/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("b.xlsx", b"x")}), 403
    )
    assert ImportBatch.objects.get(pk=batch_id).status == BatchStatus.CHECKED


def test_an_upload_retried_with_its_idempotency_key_is_stored_once(personas: Personas) -> None:
    client, data = login(personas.chief), ledger(rows(personas, 1))

    def send() -> Any:
        file = SimpleUploadedFile("企业名录.xlsx", data)
        return client.post("/api/imports/", {"kind": "enterprises", "file": file}, headers={"Idempotency-Key": "up-1"})

    first, again = send(), send()
    assert first.status_code == again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert (
        again.json()["id"] == first.json()["id"] and ImportBatch.objects.filter(uploaded_by=personas.chief).count() == 1
    )
