"""The 数据导入 pages: the list and upload, a batch's page (progress polled while it runs, then counts, mapping, rows,
skipped rows), 确认导入 and 撤销导入 through the browser's requests, who sees which batch (404 for others' batches)
and who may upload (issue 13, items 2–3). The background tasks run when the request's transaction would have
committed (django_capture_on_commit_callbacks(execute=True)), as in production."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.core.navigation import items_for
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

pytestmark = pytest.mark.django_db

HEADER = ["序号", "企业名称", "统一社会信用代码", "所在地区", "所属产业链", "成立日期", "2024年营业收入（万元）"]
Capture = Callable[..., Any]


def rows(p: Personas, count: int = 3, *, start: int = 1) -> list[list[Any]]:
    """Data rows of new enterprises of our region and chain, all valid."""
    found = []
    for n in range(start, start + count):
        name = f"页面导入{n}号科技有限公司"
        found.append(
            [
                n,
                name,
                make_uscc(name, p.ours.region.code),
                p.ours.region.name,
                p.ours.chain.name,
                f"2019-0{n % 9 + 1}-01",
                n * 100,
            ]
        )
    return found


def ledger(p: Personas, data: list[list[Any]], header: list[str] | None = None) -> bytes:
    return ledgers.xlsx(Sheet([["2025年企业名录"], header or HEADER, *data]))


def client_of(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def upload(client: Client, capture: Capture, data: bytes, name: str = "企业名录.xlsx") -> Any:
    with capture(execute=True):
        return client.post("/imports/", {"kind": "enterprises", "file": SimpleUploadedFile(name, data)})


def uploaded(client: Client, capture: Capture, data: bytes, name: str = "企业名录.xlsx") -> ImportBatch:
    response = upload(client, capture, data, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert response["Location"] == f"/imports/{batch.pk}/"
    return batch


def test_the_list_offers_the_upload_the_templates_and_an_empty_state(personas: Personas) -> None:
    page = client_of(personas.chief).get("/imports/?kind=enterprises")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="import-upload"' in text and 'accept=".xlsx,.xls,.csv"' in text
    assert '<option value="enterprises" selected>企业名录</option>' in text
    assert 'href="/imports/template/enterprises.xlsx"' in text
    assert "暂无导入记录" in text


def test_upload_check_commit_undo_through_the_pages(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    p = personas
    client = client_of(p.chief)
    batch = uploaded(client, django_capture_on_commit_callbacks, ledger(p, rows(p)))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED and batch.counts["new"] == 3, batch.error

    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-testid="batch-progress"' not in page and "every 2s" not in page
    assert page.count('data-testid="result-row"') == 3 and 'data-outcome="new"' in page
    assert "确定导入吗？将新增 3 条、更新 0 条，无变化的 0 条不写入。" in page
    assert 'href="/imports/?' not in page  # filters stay on the batch page: relative links

    listed = client.get("/imports/").content.decode()
    assert "企业名录.xlsx" in listed and f'href="/imports/{batch.pk}/"' in listed

    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(f"/imports/{batch.pk}/commit/")
    assert committed.status_code == 302 and committed["Location"] == f"/imports/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert Enterprise.objects.filter(name__startswith="页面导入").count() == 3
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-testid="batch-undo"' in page and "本批新增的 3 条记录将被删除" in page
    assert 'href="/enterprises/"' in page

    undone = client.post(f"/imports/{batch.pk}/undo/", follow=True)
    assert "已撤销该批次的导入" in undone.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE
    assert not Enterprise.objects.filter(name__startswith="页面导入").exists()


def test_the_list_costs_the_same_queries_whatever_the_number_of_batches(personas: Personas) -> None:
    p = personas
    client = client_of(p.chief)
    data = ledger(p, rows(p, 1))

    def queries() -> int:
        client.get("/imports/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/imports/").status_code == 200
        return len(captured.captured_queries)

    services.import_upload(actor=p.chief, kind="enterprises", name="一.xlsx", data=data)
    one = queries()
    for n in range(3):
        services.import_upload(actor=p.chief, kind="enterprises", name=f"{n}.xlsx", data=data)
    assert queries() == one


def test_the_page_polls_while_the_batch_runs_and_then_shows_the_result(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    p = personas
    client = client_of(p.chief)
    response = client.post(
        "/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("名录.xlsx", ledger(p, rows(p, 2)))}
    )  # the check is not run: the request's transaction never commits here
    batch = ImportBatch.objects.get(uploaded_by=p.chief)
    assert response["Location"] == f"/imports/{batch.pk}/"
    page = client.get(f"/imports/{batch.pk}/?show=new").content.decode()
    assert f'hx-get="/imports/{batch.pk}/progress/?show=new" hx-trigger="every 2s"' in page
    assert 'data-testid="batch-progress"' in page and 'data-testid="batch-counts"' not in page

    services.run_check(batch.pk)
    fragment = client.get(f"/imports/{batch.pk}/progress/?show=new", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert text.startswith('<div id="batch-body"') and "<html" not in text
    assert "every 2s" not in text and text.count('data-testid="result-row"') == 2
    plain = client.get(f"/imports/{batch.pk}/progress/")
    assert plain.status_code == 302 and plain["Location"] == f"/imports/{batch.pk}/"


def test_errors_disable_the_commit_with_the_reason_and_rows_filter_and_page(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    p = personas
    data = rows(p, 55)
    data[0][2] = "91320000MA1A2B3C4X"  # a bad check digit
    data[3][5] = "2025年13月1日"
    client = client_of(p.chief)
    batch = uploaded(client, django_capture_on_commit_callbacks, ledger(p, data))
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'disabled aria-describedby="commit-block"' in page
    assert "还有 2 行有错误，请下载错误清单，修正后重新上传。" in page
    assert page.count('data-testid="result-row"') == 50 and "1 / 2" in page
    second = client.get(f"/imports/{batch.pk}/?page=2").content.decode()
    assert second.count('data-testid="result-row"') == 5
    errors = client.get(f"/imports/{batch.pk}/?show=error").content.decode()
    assert errors.count('data-testid="result-row"') == 2
    assert "<strong>C列 统一社会信用代码</strong>：" in errors and "2025年13月1日" in errors
    refused = client.post(f"/imports/{batch.pk}/commit/", follow=True).content.decode()
    assert "未导入：还有 2 行有错误" in refused
    assert not Enterprise.objects.filter(name__startswith="页面导入").exists()


def test_the_mapping_form_changes_the_mapping(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p = personas
    header = ["单位全称", "代码", "区县", "所属链"]
    data = [[r[1], r[2], r[3], r[4]] for r in rows(p, 2)]
    client = client_of(p.chief)
    batch = uploaded(client, django_capture_on_commit_callbacks, ledgers.xlsx(Sheet([header, *data])))
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "缺少必填字段：企业名称、统一社会信用代码" in page and 'data-testid="mapping-form"' in page
    year = clock.today().year - 2  # the last three years are offered, whatever the clock
    assert f'<option value="revenue@{year}"' in page and f">{year}年营业收入(万元)</option>" in page
    assert ">统一社会信用代码 *</option>" in page and '<option value="region" selected' in page

    twice = client.post(f"/imports/{batch.pk}/mapping/", {"col_0": "name", "col_1": "name", "col_2": "region"})
    assert twice.status_code == 400
    assert "“企业名称 *”对应了多列（A列、B列），每个字段只能对应一列。" in twice.content.decode()
    batch.refresh_from_db()
    assert batch.mapping == {"2": "region"}  # as matched automatically: the refused form changed nothing

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            f"/imports/{batch.pk}/mapping/", {"col_0": "name", "col_1": "uscc", "col_2": "region", "col_3": "chains"}
        )
    assert saved.status_code == 302
    batch.refresh_from_db()
    assert batch.mapping == {"0": "name", "1": "uscc", "2": "region", "3": "chains"}
    assert batch.status == BatchStatus.CHECKED and batch.counts["new"] == 2 and batch.counts["error"] == 0
    assert "缺少必填字段" not in client.get(f"/imports/{batch.pk}/").content.decode()


def test_a_refused_file_is_a_form_error_and_an_unreadable_one_fails_with_its_reason(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_of(personas.chief)
    empty = upload(client, django_capture_on_commit_callbacks, b"", "空.xlsx")
    assert empty.status_code == 400 and 'data-testid="form-errors"' in empty.content.decode()
    assert not ImportBatch.objects.exists()
    wrong = client.post("/imports/", {"kind": "nothing", "file": SimpleUploadedFile("a.csv", b"a,b\n1,2\n")})
    assert wrong.status_code == 400 and "未知的导入类型" in wrong.content.decode()

    batch = uploaded(client, django_capture_on_commit_callbacks, b"%PDF-1.4 not a ledger", "报告.pdf")
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-testid="batch-error"' in page and "文件未能读取" in page
    assert client.get(f"/imports/{batch.pk}/errors.xlsx").status_code == 404


def test_the_undo_refusal_is_shown(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p = personas
    client = client_of(p.chief)
    batch = uploaded(client, django_capture_on_commit_callbacks, ledger(p, rows(p, 1)))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    enterprise = Enterprise.objects.get(name="页面导入1号科技有限公司")
    enterprise_services.enterprise_update(actor=p.chief, enterprise=enterprise, address="新地址")
    page = client.post(f"/imports/{batch.pk}/undo/", follow=True).content.decode()
    assert "未能撤销：" in page and "导入后已被修改" in page
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED


@pytest.mark.parametrize(
    ("key", "status"),
    [("member", 404), ("x_chief", 404), ("district", 404), ("liaison", 404), ("ent_user", 403), ("anon", 302)],
)
def test_a_batch_is_its_uploaders_alone(
    personas: Personas, django_capture_on_commit_callbacks: Capture, key: str, status: int
) -> None:
    p = personas
    batch = uploaded(client_of(p.chief), django_capture_on_commit_callbacks, ledger(p, rows(p, 1)))
    client = client_of(p.user(key))
    for url in ("", "progress/", "errors.xlsx"):
        assert client.get(f"/imports/{batch.pk}/{url}").status_code == status, url
    for url in ("commit/", "undo/", "mapping/"):
        assert client.post(f"/imports/{batch.pk}/{url}").status_code == status, url
    if status == 404:
        assert batch.original_name not in client.get("/imports/").content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED


def test_who_may_upload(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p = personas
    liaison = client_of(p.liaison)
    page = liaison.get("/imports/").content.decode()
    assert '<option value="enterprises"' not in page and "/imports/template/enterprises.xlsx" not in page
    assert upload(liaison, django_capture_on_commit_callbacks, ledger(p, rows(p, 1))).status_code == 403
    assert liaison.get("/imports/template/enterprises.xlsx").status_code == 403
    assert client_of(p.ent_user).get("/imports/").status_code == 403
    assert client_of(p.chief).get("/imports/template/nothing.xlsx").status_code == 404
    assert not ImportBatch.objects.exists()
    for key in ("district", "member"):
        assert '<option value="enterprises"' in client_of(p.user(key)).get("/imports/").content.decode()


def test_menu_entry_and_the_enterprise_lists_import_button(personas: Personas) -> None:
    entry = next(item for item in items_for("team_member", "transfer") if item["key"] == "transfer")
    assert entry["url"] == "/imports/" and entry["active"]
    assert "transfer" not in [item["key"] for item in items_for("enterprise", "")]
    button = 'data-testid="enterprises-import"'
    assert button in client_of(personas.chief).get("/enterprises/").content.decode()
    assert button not in client_of(personas.liaison).get("/enterprises/").content.decode()
