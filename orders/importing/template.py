"""The downloadable import template (.xlsx, written with openpyxl)."""

import io
from datetime import timedelta

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from inventory.models import Product
from ordermgmt.language import in_platform_language

from .columns import BY_KEY, COLUMNS, EXAMPLE_PREFIX, column_letter
from .conf import limit

DATA_SHEET = "订单导入"
HEADER_FILL = PatternFill("solid", fgColor="1D5FBF")
REQUIRED_FILL = PatternFill("solid", fgColor="C62828")
HEADER_FONT = Font(bold=True, color="FFFFFF")
EXAMPLE_FONT = Font(italic=True, color="808080")


def style_header(sheet, *, with_comments: bool = True) -> None:
    for index, column in enumerate(COLUMNS):
        cell = sheet.cell(row=1, column=index + 1, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if with_comments:
            cell.comment = Comment(("必填。" if column.required else "") + column.help, "订单平台", width=260, height=110)
        sheet.column_dimensions[column_letter(index)].width = column.width
        sheet.column_dimensions[column_letter(index)].number_format = column.number_format
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 22


def _list_validation(sheet, key: str, options: list[str], last_row: int) -> None:
    letter = column_letter(COLUMNS.index(BY_KEY[key]))
    validation = DataValidation(
        type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
        showErrorMessage=True, errorTitle="请从列表中选择", error="只能填写：" + " / ".join(options),
    )
    validation.add(f"{letter}2:{letter}{last_row}")
    sheet.add_data_validation(validation)


@in_platform_language
def build_template(*, customers) -> bytes:
    """``customers``: those the downloading user may see (its 客户 sheet lists them)."""
    today = timezone.localdate()
    last_row = limit("ORDER_IMPORT_MAX_ROWS") + 1
    products = list(Product.objects.filter(is_active=True).order_by("sku"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    style_header(sheet)

    sample = products[0] if products else None
    example = {column.key: column.example for column in COLUMNS}
    example["external_ref"] = f"{EXAMPLE_PREFIX}-0001"
    example["delivery_date"] = today + timedelta(days=7)
    if sample is not None:
        example.update(sku=sample.sku, product_name=sample.name, product_spec=sample.spec,
                       unit_price=float(sample.list_price))
    for index, column in enumerate(COLUMNS):
        cell = sheet.cell(row=2, column=index + 1, value=example[column.key])
        cell.font = EXAMPLE_FONT
        cell.number_format = column.number_format
    sheet.cell(row=2, column=1).comment = Comment(
        "示例行：外部单号以“示例”开头的行不会被导入。可直接覆盖或删除。", "订单平台", width=240, height=70
    )

    _list_validation(sheet, "urgent", ["是", "否"], last_row)
    _list_validation(sheet, "invoice_type", ["不开票", "普票", "专票"], last_row)
    _list_validation(sheet, "payment_method", ["对公转账", "月结", "货到付款", "在线支付"], last_row)
    quantity = column_letter(COLUMNS.index(BY_KEY["quantity"]))
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True,
                           showErrorMessage=True, errorTitle="数量", error="数量必须是大于0的整数")
    whole.add(f"{quantity}2:{quantity}{last_row}")
    sheet.add_data_validation(whole)
    price = column_letter(COLUMNS.index(BY_KEY["unit_price"]))
    decimal = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             showErrorMessage=True, errorTitle="单价", error="单价必须是不小于0的金额，最多两位小数")
    decimal.add(f"{price}2:{price}{last_row}")
    sheet.add_data_validation(decimal)
    delivery = column_letter(COLUMNS.index(BY_KEY["delivery_date"]))
    dates = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                           showErrorMessage=True, errorTitle="期望交付日期", error="请填写日期，如 2026-12-31")
    dates.add(f"{delivery}2:{delivery}{last_row}")
    sheet.add_data_validation(dates)
    if products:
        sku = column_letter(COLUMNS.index(BY_KEY["sku"]))
        # A warning, not a stop: a product added after the download must still be typable.
        codes = DataValidation(type="list", formula1=f"'商品列表'!$A$2:$A${len(products) + 1}", allow_blank=True,
                               showErrorMessage=True, errorStyle="warning", errorTitle="商品编码",
                               error="商品列表中没有这个编码，请核对")
        codes.add(f"{sku}2:{sku}{last_row}")
        sheet.add_data_validation(codes)

    _instructions(workbook.create_sheet("填写说明"))
    _products(workbook.create_sheet("商品列表"), products)
    _customers(workbook.create_sheet("客户列表"), customers)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(sheet) -> None:
    sheet.append(["订单批量导入 · 填写说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    for text in [
        "1. 在“订单导入”工作表的表头下方逐行填写，一行是订单中的一种商品。红色表头为必填列。",
        "2. 同一订单有多种商品时，各行填写相同的外部单号；不填外部单号的每一行都单独成为一个订单。",
        "3. 已导入过的外部单号（同一客户）不会重复创建；没有外部单号时，同一客户当天内容完全相同的订单需要确认。",
        f"4. 每个文件最多 {limit('ORDER_IMPORT_MAX_ROWS')} 行、{limit('ORDER_IMPORT_MAX_BYTES') // 1024 // 1024} MB；请勿修改表头。",
        "5. 上传后系统会逐格校验并列出所有问题；全部正确并确认后才会一次性创建全部订单（要么全部导入，要么都不导入）。",
        "6. 外部单号以“示例”开头的行是示例，不会被导入。",
    ]:
        sheet.append([text])
    sheet.append([])
    sheet.append(["列名", "必填", "说明", "示例"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        sheet.append([column.header, "是" if column.required else "", column.help,
                      str(column.example) if column.example != "" else ""])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 6
    sheet.column_dimensions["C"].width = 90
    sheet.column_dimensions["D"].width = 24


def _products(sheet, products) -> None:
    sheet.append(["商品编码", "商品名称", "规格型号", "单位", "标准单价(元,不含税)", "税率", "库存类型"])
    for product in products:
        sheet.append([product.sku, product.name, product.spec, product.unit, float(product.list_price),
                      f"{product.vat_rate * 100:.0f}%", product.get_stock_type_display()])
    for letter, width in zip("ABCDEFG", (14, 24, 18, 6, 18, 8, 10)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _customers(sheet, customers) -> None:
    sheet.append(["客户编码", "客户全称"])
    for code, name in customers.order_by("code").values_list("code", "name"):
        sheet.append([code, name])
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 40
    sheet.freeze_panes = "A2"
