"""A year's 放假安排 as an Excel file: the template to fill in (openpyxl) and reading it back
(opened safely by ``ordermgmt.workbooks``), one holiday per row as the notice lists them."""

import io
import re
from collections.abc import Sequence
from datetime import date

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import cells
from ..workbooks import BadFile, UploadLimits, open_upload
from ..workdays import PACKAGE_YEARS
from .plans import (
    FIRST_DAY,
    LAST_DAY,
    NAME,
    WORKDAYS,
    ArrangementPlan,
    ArrangementRefused,
    HolidayEntry,
    Problem,
    arrangement_plan,
    with_letters,
)
from .selectors import year_arrangement

NOTE = "备注"
COLUMNS = [NAME, FIRST_DAY, LAST_DAY, WORKDAYS, NOTE]
REQUIRED = [NAME, FIRST_DAY, LAST_DAY]
ALIASES = {
    "名称": NAME, "假期": NAME, "假期名称": NAME, "节日": NAME,
    "放假开始": FIRST_DAY, "开始日期": FIRST_DAY, "放假开始日期": FIRST_DAY,
    "放假结束": LAST_DAY, "结束日期": LAST_DAY, "放假结束日期": LAST_DAY,
    "调休上班日": WORKDAYS, "调休上班": WORKDAYS, "调休": WORKDAYS, "调休上班日期": WORKDAYS,
    "备注": NOTE, "说明": NOTE,
}
HELP = {
    NAME: "假期名称，如 元旦、春节、国庆节、中秋节（每个假期一行）",
    FIRST_DAY: "放假第一天，如 2027-02-06",
    LAST_DAY: "放假最后一天（含），只放一天时与放假开始相同",
    WORKDAYS: "调休上班的周六、周日；多个日期用顿号分隔，如 2027-01-31、2027-02-20；没有则留空",
}
MAX_ROWS = 100
_HEADER_SEARCH_ROWS = 10
LIMITS = UploadLimits(
    max_bytes=1024 * 1024, max_unpacked_bytes=20 * 1024 * 1024,
    # Four columns in the template; room for a notes column or two the clerk added.
    max_rows=MAX_ROWS + _HEADER_SEARCH_ROWS, max_columns=16,
    too_big_hint="放假安排只需一张表，请删除多余的工作表和格式后再上传",
)
_DATE_LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


# --- the template ---------------------------------------------------------------------------

