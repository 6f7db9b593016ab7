"""Opening an uploaded order workbook safely and reading its rows.

python-calamine reads the sheet with a streaming XML parser into a compact range and
hands the rows to Python one at a time; it returns the cached value of a formula and
never evaluates anything. Before it runs, cheap checks on the raw bytes refuse what is
not an .xlsx (a renamed file, an old .xls, a password-protected workbook, a zip bomb),
so a bad upload costs milliseconds and one clear message.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from . import cells
from .columns import BY_KEY, COLUMNS, EXAMPLE_PREFIX, REPORT_COLUMN, REQUIRED_KEYS, column_letter
from .conf import limit
from .problems import ERROR, INFO, WARNING, Problem

_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: old .xls or an encrypted .xlsx
_HEADER_SEARCH_ROWS = 10
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


class BadFile(Exception):
    """The file as a whole can't be imported; nothing in it was looked at row by row."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}。{self.hint}" if self.hint else self.message


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


def _check_container(data: bytes) -> zipfile.ZipFile:
    max_bytes = limit("ORDER_IMPORT_MAX_BYTES")
    if not data:
        raise BadFile("文件是空的（0 字节）", "请重新选择填写好的 .xlsx 文件")
    if len(data) > max_bytes:
        raise BadFile(
            f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过上限 {max_bytes / 1024 / 1024:.0f} MB",
            "请把订单拆分到多个文件分批导入",
        )
    if data.startswith(_CFB_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data[:1024 * 1024] or b"EncryptedPackage" in data:
            raise BadFile("文件设置了打开密码，无法读取", "请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存为 .xlsx 再上传")
        raise BadFile("这是旧版 Excel 97-2003（.xls）文件", "请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后再上传")
    if not data.startswith(_ZIP_MAGIC):
        raise BadFile("文件不是 Excel 工作簿（.xlsx），可能只是改了扩展名", "请下载导入模板填写，并在 Excel 或 WPS 中保存为 .xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        raise BadFile("文件已损坏，无法打开", "请在 Excel 中重新保存为 .xlsx 后再上传") from None
    if "xl/workbook.xml" not in names:
        raise BadFile("文件不是 Excel 工作簿（.xlsx），可能只是改了扩展名", "请下载导入模板填写，并在 Excel 或 WPS 中保存为 .xlsx")
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > limit("ORDER_IMPORT_MAX_UNPACKED_BYTES"):
        raise BadFile("文件解压后内容过大，无法导入", "请只保留订单数据，删除多余的工作表和格式后再上传")
    return archive


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML inside the package."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {}
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    return {
        sheet.get("name"): targets.get(sheet.get(f"{_REL_NS}id"), "")
        for sheet in workbook.iter(f"{_MAIN_NS}sheet")
    }


def _unusable_cells(archive: zipfile.ZipFile, path: str) -> dict[tuple[int, int], str]:
    """Cells holding an Excel error value or a formula that was never calculated.

    calamine reads both as empty, which would silently drop data. A quick byte scan skips
    the XML parse for the usual file without formulas or errors.
    """
    if not path:
        return {}
    try:
        with archive.open(path) as stream:
            tail = b""
            found = False
            while chunk := stream.read(1 << 20):
                window = tail + chunk
                if b"<f>" in window or b"<f " in window or b't="e"' in window:
                    found = True
                    break
                tail = chunk[-8:]
        if not found:
            return {}
        result = {}
        with archive.open(path) as stream:
            for _event, element in ElementTree.iterparse(stream):
                if element.tag != f"{_MAIN_NS}c":
                    continue
                match = _CELL_REF.match(element.get("r", ""))
                if match:
                    value = element.find(f"{_MAIN_NS}v")
                    cached = value.text if value is not None else None
                    position = (int(match[2]) - 1, _column_index(match[1]))
                    if element.get("t") == "e":
                        result[position] = f"单元格是 Excel 错误值 {cached or ''}".strip()
                    elif element.find(f"{_MAIN_NS}f") is not None and not cached:
                        result[position] = "单元格是公式，但文件里没有它的计算结果"
                element.clear()
        return result
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


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
    archive = _check_container(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as error:
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            raise BadFile("文件设置了打开密码，无法读取", "请在 Excel 中取消密码后另存为 .xlsx 再上传") from None
        raise BadFile("文件已损坏，无法读取", "请在 Excel 中重新保存为 .xlsx 后再上传") from None
    with workbook:
        found = None
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
            except CalamineError:
                continue
            header = _find_header(sheet)
            if header is not None:
                found = (meta.name, sheet, *header)
                break
        if found is None:
            if not any(workbook.get_sheet_by_name(m.name).start for m in workbook.sheets_metadata
                       if m.typ == SheetTypeEnum.WorkSheet):
                raise BadFile("文件里没有任何数据", "请在导入模板中填写订单后再上传")
            raise BadFile(
                "找不到表头：工作表前 10 行中没有“客户名称”“商品编码”“数量”等列名",
                "请下载导入模板，在模板的表头下方填写订单",
            )
        name, sheet, header_index, header_cells = found
        parsed = ParsedFile(sheet_name=name, header_row=header_index + 1)
        positions = _map_header(parsed, header_cells)
        if any(p.level == ERROR for p in parsed.problems):
            return parsed
        _read_rows(parsed, sheet, header_index, positions, _unusable_cells(archive, _sheet_paths(archive).get(name, "")))
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


def _read_rows(parsed: ParsedFile, sheet, header_index: int, positions: dict[str, int],
               unusable: dict[tuple[int, int], str]) -> None:
    max_rows = limit("ORDER_IMPORT_MAX_ROWS")
    offset = (sheet.start or (0, 0))[1]
    # A merged cell holds its value in the top-left cell only; every cell it covers
    # gets that value (clerks merge 外部单号 and 客户名称 over the lines of one order).
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
        for r in range(max(top, header_index + 1), bottom + 1):
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    merged[(r, c)] = (top, left)
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
