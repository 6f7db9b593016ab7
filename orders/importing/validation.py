"""Checking every cell of an order file and building the orders in memory.

All master data the file refers to is loaded up front in a few queries (customers,
products, existing external references, today's orders); then each row is checked in
memory, and every problem is collected — never just the first — with its row, column,
value, what is wrong and how to fix it. Nothing is written here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer, CustomerLevel
from customers.phones import normalize_phone
from customers.validators import special_invoice_problems
from inventory.models import Product, ProductUnit
from inventory.services.units import resolve_unit
from ordermgmt import cells
from ordermgmt.addresses import ParsedAddress, parse_addresses
from ordermgmt.cells import CellError
from ordermgmt.errors import InvalidInput

from ..models import InvoiceType, Order, PaymentMethod
from ..pricing import PriceBook, price_order
from ..services import LineInput
from .columns import BY_KEY
from .pricing import IMPORT_PRICE_REASON
from .problems import ERROR, WARNING, Problem
from .reader import ParsedFile, SheetRow

URGENT_OPTIONS = {
    "是": True, "加急": True, "Y": True, "YES": True, "TRUE": True, "1": True,
    "否": False, "普通": False, "N": False, "NO": False, "FALSE": False, "0": False,
}
INVOICE_OPTIONS = {
    "不开票": InvoiceType.NONE, "无": InvoiceType.NONE, "不需要": InvoiceType.NONE,
    "普票": InvoiceType.NORMAL, "普通发票": InvoiceType.NORMAL, "增值税普通发票": InvoiceType.NORMAL,
    "专票": InvoiceType.SPECIAL, "专用发票": InvoiceType.SPECIAL, "增值税专用发票": InvoiceType.SPECIAL,
}
PAYMENT_OPTIONS = {
    "对公转账": PaymentMethod.BANK_TRANSFER, "转账": PaymentMethod.BANK_TRANSFER, "银行转账": PaymentMethod.BANK_TRANSFER,
    "月结": PaymentMethod.MONTHLY,
    "货到付款": PaymentMethod.CASH_ON_DELIVERY, "COD": PaymentMethod.CASH_ON_DELIVERY,
    "在线支付": PaymentMethod.ONLINE, "在线": PaymentMethod.ONLINE,
}
_MAX_LENGTHS = {"external_ref": 50, "contact_name": 50, "invoice_title": 200, "customer": 200}
_PROGRESS_EVERY = 500


@dataclass
class PlannedLine:
    row: int
    product: Product
    quantity: int  # in ``unit``
    unit_price: Decimal
    manual_price: bool
    unit: ProductUnit | None = None  # None: the product's base unit


@dataclass
class PlannedCustomer:
    """A customer the file introduces; created when the import is confirmed."""

    name: str
    contact_name: str
    contact_phone: str
    address: ParsedAddress
    row: int
    instance: Customer | None = None


@dataclass
class PlannedOrder:
    first_row: int
    external_ref: str
    customer: Customer | None
    new_customer: PlannedCustomer | None
    contact_name: str
    contact_phone: str
    address: ParsedAddress | None
    urgent: bool = False
    delivery_date: date | None = None
    invoice_type: str = InvoiceType.NONE
    invoice_title: str = ""
    payment_method: str = PaymentMethod.BANK_TRANSFER
    notes: list[str] = field(default_factory=list)
    lines: list[PlannedLine] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    subtotal: Decimal = Decimal("0.00")
    tax_amount: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_amount

    @property
    def customer_name(self) -> str:
        return self.customer.name if self.customer else self.new_customer.name

    def summary(self) -> dict:
        return {
            "rows": f"{self.rows[0]}" if len(self.rows) == 1 else f"{self.rows[0]}–{self.rows[-1]}",
            "external_ref": self.external_ref,
            "customer": self.customer_name,
            "new_customer": self.customer is None,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "address": self.address.full if self.address else "",
            "lines": [
                {"sku": line.product.sku, "name": line.product.name, "quantity": line.quantity,
                 "unit": line.unit.name if line.unit else line.product.unit,
                 "unit_price": str(line.unit_price), "manual_price": line.manual_price}
                for line in self.lines
            ],
            "urgent": self.urgent,
            "delivery_date": self.delivery_date.isoformat() if self.delivery_date else "",
            "total": str(self.total),
        }


@dataclass
class ImportPlan:
    orders: list[PlannedOrder] = field(default_factory=list)
    new_customers: list[PlannedCustomer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    row_count: int = 0
    duplicate_count: int = 0
    letters: dict[str, str] = field(default_factory=dict)  # column key → letter, for problems found later
    group_count: int = 0  # orders in the file, valid or not

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def line_count(self) -> int:
        return sum(len(order.lines) for order in self.orders)

    @property
    def total_amount(self) -> Decimal:
        return sum((order.total for order in self.orders), Decimal("0.00"))


@dataclass
class _Row:
    """One data row with each cell parsed (``None`` where the cell is empty or wrong)."""

    number: int
    raw: dict
    bad: set = field(default_factory=set)
    external_ref: str = ""
    customer: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    product: Product | None = None
    quantity: int | None = None
    unit: ProductUnit | None = None
    unit_price: Decimal | None = None
    urgent: bool | None = None
    delivery_date: date | None = None
    invoice_type: str | None = None
    invoice_title: str = ""
    payment_method: str | None = None
    notes: str = ""
    line_ok: bool = True


class _Checker:
    def __init__(self, parsed: ParsedFile, *, today: date, progress: Callable[[int, int], None] | None) -> None:
        self.parsed = parsed
        self.today = today
        self.progress = progress
        self.problems: list[Problem] = list(parsed.problems)
        self.phones: dict[str, str | None] = {}
        self.duplicates = 0

    # --- reporting -----------------------------------------------------------------

    def problem(self, row: int | None, key: str, message: str, hint: str = "", *, value="",
                level: str = ERROR, problem_key: str = "") -> None:
        self.problems.append(Problem(
            level, message, hint, row=row, column=BY_KEY[key].header if key else "",
            letter=self.parsed.letters.get(key, "") if key else "", value=cells.display(value), key=problem_key,
        ))

    # --- master data, loaded once ------------------------------------------------------

    def load_master_data(self, rows: list[SheetRow]) -> None:
        skus = {cells.code(row.values.get("sku")) for row in rows} - {""}
        candidates = skus | {sku.upper() for sku in skus}
        self.products = {}
        self.products_upper = {}
        for product in Product.objects.filter(sku__in=candidates).prefetch_related("units"):
            self.products[product.sku] = product
            self.products_upper.setdefault(product.sku.upper(), product)
        self.customers_by_name: dict[str, int] = {}
        self.customers_by_code: dict[str, int] = {}
        self.customer_names: dict[int, str] = {}
        for pk, name, code in Customer.objects.values_list("pk", "name", "code"):
            self.customers_by_name[cells.match_key(name)] = pk
            self.customers_by_code[cells.match_key(code)] = pk
            self.customer_names[pk] = name

    def find_product(self, sku: str) -> Product | None:
        return self.products.get(sku) or self.products_upper.get(sku.upper())

    def find_customer_id(self, text: str) -> int | None:
        key = cells.match_key(text)
        return self.customers_by_name.get(key) or self.customers_by_code.get(key)

    def phone(self, raw: str) -> str | None:
        if raw not in self.phones:
            try:
                self.phones[raw] = normalize_phone(raw)
            except ValidationError:
                self.phones[raw] = None
        return self.phones[raw]

    # --- one row -----------------------------------------------------------------------

    def parse_row(self, sheet_row: SheetRow) -> _Row:
        values, number, bad = sheet_row.values, sheet_row.number, sheet_row.bad
        row = _Row(number=number, raw=values, bad=bad)

        texts = {key: cells.text(value) for key, value in values.items()}

        def raw(key):
            return values.get(key, "")

        def present(key):
            return key not in bad and texts.get(key, "") != ""

        row.external_ref = texts.get("external_ref", "")
        row.customer = texts.get("customer", "")
        row.contact_name = texts.get("contact_name", "")
        row.address = texts.get("address", "")
        row.invoice_title = texts.get("invoice_title", "")
        row.notes = texts.get("notes", "")
        for key in ("external_ref", "customer", "contact_name", "invoice_title"):
            value = getattr(row, key)
            if len(value) > _MAX_LENGTHS[key]:
                self.problem(number, key, f"内容过长（{len(value)} 个字，最多 {_MAX_LENGTHS[key]} 个）", "请缩短内容", value=value)

        if present("contact_phone"):
            typed = cells.code(raw("contact_phone"))
            row.contact_phone = self.phone(typed) or ""
            if not row.contact_phone:
                self.problem(number, "contact_phone", "电话号码格式不正确",
                             "请填写11位手机号（如 13812345678）或带区号的座机（如 010-87654321）", value=raw("contact_phone"))

        sku = cells.code(raw("sku"))
        if "sku" in bad:
            row.line_ok = False
        elif not sku:
            row.line_ok = False
            self.problem(number, "sku", "商品编码不能为空", "请填写系统中的商品编码（见模板“商品列表”工作表）")
        else:
            row.product = self.find_product(sku)
            if row.product is None:
                row.line_ok = False
                self.problem(number, "sku", "商品编码不存在", "请核对编码（见模板“商品列表”工作表），或先在系统中新建该商品",
                             value=raw("sku"))
            elif not row.product.is_active:
                row.line_ok = False
                self.problem(number, "sku", f"商品 {row.product.sku} {row.product.name} 已停售", "请删除该行或换用在售商品",
                             value=raw("sku"))
            else:
                for key, expected in (("product_name", row.product.name), ("product_spec", row.product.spec)):
                    given = texts.get(key, "")
                    if given and cells.match_key(given) != cells.match_key(expected):
                        what = BY_KEY[key].header
                        self.problem(number, key, f"与商品编码 {row.product.sku} 的{what}“{expected}”不一致",
                                     f"请核对商品编码，或改为“{expected}”，或清空{what}", value=given)
                        row.line_ok = False

        if "quantity" in bad:
            row.line_ok = False
        elif not present("quantity"):
            row.line_ok = False
            self.problem(number, "quantity", "数量不能为空", "请填写大于0的整数")
        else:
            try:
                row.quantity = cells.positive_int(raw("quantity"))
            except CellError as error:
                row.line_ok = False
                self.problem(number, "quantity", error.message, error.hint, value=raw("quantity"))

        if row.product is not None and present("unit"):
            try:
                row.unit = resolve_unit(row.product, texts.get("unit", ""))
            except InvalidInput as refused:
                row.line_ok = False
                self.problem(number, "unit", str(refused), "请留空（基本单位）或改为上面列出的单位", value=raw("unit"))

        if "unit_price" in bad:
            row.line_ok = False
        elif present("unit_price"):
            try:
                row.unit_price = cells.money(raw("unit_price"))
            except CellError as error:
                row.line_ok = False
                self.problem(number, "unit_price", error.message, error.hint, value=raw("unit_price"))

        for key, options, labels, attribute in (
            ("urgent", URGENT_OPTIONS, ["是", "否"], "urgent"),
            ("invoice_type", INVOICE_OPTIONS, ["不开票", "普票", "专票"], "invoice_type"),
            ("payment_method", PAYMENT_OPTIONS, ["对公转账", "月结", "货到付款", "在线支付"], "payment_method"),
        ):
            if present(key):
                try:
                    setattr(row, attribute, cells.choice(raw(key), options, labels=labels))
                except CellError as error:
                    self.problem(number, key, error.message, error.hint, value=raw(key))

        if present("delivery_date"):
            try:
                row.delivery_date = cells.a_date(raw("delivery_date"))
            except CellError as error:
                self.problem(number, "delivery_date", error.message, error.hint, value=raw("delivery_date"))
            else:
                if row.delivery_date < self.today:
                    self.problem(number, "delivery_date", f"期望交付日期早于今天（{self.today:%Y-%m-%d}）",
                                 "请填写今天或以后的日期，或留空", value=raw("delivery_date"))
        return row

    # --- orders ------------------------------------------------------------------------

    def group(self, rows: list[_Row]) -> list[list[_Row]]:
        groups: dict[str, list[_Row]] = {}
        for row in rows:
            key = f"ref:{row.external_ref}" if row.external_ref else f"row:{row.number}"
            groups.setdefault(key, []).append(row)
        return list(groups.values())

    _AGREEING = [
        ("customer", lambda v: cells.match_key(v)),
        ("contact_name", lambda v: v),
        ("contact_phone", lambda v: v),
        ("address", lambda v: cells.match_key(v)),
        ("urgent", lambda v: v),
        ("delivery_date", lambda v: v),
        ("invoice_type", lambda v: v),
        ("invoice_title", lambda v: cells.match_key(v)),
        ("payment_method", lambda v: v),
    ]

    def header_values(self, rows: list[_Row]) -> dict:
        """The order's header from its rows: the first filled value of each column; a
        different value on a later row of the same 外部单号 is an error."""
        chosen: dict[str, tuple] = {}
        for row in rows:
            for key, compare in self._AGREEING:
                value = getattr(row, key)
                if value is None or value == "":
                    continue
                if key not in chosen:
                    chosen[key] = (value, row.number)
                elif compare(chosen[key][0]) != compare(value):
                    first_value, first_row = chosen[key]
                    self.problem(
                        row.number, key,
                        f"与同一外部单号“{row.external_ref}”第{first_row}行的“{cells.display(first_value)}”不一致",
                        "同一订单的各行须填写相同的内容（或只在第一行填写）；不同订单请使用不同的外部单号",
                        value=row.raw.get(key, value),
                    )
        return {key: value for key, (value, _) in chosen.items()}


def validate_rows(parsed: ParsedFile, *, today: date | None = None,
                  progress: Callable[[int, int], None] | None = None) -> ImportPlan:
    """Check a parsed file against the database; return the orders it would create."""
    checker = _Checker(parsed, today=today or timezone.localdate(), progress=progress)
    plan = ImportPlan(row_count=len(parsed.rows), letters=dict(parsed.letters))
    if not parsed.rows:
        plan.problems = checker.problems
        return plan
    checker.load_master_data(parsed.rows)

    rows = []
    total = len(parsed.rows)
    for done, sheet_row in enumerate(parsed.rows, start=1):
        rows.append(checker.parse_row(sheet_row))
        if progress and done % _PROGRESS_EVERY == 0:
            progress(done, total)
    addresses = parse_addresses([row.address for row in rows])

    groups = checker.group(rows)
    header_by_group = [checker.header_values(group) for group in groups]
    customer_ids = set()
    for header in header_by_group:
        if header.get("customer"):
            found = checker.find_customer_id(header["customer"])
            if found:
                customer_ids.add(found)
    customers = {
        c.pk: c for c in Customer.objects.filter(pk__in=customer_ids).prefetch_related("contacts", "addresses")
    }
    # Prices of the preview come from the same rules as the orders will (one load for the file).
    checker.price_book = PriceBook(customers=customers.values(), products=checker.products.values(), on=checker.today)

    new_customers: dict[str, PlannedCustomer] = {}
    for group, header in zip(groups, header_by_group):
        order = _build_order(checker, group, header, customers, addresses, new_customers)
        if order is not None:
            plan.orders.append(order)
    plan.new_customers = list(new_customers.values())
    _warn_new_customers(checker, plan.new_customers)
    _check_duplicates(checker, plan.orders, checker.today)
    plan.duplicate_count = checker.duplicates
    plan.problems = checker.problems
    plan.group_count = len(groups)
    _note_whole_file_imported(plan)
    if progress:
        progress(total, total)
    return plan


# Problems that depend on what else is in the database (orders entered meanwhile), found
# again when a previewed plan is confirmed; everything else in a plan depends on the file
# and on master data, whose versions are compared instead (``services``).
DATABASE_PROBLEM_KEYS = ("existing-ref:", "same-as-order:", "file-imported")


def recheck_against_database(plan: ImportPlan, *, today: date) -> ImportPlan:
    """The duplicate checks of a validated plan against the orders in the database now."""
    checker = _Checker(ParsedFile(letters=plan.letters), today=today, progress=None)
    plan.problems = [p for p in plan.problems if not p.key.startswith(DATABASE_PROBLEM_KEYS)]
    _check_duplicates(checker, plan.orders, today, in_file=False)
    plan.problems.extend(checker.problems)
    plan.duplicate_count = checker.duplicates
    _note_whole_file_imported(plan)
    return plan


def _note_whole_file_imported(plan: ImportPlan) -> None:
    if plan.duplicate_count and plan.duplicate_count == len(plan.orders) == plan.group_count:
        plan.problems.insert(0, Problem(
            ERROR, f"这个文件已经导入过：全部 {plan.duplicate_count} 个订单都已存在，不会重复创建",
            "无需再次导入；如有新订单，请只上传新订单的行", key="file-imported",
        ))


def _build_order(checker: _Checker, group: list[_Row], header: dict, customers: dict, addresses: dict,
                 new_customers: dict[str, PlannedCustomer]) -> PlannedOrder | None:
    first = group[0]
    customer_text = header.get("customer", "")
    customer = None
    new_customer = None
    address_text = header.get("address", "")
    address = addresses.get(address_text) if address_text else None
    contact_name = header.get("contact_name", "")
    contact_phone = header.get("contact_phone", "")
    if address_text and address is None:
        row = next(r for r in group if r.address)
        checker.problem(row.number, "address", "收货地址无法识别省和市",
                        "请按“省 市 区 详细地址”填写，如：上海市浦东新区张江路100号", value=address_text)
    elif address is not None and not address.detail:
        row = next(r for r in group if r.address)
        checker.problem(row.number, "address", "收货地址缺少街道门牌等详细地址", "请补全详细地址，如：张江路100号",
                        value=address_text)
        address = None
    elif address is not None and len(address.detail) > 200:
        checker.problem(first.number, "address", "详细地址过长（最多200个字）", "请缩短地址", value=address_text)
        address = None

    if not customer_text:
        if "customer" not in first.bad:
            checker.problem(first.number, "customer", "客户名称不能为空", "请填写客户全称（与营业执照一致）或客户编码")
    else:
        found = checker.find_customer_id(customer_text)
        if found:
            customer = customers[found]
            contact = customer.primary_contact
            default_address = customer.default_address
            if not contact_name and not any(r.contact_name for r in group):
                if contact is None:
                    checker.problem(first.number, "contact_name", "该客户没有主要联系人", "请填写联系人")
                else:
                    contact_name = contact.name
            if not contact_phone and not any(cells.text(r.raw.get("contact_phone")) for r in group):
                if contact is None:
                    checker.problem(first.number, "contact_phone", "该客户没有联系电话", "请填写联系电话")
                else:
                    contact_phone = contact.phone
            if not address_text:
                if default_address is None:
                    checker.problem(first.number, "address", "该客户没有默认收货地址", "请填写收货地址")
                else:
                    address = ParsedAddress(default_address.province, default_address.city,
                                            default_address.district, default_address.detail)
        else:
            missing = [label for label, value, key in (
                ("联系人", contact_name, "contact_name"),
                ("联系电话", contact_phone, "contact_phone"),
                ("收货地址", address, "address"),
            ) if not value and not any(cells.text(r.raw.get(key)) for r in group)]
            if missing:
                checker.problem(
                    first.number, "customer", "找不到该客户（按客户全称或客户编码查找）",
                    "如为已有客户，请核对全称或改填客户编码；如为新客户，请在本行填写" + "、".join(missing),
                    value=customer_text,
                )
            elif contact_name and contact_phone and address and len(customer_text) <= 200:
                key = cells.match_key(customer_text)
                new_customer = new_customers.get(key)
                if new_customer is None:
                    new_customer = new_customers[key] = PlannedCustomer(
                        name=customer_text, contact_name=contact_name, contact_phone=contact_phone,
                        address=address, row=first.number,
                    )

    invoice_type = header.get("invoice_type", InvoiceType.NONE)
    invoice_title = header.get("invoice_title", "")
    if invoice_type != InvoiceType.NONE and not invoice_title:
        checker.problem(first.number, "invoice_title", "开具发票时必须填写发票抬头", "请填写发票抬头（一般为客户全称）")

    if invoice_type == InvoiceType.SPECIAL:
        missing = special_invoice_problems(customer) if customer else ["纳税人识别号、开户银行和银行账号"]
        if missing:
            checker.problem(first.number, "invoice_type", "开具专票需要客户的" + "、".join(missing),
                            "请先在客户资料中补全纳税人识别号和开户行、账号，或改开普票", value="专票")

    if not (customer or new_customer) or not all(r.line_ok for r in group):
        return None
    order = PlannedOrder(
        first_row=first.number,
        external_ref=first.external_ref,
        customer=customer,
        new_customer=new_customer,
        contact_name=contact_name,
        contact_phone=contact_phone,
        address=address,
        urgent=bool(header.get("urgent", False)),
        delivery_date=header.get("delivery_date"),
        invoice_type=invoice_type,
        invoice_title=invoice_title,
        payment_method=header.get("payment_method", PaymentMethod.BANK_TRANSFER),
        notes=list(dict.fromkeys(r.notes for r in group if r.notes)),
        rows=[r.number for r in group],
    )
    # A filled 单价 cell is a manual price (its reason: it came from the file); an empty one
    # is priced by the rules — contract, level, quantity break, list price.
    priced = price_order(
        customer=customer or Customer(level=CustomerLevel.NORMAL),
        lines=[
            LineInput(product=row.product, quantity=row.quantity, unit_price=row.unit_price,
                      override_reason=IMPORT_PRICE_REASON if row.unit_price is not None else "", unit=row.unit)
            for row in group
        ],
        province=address.province if address else "",
        city=address.city if address else "",
        book=checker.price_book,
    )
    for row, line in zip(group, priced.lines):
        order.lines.append(PlannedLine(row=row.number, product=row.product, quantity=row.quantity,
                                       unit_price=line.unit_price, manual_price=line.source == "manual", unit=row.unit))
    order.subtotal, order.tax_amount = priced.subtotal, priced.tax_amount
    return order


def _warn_new_customers(checker: _Checker, new_customers: list[PlannedCustomer]) -> None:
    for planned in new_customers:
        key = cells.match_key(planned.name)
        similar = [
            name for pk, name in checker.customer_names.items()
            if key and (key in cells.match_key(name) or cells.match_key(name) in key)
        ][:3]
        hint = "确认导入时将新建该客户（联系人、电话和地址取自本行）"
        if similar:
            hint = "相似的已有客户：" + "、".join(similar) + "。如为同一客户，请改用其全称；否则" + hint
        checker.problem(planned.row, "customer", "系统中没有该客户，将作为新客户创建", hint,
                        value=planned.name, level=WARNING, problem_key=f"new-customer:{key}")


def _signature(order: PlannedOrder) -> tuple:
    who = order.customer.pk if order.customer else f"new:{cells.match_key(order.new_customer.name)}"
    return who, tuple(sorted((line.product.pk, line.quantity * (line.unit.factor if line.unit else 1), line.unit_price)
                             for line in order.lines))


def _check_duplicates(checker: _Checker, orders: list[PlannedOrder], today: date, *, in_file: bool = True) -> None:
    with_ref = [o for o in orders if o.external_ref and o.customer]
    if with_ref:
        refs = {o.external_ref for o in with_ref}
        existing = {}
        for customer_id, ref, number in Order.objects.filter(
            Q(external_ref__in=refs) | Q(number__in=refs)
        ).values_list("customer_id", "external_ref", "number"):
            existing[(customer_id, ref)] = number
            existing[(customer_id, number)] = number
        for order in with_ref:
            number = existing.get((order.customer.pk, order.external_ref))
            if number:
                checker.duplicates += 1
                checker.problem(
                    order.first_row, "external_ref", f"该客户外部单号为“{order.external_ref}”的订单已存在（订单号 {number}），不会重复创建",
                    "请删除这些行；如确是另一张新订单，请使用新的外部单号", value=order.external_ref,
                    problem_key=f"existing-ref:{order.first_row}",
                )
    without_ref = [o for o in orders if not o.external_ref]
    if not without_ref:
        return
    seen: dict[tuple, int] = {}
    customer_ids = {o.customer.pk for o in without_ref if o.customer}
    todays: dict[tuple, str] = {}
    if customer_ids:
        placed_today = (
            Order.objects.filter(customer_id__in=customer_ids, external_ref="", created_at__date=today)
            .prefetch_related("lines")
        )
        for existing_order in placed_today:
            signature = (existing_order.customer_id, tuple(sorted(
                (line.product_id, line.quantity, line.unit_price) for line in existing_order.lines.all()
            )))
            todays.setdefault(signature, existing_order.number)
    for order in without_ref:
        signature = _signature(order)
        if signature in todays:
            checker.problem(
                order.first_row, "customer", f"与今天已录入的订单 {todays[signature]} 内容相同（同一客户、相同商品、数量和单价）",
                "如确需再下一单，请勾选确认后导入；否则请删除该行", value=order.customer_name, level=WARNING,
                problem_key=f"same-as-order:{order.first_row}:{todays[signature]}",
            )
        elif signature in seen and in_file:
            checker.problem(
                order.first_row, "customer", f"与本文件第{seen[signature]}行的订单内容相同（同一客户、相同商品、数量和单价）",
                "如确是两张订单，请勾选确认后导入；否则请删除重复的行", value=order.customer_name, level=WARNING,
                problem_key=f"same-in-file:{order.first_row}:{seen[signature]}",
            )
        seen.setdefault(signature, order.first_row)
