"""Opening an uploaded .xlsx safely, for every Excel import of the platform.

python-calamine reads a sheet with a streaming XML parser into a compact range and hands
the rows to Python one at a time; it returns the cached value of a formula and never
evaluates anything. Before it runs, cheap checks on the raw bytes refuse what is not an
.xlsx (a renamed file, an old .xls, a password-protected workbook, a zip bomb), so a bad
upload costs milliseconds and one clear message; ``workbook_safety.check_workbook`` bounds
every sheet's range before calamine allocates it (a 2 KB file with one cell at XFD1048576
would otherwise ask for 549 GB).
"""

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from .workbook_safety import UnsafeWorkbook, check_sheet_size, check_workbook, sheet_parts

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


class BadFile(Exception):
    """The file as a whole can't be imported; nothing in it was looked at row by row."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}。{self.hint}" if self.hint else self.message


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_unpacked_bytes: int
    # The largest sheet range any sheet of the file may span (what a reader would allocate).
    max_rows: int
    max_columns: int
    # What to do about a file over the limits, in the words of the import.
    too_big_hint: str = "请把数据拆分到多个文件后再上传"


@dataclass
class Upload:
    """An opened upload: the zip package (for the checks calamine cannot make) and the workbook."""

    archive: zipfile.ZipFile
    workbook: CalamineWorkbook
    limits: UploadLimits
    unreadable: bool = False  # a visible sheet calamine could not load

    def visible_sheets(self) -> Iterator[tuple[str, object]]:
        """``(name, sheet)`` of each visible worksheet, in workbook order."""
        for meta in self.workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
                continue
            try:
                yield meta.name, self.workbook.get_sheet_by_name(meta.name)
            except CalamineError:
                self.unreadable = True

    def is_empty(self) -> bool:
        return not any(self._sheet_start(m.name) for m in self.workbook.sheets_metadata
                       if m.typ == SheetTypeEnum.WorkSheet)

    def _sheet_start(self, name: str):
        try:
            return self.workbook.get_sheet_by_name(name).start
        except CalamineError:
            return None

    def check_shape(self, name: str, sheet) -> None:
        """The sheet a caller reads must keep to its template's shape (the workbook check only
        bounded its size, so that loading it was cheap)."""
        end = sheet.end or (-1, -1)
        try:
            check_sheet_size(name, end[0] + 1, end[1] + 1,
                             max_rows=self.limits.max_rows, max_columns=self.limits.max_columns)
        except UnsafeWorkbook as error:
            raise BadFile(error.message, error.hint) from None

    def unusable_cells(self, sheet_name: str) -> dict[tuple[int, int], str]:
        """``(row index, column index)`` → why the cell cannot be read (see ``unusable_cells``)."""
        return unusable_cells(self.archive, sheet_parts(self.archive).get(sheet_name, ""))


def open_upload(data: bytes, limits: UploadLimits) -> Upload:
    """Check the bytes and open the workbook; ``BadFile`` with what to do when it is unusable.
    The caller closes ``upload.workbook`` (it is a context manager)."""
    archive = _check_container(data, limits)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as error:
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            raise BadFile("文件设置了打开密码，无法读取", "请在 Excel 中取消密码后另存为 .xlsx 再上传") from None
        raise BadFile("文件已损坏，无法读取", "请在 Excel 中重新保存为 .xlsx 后再上传") from None
    return Upload(archive, workbook, limits)


def _check_container(data: bytes, limits: UploadLimits) -> zipfile.ZipFile:
    if len(data) > limits.max_bytes:
        raise BadFile(
            f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过上限 {limits.max_bytes / 1024 / 1024:.0f} MB",
            limits.too_big_hint,
        )
    try:
        check_workbook(data, max_rows=limits.max_rows, max_columns=limits.max_columns,
                       max_unpacked_bytes=limits.max_unpacked_bytes)
    except UnsafeWorkbook as error:
        raise BadFile(error.message, error.hint) from None
    return zipfile.ZipFile(io.BytesIO(data))


def unusable_cells(archive: zipfile.ZipFile, path: str) -> dict[tuple[int, int], str]:
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
                    position = (int(match[2]) - 1, column_index(match[1]))
                    if element.get("t") == "e":
                        result[position] = f"单元格是 Excel 错误值 {cached or ''}".strip()
                    elif element.find(f"{_MAIN_NS}f") is not None and not cached:
                        result[position] = "单元格是公式，但文件里没有它的计算结果"
                element.clear()
        return result
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}


def column_index(letters: str) -> int:
    """``A`` → 0, ``AB`` → 27."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1
