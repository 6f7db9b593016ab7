"""A sheet whose used range is far larger than an order file can be (issue 13, item 2).

A 2 KB file with the headers in A1:G1 and one more cell at XFD1048576 used to make the
reader allocate the whole sparse range (1,048,576 × 16,384 cells, about 549 GB): the
process aborted. The command test runs the real ``manage.py`` in a child process whose
address space is capped, so that the old behaviour shows as a crash of the child, never
of the test run or of the machine.
"""

import io
import os
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from ordermgmt.workbook_safety import UnsafeWorkbook, check_workbook
from orders.importing import services
from orders.importing.reader import BadFile, read_orders_file
from orders.models import ImportJob, Order

from .conftest import HEADERS, far_cell_xlsx, good_row, header_row_xml, inline_cell, package, sheet_xml, xlsx
from .helpers import check

ADDRESS_SPACE_CAP = 3 * 1024**3  # plenty for Django; far less than the range the old reader allocated
MANAGE_PY = Path(__file__).resolve().parents[3] / "manage.py"


class ChildDatabase:
    """The test database as a child process sees it: what this test committed, and what
    the child then wrote."""

    def __init__(self, tmp_path):
        self.copy = tmp_path / "child.sqlite3" if connection.vendor == "sqlite" else None

    def url(self) -> str:
        if self.copy is not None:  # the in-memory SQLite test database, copied to a file
            connection.ensure_connection()
            with sqlite3.connect(self.copy) as target:
                connection.connection.backup(target)
            return f"sqlite:///{self.copy}"
        db = connection.settings_dict
        login = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}" if db.get("PASSWORD") else quote(db["USER"])
        return f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

    def import_jobs(self) -> list[tuple[str, str]]:
        if self.copy is None:
            return list(ImportJob.objects.values_list("status", "message"))
        with sqlite3.connect(self.copy) as db:
            return db.execute(f"SELECT status, message FROM {ImportJob._meta.db_table}").fetchall()


@pytest.fixture
def child_database(transactional_db, tmp_path):
    return ChildDatabase(tmp_path)


