"""Prices of imported lines come from the pricing rules (orders/pricing.py); a filled
单价 cell is a manual price, and this is the reason recorded for it."""

IMPORT_PRICE_REASON = "Excel 导入文件指定单价"