def arrangement_template(year: int) -> bytes:
    """The template for ``year``, holding the holidays entered so far (download, edit, upload)."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("%(year)s年放假安排") % {"year": year}
    sheet.append(COLUMNS)
    for index, header in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        if header in HELP:
            cell.comment = Comment(HELP[header], "模板")
        sheet.column_dimensions[get_column_letter(index)].width = 30 if header == WORKDAYS else 16
    for entry in year_arrangement(year):
        sheet.append([entry.name, entry.first_day, entry.last_day, "、".join(d.isoformat() for d in entry.workdays)])
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for row in sheet.iter_rows(min_row=2, max_row=MAX_ROWS, min_col=4, max_col=4):
        for cell in row:
            cell.number_format = "@"  # a list of dates stays text
    sheet.freeze_panes = "A2"
    _instructions(book.create_sheet(gettext("填写说明")), year)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _instructions(sheet, year: int) -> None:
    example = _example()
    lines = [
        gettext("按国务院办公厅关于 %(year)s 年部分节假日安排的通知填写，每个假期一行。") % {"year": year},
        gettext("放假开始、放假结束：放假的第一天和最后一天（含），日期格式 2027-01-01。"),
        gettext("调休上班日：因调休需要上班的周六、周日，多个日期用顿号（、）分隔。"),
        gettext("上传整个文件会替换该年已录入的全部安排；上传后先预览变化，确认后才保存。"),
        gettext("全部假期录入后，请在页面上点“确认全年安排已完整录入”。"),
    ]
    if example:
        lines.append(gettext("示例（%(year)s 年通知）：%(example)s") % {"year": PACKAGE_YEARS[-1], "example": example})
    for line in lines:
        sheet.append([line])
    sheet.column_dimensions["A"].width = 100
    for row in sheet.iter_rows():
        row[0].alignment = Alignment(wrap_text=True)


def _example() -> str:
    """The last year the chinese-calendar package knows, as the notice worded it: real dates."""
    entries = [e for e in year_arrangement(PACKAGE_YEARS[-1]) if e.workdays and e.days_off]
    if not entries:
        return ""
    entry = max(entries, key=lambda e: len(e.days_off))
    worked = "、".join(d.isoformat() for d in entry.workdays)
    return gettext("%(name)s %(first)s 至 %(last)s 放假，%(worked)s 上班") % {
        "name": entry.name, "first": entry.first_day, "last": entry.last_day, "worked": worked}


# --- reading an upload ------------------------------------------------------------------------

def arrangement_plan_from_file(*, year: int, data: bytes) -> ArrangementPlan:
    """The plan of an uploaded file: the whole year's arrangement replaced by the file's.

    Raises ``BadFile`` when the file as a whole is unusable, ``ArrangementRefused`` with
    every problem of every row (row and column named) otherwise.
    """
    entries, problems, letters = read_arrangement_file(data)
    try:
        plan = arrangement_plan(year=year, entries=entries)
    except ArrangementRefused as refused:
        problems = problems + list(refused.problems)
    if problems:
        raise ArrangementRefused(with_letters(problems, letters))
    return plan


def read_arrangement_file(data: bytes) -> tuple[list[HolidayEntry], list[Problem], dict[str, str]]:
    """Entries of the rows that could be read, the problems of the others, and the letter of
    each column."""
    upload = open_upload(data, LIMITS)
    with upload.workbook:
        found = None
        for name, sheet in upload.visible_sheets():
            header = _find_header(sheet)
            if header is not None:
                found = (name, sheet, *header)
                break
        if found is None:
            raise _no_header(upload)
        name, sheet, header_index, positions = found
        upload.check_shape(name, sheet)
        unusable = upload.unusable_cells(name)
        letters = {column: get_column_letter(index + 1) for column, index in positions.items()}
        entries, problems = [], []
        for index, row in enumerate(sheet.iter_rows()):
            if index <= header_index:
                continue
            values = _values(sheet, row, positions)
            if all(cells.text(v) == "" for v in values.values()) and not _bad_cells(index, positions, unusable):
                continue
            if len(entries) + len(problems) >= MAX_ROWS:
                raise BadFile(gettext("超过 %(n)s 行，不像是一年的放假安排") % {"n": MAX_ROWS},
                              gettext("请每个假期填一行"))
            entry, row_problems = _read_row(index + 1, values, _bad_cells(index, positions, unusable))
            problems += row_problems
            if entry is not None:
                entries.append(entry)
    if not entries and not problems:
        raise BadFile(gettext("表头下方没有假期"), gettext("请在表头下方每行填写一个假期后再上传"))
    return entries, problems, letters


def _header_key(value) -> str:
    return cells.code(value).replace("*", "").replace("＊", "")


def _find_header(sheet) -> tuple[int, dict[str, int]] | None:
    offset = (sheet.start or (0, 0))[1]
    for index, row in enumerate(sheet.iter_rows()):
        if index >= _HEADER_SEARCH_ROWS:
            break
        positions: dict[str, int] = {}
        for j, value in enumerate(row):
            column = ALIASES.get(_header_key(value))
            if column is not None:
                positions.setdefault(column, offset + j)
        if all(column in positions for column in REQUIRED):
            return index, positions
    return None


def _no_header(upload) -> BadFile:
    if upload.is_empty():
        return BadFile(gettext("文件里没有任何数据"), gettext("请下载模板，填写放假安排后再上传"))
    missing = "".join(f"“{column}”" for column in REQUIRED)
    return BadFile(
        gettext("找不到表头：缺少列%(columns)s") % {"columns": missing},
        gettext("请下载模板，在模板的表头下方填写，不要修改列名"),
    )


def _values(sheet, row: Sequence, positions: dict[str, int]) -> dict[str, object]:
    offset = (sheet.start or (0, 0))[1]
    return {column: (row[i - offset] if 0 <= i - offset < len(row) else "") for column, i in positions.items()}


def _bad_cells(index: int, positions: dict[str, int], unusable: dict) -> dict[str, str]:
    return {column: unusable[(index, i)] for column, i in positions.items() if (index, i) in unusable}


def _read_row(number: int, values: dict, bad: dict[str, str]) -> tuple[HolidayEntry | None, list[Problem]]:
    problems = [Problem(message, number, column) for column, message in bad.items()]
    first, last, workdays = (_cell_date(number, FIRST_DAY, values[FIRST_DAY], problems),
                             _cell_date(number, LAST_DAY, values[LAST_DAY], problems),
                             _cell_dates(number, values.get(WORKDAYS), problems))
    if first and last and last < first:
        problems.append(Problem(gettext("放假结束不能早于放假开始"), number, LAST_DAY))
    if problems:
        return None, problems
    return HolidayEntry.from_range(cells.text(values[NAME]), first, last, workdays, row=number), []


def _cell_date(number: int, column: str, value, problems: list[Problem]) -> date | None:
    if cells.text(value) == "":
        problems.append(Problem(gettext("请填写日期"), number, column))
        return None
    try:
        return cells.a_date(value)
    except cells.CellError as error:
        problems.append(Problem(f"“{cells.display(value)}”{error.message}，{error.hint}", number, column))
        return None


def _cell_dates(number: int, value, problems: list[Problem]) -> list[date]:
    try:
        return parse_date_list(value)
    except cells.CellError as error:
        problems.append(Problem(f"{error.message}，{error.hint}", number, WORKDAYS))
        return []


def parse_date_list(value) -> list[date]:
    """调休上班日: one date cell, or dates typed as text separated by 、 , ; or spaces."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if not isinstance(value, str):
        return [cells.a_date(value)]
    days = []
    for token in _DATE_LIST_SEPARATORS.split(cells.text(value)):
        if not token:
            continue
        try:
            days.append(cells.a_date(token))
        except cells.CellError as error:
            raise cells.CellError(f"“{token}”{error.message}", gettext("多个日期用顿号（、）分隔，如 2027-01-31、2027-02-20")) from None
    return days
