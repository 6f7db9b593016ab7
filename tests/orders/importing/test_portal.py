"""The import pages, the order-list export and the round trip between them."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from ordermgmt import roles
from orders.importing.reader import BadFile, read_orders_file
from orders.models import ImportJob, Order
from tests.factories import CustomerFactory, make_order, user_with_role

from .conftest import HEADERS, good_row, xlsx

pytestmark = pytest.mark.django_db


def _file(data: bytes, name="orders.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_upload_shows_every_problem_with_row_column_value_and_fix_and_writes_nothing(client, shop):
    client.force_login(shop["sales"])
    response = client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row(quantity="abc"), good_row(sku="NOPE")]))},
                           follow=True)
    job = ImportJob.objects.get()
    assert response.redirect_chain[-1][0] == reverse("orders:import_detail", args=[job.pk])
    page = response.content.decode()
    assert "有错误" in page
    for text in ("数量不是数字", "abc", "请只填写数字", "商品编码不存在", "NOPE"):
        assert text in page
    assert "确认导入" not in page
    assert Order.objects.count() == 0


def test_preview_then_confirm_creates_the_orders(client, shop):
    client.force_login(shop["sales"])
    client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row(), good_row(sku="P0002")]))})
    job = ImportJob.objects.get()
    preview = client.get(reverse("orders:import_detail", args=[job.pk])).content.decode()
    assert "确认导入 1 个订单" in preview and "PO-1" in preview and "139****1111" in preview
    response = client.post(reverse("orders:import_confirm", args=[job.pk]), follow=True)
    assert "导入完成：创建了 1 个订单" in response.content.decode()
    order = Order.objects.get()
    assert order.number in response.content.decode() and order.lines.count() == 2


def test_warnings_need_the_confirmation_box(client, shop):
    client.force_login(shop["sales"])
    client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row(customer="新客户有限公司")]))})
    job = ImportJob.objects.get()
    page = client.get(reverse("orders:import_detail", args=[job.pk])).content.decode()
    assert "我已核对以上 1 条提示" in page
    response = client.post(reverse("orders:import_confirm", args=[job.pk]), follow=True)
    assert "需要确认" in response.content.decode() and Order.objects.count() == 0
    client.post(reverse("orders:import_confirm", args=[job.pk]), {"accept_warnings": "1"})
    assert Order.objects.count() == 1


def test_bad_files_get_one_clear_message(client, shop, settings):
    client.force_login(shop["sales"])
    response = client.post(reverse("orders:imports"), {"file": _file(b"just text", "orders.xlsx")}, follow=True)
    assert "不是 Excel 工作簿" in response.content.decode()
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED
    settings.ORDER_IMPORT_MAX_BYTES = 100
    response = client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row()]))})
    assert response.status_code == 200 and "超过上限" in response.content.decode()
    assert ImportJob.objects.count() == 1  # an oversize upload is not even stored


def test_progress_endpoint_reports_status(client, shop):
    client.force_login(shop["sales"])
    client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row()]))})
    job = ImportJob.objects.get()
    state = client.get(reverse("orders:import_progress", args=[job.pk])).json()
    assert state["status"] == "ready" and state["running"] is False


def test_roles_without_the_permission_see_no_button_and_get_403(client, shop):
    reviewer = user_with_role(roles.REVIEWER)
    client.force_login(reviewer)
    assert reverse("orders:imports") not in client.get(reverse("orders:list")).content.decode()
    assert client.get(reverse("orders:imports")).status_code == 403
    assert client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row()]))}).status_code == 403
    assert client.get(reverse("orders:import_template")).status_code == 403
    assert client.get(reverse("orders:export")).status_code == 403
    client.force_login(shop["sales"])
    page = client.get(reverse("orders:list")).content.decode()
    assert reverse("orders:imports") in page and reverse("orders:export") in page


def test_imports_of_others_are_hidden_from_a_clerk_but_visible_to_a_manager(client, shop):
    client.force_login(shop["sales"])
    client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row()]))})
    job = ImportJob.objects.get()
    client.force_login(user_with_role(roles.SALES))
    assert client.get(reverse("orders:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("orders:import_confirm", args=[job.pk])).status_code == 404
    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("orders:import_detail", args=[job.pk])).content.decode()
    assert "orders.xlsx" in page and 'data-testid="confirm-import"' not in page  # only the uploader confirms


def test_template_has_the_headers_an_example_row_and_drop_down_lists(client, shop):
    client.force_login(shop["sales"])
    response = client.get(reverse("orders:import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["订单导入"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A2"].value.startswith("示例") and sheet["F2"].value == "P0001"
    lists = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert '"是,否"' in lists and '"不开票,普票,专票"' in lists and '"对公转账,月结,货到付款,在线支付"' in lists
    assert any("商品列表" in f for f in lists)
    assert sheet.column_dimensions["D"].number_format == "@"  # phone as text: no lost leading zeros
    assert {"填写说明", "商品列表", "客户列表"} <= set(workbook.sheetnames)
    # The untouched template is not an order file yet, and says so.
    assert "没有订单数据" in str(pytest.raises(BadFile, read_orders_file, response.content).value)


def test_error_report_highlights_the_bad_cells(client, shop):
    client.force_login(shop["sales"])
    client.post(reverse("orders:imports"), {"file": _file(xlsx([good_row(), good_row(external_ref="PO-2", quantity=-1)]))})
    job = ImportJob.objects.get()
    response = client.get(reverse("orders:import_report", args=[job.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["订单导入"]
    bad = sheet.cell(row=3, column=HEADERS.index("数量") + 1)
    assert bad.value == -1 and bad.fill.fgColor.rgb.endswith("F8CBAD") and "数量必须大于0" in bad.comment.text
    assert sheet.cell(row=2, column=HEADERS.index("数量") + 1).fill.fgColor.rgb in (None, "00000000")
    assert sheet.cell(row=3, column=len(HEADERS) + 1).value == "数量（I列）：数量必须大于0"  # on its own row
    listing = [[c.value for c in r] for r in workbook["问题清单"].iter_rows(min_row=2)]
    # The cell's text, guarded like every text of an export ("-1" would start a formula).
    assert listing == [["错误", 3, "数量（I列）", "'-1", "数量必须大于0", "请填写大于0的整数"]]
    original = client.get(reverse("orders:import_file", args=[job.pk]))
    assert b"".join(original.streaming_content)[:2] == b"PK"


def test_export_follows_the_list_filters_and_neutralises_formulas(client, shop):
    sales = shop["sales"]
    evil = CustomerFactory(name="=HYPERLINK(\"http://x\")公司")
    make_order(customer=evil, external_ref="+123", notes="@SUM(1)", lines=[(shop["chair"], 2, Decimal("9.90"))])
    make_order(customer=shop["customer"], priority="urgent")
    client.force_login(sales)
    response = client.get(reverse("orders:export"), {"priority": "normal"})
    sheet = load_workbook(io.BytesIO(response.content))["订单导入"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert len(rows) == 1
    line = dict(zip(HEADERS, rows[0]))
    assert line["客户名称"] == "'=HYPERLINK(\"http://x\")公司" and line["外部单号"] == "'+123" and line["备注"] == "'@SUM(1)"
    assert line["数量"] == 2 and line["单价(元)"] == 9.9 and line["加急"] == "否"
    assert all(cell.data_type != "f" for r in sheet.iter_rows() for cell in r)


def test_export_then_re_import_round_trip(client, shop):
    sales = shop["sales"]
    client.force_login(sales)
    client.post(reverse("orders:imports"), {"file": _file(xlsx([
        good_row(notes="-先送样品", invoice_type="专票", invoice_title="上海华兴科技有限公司", urgent="是",
                 delivery_date=shop["future"]),
        good_row(sku="P0002", quantity=5, unit_price="99.99"),
        good_row(external_ref="PO-2", customer="C00001", contact_phone="010-87654321"),
    ]))})
    client.post(reverse("orders:import_confirm", args=[ImportJob.objects.get().pk]))
    before = {o.external_ref: o for o in Order.objects.prefetch_related("lines")}
    exported = client.get(reverse("orders:export")).content

    # Re-importing the export into the same system creates nothing: the orders exist.
    client.post(reverse("orders:imports"), {"file": _file(exported, "export.xlsx")})
    again = ImportJob.objects.latest("id")
    assert again.status == ImportJob.Status.INVALID, again.message
    assert again.status == ImportJob.Status.INVALID and Order.objects.count() == 2

    # Into a system without those orders it recreates them exactly.
    def snapshot(order):
        return (order.customer_id, order.contact_name, order.contact_phone, order.delivery_address, order.priority,
                order.requested_delivery_date, order.invoice_type, order.invoice_title, order.payment_method,
                order.notes, order.total, [(l.product_sku, l.quantity, l.unit_price) for l in order.lines.all()])

    expected = {ref: snapshot(order) for ref, order in before.items()}
    Order.objects.all().delete()
    client.post(reverse("orders:imports"), {"file": _file(exported, "export.xlsx")})
    job = ImportJob.objects.latest("id")
    assert job.status == ImportJob.Status.READY, job.problems
    client.post(reverse("orders:import_confirm", args=[job.pk]))
    after = {o.external_ref: snapshot(o) for o in Order.objects.prefetch_related("lines")}
    assert after == expected
    assert after["PO-1"][9] == "-先送样品"  # neutralised in the export, restored by the import
