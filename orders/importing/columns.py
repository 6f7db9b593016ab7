"""The column layout shared by the template, the import and the export."""

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    help: str
    example: object = ""
    number_format: str = "@"
    aliases: tuple[str, ...] = field(default_factory=tuple)
    required: bool = False
    header_field: bool = True  # one value per order (vs. one per line)


COLUMNS: list[Column] = [
    Column("external_ref", "外部单号", 16,
           "客户或经销商系统的订单号。同一外部单号的多行是同一个订单；不填则每一行单独成为一个订单。",
           "示例-0001", aliases=("客户单号", "订单编号", "外部订单号")),
    Column("customer", "客户名称", 28,
           "客户全称（与营业执照一致）或客户编码。新客户须同时填写联系人、联系电话和收货地址。",
           "上海华兴科技有限公司", required=True, aliases=("客户", "客户全称", "客户编码")),
    Column("contact_name", "联系人", 10, "收货联系人。已有客户可留空，使用客户的主要联系人。", "张三",
           aliases=("收货人",)),
    Column("contact_phone", "联系电话", 16, "11位手机号或带区号的座机，如 010-87654321。", "13812345678",
           aliases=("电话", "手机", "收货电话")),
    Column("address", "收货地址", 36, "省 市 区 + 详细地址，如：上海市浦东新区张江路100号。已有客户可留空，使用默认地址。",
           "上海市浦东新区张江路100号", aliases=("地址", "送货地址")),
    Column("sku", "商品编码", 14, "系统中的商品编码（见“商品列表”工作表）。", "P0001", required=True,
           header_field=False, aliases=("SKU", "商品代码", "物料编码")),
    Column("product_name", "商品名称", 20, "可留空；填写时须与商品编码对应的名称一致。", "办公椅",
           header_field=False, aliases=("品名",)),
    Column("product_spec", "规格型号", 16, "可留空；填写时须与商品编码对应的规格一致。", "人体工学",
           header_field=False, aliases=("规格", "型号")),
    Column("quantity", "数量", 8, "正整数。", 2, number_format="0", required=True, header_field=False),
    Column("unit_price", "单价(元)", 12, "不含税单价，最多两位小数；留空则按系统标准价。", 300,
           number_format="0.00", header_field=False, aliases=("单价", "单价（元）", "单价(元,不含税)", "不含税单价")),
    Column("urgent", "加急", 8, "是 / 否，留空为否。", "否", aliases=("是否加急", "优先级")),
    Column("delivery_date", "期望交付日期", 14, "日期，如 2026-12-31，不能早于今天；可留空。", "",
           number_format="yyyy-mm-dd", aliases=("交付日期", "期望交期", "交货日期")),
    Column("invoice_type", "发票类型", 10, "不开票 / 普票 / 专票，留空为不开票。", "专票"),
    Column("invoice_title", "发票抬头", 28, "开票时必填，一般为客户全称。", "上海华兴科技有限公司"),
    Column("payment_method", "付款方式", 12, "对公转账 / 月结 / 货到付款 / 在线支付，留空为对公转账。", "月结"),
    Column("notes", "备注", 30, "可留空。同一订单多行的备注会合并。", "工作日送货"),
    # Last, so that files laid out before units existed still read the same.
    Column("unit", "单位", 8, "可留空，为商品的基本单位；也可填商品的其他单位（如 箱）或其条码，数量和单价即按该单位。", "",
           header_field=False, aliases=("计量单位",)),
]

BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_KEYS = [column.key for column in COLUMNS if column.required]
EXAMPLE_PREFIX = "示例"
# Added by the error report; a fixed report can be uploaded again without a warning.
REPORT_COLUMN = "问题说明"


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index."""
    return get_column_letter(index + 1)
