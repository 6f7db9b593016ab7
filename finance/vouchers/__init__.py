"""记账凭证 for the accounting system: a month's vouchers built from the records dated in it,
written in the Excel layout 用友 (T3/T+ 总账工具) and 金蝶 (KIS 凭证引入) users import.

Each source of vouchers is one small builder in ``BUILDERS`` (a function ``(start, end,
accounts) -> list[Voucher]``); a new source (COD remittances, compensation) adds its own
builder to the list and nothing else changes. Builders read only records dated in the month
and order them by date and id, so the vouchers of a closed month are the same every time."""

from .builders import BUILDERS, register_builder  # noqa: F401
from .entries import Entry, Voucher  # noqa: F401
from .export import COLUMNS, month_vouchers, vouchers_workbook  # noqa: F401
