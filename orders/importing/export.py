"""Exporting orders to .xlsx in the import template's layout (one row per line), so an
export can be edited and imported again."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from customers.privacy import ShownContact, shown_contact
from ordermgmt.language import in_platform_language
from ordermgmt.spreadsheets import neutralise

from ..models import InvoiceType, Order, OrderLine
from .columns import COLUMNS, column_letter
from .template import DATA_SHEET, HEADER_FILL, HEADER_FONT

_YES_NO = {True: "是", False: "否"}


def _header(sheet, titles: list[str]) -> None:
    row = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        row.append(cell)
    sheet.append(row)


def line_row(line: OrderLine, order: Order, *, contact: ShownContact) -> list:
    values = {
        # An order without 外部单号 exports its own number there, so that its lines stay
        # one order on re-import (and the import recognises it as already present).
        "external_ref": order.external_ref or order.number,
        "customer": order.customer.name,
        "contact_name": order.contact_name,
        "contact_phone": contact.phone,
        "address": contact.address,
        "sku": line.product_sku,
        "product_name": line.product_name,
        "product_spec": line.product_spec,
        "quantity": line.ordered_quantity,
        "unit": line.sales_unit,
        "unit_price": line.unit_price,
        "urgent": _YES_NO[order.is_urgent],
        "delivery_date": order.requested_delivery_date,
        "invoice_type": str(InvoiceType(order.invoice_type).label),
        "invoice_title": order.invoice_title,
        "payment_method": str(order.get_payment_method_display()),
        "notes": order.notes,
    }
    return [neutralise(values[column.key]) for column in COLUMNS]


@in_platform_language
def export_orders(orders, *, user) -> bytes:
    """Workbook of ``orders`` (a filtered queryset): the lines sheet, then a summary per order.
    Phones and addresses are as ``user`` may see them (masked without ``view_full_contact``;
    such an export is for reading, not for importing again)."""
    orders = orders.select_related("customer").prefetch_related("lines")
    workbook = Workbook(write_only=True)
    lines_sheet = workbook.create_sheet(DATA_SHEET)
    for index, column in enumerate(COLUMNS):
        lines_sheet.column_dimensions[column_letter(index)].width = column.width
    lines_sheet.freeze_panes = "A2"
    _header(lines_sheet, [column.header for column in COLUMNS])
    summary = []
    date_format = next(c.number_format for c in COLUMNS if c.key == "delivery_date")
    price_index = next(i for i, c in enumerate(COLUMNS) if c.key == "unit_price")
    date_index = next(i for i, c in enumerate(COLUMNS) if c.key == "delivery_date")
    for order in orders.iterator(chunk_size=500):
        contact = shown_contact(user, order.contact_details)
        for line in order.lines.all():
            row = line_row(line, order, contact=contact)
            cells = [WriteOnlyCell(lines_sheet, value=value) for value in row]
            cells[price_index].number_format = "0.00"
            if row[date_index]:
                cells[date_index].number_format = date_format
            lines_sheet.append(cells)
        summary.append([
            order.number, neutralise(order.external_ref), neutralise(order.customer.name), str(order.get_status_display()),
            str(order.get_channel_display()), timezone.localtime(order.created_at).replace(tzinfo=None),
            order.subtotal, order.tax_amount, order.total,
        ])
    summary_sheet = workbook.create_sheet("订单汇总")
    _header(summary_sheet, ["订单号", "外部单号", "客户", "状态", "下单渠道", "下单时间", "不含税金额", "税额", "价税合计"])
    for row in summary:
        summary_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

