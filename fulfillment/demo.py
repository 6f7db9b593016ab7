"""Fulfillment part of the demo data (used by ``ordermgmt.demo``).

Orders reach production, the warehouse and the carriers through the real services; then
the documents' times are moved to match the order's spread-out timeline. Orders still on
their way are made recent, with a few late or silent shipments for the exception desk.
"""

import base64
import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from inventory.models import StockAllocation
from inventory.services import order_shortages, stock_receive
from orders.models import OrderEvent, OrderStatus

from . import services as ff
from .models import (
    Carrier,
    EventKind,
    PickList,
    ProductionOrder,
    Shipment,
    ShipmentEvent,
)

CARRIERS = [
    # code, name, tracking URL, standard days, {province: days}, poller
    ("sf", "顺丰速运", "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{tracking_number}", 2,
     {"上海市": 1, "江苏省": 1, "浙江省": 1, "北京市": 2, "广东省": 2, "新疆维吾尔自治区": 4, "西藏自治区": 5}, ""),
    ("zto", "中通快递", "https://www.zto.com/?num={tracking_number}", 3,
     {"上海市": 1, "江苏省": 2, "浙江省": 2, "新疆维吾尔自治区": 6, "西藏自治区": 7}, "fake"),
    ("deppon", "德邦物流", "https://www.deppon.com/gw/track?no={tracking_number}", 4,
     {"上海市": 2, "江苏省": 2, "浙江省": 3}, ""),
]
HANDLED = {"start_production", "finish_production", "ship", "start_transit", "deliver"}


def create_carriers() -> list[Carrier]:
    carriers = []
    for code, name, url, days, regional, poller in CARRIERS:
        carrier, created = Carrier.objects.get_or_create(
            code=code,
            defaults={"name": name, "tracking_url_pattern": url, "default_transit_days": days, "poller": poller},
        )
        if created:
            for province, transit_days in regional.items():
                carrier.transit_times.create(province=province, transit_days=transit_days)
        carriers.append(carrier)
    return carriers


