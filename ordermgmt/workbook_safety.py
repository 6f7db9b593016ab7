"""Is an uploaded workbook safe to open? Checked on the raw bytes, before any reader runs.

An .xlsx is a zip of XML parts, and the readers believe what the parts say. python-calamine
allocates one cell for every position between the first and the last cell of a sheet, so
a 2 KB file with the headers in A1:G1 and one more cell at XFD1048576 asks for
1,048,576 × 16,384 cells (about 549 GB) and the process aborts; openpyxl in read-only
mode (django-import-export's .xlsx reader) pads every row to the width the sheet
declares. ``check_workbook`` refuses such a file with one message a clerk can act on:

- the container: a zip (not an old .xls, not password-protected), every part named once
  and as large as it says (a zip bomb is refused before it is unpacked);
- every sheet: the range it declares (``<dimension>``) and the range its cells really
  reach may hold at most ``max_rows × max_columns`` cells — the most a reader allocates.

The parts are streamed in bounded chunks and never parsed into a tree: a regular sheet,
whose every cell carries its reference (Excel, WPS, LibreOffice, openpyxl), costs one
regular-expression pass; any other sheet is walked with expat, placing each cell where a
reader would. The caller then holds the sheets it actually reads to their shape
(``check_sheet_size``), after loading them is known to be cheap.
"""

import copy
import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl.utils import get_column_letter

from .errors import InvalidInput

_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: old .xls or an encrypted .xlsx
_CHUNK = 1 << 20
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# What a regular sheet looks like: every cell written as <c r="B7" …>, no namespace prefix.
_ANY_CELL = re.compile(rb"<c[\s/>]")
_PLAIN_CELL = b'<c r="'
_ODD_REFERENCE = re.compile(rb'<c r="(?![A-Za-z]{1,3}[0-9]{1,7}")')
_CELL_LETTERS = re.compile(rb'<c r="([A-Za-z]+)')
_CELL_ROW = re.compile(rb'<c r="[A-Za-z]+([0-9]+)')
_ANY_DIMENSION = re.compile(rb"<dimension[\s/>]")
_PLAIN_DIMENSION = re.compile(rb'<dimension ref="([A-Za-z]{1,3})([0-9]{1,7})(?::([A-Za-z]{1,3})([0-9]{1,7}))?"')
_MERGE = b"<mergeCell"
_PREFIXED = re.compile(rb":(?:c|row|dimension|mergeCell)[\s/>]")  # e.g. <x:c …>: walked, not matched
_SHEET_LIKE = re.compile(rb"sheetData|[<:](?:row|dimension)[\s/>]")
_REFERENCE = re.compile(r"^([A-Za-z]+)([0-9]+)$")


