"""Files finance hands out: the ageing and a statement as .xlsx, a statement as PDF."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ordermgmt.spreadsheets import neutralise

from .pdf import render_pdf
from .statements import Statement

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
MONEY_FORMAT = "#,##0.00"
PDF_STYLESHEET = "css/statement_pdf.css"


def _sheet(workbook, title: str, headers: list[str], rows: list[list]):
    sheet = workbook.create_sheet(title[:31])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if cell.data_type == "n" and not isinstance(cell.value, int):
                cell.number_format = MONEY_FORMAT
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(header) * 2 + 2)
    return sheet


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ageing_workbook(report: dict) -> bytes:
    """应收账龄: one line per customer, then per owner (负责销售)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    labels = [b.label for b in report["buckets"]]
    headers = ["客户编码", "客户名称", "负责销售", "账期(天)", *labels, "应收合计", "其中逾期", "多收待退", "净额"]
    rows = [[line.customer.code, line.customer.name, line.owner_name, line.customer.payment_terms_days,
             *line.bucket_amounts, line.row.receivable, line.row.overdue, line.row.owed_back, line.row.net]
            for line in report["lines"]]
    total = report["total"]
    rows.append(["", total.label, "", "", *total.bucket_amounts, total.receivable,
                 total.receivable - total.buckets["current"], total.owed_back, total.net])
    _sheet(workbook, f"应收账龄 {report['today']:%Y-%m-%d}", headers, rows)
    _sheet(workbook, "按负责销售", ["负责销售", "客户数", *labels, "应收合计", "多收待退", "净额"],
           [[o.label, o.customers, *o.bucket_amounts, o.receivable, o.owed_back, o.net] for o in report["owners"]])
    return _saved(workbook)


def statement_workbook(statement: Statement) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    customer = statement.customer
    rows = [["", "", "", "期初余额", None, None, statement.opening]]
    rows += [[line.day, line.kind_label, line.entry.reference, line.entry.description, line.entry.debit or None,
              line.entry.credit or None, line.balance] for line in statement.lines]
    rows.append(["", "", "", "本期合计", statement.debits, statement.credits, statement.closing])
    sheet = _sheet(workbook, "对账单", ["日期", "类型", "单号", "摘要", "增加应收", "减少应收", "余额"], rows)
    sheet.insert_rows(1, 2)
    sheet["A1"] = neutralise(f"{customer.name}（{customer.code}）对账单")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"期间：{statement.start:%Y-%m-%d} 至 {statement.end:%Y-%m-%d}　期末余额：{statement.closing:,.2f}"
    _invoices_sheet(workbook, statement)
    return _saved(workbook)


def _invoices_sheet(workbook, statement: Statement) -> None:
    """本期发票: the period's invoices for the customer's books, beside (not in) the balance."""
    rows = [[invoice.issued_on, invoice.number, invoice.code, invoice.get_kind_display(),
             invoice.get_invoice_type_display(), invoice.total, invoice.reverses.number if invoice.reverses else ""]
            for invoice in statement.invoices]
    rows.append(["", "", "", "", "本期开票合计（含红字）", statement.invoiced_total, ""])
    sheet = _sheet(workbook, "本期发票", ["开票日期", "发票号码", "发票代码", "蓝字/红字", "发票类型", "价税合计", "原蓝字发票"],
                   rows)
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        if cell.value:
            cell.number_format = "yyyy-mm-dd"


def statement_pdf(statement: Statement) -> bytes:
    """The statement as a PDF (``finance.pdf``: weasyprint, with a CJK font)."""
    return render_pdf("finance/statement_pdf.html", {"statement": statement}, stylesheet=PDF_STYLESHEET)
