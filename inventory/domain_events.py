"""What the inventory announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event


@event("stock.received")
class StockReceived(DomainEvent):
    """Goods were put into stock (a receipt, or a count that found more): orders waiting for
    these products may now be allocated."""

    product_ids: tuple[int, ...]
