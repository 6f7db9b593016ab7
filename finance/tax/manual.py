"""The manual tax tool: an Excel of the invoices to issue (one row per line, the columns of the
批量开票 template of the common 税控/数电 clients), and an Excel of the numbers it issued."""

from decimal import Decimal

from openpyxl import Workbook

from ordermgmt import cells
from ordermgmt.cells import CellError
from ordermgmt.spreadsheets import neutralise
from ordermgmt.workbooks import BadFile, UploadLimits, open_upload

from ..spreadsheets import workbook_bytes
from .base import IssuedNumber, Problem

EXPORT_COLUMNS = ["单据号", "发票类型", "购方名称", "购方税号", "商品名称", "规格型号", "单位", "数量", "单价(不含税)",
                  "金额(不含税)", "税率", "税额", "价税合计", "备注"]
RESULT_COLUMNS = ["单据号", "发票代码", "发票号码", "开票日期"]
RESULT_LIMITS = UploadLimits(max_bytes=5 * 1024 * 1024, max_unpacked_bytes=50 * 1024 * 1024, max_rows=5001,
                             max_columns=30, too_big_hint="一次最多导入 5000 张发票")
def _remark(invoice) -> str:
    orders = sorted({line.order.number for line in invoice.lines.all()})
    remark = "订单 " + "、".join(orders)
    if invoice.reverses_id:
        remark = f"对应蓝字发票 {invoice.reverses.code} {invoice.reverses.number}；{invoice.reason}；" + remark
    return remark


class ManualTaxTool:
    key = "manual"
    label = "手工/税控工具导入"

    def send(self, invoices) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "待开票"
        sheet.append(EXPORT_COLUMNS)
        for invoice in invoices:
            remark = _remark(invoice)
            kind = invoice.get_invoice_type_display() + ("（红字）" if invoice.is_red else "")
            for line in invoice.lines.all():
                sheet.append([neutralise(v) for v in [
                    invoice.pk, kind, invoice.title, invoice.tax_id, line.description, line.spec, line.unit,
                    line.quantity, line.unit_price, line.amount, line.vat_rate, line.tax_amount, line.total, remark,
                ]])
        return workbook_bytes(workbook)

    def issued(self, data: bytes) -> tuple[list[IssuedNumber], list[Problem]]:
        upload = open_upload(data, RESULT_LIMITS)
        with upload.workbook:
            sheets = list(upload.visible_sheets())
            if not sheets:
                raise BadFile("文件中没有工作表")
            name, sheet = sheets[0]
            upload.check_shape(name, sheet)
            rows = sheet.to_python()
        if not rows or [cells.text(v) for v in rows[0][:4]] != RESULT_COLUMNS:
            raise BadFile("表头不对", "第一行应为：" + "、".join(RESULT_COLUMNS))
        found, problems = [], []
        for index, row in enumerate(rows[1:], start=2):
            row = list(row) + [""] * (4 - len(row))
            if not any(cells.text(v) for v in row[:4]):
                continue
            try:
                invoice_id = int(Decimal(cells.code(row[0])))
                found.append(IssuedNumber(invoice_id, cells.code(row[2]), cells.code(row[1]), cells.a_date(row[3])))
            except (CellError, ArithmeticError, ValueError) as error:
                problems.append(Problem(index, str(getattr(error, "message", error)) or "单据号不正确"))
        return found, problems
