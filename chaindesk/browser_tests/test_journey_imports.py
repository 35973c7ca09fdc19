"""Issue 13's journey in a real browser, as the team member 王志华 (生物医药) brings the office's own enterprise ledger
in: a title row and a unit note above the header, four enterprises, one with a mistyped credit code and one with an
impossible date. The dry run lists both errors by row and column and holds the commit back; the error list is
downloaded, fixed where it says, uploaded again (0 errors) and committed. The same file uploaded once more finds every
row unchanged and offers nothing to import; the committed batch is undone and the four enterprises are gone.

Nothing but the browser moves the story; the database is only read (to build the ledger from the demo's names and to
assert). Screenshots: import-list, import-dry-run-errors, import-fixed, import-committed, import-reimport."""

import io

import openpyxl
import pytest

from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import make_uscc
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

pytestmark = pytest.mark.browser

HEADER = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "所在地区",
    "所属产业链",
    "成立日期",
    "联系人",
    "联系电话",
    "2025年营业收入",
]
NAMES = ["泰州瑞康医疗器械有限公司", "兴化华晟生物材料有限公司", "江苏康禾药业科技有限公司", "泰州博远检测技术有限公司"]
BAD_USCC = "91321281MA1X4Y5Z6X"  # the check digit is wrong
BAD_DATE = "2021年13月5日"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ledger() -> tuple[bytes, list[str]]:
    chain = Chain.objects.get(code="biomed")
    enterprise = Enterprise.objects.filter(chains=chain).select_related("region").order_by("pk").first()
    assert enterprise is not None, "the demo's 生物医药 chain serves enterprises"
    region = enterprise.region
    codes = [make_uscc(f"journey-import-{n}", region.code) for n in range(len(NAMES))]
    rows: list[list[object]] = [
        [
            n + 1,
            name,
            code,
            region.name,
            chain.name,
            f"2019年{n + 3}月{n + 8}日",
            f"联系人{n + 1}",
            f"1380523{n:04d}",
            f"{n + 1}.2亿元",
        ]
        for n, (name, code) in enumerate(zip(NAMES, codes, strict=True))
    ]
    rows[1][2] = BAD_USCC
    rows[3][5] = BAD_DATE
    top: list[list[object]] = [["2025年生物医药产业链重点企业名录"], [None] * 8 + ["单位：万元"]]
    return ledgers.xlsx(Sheet([*top, HEADER, *rows], merges=["A1:I1"], name="企业名录")), codes


def _upload(page, name: str, data: bytes) -> ImportBatch:  # noqa: ANN001
    page.goto(f"{page.base_url}/imports/")
    form = page.locator('[data-testid="import-upload"]')
    form.locator("select[name=kind]").select_option("enterprises")
    form.locator("input[name=file]").set_input_files({"name": name, "mimeType": XLSX_TYPE, "buffer": data})
    form.locator('[data-testid="import-submit"]').click()
    page.wait_for_selector('[data-testid="batch-counts"]')
    batch = ImportBatch.objects.filter(original_name=name).latest("pk")
    assert page.url.endswith(f"/imports/{batch.pk}/")
    return batch


def _count(page, outcome: str) -> str:  # noqa: ANN001
    return page.locator(f'[data-testid="count-{outcome}"] .h2').inner_text().strip()


def test_team_member_imports_a_ledger_fixes_its_errors_commits_reimports_and_undoes(page, login, shot):  # noqa: ANN001
    page.on("dialog", lambda dialog: dialog.accept())
    data, codes = _ledger()
    before = Enterprise.objects.count()
    login(page, "wangzh")
    page.goto(f"{page.base_url}/enterprises/")
    page.click('a[href="/imports/"]')
    page.wait_for_selector('[data-testid="import-upload"]')
    shot(page, "import-list")

    # The dry run: two errors named by row and column; nothing written; the commit held back.
    batch = _upload(page, "生物医药企业名录.xlsx", data)
    assert (_count(page, "new"), _count(page, "error")) == ("2", "2")
    rows = page.locator('[data-testid="result-row"]')
    text = page.locator('[data-testid="batch-rows"]').inner_text()
    assert "第 5 行" in text or "5" in rows.nth(1).inner_text()
    assert "统一社会信用代码" in text and BAD_DATE in text
    assert page.locator('[data-testid="batch-commit"]').is_disabled()
    assert "错误" in page.locator('[data-testid="commit-block"]').inner_text()
    assert Enterprise.objects.count() == before
    shot(page, "import-dry-run-errors")

    # The error list, fixed where it says, uploaded again: 0 errors.
    with page.expect_download() as download_info:
        page.click('[data-testid="batch-errors-xlsx"]')
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    sheet = workbook.active
    assert sheet["A1"].value == "单位：万元"  # the ledger's unit note stays above the header
    header = [cell.value for cell in sheet[2]]
    assert header[: len(HEADER)] == HEADER and header[-1] == "错误说明"
    notes = {row[1]: row[-1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert "统一社会信用代码" in (notes[NAMES[1]] or "") and BAD_DATE in (notes[NAMES[3]] or "")
    for row in sheet.iter_rows(min_row=3):
        if row[1].value == NAMES[1]:
            row[2].value = codes[1]
        if row[1].value == NAMES[3]:
            row[5].value = "2021年12月5日"
    fixed = io.BytesIO()
    workbook.save(fixed)
    batch = _upload(page, "生物医药企业名录（已修正）.xlsx", fixed.getvalue())
    assert (_count(page, "new"), _count(page, "error")) == ("4", "0")
    shot(page, "import-fixed")

    # Commit: every row written at once.
    page.click('[data-testid="batch-commit"]')
    page.wait_for_selector('[data-testid="batch-body"][data-status="committed"]', timeout=30_000)
    assert Enterprise.objects.filter(uscc__in=codes).count() == 4
    assert Enterprise.objects.get(uscc=codes[3]).founded_on.isoformat() == "2021-12-05"  # type: ignore[union-attr]
    shot(page, "import-committed")

    # The same file again: every row unchanged, nothing to import, nothing duplicated.
    _upload(page, "生物医药企业名录（再次上传）.xlsx", fixed.getvalue())
    assert (_count(page, "unchanged"), _count(page, "new")) == ("4", "0")
    assert page.locator('[data-testid="batch-commit"]').is_disabled()
    assert Enterprise.objects.filter(uscc__in=codes).count() == 4
    shot(page, "import-reimport")

    # Undo the committed batch: the four enterprises are gone.
    page.goto(f"{page.base_url}/imports/{batch.pk}/")
    page.click('[data-testid="batch-undo"]')
    page.wait_for_selector('[data-testid="batch-body"][data-status="undone"]', timeout=30_000)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE
    assert not Enterprise.objects.filter(uscc__in=codes).exists()
    assert Enterprise.objects.count() == before
