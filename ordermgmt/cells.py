"""Turning what a spreadsheet cell holds into a clean value, or a reason why it can't be.

Excel hands over numbers as floats (``10.0``), numbers typed as text (``"10"``), full-width
digits from Chinese input methods (``"１０"``), dates as dates, as text or as serial numbers,
and stray spaces everywhere. Each parser accepts all of these and raises ``CellError`` with
what is wrong and how to fix it.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from ordermgmt.money import QUANTITY_MAX, column_limit
from ordermgmt.spreadsheets import unguard

_EXCEL_EPOCH = date(1899, 12, 30)
_SPACES = re.compile(r"\s+")
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


class CellError(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def display(value) -> str:
    """The cell as the user sees it, for error messages."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def text(value) -> str:
    """Free text: surrounding spaces (also full-width and no-break ones) removed."""
    if value is None or value == "":
        return ""
    if type(value) is str and "\u3000" not in value and "\xa0" not in value:
        stripped = value.strip()  # the common case, on every cell of every row
        if not stripped.startswith("'"):
            return stripped
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        value = display(value)
    # An exported value neutralised against formula injection comes back without its guard.
    return unguard(str(value).replace("\u3000", " ").replace("\xa0", " ").strip())


def code(value) -> str:
    """Codes, numbers and phones: full-width characters folded to ASCII, no spaces at all."""
    cleaned = text(value)
    if cleaned.isascii():  # NFKC leaves ASCII as it is
        return "".join(cleaned.split())
    return _SPACES.sub("", unicodedata.normalize("NFKC", cleaned))


def match_key(value: str) -> str:
    """Key for comparing names typed by people: width, case and spacing do not matter."""
    if not value:
        return ""
    if value.isascii():
        return "".join(value.split()).casefold()
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).casefold()


def _number_text(value) -> str:
    cleaned = code(value).replace(",", "")
    for symbol in ("¥", "元"):
        cleaned = cleaned.replace(symbol, "")
    return cleaned


def _decimal(value, *, not_a_number: CellError) -> Decimal:
    if isinstance(value, (int, float)):
        # Excel keeps 15 significant digits; beyond that a float's binary noise shows
        # (0.1 + 0.2 = 0.30000000000000004), which is not what the user typed.
        return Decimal(f"{value:.15g}")
    try:
        return Decimal(_number_text(value))
    except InvalidOperation:
        raise not_a_number from None


def positive_int(value, *, maximum: int = QUANTITY_MAX) -> int:
    if isinstance(value, bool):
        raise CellError("数量必须是正整数", "请填写大于0的整数，如 3")
    number = _decimal(value, not_a_number=CellError("数量不是数字", "请只填写数字，不要带单位，如 3"))
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError("数量必须是整数", "请填写整数，如 3")
    if number < 1:
        raise CellError("数量必须大于0", "请填写大于0的整数")
    if number > maximum:
        raise CellError(f"数量超过上限 {maximum}", "请核对数量是否多填了0")
    return int(number)


def money(value, *, maximum: Decimal = column_limit(12)) -> Decimal:
    if isinstance(value, bool):
        raise CellError("单价不是金额", "请填写数字，如 128.50")
    number = _decimal(value, not_a_number=CellError("单价不是金额", "请只填写数字，如 128.50（不要带“元”以外的文字）"))
    if not number.is_finite():
        raise CellError("单价不是金额", "请填写数字，如 128.50")
    if number < 0:
        raise CellError("单价不能为负数", "请填写不小于0的金额")
    if number > maximum:  # before rounding: 1e30 has more digits than rounding can carry
        raise CellError("单价过大", "请核对单价")
    if number != number.quantize(Decimal("0.01")):
        raise CellError("单价最多两位小数", "请四舍五入到分，如 128.57")
    return number.quantize(Decimal("0.01"))


def a_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date cell formatted as a number shows Excel's serial day count.
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("日期格式不正确", "请填写如 2026-12-31 的日期")
    cleaned = unicodedata.normalize("NFKC", text(value))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise CellError("日期不存在", "请核对年月日，如 2026-02-28") from None
    raise CellError("日期格式不正确", "请填写如 2026-12-31 的日期")


def choice(value, options: dict[str, str], *, labels: list[str]) -> str:
    """One of an enumeration, by its label or a common synonym (see ``options``)."""
    if isinstance(value, bool):
        key = "是" if value else "否"
    else:
        key = code(value).upper()
    if key in options:
        return options[key]
    raise CellError("不是可选的值", "请从下拉列表中选择：" + " / ".join(labels))
