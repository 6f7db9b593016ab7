import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from ordermgmt import roles
from orders.importing.columns import COLUMNS, column_letter
from tests.factories import CustomerFactory, ProductFactory, user_with_role

HEADERS = [column.header for column in COLUMNS]


def row(**values) -> list:
    """One line in the template's column order; keys are the column keys."""
    return [values.get(column.key) for column in COLUMNS]


def xlsx(rows, *, headers=HEADERS, title="订单导入", before=(), offset_columns=0, merges=(), extra_sheets=()) -> bytes:
    """A workbook built in the test: ``before`` rows above the header, data shifted right
    by ``offset_columns``, ``merges`` as "A2:A4" ranges."""
    workbook = Workbook()
    for name in extra_sheets:
        workbook.create_sheet(name).append(["说明"])
    sheet = workbook.active
    sheet.title = title
    pad = [None] * offset_columns
    for line in before:
        sheet.append(pad + list(line))
    sheet.append(pad + list(headers))
    for line in rows:
        sheet.append(pad + list(line))
    for cells in merges:
        first = sheet[cells.split(":")[0]].value
        sheet.merge_cells(cells)
        sheet[cells.split(":")[0]] = first
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # what a clerk typed as text, not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def shop(db):
    roles.sync_roles()  # after a transactional test's flush the migration-made groups are gone
    customer = CustomerFactory(name="上海华兴科技有限公司", code="C00001", tax_number="91350100M000100Y43",
                               bank_name="招商银行上海张江支行", bank_account="6225880123456789")
    chair = ProductFactory(sku="P0001", name="办公椅", spec="人体工学", list_price=Decimal("300.00"))
    desk = ProductFactory(sku="P0002", name="办公桌", spec="1.4米", list_price=Decimal("800.00"))
    return {
        "customer": customer,
        "chair": chair,
        "desk": desk,
        "sales": user_with_role(roles.SALES),
        "future": timezone.localdate() + timedelta(days=10),
    }


def good_row(**overrides) -> list:
    values = dict(external_ref="PO-1", customer="上海华兴科技有限公司", contact_name="李四", contact_phone="13900001111",
                  address="浙江省杭州市西湖区文三路90号", sku="P0001", quantity=2, unit_price=250)
    values.update(overrides)
    return row(**values)


# --- workbooks written by hand, for files no spreadsheet program would write --------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def inline_cell(reference: str | None, text: str) -> str:
    where = f' r="{reference}"' if reference else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(body: str, *, dimension: str | None = None) -> str:
    """A worksheet part: ``body`` is what goes inside <sheetData>."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{_MAIN_NS}">{declared}<sheetData>{body}</sheetData></worksheet>'


def package(sheets: dict[str, str], *, hidden: tuple[str, ...] = ()) -> bytes:
    """A minimal .xlsx holding ``sheets`` (name → worksheet XML) and nothing else."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ))
        archive.writestr("_rels/.rels", (
            f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
        ))
        entries = "".join(
            f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"{" state=" + chr(34) + "hidden" + chr(34) if name in hidden else ""}/>'
            for n, name in enumerate(sheets, start=1)
        )
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{entries}</sheets></workbook>')
        relations = "".join(
            f'<Relationship Id="rId{n}" Target="worksheets/sheet{n}.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG_REL_NS}">{relations}</Relationships>')
        for n, xml in enumerate(sheets.values(), start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", xml)
    return buffer.getvalue()


def header_row_xml(headers=HEADERS[:7]) -> str:
    """The template's first headers in row 1 (A1:G1 by default)."""
    return '<row r="1">' + "".join(inline_cell(f"{column_letter(i)}1", h) for i, h in enumerate(headers)) + "</row>"


def far_cell_xlsx(far: str = "XFD1048576", *, dimension: str | None = "auto") -> bytes:
    """The 2 KB file of issue 13: the template's headers in A1:G1 and one cell far away.

    ``dimension`` is what the sheet declares: the true range (``"auto"``), a lie, or
    nothing at all (``None``).
    """
    row_number = "".join(ch for ch in far if ch.isdigit())
    body = header_row_xml() + f'<row r="{row_number}">{inline_cell(far, "x")}</row>'
    declared = f"A1:{far}" if dimension == "auto" else dimension
    return package({"订单导入": sheet_xml(body, dimension=declared)})
