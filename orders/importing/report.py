"""The error report of an import: the file's rows with the bad cells highlighted and
explained, and the list of every problem — an .xlsx the clerk can fix and upload again."""

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ordermgmt import cells

from .columns import COLUMNS, REPORT_COLUMN, column_letter
from .problems import ERROR, WARNING, from_dict
from .reader import BadFile, read_orders_file
from .template import DATA_SHEET, HEADER_FILL, HEADER_FONT

ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
LEVEL_LABELS = {ERROR: "错误", WARNING: "需确认", "info": "说明"}


def build_error_report(data: bytes, problems: list[dict]) -> bytes:
    problems = [from_dict(p) for p in problems]
    by_cell = defaultdict(list)
    by_row = defaultdict(list)
    for problem in problems:
        if problem.row:
            by_row[problem.row].append(problem)
            by_cell[(problem.row, problem.column)].append(problem)
    workbook = Workbook(write_only=True)
    try:
        parsed = read_orders_file(data)
    except BadFile:
        parsed = None
    if parsed is not None and parsed.rows:
        sheet = workbook.create_sheet(DATA_SHEET)
        headers = [column.header for column in COLUMNS] + [REPORT_COLUMN]
        for index, column in enumerate(COLUMNS):
            sheet.column_dimensions[column_letter(index)].width = column.width
        sheet.column_dimensions[column_letter(len(COLUMNS))].width = 60
        sheet.freeze_panes = "A2"
        header = []
        for title in headers:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            header.append(cell)
        sheet.append(header)
        for row in parsed.rows:
            out = []
            for column in COLUMNS:
                value = row.values.get(column.key, "")
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                cell = WriteOnlyCell(sheet, value=cells.text(value) if isinstance(value, str) else value)
                found = by_cell.get((row.number, column.header))
                if found:
                    cell.fill = ERROR_FILL if any(p.level == ERROR for p in found) else WARNING_FILL
                    cell.comment = Comment("\n".join(f"{p.message}。{p.hint}" for p in found), "订单平台",
                                           width=300, height=120)
                out.append(cell)
            notes = "；".join(f"{p.where}：{p.message}" for p in by_row.get(row.number, []))
            out.append(WriteOnlyCell(sheet, value=f"原第{row.number}行 " + notes if notes else ""))
            sheet.append(out)
    listing = workbook.create_sheet("问题清单")
    listing.append(["级别", "行", "列", "内容", "问题", "修改方法"])
    for problem in problems:
        listing.append([LEVEL_LABELS.get(problem.level, problem.level), problem.row or "",
                        f"{problem.column}（{problem.letter}列）" if problem.letter else problem.column,
                        problem.value, problem.message, problem.hint])
    for letter, width in zip("ABCDEF", (8, 6, 20, 24, 60, 60)):
        listing.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

