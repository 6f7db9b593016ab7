"""The slow-moving stock (积压) report as an .xlsx workbook: the summary and the batches."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from ordermgmt.spreadsheets import neutralise

from .selectors import AGE_BUCKETS


def slow_moving_workbook(rows, summary, *, by: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "汇总"
    basis = "距最近出入库天数" if by == "idle" else "批次库龄"
    labels = [label for _low, _high, label in AGE_BUCKETS]
    sheet.append(["仓库", "类目"] + [f"{label} 数量" for label in labels] + [f"{label} 金额" for label in labels]
                 + ["合计数量", "合计金额", f"分段：{basis}"])
    for group in summary:
        sheet.append([neutralise(group["warehouse"]), neutralise(group["category"])]
                     + [cell[0] for cell in group["cells"]] + [cell[1] for cell in group["cells"]]
                     + [group["quantity"], group["value"]])
    detail = workbook.create_sheet("批次明细")
    detail.append(["仓库", "类目", "商品编码", "商品名称", "批次号", "入库日期", "结存数量", "单位成本", "金额",
                   "库龄(天)", "呆滞(天)"])
    for row in rows:
        batch = row.batch
        detail.append([neutralise(batch.warehouse.name),
                       neutralise(batch.product.category.name if batch.product.category else "未分类"),
                       neutralise(batch.product.sku), neutralise(batch.product.name), neutralise(batch.batch_no),
                       timezone.localdate(batch.received_at), batch.quantity_remaining, batch.unit_cost, row.value,
                       row.age_days, row.idle_days])
    for worksheet in (sheet, detail):
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
