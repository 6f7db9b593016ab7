"""The report as an .xlsx workbook: one sheet per table, including the charts' data."""

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ordermgmt.spreadsheets import neutralise

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def _sheet(workbook, title: str, headers: list[str], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(str(header)) * 2 + 2)


def _cell(value):
    if isinstance(value, str):
        try:
            if value and value.replace(".", "", 1).replace("-", "", 1).isdigit():
                return Decimal(value)
        except ArithmeticError:
            pass
        return neutralise(value)
    return value


def _complaint_sheets(workbook, c: dict) -> None:
    """The complaints section (servicedesk/analysis.py): overview, causes and 改进措施,
    breakdowns, trend."""
    response, resolution = c["first_response"], c["resolution"]
    _sheet(workbook, "投诉概览", ["指标", "数值"], [
        ["投诉量", c["total"]], ["超时", c["overdue"]], ["超时率", c["overdue_rate"]], ["重新打开", c["reopened"]],
        ["重新打开率", c["reopened_rate"]], ["升级主管", c["escalated"]],
        ["首次响应件数", response["n"]], ["首次响应平均(工作小时)", response["avg_hours"]],
        ["首次响应P90(工作小时)", response["p90_hours"]], ["按时首次响应", response["within_due"]],
        ["提交处理结果件数", resolution["n"]], ["处理平均(工作小时)", resolution["avg_hours"]],
        ["处理P90(工作小时)", resolution["p90_hours"]], ["按时处理", resolution["within_due"]],
        ["按时处理率", resolution["within_due_rate"]],
    ])
    _sheet(workbook, "投诉原因与改进", ["分类", "投诉", "占比", "改进措施"],
           [[r["label"], r["count"], r["share"], r["improvement"]] for r in c["by_category"]])
    _sheet(workbook, "投诉分布", ["维度", "分组", "投诉"],
           [[b["title"], r["label"], r["count"]] for b in c["breakdowns"] for r in b["rows"]]
           + [["子分类", r["label"], r["count"]] for r in c["by_subcategory"]]
           + [["满意度", r["label"], r["count"]] for r in c["satisfaction"]]
           + [["重复投诉客户", r["label"], r["count"]] for r in c["repeat_complainers"]])
    _sheet(workbook, "投诉趋势", ["月份", "投诉", "其中超时"], [[t["month"], t["count"], t["overdue"]] for t in c["trend"]])


# How the margin's revenue is made up, in the order the report page lists it.
REVENUE_PARTS = [("goods", "商品收入"), ("returns", "退货冲减"), ("compensation", "赔偿与补偿"), ("freight", "运费收入")]


def _margin_sheets(workbook, m: dict) -> None:
    headers = ["分组", "销售收入(不含税)", "销售成本", "毛利", "毛利率"]
    total = m["total"]
    parts = m.get("revenue_parts") or {}  # reports saved before the breakdown have none
    made_of = [[label, parts[key], None, None, None] for key, label in REVENUE_PARTS if key in parts]
    _sheet(workbook, "毛利概览", headers, made_of + [
        [total["label"], total["revenue"], total["cost"], total["margin"], total["rate"]],
        ["无成本商品件数", m["uncosted_quantity"], None, None, None]])
    for key, title in [("channel", "毛利按渠道"), ("owner", "毛利按销售负责人"), ("customer", "毛利按客户"),
                       ("product", "毛利按商品"), ("order", "毛利率最低订单")]:
        _sheet(workbook, title, headers, [[r["label"], r["revenue"], r["cost"], r["margin"], r["rate"]] for r in m[key]])


def report_workbook(report, *, include_margin: bool = False) -> bytes:
    """The report's sheets; cost and margin only when ``include_margin`` (finance and the 主管)."""
    data = report.data
    workbook = Workbook()
    workbook.remove(workbook.active)
    head = data["headline"]
    _sheet(workbook, "概览", ["指标", "数值"], [
        ["统计期间", f"{data['period'][0]} 至 {data['period'][1]}"],
        ["订单量", head["orders"]], ["成交额(元)", head["revenue"]], ["客单价(元)", head["average_order_value"]],
        ["取消订单", head["cancelled"]], ["取消率", head["cancellation_rate"]],
        ["退货订单", head["returned"]], ["退货率", head["return_rate"]],
        ["准时交付率", head["on_time_rate"]], ["平均履约时效(小时)", head["lead_time_avg_hours"]],
    ])
    if "comparison" in data:
        _sheet(workbook, "同比环比", ["指标", "本期", "上月", "环比", "去年同月", "同比"], [
            [c["label"], c["current"], c["previous_month"], c["change_vs_previous"], c["same_month_last_year"],
             c["change_vs_last_year"]] for c in data["comparison"]
        ])
    lead = data["lead_times"]
    _sheet(workbook, "履约时效", ["阶段", "订单数", "平均(小时)", "中位数(小时)", "P90(小时)"],
           [["全流程（下单→交付）", lead["overall"]["n"], lead["overall"]["avg"], lead["overall"]["p50"], lead["overall"]["p90"]]]
           + [[s["label"], s["n"], s["avg"], s["p50"], s["p90"]] for s in lead["stages"]])
    on_time = data["on_time"]
    _sheet(workbook, "准时交付", ["有期望日期的交付订单", "准时交付", "准时交付率"],
           [[on_time["delivered_with_date"], on_time["on_time"], on_time["rate"]]])
    cases = data["exceptions"].get("after_sales_cases") or {"opened": 0, "overdue": 0}
    _sheet(workbook, "异常", ["异常类型", "订单数", "占本期订单比例"],
           [[r["label"], r["orders"], r["rate"]] for r in data["exceptions"]["rows"]]
           + [["售后工单（本期登记）", cases["opened"], None], ["其中超过处理时限", cases["overdue"], None]])
    _sheet(workbook, "缺货商品TOP10", ["商品编码", "商品名称", "规格型号", "缺货次数", "缺货数量", "涉及订单"],
           [[p["sku"], p["name"], p["spec"], p["times"], p["quantity"], p["orders"]] for p in data["short_products"]])
    names = {"channel": "按渠道", "customer_level": "按客户等级", "owner": "按销售负责人"}
    for key, title in names.items():
        _sheet(workbook, title, ["分组", "订单数", "成交额(元)"],
               [[r["label"], r["orders"], r["revenue"]] for r in data["breakdowns"][key]])
    _sheet(workbook, "按商品", ["商品", "订单数", "数量", "成交额(元)"],
           [[r["label"], r["orders"], r["quantity"], r["revenue"]] for r in data["breakdowns"]["product"]])
    _sheet(workbook, "月度趋势", ["月份", "订单量", "成交额(元)", "取消订单"],
           [[t["month"], t["orders"], t["revenue"], t["cancelled"]] for t in data["trend"]])
    if data.get("complaints"):
        _complaint_sheets(workbook, data["complaints"])
    if include_margin and data.get("margin"):
        _margin_sheets(workbook, data["margin"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
