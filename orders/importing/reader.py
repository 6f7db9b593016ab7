"""Reading the rows of an uploaded order workbook.

``ordermgmt.workbooks`` opens the file safely (python-calamine, cached values only, cheap
checks on the raw bytes first — including ``ordermgmt.workbook_safety.check_workbook``,
which refuses any sheet whose range is larger than an order file can be: calamine allocates
the whole range, and a cell at XFD1048576 alone asks for 549 GB); this module finds the
header among the top rows, maps the columns, spreads merged cells and collects the rows with
their problems. Every path that opens an order file (preview, confirmation, Celery task,
error report, command) comes through ``read_orders_file``.
"""

from dataclasses import dataclass, field

from ordermgmt import cells
from ordermgmt.workbooks import BadFile, UploadLimits, open_upload

from .columns import BY_KEY, COLUMNS, EXAMPLE_PREFIX, REPORT_COLUMN, REQUIRED_KEYS, column_letter
from .conf import limit
from .problems import ERROR, INFO, WARNING, Problem

_HEADER_SEARCH_ROWS = 10


@dataclass
class SheetRow:
    number: int  # as Excel shows it (1-based)
    values: dict[str, object]
    bad: set[str] = field(default_factory=set)  # keys whose cell is already reported


@dataclass
class ParsedFile:
    sheet_name: str = ""
    header_row: int = 0
    letters: dict[str, str] = field(default_factory=dict)  # column key → letter
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _header_key(value) -> str:
    return cells.code(value).replace("*", "").replace("＊", "").casefold()


_HEADER_INDEX = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_INDEX.setdefault(_header_key(_name), _column.key)


def _limits() -> UploadLimits:
    return UploadLimits(
        max_bytes=limit("ORDER_IMPORT_MAX_BYTES"),
        max_unpacked_bytes=limit("ORDER_IMPORT_MAX_UNPACKED_BYTES"),
        # The header may sit below a few title rows; the data below it is held to the row limit.
        max_rows=limit("ORDER_IMPORT_MAX_ROWS") + _HEADER_SEARCH_ROWS,
        max_columns=limit("ORDER_IMPORT_MAX_COLUMNS"),
        too_big_hint="请把订单拆分到多个文件分批导入",
    )


def _find_header(sheet) -> tuple[int, dict[int, object]] | None:
    """Row index and cells of the header: the first of the top rows naming 3+ known columns."""
    offset = (sheet.start or (0, 0))[1]
    for index, row in enumerate(sheet.iter_rows()):
        if index >= _HEADER_SEARCH_ROWS:
            break
        named = {offset + j: value for j, value in enumerate(row) if cells.text(value)}
        if sum(1 for value in named.values() if _header_key(value) in _HEADER_INDEX) >= 3:
            return index, named
    return None


def read_orders_file(data: bytes) -> ParsedFile:
    """Parse an order workbook. Raises ``BadFile`` when the file as a whole is unusable."""
    upload = open_upload(data, _limits())
    with upload.workbook:
        found = None
        for name, sheet in upload.visible_sheets():
            header = _find_header(sheet)
            if header is not None:
                found = (name, sheet, *header)
                break
        if found is None:
            if upload.unreadable:
                raise BadFile("文件已损坏，无法读取", "请在 Excel 中重新保存为 .xlsx 后再上传")
            if upload.is_empty():
                raise BadFile("文件里没有任何数据", "请在导入模板中填写订单后再上传")
            raise BadFile(
                "找不到表头：工作表前 10 行中没有“客户名称”“商品编码”“数量”等列名",
                "请下载导入模板，在模板的表头下方填写订单",
            )
        name, sheet, header_index, header_cells = found
        upload.check_shape(name, sheet)
        parsed = ParsedFile(sheet_name=name, header_row=header_index + 1)
        positions = _map_header(parsed, header_cells)
        if any(p.level == ERROR for p in parsed.problems):
            return parsed
        _read_rows(parsed, sheet, header_index, positions, upload.unusable_cells(name))
    return parsed