# Started by a fresh interpreter, not by the test process: a child forked from this process
# starts with its memory counted (ru_maxrss inherits the parent's resident size at fork, vfork
# and exec included), so a test run that had grown — hypothesis, a batch of 500 orders — made a
# 170 MB child look like 340 MB. The small launcher reports its own child's figures.
_LAUNCHER = """
import os, resource, subprocess, sys
cap, out, err, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
with open(out, "w") as stdout, open(err, "w") as stderr:
    child = subprocess.Popen(args, preexec_fn=limit, stdout=stdout, stderr=stderr)
    _pid, status, usage = os.wait4(child.pid, 0)  # this child's own figures, not all children's
print(os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def run_capped(args: list[str], *, env: dict[str, str], workdir) -> tuple[int, str, str, float, float, float]:
    """Run ``manage.py args`` in a child limited to ``ADDRESS_SPACE_CAP``: its exit status,
    output, error output, wall and CPU seconds, and peak resident memory in MB."""
    out, err = workdir / "stdout.txt", workdir / "stderr.txt"
    started = time.monotonic()
    launcher = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(ADDRESS_SPACE_CAP), str(out), str(err), sys.executable, str(MANAGE_PY),
         *args], env=env, capture_output=True, text=True, check=True,
    )
    wall = time.monotonic() - started
    status, cpu, maxrss_kb = launcher.stdout.split()
    return int(status), out.read_text(), err.read_text(), wall, float(cpu), int(maxrss_kb) / 1024


def test_import_orders_refuses_a_2_kb_file_reaching_xfd1048576_in_2_s_and_300_mb(shop, child_database, tmp_path):
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell_xlsx("XFD1048576"))
    assert path.stat().st_size < 2048
    env = os.environ | {"DATABASE_URL": child_database.url(), "MEDIA_ROOT": str(tmp_path / "media"),
                        "RUST_BACKTRACE": "0"}

    status, stdout, stderr, wall, cpu, peak_mb = run_capped(
        ["import_orders", str(path), "--user", shop["sales"].username], env=env, workdir=tmp_path)

    print(f"import_orders on the XFD1048576 file: exit {status}, {wall:.2f} s wall, {cpu:.2f} s CPU, "
          f"peak {peak_mb:.0f} MB")
    assert status == 1, stderr[-2000:]
    assert len(stdout.strip().splitlines()) == 1
    assert "XFD1048576" in stdout and "订单导入" in stdout
    assert len(stderr.strip().splitlines()) == 1  # the exit message, no traceback
    # Before the guard the process died allocating 549 GB; memory is the deterministic proof.
    # Time is only a guard against a pathological slope (the figures belong to the printed
    # line above, not to a timed assertion on a machine that may be busy).
    assert cpu < 20.0
    assert peak_mb < 300
    [(status, message)] = child_database.import_jobs()
    assert status == ImportJob.Status.FAILED and "XFD1048576" in message


# --- the reader: every place that opens an uploaded order file goes through it ----------

def _refusal(data: bytes) -> str:
    started = time.monotonic()
    with pytest.raises(BadFile) as caught:
        read_orders_file(data)
    assert time.monotonic() - started < 1  # refused from a scan, nothing materialised
    return str(caught.value)


@pytest.mark.parametrize("dimension", ["auto", "A1:G1", None], ids=["true-dimension", "lying-dimension", "no-dimension"])
@pytest.mark.parametrize("far, used_range", [("XFD1048576", "A1:XFD1048576"), ("AD1048576", "A1:AD1048576"),
                                              ("A1048576", "A1:G1048576"), ("XFD2", "A1:XFD2")])
def test_a_sheet_used_beyond_the_template_columns_or_the_row_limit_is_refused_with_one_message(far, used_range, dimension):
    message = _refusal(far_cell_xlsx(far, dimension=dimension))
    assert f"工作表“订单导入”的使用范围是 {used_range}" in message
    assert "超出" in message and "删除" in message  # what is wrong and what to do


@pytest.mark.parametrize("body", [
    # No cell reference: the cell goes after the previous one, in the row after the previous row.
    header_row_xml() + '<row r="1048575"><c r="A1048575"/></row><row>' + inline_cell(None, "x") + "</row>",
    header_row_xml() + '<row r="2">' + "<c/>" * 40 + inline_cell(None, "x") + "</row>",
    # The reference written in ways the common programs don't, but a reader accepts.
    header_row_xml() + '<row r="1048576"><c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c></row>',
    header_row_xml() + "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
    header_row_xml() + '<row r="1048576"><c r = "xfd1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    header_row_xml() + '<row r="1048576"><c r="&#88;FD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    header_row_xml() + '<row r="1048576"><c s="0" t="inlineStr" x="a>b" r="XFD1048576"><is><t>x</t></is></c></row>',
], ids=["row-without-reference", "cells-without-reference", "reference-last", "single-quotes", "lower-case",
        "character-reference", "angle-bracket-in-attribute"])
def test_a_far_cell_is_found_however_its_position_is_written(body):
    assert "超出" in _refusal(package({"订单导入": sheet_xml(body)}))


def test_a_far_cell_is_found_with_prefixed_element_names():
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="1">'
           + "".join(f'<x:c r="{c}1" t="inlineStr"><x:is><x:t>{h}</x:t></x:is></x:c>' for c, h in zip("ABC", HEADERS))
           + '</x:row><x:row r="1048576"><x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>'
           + "</x:row></x:sheetData></x:worksheet>")
    assert "超出" in _refusal(package({"订单导入": xml}))


def test_a_declared_range_beyond_the_limits_is_refused_even_when_the_cells_are_few():
    message = _refusal(package({"订单导入": sheet_xml(header_row_xml(), dimension="A1:XFD1048576")}))
    assert "A1:XFD1048576" in message


def test_a_package_holding_two_parts_of_the_same_name_is_refused():
    data = far_cell_xlsx("H3")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("XL/Worksheets/Sheet1.xml", sheet_xml(header_row_xml(), dimension="A1:XFD1048576"))
    assert "损坏" in _refusal(buffer.getvalue())


def test_a_part_unpacking_to_more_than_its_zip_entry_declares_is_refused():
    data = far_cell_xlsx("XFD1048576", dimension=None)
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
        content = archive.read(part)
    declared = content.find(b'<row r="1048576">')  # what a trusting reader would stop at
    lied = bytearray(data)
    central = lied.find(b"PK\x01\x02")
    while lied[central + 46:central + 46 + len(part)] != part.encode():  # this part's directory record
        central = lied.find(b"PK\x01\x02", central + 4)
    for crc_at, size_at in ((info.header_offset + 14, info.header_offset + 22), (central + 16, central + 24)):
        struct.pack_into("<I", lied, crc_at, zlib.crc32(content[:declared]))
        struct.pack_into("<I", lied, size_at, declared)
    assert zipfile.ZipFile(io.BytesIO(bytes(lied))).read(part) == content[:declared]
    # The check must see all a reader could unpack, not only what the entry admits to.
    with pytest.raises(UnsafeWorkbook, match="损坏"):
        check_workbook(bytes(lied), max_rows=20_000, max_columns=32, max_unpacked_bytes=10**9)
    assert "损坏" in _refusal(bytes(lied))


def test_merged_ranges_reaching_far_below_the_data_cost_nothing(shop):
    data = xlsx([good_row(), good_row(external_ref=None, customer=None, sku="P0002")], merges=["A2:A3"])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        sheet = source.read("xl/worksheets/sheet1.xml").decode()
    stray = '<mergeCell ref="R10:XFD1048576"/>'
    sheet = sheet.replace('<mergeCells count="1">', f'<mergeCells count="2">{stray}')
    assert stray in sheet
    started = time.monotonic()
    plan = check(_replace_part(data, "xl/worksheets/sheet1.xml", sheet))
    assert time.monotonic() - started < 30  # cell by cell over the merge would take hours
    assert not plan.errors and plan.line_count == 2 and len(plan.orders) == 1


def test_merged_ranges_piled_on_top_of_each_other_are_refused(shop):
    data = xlsx([good_row()])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        sheet = source.read("xl/worksheets/sheet1.xml").decode()
    pile = '<mergeCells count="5000">' + '<mergeCell ref="A2:P20010"/>' * 5000 + "</mergeCells>"
    sheet = sheet.replace("</sheetData>", "</sheetData>" + pile)
    assert "合并单元格" in _refusal(_replace_part(data, "xl/worksheets/sheet1.xml", sheet))


def test_long_lists_on_the_other_sheets_do_not_count_against_the_order_sheet(shop, settings):
    settings.ORDER_IMPORT_MAX_ROWS = 5
    workbook = load_workbook(io.BytesIO(xlsx([good_row()])))
    customers = workbook.create_sheet("客户列表")
    for n in range(200):
        customers.append([f"C{n:05d}", f"客户{n}有限公司"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = check(buffer.getvalue())
    assert not plan.errors and len(plan.orders) == 1


def _replace_part(data: bytes, name: str, content: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content.encode() if item.filename == name else source.read(item.filename))
    return buffer.getvalue()


# --- the job: ends as 失败 with the message, wherever the file is opened ---------------

def test_an_oversized_upload_fails_its_job_with_the_message_and_its_pages_open(client, shop):
    client.force_login(shop["sales"])
    upload = SimpleUploadedFile("far.xlsx", far_cell_xlsx("XFD1048576"))
    response = client.post(reverse("orders:imports"), {"file": upload}, follow=True)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and "A1:XFD1048576" in job.message
    assert "A1:XFD1048576" in response.content.decode()
    report = client.get(reverse("orders:import_report", args=[job.pk]))
    listing = [[c.value for c in r] for r in load_workbook(io.BytesIO(report.content))["问题清单"].iter_rows(min_row=2)]
    assert len(listing) == 1 and "A1:XFD1048576" in listing[0][4]


def test_the_worker_and_the_confirmed_run_fail_the_job_with_the_message(shop):
    from orders import tasks

    job = services.import_job_create(user=shop["sales"], name="far.xlsx", content=far_cell_xlsx("AD1048576"))
    assert tasks.import_validate(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "A1:AD1048576" in job.message

    job = services.import_job_create(user=shop["sales"], name="ok.xlsx", content=xlsx([good_row()]))
    services.import_job_validate(job=job)
    services.import_job_confirm(job=job, user=shop["sales"])
    with job.file.storage.open(job.file.name, "wb") as stored:  # the file changed since the preview
        stored.write(far_cell_xlsx("XFD1048576"))
    assert tasks.import_run(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "A1:XFD1048576" in job.message and not Order.objects.exists()
