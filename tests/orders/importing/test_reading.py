"""Opening the file: bad files refused with one message; Excel oddities handled."""

import io
import re
import zipfile

import msoffcrypto
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from orders.importing.reader import BadFile, read_orders_file

from .conftest import HEADERS, good_row, row, xlsx
from .helpers import check

pytestmark = pytest.mark.django_db


def _refused(data: bytes) -> str:
    with pytest.raises(BadFile) as caught:
        read_orders_file(data)
    return str(caught.value)


def test_a_text_file_renamed_to_xlsx_is_refused_as_not_excel():
    assert "不是 Excel 工作簿" in _refused("外部单号,客户名称\nPO-1,华兴".encode())


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "不是 Excel 工作簿" in _refused(buffer.getvalue())


def test_an_old_xls_file_is_refused_with_how_to_convert_it():
    assert "另存为" in _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)


def test_a_password_protected_workbook_is_refused(shop):
    plain = io.BytesIO(xlsx([good_row()]))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", encrypted)
    assert msoffcrypto.OfficeFile(io.BytesIO(encrypted.getvalue())).is_encrypted()
    assert "密码" in _refused(encrypted.getvalue())


def test_an_empty_file_is_refused():
    assert "空" in _refused(b"")


def test_a_workbook_without_data_rows_is_refused(shop):
    assert "没有订单数据" in _refused(xlsx([]))


def test_a_file_over_the_size_limit_is_refused(shop, settings):
    settings.ORDER_IMPORT_MAX_BYTES = 1000
    assert "超过上限" in _refused(xlsx([good_row()] * 20))


def test_a_file_over_the_row_limit_is_refused(shop, settings):
    settings.ORDER_IMPORT_MAX_ROWS = 5
    assert "超过 5 行" in _refused(xlsx([good_row(external_ref=f"PO-{n}") for n in range(6)]))
    settings.ORDER_IMPORT_MAX_ROWS = 6
    assert len(read_orders_file(xlsx([good_row(external_ref=f"PO-{n}") for n in range(6)])).rows) == 6


def test_a_zip_bomb_is_refused_before_it_is_unpacked(shop, settings):
    settings.ORDER_IMPORT_MAX_UNPACKED_BYTES = 10_000
    assert "解压后内容过大" in _refused(xlsx([good_row(notes="x" * 5000)]))


def test_missing_required_header_is_reported_once_and_names_the_renamed_column(shop):
    headers = ["产品编码" if h == "商品编码" else h for h in HEADERS]
    plan = check(xlsx([good_row()] * 3, headers=headers))
    assert len(plan.errors) == 1
    error = plan.errors[0]
    assert error.row == 1 and error.column == "商品编码"
    assert "缺少必填列“商品编码”" in error.message and "产品编码" in error.message
    assert not plan.orders


def test_an_unknown_extra_column_is_a_warning_that_its_content_is_not_imported(shop):
    plan = check(xlsx([good_row() + ["内部备注"]], headers=HEADERS + ["内部编号"]))
    assert not plan.errors
    assert any("内部编号" in w.message and "不会被导入" in w.message for w in plan.warnings)


def test_header_aliases_spaces_and_required_marks_are_recognised(shop):
    headers = [f" {h}* " if h == "数量" else h for h in HEADERS]
    headers[HEADERS.index("单价(元)")] = "单价（元）"
    plan = check(xlsx([good_row()], headers=headers))
    assert not plan.errors
    assert plan.orders[0].lines[0].unit_price == 250


def test_a_sheet_with_another_name_a_title_row_and_shifted_columns_is_read(shop):
    data = xlsx([good_row(), good_row(sku="P0002")], title="Sheet1", before=[["华兴科技 11月订单"], []],
                offset_columns=2, extra_sheets=["封面"])
    parsed = read_orders_file(data)
    assert parsed.sheet_name == "Sheet1" and parsed.header_row == 3
    assert [r.number for r in parsed.rows] == [4, 5]
    assert parsed.letters["external_ref"] == "C"
    plan = check(data)
    assert not plan.errors and plan.line_count == 2


def test_empty_rows_in_between_and_at_the_end_are_ignored(shop):
    plan = check(xlsx([good_row(), [None] * len(HEADERS), good_row(sku="P0002"), [], [""] * 5, [" "] * 3]))
    assert not plan.errors
    assert plan.row_count == 2 and len(plan.orders) == 1 and plan.line_count == 2


def test_merged_cells_give_their_value_to_every_row_they_cover(shop):
    rows = [good_row(), good_row(external_ref=None, customer=None, sku="P0002"), good_row(external_ref=None, customer=None)]
    plan = check(xlsx(rows, merges=["A2:A4", "B2:B4"]))
    assert not plan.errors
    assert len(plan.orders) == 1 and plan.line_count == 3


def test_numbers_stored_as_text_full_width_digits_and_spaces_are_understood(shop):
    plan = check(xlsx([good_row(quantity="３", unit_price=" 1,250.50 ", contact_phone="１３９ ００００ １１１１",
                                sku=" p0001 ", customer="  上海华兴科技有限公司\u3000")]))
    assert not plan.errors, [p.as_line() for p in plan.errors]
    order = plan.orders[0]
    assert order.lines[0].quantity == 3 and order.lines[0].unit_price.as_tuple() == (0, (1, 2, 5, 0, 5, 0), -2)
    assert order.contact_phone == "13900001111" and order.customer == shop["customer"]


def _with_cached_formula(data: bytes, cached: str | None) -> bytes:
    """Rewrite the quantity cell of row 2 as a formula, with or without a cached result."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = content.decode()
                value = f"<v>{cached}</v>" if cached is not None else "<v />"
                xml = re.sub(r'<c r="I2"[^>]*>.*?</c>', f'<c r="I2"><f>1+1</f>{value}</c>', xml)
                content = xml.encode()
            target.writestr(item, content)
    return out.getvalue()


def test_a_formula_uses_its_cached_result_and_is_never_evaluated(shop):
    plan = check(_with_cached_formula(xlsx([good_row()]), "7"))
    assert not plan.errors
    assert plan.orders[0].lines[0].quantity == 7  # the cached 7, not 1+1


def test_a_formula_without_a_cached_result_is_rejected(shop):
    plan = check(_with_cached_formula(xlsx([good_row()]), None))
    assert [(p.row, p.column) for p in plan.errors] == [(2, "数量")]
    assert "公式" in plan.errors[0].message


def test_an_excel_error_value_is_rejected_not_read_as_empty(shop):
    workbook_bytes = xlsx([good_row(unit_price="#N/A")])
    plan = check(workbook_bytes)
    assert [(p.row, p.column) for p in plan.errors] == [(2, "单价(元)")]
    assert "#N/A" in plan.errors[0].message


def test_the_template_example_row_is_skipped_with_a_note(shop):
    plan = check(xlsx([row(external_ref="示例-0001", customer="示例客户", sku="P0001", quantity=1), good_row()]))
    assert not plan.errors and len(plan.orders) == 1
    assert any(p.level == "info" and p.row == 2 for p in plan.problems)
