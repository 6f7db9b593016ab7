"""A fake carrier for tests and the demo: every shipment moves on a fixed timetable.

已揽收 2 hours after shipping, 运输中 the next morning, 派送中 on the morning of the expected
delivery date and 已签收 that afternoon. A tracking number containing ``LOST`` stops after
运输中 (to show 疑似丢件), one containing ``LATE`` is delivered two days late (延误).
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from ..models import EventKind
from .base import CarrierEvent, CarrierPoller


class FakeCarrierPoller(CarrierPoller):
    def timetable(self, shipment) -> list[tuple[str, datetime, str]]:
        tz = timezone.get_current_timezone()
        shipped = timezone.localtime(shipment.shipped_at)
        delivery_day = shipment.expected_delivery_date
        if "LATE" in shipment.tracking_number:
            delivery_day += timedelta(days=2)
        next_morning = datetime.combine(shipped.date() + timedelta(days=1), time(6, 30), tzinfo=tz)
        steps = [
            (EventKind.PICKED_UP, shipped + timedelta(hours=2), f"{self.carrier.name}快递员已揽件"),
            (EventKind.IN_TRANSIT, max(next_morning, shipped + timedelta(hours=4)), "快件已发往目的地转运中心"),
        ]
        if "LOST" in shipment.tracking_number:
            return steps
        out_for_delivery = datetime.combine(delivery_day, time(8, 30), tzinfo=tz)
        steps.append((EventKind.OUT_FOR_DELIVERY, max(out_for_delivery, steps[-1][1] + timedelta(hours=1)), "快件正在派送"))
        steps.append((EventKind.DELIVERED, steps[-1][1] + timedelta(hours=6), "快件已签收"))
        return steps

    def fetch_events(self, shipments, *, now):
        events = []
        for shipment in shipments:
            province = shipment.order.ship_province
            for index, (kind, at, note) in enumerate(self.timetable(shipment), start=1):
                if at > now:
                    break
                place = province if kind != EventKind.PICKED_UP else "发货仓"
                events.append(
                    CarrierEvent(
                        external_id=f"FAKE-{shipment.tracking_number}-{index}",
                        tracking_number=shipment.tracking_number,
                        kind=kind,
                        occurred_at=at,
                        place=place,
                        note=note,
                    )
                )
        return events
