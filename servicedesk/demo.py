"""The service desk's demo data, built by ``ordermgmt.demo`` after the orders: complaints from
every channel in every state over the last two months (through the real services, then
given realistic times), one after-sales case run late, the stage flags the sweep raises on
the demo orders, and what each demo role finds in the bell."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from aftersales.models import ENDED as CASE_ENDED
from aftersales.models import AfterSalesCase
from aftersales.services import cases_flag_overdue
from aftersales.services import due_at as case_due_at
from customers.models import Customer
from fulfillment.notifications.triggers import notices_suppressed
from ordermgmt.workdays import add_working_time
from orders.models import Order, OrderEvent, OrderStatus, Priority

from . import notice_kinds as kinds
from . import services
from .audience import stage_handlers
from .models import Complaint, ComplaintCategory, ComplaintEvent, StaffNotification
from .services.common import due_times

# channel, category, sub-category, severity, what it concerns, where it ends, age in days
PLAN = [
    ("phone", "物流延误", "未按期送达", "high", "in_transit", "accepted", 0.05),
    ("tracking", "物流延误", None, "normal", "in_transit", "accepted", 3),
    ("email", "商品质量", "破损", "high", "delivered", "in_progress", 0.6),
    ("phone", "价格/账单", "发票问题", "normal", None, "in_progress", 5),
    ("store", "商品质量", "功能故障", "critical", "paid", "goodwill_pending", 1.5),
    ("email", "售后处理", "退换货慢", "normal", "delivered", "noted", 1),
    ("platform", "错发漏发", "错发", "normal", "delivered", "awaiting_customer", 3),
    ("tracking", "商品质量", "与描述不符", "normal", "delivered", "awaiting_customer", 6),
    ("fax", "价格/账单", "价格争议", "low", None, "resolved", 12),
    ("phone", "物流延误", "物流信息长时间不更新", "normal", "completed", "resolved", 16),
    ("online", "服务态度", "客服", "normal", None, "followed_up", 22),
    ("phone", "商品质量", "破损", "high", "paid", "goodwill_paid", 28),
    ("tracking", "物流延误", "未按期送达", "normal", "completed", "reopened", 35),
    ("email", "错发漏发", "漏发/少件", "high", "completed", "followed_up", 41),
    ("store", "服务态度", "送货/安装人员", "low", None, "followed_up", 48),
    ("platform", "价格/账单", "多收/重复收款", "normal", None, "followed_up", 55),
    ("online", "其他", None, "low", None, "closed", 30),
]
PRODUCT_CATEGORIES = {"商品质量", "错发漏发"}
# What the 主管 recorded as done about the commonest causes (改进措施, in the analysis).
IMPROVEMENTS = {
    "物流延误": "华东线路改由德邦次日达承运；出库超过 1 个工作日无物流信息自动提醒物流专员",
    "商品质量": "办公椅、展柜到货抽检比例由 5% 提高到 20%，破损件照片留档向供应商索赔",
    "错发漏发": "打包环节增加扫码复核，多件订单由第二人核对件数",
}
SATISFACTION = ["satisfied", "satisfied", "neutral", "dissatisfied"]
RESOLUTIONS = {
    "物流延误": "已联系承运商加急派送并致歉，今后同区域改走次日达",
    "商品质量": "已安排上门检测，确认质量问题后免费换新",
    "错发漏发": "已补发缺少/正确的商品，错发商品由快递上门取回",
    "服务态度": "已核实情况，对相关人员批评教育并向客户致歉",
    "价格/账单": "已核对合同价格，更正账单并重开发票",
    "售后处理": "已督促售后专员两日内完成处理",
    "其他": "已记录客户意见",
}
DESCRIPTIONS = {
    "物流延误": "约定周三送达，周五还没收到，物流信息停在转运中心",
    "商品质量": "收到的货外包装完好，但商品有明显损坏，无法正常使用",
    "错发漏发": "订了 10 件只收到 8 件，另有一件型号不对",
    "服务态度": "打电话咨询时对方态度很不耐烦",
    "价格/账单": "发票金额和合同价格不一致，多开了运费",
    "售后处理": "退货申请一周了还没人处理",
    "其他": "希望增加周末送货的选项",
}


class ServiceDeskDemo:
    def __init__(self, builder) -> None:
        self.builder = builder
        self.random = builder.random
        self.users = builder.users
        self.now = timezone.now()

    def build(self) -> None:
        if Complaint.objects.exists():
            self.builder.log("投诉已存在，跳过客服中心演示数据。")
            return
        with notices_suppressed():
            complaints = [self._complaint(*row) for row in PLAN]
        self._read_what_is_done(complaints)
        self._record_improvements()
        escalated = services.complaints_flag_overdue()
        self._late_after_sales_case()
        raised, _cleared = services.stage_flags_refresh()
        urgent = self._urgent_orders_waiting()
        self.builder.log(f"投诉：{len(complaints)} 件（各渠道、各状态，{escalated} 件超时升级）；"
                         f"超时订单 {raised} 个；加急待办提醒 {urgent} 条")

    # --- complaints -------------------------------------------------------------------------

    def _order(self, concerns: str | None) -> Order | None:
        statuses = {
            "in_transit": [OrderStatus.IN_TRANSIT],
            "delivered": [OrderStatus.DELIVERED],
            "completed": [OrderStatus.COMPLETED],
            "paid": [OrderStatus.DELIVERED, OrderStatus.COMPLETED],
        }.get(concerns)
        if statuses is None:
            return None
        orders = Order.objects.filter(status__in=statuses).order_by("id")
        if concerns == "paid":
            orders = orders.filter(paid_amount__gt=Decimal("1000"))
        used = Complaint.objects.exclude(order=None).values("order")
        return orders.exclude(pk__in=used).first() or orders.first()

    @transaction.atomic
    def _complaint(self, channel, category_name, sub_name, severity, concerns, ending, age_days) -> Complaint:
        order = self._order(concerns)
        customer = order.customer if order else self.random.choice(list(Customer.objects.order_by("id")))
        category = ComplaintCategory.objects.get(parent=None, name=category_name)
        subcategory = category.children.filter(name=sub_name).first() if sub_name else None
        clerk = self.users["service"]
        data = services.ComplaintInput(channel=channel, category=category, subcategory=subcategory, severity=severity,
                                       description=DESCRIPTIONS[category_name], customer=customer, order=order,
                                       product=self._product(order, category_name))
        received = self.now - timedelta(days=age_days)
        if channel == "tracking":
            complaint = services.complaint_open(user=None, data=data, by_customer=True, received_at=received)
        else:
            complaint = services.complaint_open(user=clerk, data=data, received_at=received)
        self._walk(complaint, ending, clerk, RESOLUTIONS[category_name])
        self._give_times(complaint, received)
        return complaint

    @staticmethod
    def _product(order: Order | None, category_name: str):
        """Complaints about goods name the product (the analysis counts them by product)."""
        if order is None or category_name not in PRODUCT_CATEGORIES:
            return None
        line = order.lines.select_related("product").order_by("id").first()
        return line.product if line else None

    def _walk(self, complaint: Complaint, ending: str, clerk, resolution: str) -> None:
        if ending == "accepted":
            return
        services.complaint_start(complaint=complaint, user=clerk, note="已电话联系客户了解情况")
        if ending == "in_progress":
            return
        if ending == "closed":
            services.complaint_close(complaint=complaint, user=clerk, reason="客户来电撤回投诉")
            return
        if ending == "noted":
            services.complaint_note_to_owner(complaint=complaint, user=clerk, note="客户对售后进度不满，请跟进安抚")
            return
        if ending.startswith("goodwill"):
            amount = Decimal("500.00") if ending == "goodwill_pending" else Decimal("100.00")
            services.goodwill_request(complaint=complaint, user=clerk, amount=amount, reason="商品质量问题，补偿部分货款")
            if ending == "goodwill_pending":
                return
        services.complaint_propose(complaint=complaint, user=clerk, resolution=resolution)
        if ending == "awaiting_customer":
            return
        if ending == "reopened":
            services.complaint_reopen(complaint=complaint, reason="说好的次日达还是晚了一天")
            services.complaint_propose(complaint=complaint, user=clerk, resolution="已补偿运费并更换承运商")
        services.complaint_confirm(complaint=complaint, satisfaction=self.random.choice(SATISFACTION[:3]),
                                   comment="处理及时，谢谢")
        if ending != "resolved":
            services.complaint_follow_up(complaint=complaint, user=clerk, satisfaction=self.random.choice(SATISFACTION),
                                         note="回访：客户对处理结果表示认可")

    def _give_times(self, complaint: Complaint, created) -> None:
        """The steps happened over the complaint's life, in working time, not all just now."""
        events = list(complaint.events.order_by("id"))
        moment, times = created, []
        for index, event in enumerate(events):
            if index:
                moment = min(add_working_time(moment, timedelta(hours=self.random.randint(1, 14))),
                             self.now - timedelta(minutes=5))
            times.append(moment)
            event.created_at = moment
        ComplaintEvent.objects.bulk_update(events, ["created_at"])
        if complaint.order_id:
            notes = list(OrderEvent.objects.filter(order_id=complaint.order_id,
                                                   data__complaint_number=complaint.number).order_by("id"))
            for note, moment in zip(notes, times):
                note.created_at = moment
            OrderEvent.objects.bulk_update(notes, ["created_at"])
        at = {event.action: when for event, when in zip(events, times)}
        respond_due, due = due_times(complaint.severity, created)
        Complaint.objects.filter(pk=complaint.pk).update(
            created_at=created, respond_due_at=respond_due, due_at=due, first_response_at=at.get("start"),
            proposed_at=at.get("propose"), resolved_at=at.get("confirm"), followed_up_at=at.get("follow_up"),
            closed_at=at.get("close"),
        )

    def _record_improvements(self) -> None:
        for name, improvement in IMPROVEMENTS.items():
            services.category_improvement_update(user=self.users["manager"], improvement=improvement,
                                                 category=ComplaintCategory.objects.get(parent=None, name=name))

    def _read_what_is_done(self, complaints: list[Complaint]) -> None:
        """What the 客服 were told about complaints that have since ended was read long ago."""
        for complaint in complaints:
            complaint.refresh_from_db()
            if not complaint.is_open:
                StaffNotification.objects.filter(link=reverse("servicedesk:complaint", args=[complaint.number])).update(
                    read_at=complaint.closed_at or complaint.resolved_at or self.now)

    # --- what else waits ----------------------------------------------------------------------

    def _late_after_sales_case(self) -> None:
        """One after-sales case that ran past its due date (the 售后专员's stage flag)."""
        case = AfterSalesCase.objects.exclude(status__in=CASE_ENDED).order_by("id").first()
        if case is None:
            return
        opened = self.now - timedelta(days=14)
        AfterSalesCase.objects.filter(pk=case.pk).update(created_at=opened, due_at=case_due_at(case.service, opened))
        cases_flag_overdue()

    def _urgent_orders_waiting(self) -> int:
        """The urgent orders waiting now, announced to whoever works on their stage (the
        history was built with nobody told)."""
        told = 0
        open_statuses = [s for s in OrderStatus.values if s not in (OrderStatus.COMPLETED, OrderStatus.CANCELLED,
                                                                    OrderStatus.CLOSED)]
        urgent = Order.objects.filter(priority=Priority.URGENT, status__in=open_statuses).select_related(
            "customer", "owner", "created_by")
        for order in urgent:
            told += services.staff_notify(
                users=stage_handlers(order), kind=kinds.URGENT_ORDER, link=reverse("orders:detail", args=[order.number]),
                text=f"加急订单 {order.number}（{order.customer.name}）在“{order.get_status_display()}”等待您处理",
                key=f"urgent_order:{order.pk}",
            )
        return told

