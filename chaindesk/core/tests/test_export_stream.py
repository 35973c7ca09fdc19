"""Exports are streamed (issue 13, item 6): every row of a list, however many, in memory that does not grow
with the rows, the same ledger, the phones masked by role, row by row as each chunk is fetched.

The rows are the enterprise registry's (`ENTERPRISES`, the export with the most per-row work: prefetched
contacts, chains, nodes and qualifications, and the phone masked unless the reader serves the enterprise),
generated here with bulk_create (set-up only; the services are tested elsewhere) in 测试甲区 on 测试甲链 of
the fixed personas (chaindesk/testkit/personas.py): its chief `p_chief` reads the phones in full, the district
administrator `p_district` of 测试甲区 masked."""

import gc
import io
import tracemalloc
from typing import Any

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from chaindesk.core import export
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Contact, Enterprise
from chaindesk.enterprises.resources import ENTERPRISES
from chaindesk.enterprises.selectors import enterprise_list
from chaindesk.testkit.personas import Personas, make_uscc

pytestmark = pytest.mark.django_db

PREFIX = "测试流式导出"
PHONE = "1391234{:04d}"  # the n-th generated enterprise's contact: 13912340000, 13912340001 …


def _generate(personas: Personas, count: int, start: int = 0) -> None:
    """`count` enterprises of 测试甲链 in 测试甲区 numbered from `start`, on its node, each with one primary
    contact named and numbered after it."""
    region, chain, node = personas.ours.region, personas.ours.chain, personas.ours.node
    names = [f"{PREFIX}{n:05d}有限公司" for n in range(start, start + count)]
    Enterprise.objects.bulk_create(
        [Enterprise(name=name, uscc=make_uscc(name, region.code), region=region) for name in names], batch_size=2000
    )
    made = dict(Enterprise.objects.filter(name__in=names).values_list("name", "pk"))
    chains, nodes = Enterprise.chains.through, Enterprise.nodes.through
    chains.objects.bulk_create([chains(enterprise_id=made[name], chain_id=chain.pk) for name in names], batch_size=2000)
    nodes.objects.bulk_create(
        [nodes(enterprise_id=made[name], chainnode_id=node.pk) for name in names], batch_size=2000
    )
    Contact.objects.bulk_create(
        [
            Contact(enterprise_id=made[name], name=f"联系人{n}", phone=PHONE.format(n % 10_000), is_primary=True)
            for n, name in enumerate(names, start=start)
        ],
        batch_size=2000,
    )


def _export(user: Any, query: str = f"q={PREFIX}") -> Any:
    """The registry's export as the view builds it (its filtered list, then `ENTERPRISES.export`)."""
    request = RequestFactory().get(f"/enterprises/export/?{query}")
    request.user = user
    qs, _sort = enterprise_list(user, request.GET.dict())
    return ENTERPRISES.export(request, qs)


def _data_rows(response: Any) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "企业名称")
    return rows[header + 1 :]


@pytest.mark.parametrize(("key", "full"), [("chief", True), ("district", False)])
def test_a_list_longer_than_a_chunk_is_exported_whole_each_row_with_its_own_masked_contact(
    personas, monkeypatch, key, full
):
    # Prefetches run once per chunk: a chunk of 3 over 8 rows proves each row still gets its own contact.
    monkeypatch.setattr(export, "EXPORT_CHUNK_SIZE", 3)
    _generate(personas, 8)
    rows = _data_rows(_export(personas.user(key)))
    assert [row[0] for row in rows] == [f"{PREFIX}{n:05d}有限公司" for n in range(8)]
    assert [row[8] for row in rows] == [f"联系人{n}" for n in range(8)]
    phones = [f"1391234{n:04d}" for n in range(8)]
    assert [row[9] for row in rows] == (phones if full else [f"{p[:3]}****{p[-4:]}" for p in phones])
    ours = personas.ours
    assert {row[3] for row in rows} == {f"{ours.chain.name}/{ours.node.name}"}  # the nodes prefetched per chunk


def test_more_rows_than_the_old_cap_are_all_exported_and_audited(personas, monkeypatch):
    # The cap was 50,000 rows; with the cap and a chunk both smaller than the list, nothing may be cut.
    monkeypatch.setattr(export, "EXPORT_CHUNK_SIZE", 4)
    _generate(personas, 10)
    response = _export(personas.chief)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert "共 10 条" in rows[1][0]
    assert rows[3][0] == "企业名称"  # title, the two notes, the header: no line saying the list was cut
    assert len(rows) - 4 == 10
    line = AuditLog.objects.get(action=AuditAction.EXPORT, actor=personas.chief)
    assert line.message.startswith("企业名录导出 10 条（共 10 条）")


def _peak_bytes(user: Any) -> int:
    """The Python heap's peak above its level before one export (the file is built on disk). The objects that
    exist before are frozen out of the collector's way (as a preloading server may do), so its collection
    once a chunk only walks what the export made, not the whole test session."""
    gc.collect()
    gc.freeze()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        response = _export(user)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    # The file itself, not response.close(): that sends request_finished, whose handler drops a connection
    # left in a transaction (the test's, on PostgreSQL).
    response.file_to_stream.close()
    return peak


def test_exporting_ten_times_the_rows_does_not_take_ten_times_the_memory(personas, monkeypatch):
    """A memory ratio, not a timing: the Python heap's peak for 10,000 rows stays under 1.5 times the peak
    for 1,000 (it grew with the rows when the whole list was loaded before the file was written). A chunk of 250
    makes both lists span several chunks, as a long list does with the real chunk of 2,000 (an export holds at
    most two chunks), while keeping the test short: tracemalloc slows the export about fivefold."""
    monkeypatch.setattr(export, "EXPORT_CHUNK_SIZE", 250)
    _generate(personas, 1_000)
    small = _peak_bytes(personas.chief)
    _generate(personas, 9_000, start=1_000)
    large = _peak_bytes(personas.chief)
    print(f"export peak: 1,000 rows {small / 2**20:.2f} MiB, 10,000 rows {large / 2**20:.2f} MiB")  # noqa: T201
    assert large < 1.5 * small  # measured 1.00; loading the whole list gave 9.4, skipping the collection 1.8