class UnsafeWorkbook(InvalidInput):
    """The upload can't be opened as a workbook; ``hint`` says what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, code="unsafe_workbook")
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}。{self.hint}" if self.hint else self.message


@dataclass(frozen=True)
class SheetExtent:
    """How far a sheet reaches: its last row and column, declared or used (0 when empty)."""

    name: str
    rows: int
    columns: int
    cells: int = 0
    merges: int = 0


def _unreadable() -> UnsafeWorkbook:
    return UnsafeWorkbook("文件已损坏，无法打开", "请在 Excel 或 WPS 中重新保存为 .xlsx 后再上传")


def sheet_too_large(name: str, rows: int, columns: int, *, max_rows: int, max_columns: int) -> UnsafeWorkbook:
    return UnsafeWorkbook(
        f"工作表“{name}”的使用范围是 A1:{get_column_letter(min(columns, 16384))}{rows}"
        f"（{rows} 行 × {columns} 列），超出了可以导入的范围（最多 {max_rows} 行 × {max_columns} 列）",
        "请删除表格下方和右侧多余的行和列（选中后右键“删除”，不要只按 Delete 键清除内容），保存后再上传",
    )


def check_sheet_size(name: str, rows: int, columns: int, *, max_rows: int, max_columns: int) -> None:
    """The sheet a caller reads must keep to the shape of its template."""
    if rows > max_rows or columns > max_columns:
        raise sheet_too_large(name, rows, columns, max_rows=max_rows, max_columns=max_columns)


def check_workbook(data: bytes, *, max_rows: int, max_columns: int, max_unpacked_bytes: int) -> list[SheetExtent]:
    """Check an uploaded .xlsx before any reader sees it; raises ``UnsafeWorkbook``.

    Returns how far every sheet reaches. No sheet may hold more than ``max_rows ×
    max_columns`` cells in its range: that bounds what a reader allocates, whichever
    sheet it opens, while a long list on a narrow sheet (the template's 客户列表) passes.
    """
    archive = _open_container(data, max_unpacked_bytes=max_unpacked_bytes)
    names = {part: name for name, part in sheet_parts(archive).items()}
    budget = max_rows * max_columns
    extents = []
    for info in archive.infolist():
        extent = _extent(archive, info, names.get(info.filename, info.filename))
        if extent is None:
            continue
        if extent.rows * extent.columns > budget or extent.cells > budget or extent.merges > budget:
            raise sheet_too_large(extent.name, extent.rows, extent.columns, max_rows=max_rows, max_columns=max_columns)
        extents.append(extent)
    return extents


# --- the container -----------------------------------------------------------------------

def _open_container(data: bytes, *, max_unpacked_bytes: int) -> zipfile.ZipFile:
    not_xlsx = UnsafeWorkbook(
        "文件不是 Excel 工作簿（.xlsx），可能只是改了扩展名", "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（.xlsx）再上传"
    )
    if not data:
        raise UnsafeWorkbook("文件是空的（0 字节）", "请重新选择填写好的 .xlsx 文件")
    if data.startswith(_CFB_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data[:1024 * 1024] or b"EncryptedPackage" in data:
            raise UnsafeWorkbook("文件设置了打开密码，无法读取",
                                 "请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存为 .xlsx 再上传")
        raise UnsafeWorkbook("这是旧版 Excel 97-2003（.xls）文件", "请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后再上传")
    if not data.startswith(_ZIP_MAGIC):
        raise not_xlsx
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _unreadable() from None
    names = [_normalised(info.filename) for info in infos]
    if len(set(names)) != len(names):
        raise _unreadable()  # two parts a reader can't tell apart: which one would it read?
    if "xl/workbook.xml" not in names:
        raise not_xlsx
    if sum(info.file_size for info in infos) > max_unpacked_bytes:
        raise UnsafeWorkbook("文件解压后内容过大，无法导入", "请只保留需要导入的数据，删除多余的工作表和格式后再上传")
    return archive


def _normalised(name: str) -> str:
    # Readers look parts up case-insensitively and accept either slash.
    return name.replace("\\", "/").lstrip("/").lower()


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The part's bytes, refusing a part that unpacks to more than its entry declares
    (the size the zip-bomb check added up)."""
    honest = copy.copy(info)
    honest.file_size = info.file_size + 1  # one byte more than declared shows a lie
    total = 0
    try:
        with archive.open(honest) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > info.file_size:
                    raise _unreadable()
                yield chunk
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, ValueError, OSError):
        raise _unreadable() from None


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the part holding it, as the workbook lists them ({} when it can't
    tell). Read element by element: workbook.xml may be large too."""
    stored = {_normalised(info.filename): info.filename for info in archive.infolist()}
    targets = {}
    for rel in _elements(archive, stored.get("xl/_rels/workbook.xml.rels"), f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = stored.get(_normalised(target if target.startswith("/") else f"xl/{target}"), "")
    return {
        sheet.get("name", ""): targets.get(sheet.get(f"{_REL_NS}id"), "")
        for sheet in _elements(archive, stored.get("xl/workbook.xml"), f"{_MAIN_NS}sheet")
    }


def _elements(archive: zipfile.ZipFile, part: str | None, tag: str):
    if part is None:
        return
    try:
        with archive.open(part) as stream:
            for _event, element in ElementTree.iterparse(stream):
                if element.tag == tag:
                    yield element
                element.clear()
    except (ElementTree.ParseError, zipfile.BadZipFile, KeyError, OSError):
        return


# --- how far a sheet reaches --------------------------------------------------------------

def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


@dataclass
class _Scan:
    cells: int = 0
    plain_cells: int = 0
    dimensions: int = 0
    plain_dimensions: int = 0
    merges: int = 0
    odd: bool = False  # a prefixed element or a reference written unlike Excel
    sheet_like: bool = False
    rows: int = 0
    columns: int = 0

    def reach(self, letters: str | bytes, row: str | bytes | int) -> None:
        self.rows = max(self.rows, int(row))
        self.columns = max(self.columns, _column_number(letters.decode() if isinstance(letters, bytes) else letters))

    def feed(self, text: bytes) -> None:
        self.cells += len(_ANY_CELL.findall(text))
        self.plain_cells += text.count(_PLAIN_CELL)
        self.dimensions += len(_ANY_DIMENSION.findall(text))
        self.merges += text.count(_MERGE)
        self.odd = self.odd or _PREFIXED.search(text) is not None or _ODD_REFERENCE.search(text) is not None
        self.sheet_like = self.sheet_like or _SHEET_LIKE.search(text) is not None
        letters = set(_CELL_LETTERS.findall(text))
        if letters:
            self.reach(max(letters, key=lambda value: (len(value), value.upper())), max(map(int, set(_CELL_ROW.findall(text)))))
        for dimension in _PLAIN_DIMENSION.findall(text):
            self.plain_dimensions += 1
            first_letters, first_row, last_letters, last_row = dimension
            self.reach(first_letters, first_row)
            self.reach(last_letters or first_letters, last_row or first_row)

    @property
    def regular(self) -> bool:
        """Every cell and the dimension carry a plain reference: the maxima found are exact."""
        return not self.odd and self.plain_cells == self.cells and self.plain_dimensions == self.dimensions


def _extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> SheetExtent | None:
    scan = _Scan()
    carry = b""
    for chunk in _chunks(archive, info):
        buffer = carry + chunk
        cut = buffer.rfind(b"<")
        if cut != -1 and buffer.find(b">", cut) == -1:
            buffer, carry = buffer[:cut], buffer[cut:]  # a tag cut in two: finish it with the next chunk
            if len(carry) > _CHUNK:
                raise _unreadable()  # no tag of a workbook is a megabyte long
        else:
            carry = b""
        scan.feed(buffer)
    scan.feed(carry)
    if not scan.sheet_like:
        return None
    if not scan.regular:
        scan = _walk(archive, info, scan)
    return SheetExtent(name=name, rows=scan.rows, columns=scan.columns, cells=scan.cells, merges=scan.merges)


def _walk(archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _Scan) -> _Scan:
    """Place every cell as a reader does: at its reference, or else right of the previous
    cell, in the row after the previous row. A sheet expat can't parse is refused."""
    walked = _Scan(sheet_like=True)
    position = {"row": 0, "column": 0}

    def start(tag: str, attributes: dict) -> None:
        local = tag.rpartition(":")[2]
        if local == "row":
            if "r" in attributes:
                position["row"] = _row_number(attributes["r"]) - 1
        elif local == "c":
            walked.cells += 1
            if "r" in attributes:
                letters, row = _reference(attributes["r"])
                position["column"] = _column_number(letters) - 1
                walked.reach(letters, row)
            else:
                walked.rows = max(walked.rows, position["row"] + 1)
                walked.columns = max(walked.columns, position["column"] + 1)
            position["column"] += 1
        elif local == "mergeCell":
            walked.merges += 1
        elif local == "dimension" and "ref" in attributes:
            for corner in attributes["ref"].split(":"):
                walked.reach(*_reference(corner))

    def end(tag: str) -> None:
        if tag.rpartition(":")[2] == "row":
            position["row"] += 1
            position["column"] = 0

    def refuse(*_args) -> None:
        raise _unreadable()  # a DTD has no place in a workbook and could define cells

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        for chunk in _chunks(archive, info):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise _unreadable() from None
    return walked


def _reference(value: str) -> tuple[str, str]:
    match = _REFERENCE.match(value.strip())
    if not match:
        raise _unreadable()
    return match[1], match[2]


def _row_number(value: str) -> int:
    if not value.strip().isdigit():
        raise _unreadable()
    return int(value)
