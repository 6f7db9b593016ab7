"""Opening an uploaded .xlsx safely, for every Excel import of the platform.

python-calamine reads a sheet with a streaming XML parser into a compact range and hands
the rows to Python one at a time; it returns the cached value of a formula and never
evaluates anything. Before it runs, cheap checks on the raw bytes refuse what is not an
.xlsx (a renamed file, an old .xls, a password-protected workbook, a zip bomb), so a bad
upload costs milliseconds and one clear message.
"""

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: old .xls or an encrypted .xlsx
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


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_unpacked_bytes: int
    # What to do about a file over the limits, in the words of the import.
    too_big_hint: str = "请把数据拆分到多个文件后再上传"
    unpacked_hint: str = "请只保留要导入的数据，删除多余的工作表和格式后再上传"


@dataclass
class Upload:
    """An opened upload: the zip package (for the checks calamine cannot make) and the workbook."""

    archive: zipfile.ZipFile
    workbook: CalamineWorkbook

    def visible_sheets(self) -> Iterator[tuple[str, object]]:
        """``(name, sheet)`` of each visible worksheet, in workbook order."""
        for meta in self.workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
                continue
            try:
                yield meta.name, self.workbook.get_sheet_by_name(meta.name)
            except CalamineError:
                continue

    def is_empty(self) -> bool:
        return not any(self.workbook.get_sheet_by_name(m.name).start for m in self.workbook.sheets_metadata
                       if m.typ == SheetTypeEnum.WorkSheet)

    def unusable_cells(self, sheet_name: str) -> dict[tuple[int, int], str]:
        """``(row index, column index)`` → why the cell cannot be read (see ``unusable_cells``)."""
        return unusable_cells(self.archive, _sheet_paths(self.archive).get(sheet_name, ""))


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
    return Upload(archive, workbook)


def _check_container(data: bytes, limits: UploadLimits) -> zipfile.ZipFile:
    if not data:
        raise BadFile("文件是空的（0 字节）", "请重新选择填写好的 .xlsx 文件")
    if len(data) > limits.max_bytes:
        raise BadFile(
            f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过上限 {limits.max_bytes / 1024 / 1024:.0f} MB",
            limits.too_big_hint,
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
    if unpacked > limits.max_unpacked_bytes:
        raise BadFile("文件解压后内容过大，无法导入", limits.unpacked_hint)
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