def _signature_png(rng) -> str:
    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    x, y = 40, 120
    for _ in range(14):
        nx, ny = x + rng.randint(15, 40), max(30, min(170, y + rng.randint(-45, 45)))
        draw.line([(x, y), (nx, ny)], fill="black", width=4)
        x, y = nx, ny
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class FulfillmentDemo:
    def __init__(self, builder) -> None:
        self.builder = builder
        self.random = builder.random
        self.carriers = create_carriers()
        self.signed = 0
        self.late_in_transit = 0

    def handles(self, action: str) -> bool:
        return action in HANDLED

    def user(self, role_user: str):
        return self.builder.users[role_user]

    # --- the steps ---------------------------------------------------------------------------

    def run(self, order, action: str, *, warehouses) -> None:
        getattr(self, action)(order, warehouses=warehouses)

    def start_production(self, order, **_):
        ff.production_order_raise(order=order, user=None)
        for production in ProductionOrder.objects.filter(order=order).open():
            ff.production_order_plan(production_order=production, user=self.user("production"),
                                     owner=self.user("production"), planned_start=production.planned_start,
                                     planned_finish=production.planned_finish)
            ff.production_order_start(production_order=production, user=self.user("production"))

    def finish_production(self, order, *, warehouses):
        custom_lines = {line.line_no for line in order.lines.all() if line.product.is_custom}
        for shortage in order_shortages(order=order):
            if shortage.line_no not in custom_lines:
                line = order.lines.get(line_no=shortage.line_no)
                stock_receive(product=line.product, warehouse=warehouses[0], quantity=shortage.missing + 50,
                              reason="补货入库", notify=False)
        for production in ProductionOrder.objects.filter(order=order).open():
            ff.production_order_pass_qc(production_order=production, user=self.user("production"), note="抽检合格")
            ff.production_order_stock(production_order=production, user=self.user("production"),
                                      warehouse=warehouses[0])

    def ship(self, order, **_):
        warehouse = self.user("warehouse")
        lines = list(order.lines.order_by("line_no"))
        parcels = [None]
        if len(lines) > 1 and self.random.random() < 0.2:
            # Partial shipment: the first line leaves first, the rest follows.
            first = StockAllocation.objects.filter(order_line=lines[0], state="active")
            rest = StockAllocation.objects.filter(order_line__order=order, state="active").exclude(order_line=lines[0])
            parcels = [{a.pk: a.quantity for a in first} | {a.pk: 0 for a in rest}, None]
        carrier = self.random.choice(self.carriers)
        # A pick list never spans two warehouses: a parcel from each.
        index = 0
        for quantities in parcels:
            for part in _per_warehouse(order, quantities):
                index += 1
                self._ship_parcel(order, part, warehouse=warehouse, carrier=carrier, index=index)

    def _ship_parcel(self, order, quantities, *, warehouse, carrier, index) -> None:
        pick_list = ff.pick_list_create(order=order, user=warehouse, quantities=quantities)
        ff.pick_list_mark_picked(pick_list=pick_list, user=warehouse)
        ff.pick_list_mark_packed(pick_list=pick_list, user=warehouse, package_count=self.random.randint(1, 3))
        ff.pick_list_ship(pick_list=pick_list, user=warehouse, carrier=carrier,
                          tracking_number=f"{carrier.code.upper()}{order.number}{index}")

    # The events that move the order go through the service; the ones in between (揽收,
    # 派送中) are added with the right times in ``align``.

    def start_transit(self, order, **_):
        now = timezone.now()
        for shipment in order.shipments.order_by("id"):
            ff.shipment_event_record(shipment=shipment, user=self.user("logistics"), kind=EventKind.IN_TRANSIT,
                                     occurred_at=now, place="上海转运中心", note="快件已发往目的地")

    def deliver(self, order, **_):
        now = timezone.now()
        for shipment in order.shipments.order_by("id"):
            if self.signed < 8:
                self.signed += 1
                ff.shipment_sign(shipment=shipment, user=self.user("logistics"), receiver_name=order.contact_name,
                                 signed_at=now, signature_data_url=_signature_png(self.random))
            else:
                ff.shipment_event_record(shipment=shipment, user=self.user("logistics"), kind=EventKind.DELIVERED,
                                         occurred_at=now, place=f"{order.ship_city}{order.ship_district}",
                                         note=f"签收人：{order.contact_name}")

    # --- times -------------------------------------------------------------------------------

    def align(self, order, target: str, now) -> None:
        """Move production, warehouse and logistics times onto the order's (spread) timeline."""
        events = list(order.events.order_by("created_at", "id"))
        if target in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT):
            self._make_recent(order, target, events, now)
        self._align_production(order, target, events, now)
        shipments = list(order.shipments.select_related("pick_list", "carrier").order_by("id"))
        if not shipments:
            return
        ship_times = [e.created_at for e in events if e.action in ("ship", "ship_partial")]
        transit = next((e.created_at for e in events if e.to_status == OrderStatus.IN_TRANSIT), None)
        delivered = next((e.created_at for e in events if e.to_status == OrderStatus.DELIVERED), None)
        for shipment, shipped_at in zip(shipments, ship_times):
            self._align_shipment(order, shipment, shipped_at, transit, delivered, now)

    def _make_recent(self, order, target, events, now) -> None:
        """Goods still on their way left the warehouse in the last days (a few of them too long ago)."""
        movable = [e for e in events if e.action in ("ship", "ship_partial", "start_transit")]
        if not movable:
            return
        earliest = max([e.created_at for e in events if e not in movable] or [now - timedelta(days=30)])
        hours_ago = self.random.randint(5, 60)
        if target == OrderStatus.IN_TRANSIT and self.late_in_transit < 3:
            self.late_in_transit += 1
            hours_ago = 24 * (7 - self.late_in_transit)  # 6, 5, 4 days ago: late, and one silent too
        moment = max(now - timedelta(hours=hours_ago), earliest + timedelta(hours=1))
        for event in movable:
            event.created_at = moment
            moment = min(moment + timedelta(hours=self.random.randint(3, 20)), now - timedelta(minutes=10))
        OrderEvent.objects.bulk_update(movable, ["created_at"])
        order.__class__.objects.filter(pk=order.pk).update(status_changed_at=max(e.created_at for e in events))

    def _align_production(self, order, target, events, now) -> None:
        started = next((e.created_at for e in events if e.to_status == OrderStatus.IN_PRODUCTION), None)
        finished = next((e.created_at for e in events if e.from_status == OrderStatus.IN_PRODUCTION), None)
        if started is None:
            return
        today = timezone.localdate(now)
        for production in ProductionOrder.objects.filter(order=order).select_related("batch"):
            start_day = timezone.localdate(started)
            finish_day = start_day + timedelta(days=7)
            if target == OrderStatus.IN_PRODUCTION:
                finish_day = today + timedelta(days=self.random.randint(-4, 6))
                start_day = min(start_day, finish_day - timedelta(days=3))
            production.created_at = started - timedelta(hours=1)
            production.started_at = started
            production.planned_start, production.planned_finish = start_day, finish_day
            if finished is not None:
                production.qc_passed_at = finished - timedelta(hours=2)
                production.stocked_at = finished
                if production.batch_id:
                    production.batch.__class__.objects.filter(pk=production.batch_id).update(received_at=finished)
            production.save()

    def _align_shipment(self, order, shipment, shipped_at, transit, delivered, now) -> None:
        days = shipment.carrier.transit_days_to(order.ship_province)
        expected = timezone.localdate(shipped_at) + timedelta(days=days)
        times = {EventKind.PICKED_UP: shipped_at + timedelta(hours=2)}
        if transit is not None:
            times[EventKind.IN_TRANSIT] = max(transit, times[EventKind.PICKED_UP] + timedelta(hours=1))
        if delivered is not None:
            delivered = max(delivered, times.get(EventKind.IN_TRANSIT, shipped_at) + timedelta(hours=6))
            times[EventKind.OUT_FOR_DELIVERY] = delivered - timedelta(hours=5)
            times[EventKind.DELIVERED] = delivered
        events = list(shipment.events.all())
        between = {EventKind.PICKED_UP: ("上海嘉定", "快递员已揽件"),
                   EventKind.OUT_FOR_DELIVERY: (f"{order.ship_city}{order.ship_district}", "快件派送中")}
        kinds = {e.kind for e in events}
        for kind, (place, note) in between.items():
            if kind in times and kind not in kinds and (kind == EventKind.PICKED_UP or EventKind.DELIVERED in kinds):
                events.append(ShipmentEvent(shipment=shipment, carrier=shipment.carrier, kind=kind, place=place,
                                            note=note, occurred_at=now, recorded_by=self.user("logistics")))
        ShipmentEvent.objects.bulk_create([e for e in events if e.pk is None])
        for event in events:
            event.occurred_at = min(times.get(event.kind, event.occurred_at), now - timedelta(minutes=5))
            event.created_at = event.occurred_at
        ShipmentEvent.objects.bulk_update(events, ["occurred_at", "created_at"])
        Shipment.objects.filter(pk=shipment.pk).update(
            shipped_at=shipped_at, expected_delivery_date=expected,
            last_event_at=max((e.occurred_at for e in events), default=None),
            delivered_at=times.get(EventKind.DELIVERED),
        )
        if hasattr(shipment, "proof"):
            shipment.proof.__class__.objects.filter(pk=shipment.proof.pk).update(signed_at=times[EventKind.DELIVERED])
        PickList.objects.filter(pk=shipment.pick_list_id).update(
            created_at=shipped_at - timedelta(hours=3), picked_at=shipped_at - timedelta(hours=2),
            packed_at=shipped_at - timedelta(hours=1), shipped_at=shipped_at,
        )

    def finish(self, now) -> int:
        """Flag what is late or silent today, as the beat task would have."""
        return len(ff.shipment_exceptions_detect(now=now))


def _per_warehouse(order, quantities: dict | None) -> list[dict]:
    """The chosen quantities (everything still to pick when None) split by warehouse. Computed
    when the parcel is made, so a later parcel sees what the earlier ones took."""
    groups: dict[int, dict] = {}
    for allocation in ff.pickable_allocations(order):
        wanted = allocation.quantity if quantities is None else quantities.get(allocation.pk, 0)
        if wanted:
            groups.setdefault(allocation.batch.warehouse_id, {})[allocation.pk] = wanted
    return list(groups.values())
