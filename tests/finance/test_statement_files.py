"""Bank statement files: the layouts of the common banks are recognised by their header
names, and a row that can't be read is reported with its row number, never dropped."""

from datetime import date
from decimal import Decimal

import pytest

from finance.statement_files import read_statement
from ordermgmt.workbooks import BadFile
from tests.finance.conftest import icbc_workbook

D = Decimal


def test_an_icbc_export_below_title_rows_is_read_with_money_in_and_out():
    data = icbc_workbook([("2026-12-01", "华兴科技有限公司", "6222 0202 0011 2233", "1,130.00", "货款 202612010001"),
                          ("2026/12/02", "物业公司", "310066771234", "-500", "房租")])
    parsed = read_statement(data, "icbc.xlsx")
    assert parsed.layout == "工商银行"
    first, second = parsed.transactions
    assert (first.row, first.day, first.payer_name, first.payer_account, first.amount, first.reference) == (
        4, date(2026, 12, 1), "华兴科技有限公司", "6222020200112233", D("1130.00"), "货款 202612010001")
    assert (second.day, second.amount) == (date(2026, 12, 2), D("-500.00"))


def test_a_ccb_csv_in_gbk_is_read():
    text = ("交易时间,对方户名,对方账号,收入金额,支出金额,摘要\n"
            "20261203 10:15:00,华兴科技有限公司,6222020200112233,2260.00,,货款\n")
    parsed = read_statement(text.encode("gbk"), "ccb.csv")
    assert parsed.layout == "建设银行"
    assert [(t.day, t.amount) for t in parsed.transactions] == [(date(2026, 12, 3), D("2260.00"))]


def test_a_cmb_csv_is_recognised_and_other_layouts_are_generic():
    cmb = "交易日,收/付方名称,收/付方帐号,贷方金额,借方金额,用途\n2026-12-04,甲公司,123,10.00,,货款\n"
    assert read_statement(cmb.encode("utf-8-sig"), "cmb.csv").layout == "招商银行"
    generic = "日期,付款人名称,付款人账号,收入,附言\n2026-12-04,甲公司,123,10.00,货款\n"
    parsed = read_statement(generic.encode(), "other.csv")
    assert parsed.layout == "通用格式" and parsed.transactions[0].payer_name == "甲公司"


def test_bad_rows_are_reported_with_their_row_number_and_the_rest_imported():
    data = icbc_workbook([("2026-12-01", "甲公司", "1", "100", "ok"), ("不是日期", "乙公司", "2", "100", ""),
                          ("2026-12-01", "丙公司", "3", "", "no amount"), ("合计", "", "", "200", "")])
    parsed = read_statement(data, "bad.xlsx")
    assert [t.payer_name for t in parsed.transactions] == ["甲公司"]
    assert [p["row"] for p in parsed.problems] == [5, 6, 7]
    assert "无法识别" in parsed.problems[0]["message"]


def test_a_file_without_a_statement_header_is_refused_as_a_whole():
    with pytest.raises(BadFile, match="找不到表头"):
        read_statement("a,b,c\n1,2,3\n".encode(), "x.csv")
    with pytest.raises(BadFile):
        read_statement(b"not a zip", "x.xlsx")