def _map_header(parsed: ParsedFile, header_cells: dict[int, object]) -> dict[str, int]:
    positions: dict[str, int] = {}
    unknown = []
    for index, value in sorted(header_cells.items()):
        key = _HEADER_INDEX.get(_header_key(value))
        letter = column_letter(index)
        if key is None:
            if cells.text(value) != REPORT_COLUMN:
                unknown.append((letter, cells.text(value)))
        elif key in positions:
            parsed.problems.append(Problem(
                WARNING, f"列“{BY_KEY[key].header}”出现了两次，只导入第一列（{column_letter(positions[key])}列）",
                "请删除重复的列", row=parsed.header_row, column=cells.text(value), letter=letter,
                key=f"duplicate-column:{key}",
            ))
        else:
            positions[key] = index
    parsed.letters = {key: column_letter(index) for key, index in positions.items()}
    renamed_hint = ""
    if unknown:
        renamed_hint = "（未识别的列：" + "、".join(f"{letter}列“{name}”" for letter, name in unknown) + "，是否改过列名？）"
    for key in REQUIRED_KEYS:
        if key not in positions:
            parsed.problems.append(Problem(
                ERROR, f"缺少必填列“{BY_KEY[key].header}”{renamed_hint}",
                "请使用导入模板的表头，不要删除或修改列名", row=parsed.header_row, column=BY_KEY[key].header,
            ))
    for letter, name in unknown:
        parsed.problems.append(Problem(
            WARNING, f"“{name}”不是导入模板中的列，这一列的内容不会被导入",
            "如果这是改过名的模板列，请改回模板中的列名", row=parsed.header_row, column=name, letter=letter,
            key=f"unknown-column:{letter}:{name}",
        ))
    return positions


def _merged_cells(sheet, header_index: int, columns: set[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """Cell → the top-left cell of the merged range covering it, for the data rows of the
    columns read.

    A merged cell holds its value in the top-left cell only; every cell it covers gets
    that value (clerks merge 外部单号 and 客户名称 over the lines of one order). A range is
    clipped to the sheet's data, and ranges piled on top of each other (no spreadsheet
    program writes them) are refused: the file does not decide how much is built here.
    """
    last_row = (sheet.end or (-1, -1))[0]
    room = max(last_row - header_index, 0) * len(columns)
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
        rows = range(max(top, header_index + 1), min(bottom, last_row) + 1)
        covered = [c for c in columns if left <= c <= right]
        if len(merged) + len(rows) * len(covered) > room:
            raise BadFile("合并单元格互相重叠，文件可能已损坏", "请在 Excel 中取消这些单元格的合并，重新保存后再上传")
        for r in rows:
            for c in covered:
                if (r, c) != (top, left):
                    merged[(r, c)] = (top, left)
    return merged


def _read_rows(parsed: ParsedFile, sheet, header_index: int, positions: dict[str, int],
               unusable: dict[tuple[int, int], str]) -> None:
    max_rows = limit("ORDER_IMPORT_MAX_ROWS")
    offset = (sheet.start or (0, 0))[1]
    merged = _merged_cells(sheet, header_index, set(positions.values()))
    merged_values: dict[tuple[int, int], object] = {}
    merged_origins = set(merged.values())
    keyed = sorted(positions.items(), key=lambda item: item[1])
    example_column = positions.get("external_ref")
    count = 0
    for index, row in enumerate(sheet.iter_rows()):
        if index <= header_index:
            continue
        values: dict[str, object] = {}
        bad: set[str] = set()
        for key, column in keyed:
            j = column - offset
            value = row[j] if 0 <= j < len(row) else ""
            if (index, column) in merged_origins:
                merged_values[(index, column)] = value
            elif (index, column) in merged:
                value = merged_values.get(merged[(index, column)], "")
            if (index, column) in unusable:
                bad.add(key)
                parsed.problems.append(Problem(
                    ERROR, unusable[(index, column)], "请在 Excel 中打开文件、确认公式结果正确并保存，或将该列“粘贴为数值”",
                    row=index + 1, column=BY_KEY[key].header, letter=column_letter(column),
                ))
            values[key] = value
        if not bad and all(cells.text(v) == "" for v in values.values()):
            continue
        if example_column is not None and cells.text(values.get("external_ref")).startswith(EXAMPLE_PREFIX):
            parsed.problems.append(Problem(
                INFO, "这是模板的示例行，已忽略", "", row=index + 1, column=BY_KEY["external_ref"].header,
                letter=parsed.letters["external_ref"], value=cells.text(values.get("external_ref")),
            ))
            continue
        count += 1
        if count > max_rows:
            raise BadFile(f"数据超过 {max_rows} 行的上限", "请把订单拆分到多个文件分批导入")
        parsed.rows.append(SheetRow(number=index + 1, values=values, bad=bad))
    if not parsed.rows:
        raise BadFile("表头下方没有订单数据", "请在表头下方逐行填写订单明细后再上传")
