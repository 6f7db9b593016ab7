"""Reading a bank statement file (对账单): .xlsx (``ordermgmt.workbooks``, python-calamine)
or .csv (UTF-8 or GBK, as Chinese online banking exports it) in the layouts of the common
banks. The header is found among the top rows by its column names — each bank names the
same columns differently (工行 贷方发生额, 建行 收入金额, 招行 贷方金额 …) — and every row
either becomes a transaction or a problem with its row number: nothing is dropped silently."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from ordermgmt import cells
from ordermgmt.workbooks import BadFile, UploadLimits, open_upload

HEADER_SEARCH_ROWS = 15
MAX_ROWS = 20_000

# Field → the names the banks give its column (compared without spaces and case).
ALIASES = {
    "date": ["交易日期", "交易时间", "交易日", "记账日期", "入账日期", "日期"],
    "payer_name": ["对方户名", "对方名称", "对方单位", "对方账户名称", "付款人名称", "付款方户名", "收/付方名称"],
    "payer_account": ["对方账号", "对方帐号", "对方账户", "付款人账号", "付款方账号", "收/付方帐号", "收/付方账号"],
    "credit": ["收入金额", "贷方发生额", "贷方金额", "收入", "存入金额", "贷方发生额(收入)", "收入金额(元)"],
    "debit": ["支出金额", "借方发生额", "借方金额", "支出", "取出金额", "借方发生额(支出)", "支出金额(元)"],
    "reference": ["摘要", "附言", "用途", "交易附言", "摘要/附言", "备注", "交易用途"],
}
_INDEX = {re.sub(r"\s", "", name).casefold(): key for key, names in ALIASES.items() for name in names}

# Which bank's export a header looks like (shown on the statement; the reading is the same).
LAYOUTS = [
    ("工商银行", {"交易日期", "对方户名", "对方账号", "贷方发生额", "借方发生额", "摘要"}),
    ("建设银行", {"交易时间", "对方户名", "对方账号", "收入金额", "支出金额", "摘要"}),
    ("招商银行", {"交易日", "收/付方名称", "收/付方帐号", "贷方金额", "借方金额", "用途"}),
]
GENERIC = "通用格式"


@dataclass
class Transaction:
    row: int
    day: date
    payer_name: str
    payer_account: str
    amount: Decimal  # + money in, − money out
    reference: str


@dataclass
class ParsedStatement:
    layout: str = GENERIC
    transactions: list[Transaction] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


def _key(value) -> str | None:
    return _INDEX.get(re.sub(r"\s", "", cells.text(value)).casefold())


def layout_of(headers: set[str]) -> str:
    for name, signature in LAYOUTS:
        if signature <= headers:
            return name
    return GENERIC


def read_statement(data: bytes, file_name: str) -> ParsedStatement:
    """The transactions of a statement file. ``BadFile`` when the file as a whole is unusable."""
    rows = _csv_rows(data) if file_name.lower().endswith(".csv") else _xlsx_rows(data)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions = {}
        for column, value in enumerate(row):
            key = _key(value)
            if key and key not in positions:
                positions[key] = column
        if {"date", "credit"} <= positions.keys() and len(positions) >= 3:
            headers = {re.sub(r"\s", "", cells.text(v)) for v in row if cells.text(v)}
            parsed = ParsedStatement(layout=layout_of(headers))
            for number, values in enumerate(rows[index + 1:], start=index + 2):
                _read_row(parsed, number, values, positions)
            return parsed
    raise BadFile("找不到表头：前 15 行中没有“交易日期”“收入金额/贷方发生额”等列名",
                  "请上传网银导出的对账单明细（需包含交易日期、对方户名、对方账号、收入金额、摘要）")


def _xlsx_rows(data: bytes) -> list[list]:
    upload = open_upload(data, UploadLimits(max_bytes=10 * 1024 * 1024, max_unpacked_bytes=100 * 1024 * 1024,
                                            max_rows=MAX_ROWS, max_columns=60,
                                            too_big_hint="请按月分别导出对账单后再上传"))
    with upload.workbook:
        for name, sheet in upload.visible_sheets():
            upload.check_shape(name, sheet)
            return [list(row) for row in sheet.iter_rows()]
    raise BadFile("文件里没有可读的工作表", "请在 Excel 中重新保存为 .xlsx 后再上传")


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadFile("无法识别文件编码", "请导出为 UTF-8 或 GBK 编码的 CSV")
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS:
        raise BadFile(f"文件超过 {MAX_ROWS} 行", "请按月分别导出对账单后再上传")
    return rows


def _cell(values: list, positions: dict, key: str):
    column = positions.get(key)
    return values[column] if column is not None and column < len(values) else None


def _read_row(parsed: ParsedStatement, number: int, values: list, positions: dict) -> None:
    if not any(cells.text(v) for v in values):
        return
    raw_date = _cell(values, positions, "date")
    try:
        day = parse_day(raw_date)
        credit = parse_amount(_cell(values, positions, "credit"))
        debit = parse_amount(_cell(values, positions, "debit"))
    except ValueError as error:
        parsed.problems.append({"row": number, "message": str(error)})
        return
    if day is None:
        if any(k in cells.text(raw_date) for k in ("合计", "总计", "小计")) or not cells.text(raw_date):
            parsed.problems.append({"row": number, "message": "没有交易日期（合计行或空行），未导入"})
        else:
            parsed.problems.append({"row": number, "message": f"交易日期“{cells.text(raw_date)}”无法识别"})
        return
    amount = (credit or Decimal("0")) - (debit or Decimal("0"))
    if amount == 0:
        parsed.problems.append({"row": number, "message": "收入和支出金额都为空或为 0，未导入"})
        return
    parsed.transactions.append(Transaction(
        row=number, day=day, amount=amount,
        payer_name=cells.text(_cell(values, positions, "payer_name"))[:200],
        payer_account=_account(_cell(values, positions, "payer_account")),
        reference=cells.text(_cell(values, positions, "reference"))[:200],
    ))


def parse_day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 20000 < value < 80000:  # an Excel serial date
        return date(1899, 12, 30) + timedelta(days=int(value))
    text = cells.text(value)
    if not text:
        return None
    match = re.match(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})", text)
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        raise ValueError(f"交易日期“{text}”不是有效日期") from None


def parse_amount(value) -> Decimal | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value:.15g}"
    text = cells.code(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    if not text or text in ("-", "--"):
        return None
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"金额“{cells.text(value)}”不是数字") from None
    if amount < 0:
        raise ValueError(f"金额“{cells.text(value)}”为负数：收入和支出请分列填写")
    return amount


def _account(value) -> str:
    if isinstance(value, float):  # a long account number typed as a number
        value = f"{value:.0f}"
    return re.sub(r"[\s-]", "", cells.code(value))[:40]
