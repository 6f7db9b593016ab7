"""A month's vouchers, numbered, and the Excel the ledger imports.

Layout (one row per entry; the rows of one voucher are consecutive and share 日期 + 凭证字 +
凭证号, which is how 用友's 总账工具 and 金蝶 KIS's 凭证引入 recognise a voucher):

日期 | 会计期间 | 凭证字 | 凭证号 | 附单据数 | 分录号 | 摘要 | 科目代码 | 科目名称 | 借方金额 | 贷方金额 | 往来单位 | 币别 | 制单人

Amounts are numbers with two decimals, one side of each entry zero; 凭证字 is 记; 币别 RMB."""

import calendar
from datetime import date

from openpyxl import Workbook

from ordermgmt.spreadsheets import neutralise

from ..models import DEFAULT_ACCOUNTS, AccountMapping
from ..spreadsheets import workbook_bytes
from .builders import BUILDERS
from .entries import Voucher

COLUMNS = ["日期", "会计期间", "凭证字", "凭证号", "附单据数", "分录号", "摘要", "科目代码", "科目名称", "借方金额",
           "贷方金额", "往来单位", "币别", "制单人"]
VOUCHER_WORD = "记"
PREPARER = "订单平台"


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def account_codes() -> dict[str, tuple[str, str]]:
    codes = {role: pair for role, pair in DEFAULT_ACCOUNTS.items()}
    codes.update({m.role: (m.code, m.name) for m in AccountMapping.objects.all()})
    return codes


def month_vouchers(month: date) -> list[Voucher]:
    """Every builder's vouchers of the month, by date (then by source, then as built), numbered 1…"""
    start, end = month_bounds(month)
    accounts = account_codes()
    vouchers = [v for builder in BUILDERS for v in builder(start, end, accounts)]
    order = {id(v): i for i, v in enumerate(vouchers)}
    vouchers.sort(key=lambda v: (v.on, order[id(v)]))
    for number, voucher in enumerate(vouchers, start=1):
        voucher.number = number
    return vouchers


def vouchers_workbook(month: date) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"凭证{month:%Y%m}"
    sheet.append(COLUMNS)
    for voucher in month_vouchers(month):
        for line_no, entry in enumerate(voucher.entries, start=1):
            sheet.append([neutralise(v) for v in [
                voucher.on.isoformat(), voucher.on.month, VOUCHER_WORD, voucher.number, voucher.attachments, line_no,
                entry.summary, entry.account_code, entry.account_name, entry.debit, entry.credit, entry.partner, "RMB",
                PREPARER,
            ]])
    for column, width in zip("ABCDEFGHIJKLMN", [12, 8, 6, 6, 8, 6, 44, 12, 28, 14, 14, 24, 6, 10]):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(workbook)
