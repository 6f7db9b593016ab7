"""A stock count as an Excel sheet: the count list to fill in (openpyxl) and reading the
counted quantities back (opened safely by ``ordermgmt.workbooks``, read with python-calamine).

A blind count's sheet has no book-quantity column at all: a hidden column is one right
click away from being shown, so the expected quantities are simply not in the file.
"""

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ordermgmt import cells
from ordermgmt.spreadsheets import neutralise
from ordermgmt.workbooks import BadFile, UploadLimits, open_upload

from .models import StockCount

LINE, BATCH, SKU, NAME, SPEC, UNIT, EXPECTED, COUNTED, RECOUNT = (
    "明细ID", "批次号", "商品编码", "商品名称", "规格", "单位", "账面数量", "盘点数量", "复盘数量")
MAX_LINES = 20_000
LIMITS = UploadLimits(max_bytes=5 * 1024 * 1024, max_unpacked_bytes=100 * 1024 * 1024,
                      max_rows=MAX_LINES + 10, max_columns=30,
                      too_big_hint="请只上传本盘点单的盘点表")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


def columns(count: StockCount) -> list[str]:
    expected = [] if count.blind else [EXPECTED]
    return [LINE, BATCH, SKU, NAME, SPEC, UNIT, *expected, COUNTED, RECOUNT]


def count_sheet(count: StockCount) -> bytes:
    """The count list of ``count``: one row per batch, the quantities entered so far."""
    book = Workbook()
    sheet = book.active
    sheet.title = count.number
    headers = columns(count)
    sheet.append(headers)
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = 28 if header in (BATCH, NAME) else 12
    for line in count.lines.select_related("batch__product"):
        product = line.batch.product
        expected = [] if count.blind else [line.snapshot_quantity]
        sheet.append([line.pk, line.batch.batch_no, neutralise(product.sku), neutralise(product.name),
                      neutralise(product.spec), product.unit, *expected, line.counted_quantity, line.recount_quantity])
    for column in (headers.index(COUNTED) + 1, headers.index(RECOUNT) + 1):
        for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            row[0].fill = _INPUT_FILL
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class CountUpload:
    counted: dict[int, int] = field(default_factory=dict)
    recounted: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _quantity(value) -> int | None:
    if cells.text(value) == "":
        return None
    try:
        return cells.positive_int(value)
    except cells.CellError:
        if cells.code(value) in ("0", "0.0") or value == 0:
            return 0
        raise


def _header_positions(sheet) -> dict[str, int] | None:
    for index, row in enumerate(sheet.iter_rows()):
        if index >= 10:
            return None
        positions = {cells.text(value): j for j, value in enumerate(row) if cells.text(value)}
        if LINE in positions and COUNTED in positions:
            return {"_row": index, **positions}
    return None


def read_count_sheet(data: bytes) -> CountUpload:
    """Counted and recounted quantities by line id; every unreadable row named in ``problems``.
    Raises ``BadFile`` when the file as a whole is unusable."""
    upload = open_upload(data, LIMITS)
    result = CountUpload()
    with upload.workbook:
        found = next(((name, sheet, positions) for name, sheet in upload.visible_sheets()
                      if (positions := _header_positions(sheet)) is not None), None)
        if found is None:
            raise BadFile(gettext("找不到表头：缺少列“明细ID”或“盘点数量”"), gettext("请下载本盘点单的盘点表，填写后再上传"))
        name, sheet, positions = found
        upload.check_shape(name, sheet)
        for index, row in enumerate(sheet.iter_rows()):
            if index > positions["_row"]:
                _read_row(index + 1, row, positions, result)
    return result


def _read_row(number: int, row, positions: dict[str, int], result: CountUpload) -> None:
    def cell(column):
        position = positions.get(column)
        return row[position] if position is not None and position < len(row) else None

    if cells.text(cell(LINE)) == "":
        return
    try:
        line_id = cells.positive_int(cell(LINE))
        counted, recounted = _quantity(cell(COUNTED)), _quantity(cell(RECOUNT))
    except cells.CellError as error:
        result.problems.append(f"第{number}行：{error.message}")
        return
    if counted is not None:
        result.counted[line_id] = counted
    if recounted is not None:
        result.recounted[line_id] = recounted
