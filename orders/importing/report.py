"""The error report of an import: the file's rows with the bad cells highlighted and
explained, and the list of every problem — an .xlsx the clerk can fix and upload again.

Every row stays on the row number it had in the uploaded file, so a flagged cell, its
note and the problem list all name the same row; every text is written as the order
export writes it (``neutralise``), so a cell typed as ``=HYPERLINK(…)`` comes back as
text, never as a live formula.
"""

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ordermgmt import cells
from ordermgmt.spreadsheets import neutralise

from .columns import COLUMNS, REPORT_COLUMN, column_letter
from .problems import ERROR, WARNING, Problem, from_dict
from .reader import BadFile, ParsedFile, read_orders_file
from .template import DATA_SHEET, HEADER_FILL, HEADER_FONT

ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
LEVEL_LABELS = {ERROR: "错误", WARNING: "需确认", "info": "说明"}
# Where each template column sits in the report's data sheet (the file may have had it elsewhere).
REPORT_LETTERS = {column.header: column_letter(index) for index, column in enumerate(COLUMNS)}


def build_error_report(data: bytes, problems: list[dict]) -> bytes:
    problems = [from_dict(p) for p in problems]
    workbook = Workbook(write_only=True)
    parsed = _parse(data) if any(p.row for p in problems) else None
    data_rows_from = 0  # rows of the data sheet: below its header, when there is one
    if parsed is not None and parsed.rows:
        _data_sheet(workbook, parsed, problems)
        data_rows_from = parsed.header_row + 1
    _problem_list(workbook, problems, data_rows_from=data_rows_from)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _parse(data: bytes) -> ParsedFile | None:
    """The file's rows again (through the reader's checks); None when only the list can be given."""
    try:
        return read_orders_file(data)
    except BadFile:
        return None


def _data_sheet(workbook: Workbook, parsed: ParsedFile, problems: list[Problem]) -> None:
    by_cell = defaultdict(list)
    by_row = defaultdict(list)
    for problem in problems:
        if problem.row:
            by_row[problem.row].append(problem)
            by_cell[(problem.row, problem.column)].append(problem)
    sheet = workbook.create_sheet(DATA_SHEET)
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[column_letter(index)].width = column.width
    sheet.column_dimensions[column_letter(len(COLUMNS))].width = 60
    sheet.freeze_panes = f"A{parsed.header_row + 1}"
    written = _skip_to(sheet, 0, parsed.header_row)
    header = []
    for title in [column.header for column in COLUMNS] + [REPORT_COLUMN]:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for row in parsed.rows:
        written = _skip_to(sheet, written, row.number)
        sheet.append([_data_cell(sheet, row.values.get(column.key, ""), by_cell.get((row.number, column.header)))
                      for column in COLUMNS] + [_note(by_row.get(row.number, []))])


def _skip_to(sheet, written: int, number: int) -> int:
    """Leave the rows after ``written`` and before ``number`` empty (rows the reader skipped:
    titles, blank rows, the template's example); ``number`` is the row appended next."""
    for _ in range(written + 1, number):
        sheet.append([])
    return number


def _data_cell(sheet, value, found: list[Problem] | None) -> WriteOnlyCell:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cell = WriteOnlyCell(sheet, value=neutralise(cells.text(value) if isinstance(value, str) else value))
    if found:
        cell.fill = ERROR_FILL if any(p.level == ERROR for p in found) else WARNING_FILL
        cell.comment = Comment("\n".join(f"{p.message}。{p.hint}" for p in found), "订单平台", width=300, height=120)
    return cell


def _note(problems: list[Problem]) -> str:
    """The row's problems, for the 问题说明 column (the note stands on the row itself)."""
    notes = []
    for problem in problems:
        letter = REPORT_LETTERS.get(problem.column, problem.letter)
        where = f"{problem.column}（{letter}列）" if problem.column and letter else problem.column
        notes.append(f"{where}：{problem.message}" if where else problem.message)
    return neutralise("；".join(notes))


def _problem_list(workbook: Workbook, problems: list[Problem], *, data_rows_from: int) -> None:
    """Every problem; a cell of the data sheet is named by its letter there."""
    listing = workbook.create_sheet("问题清单")
    listing.append(["级别", "行", "列", "内容", "问题", "修改方法"])
    for problem in problems:
        in_data_sheet = bool(data_rows_from and problem.row and problem.row >= data_rows_from)
        letter = REPORT_LETTERS.get(problem.column, problem.letter) if in_data_sheet else problem.letter
        listing.append([
            LEVEL_LABELS.get(problem.level, problem.level), problem.row or "",
            neutralise(f"{problem.column}（{letter}列）" if letter else problem.column),
            neutralise(problem.value), neutralise(problem.message), neutralise(problem.hint),
        ])
    for letter, width in zip("ABCDEF", (8, 6, 20, 24, 60, 60)):
        listing.column_dimensions[letter].width = width
