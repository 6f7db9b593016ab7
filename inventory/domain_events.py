"""What the inventory announces (see ``ordermgmt.domain_events``)."""

from ordermgmt.domain_events import DomainEvent, event


@event("stock.received")
class StockReceived(DomainEvent):
    """Goods were put into stock (a receipt, or a count that found more): orders waiting for
    these products may now be allocated."""

    product_ids: tuple[int, ...]


@event("purchase_request.receiving")
class PurchaseRequestReceiving(DomainEvent):
    """Goods are being received straight against a purchase request (inventory's 到货入库), in
    its transaction: a listener may refuse it (e.g. the request is bought on a purchase order,
    received there with the incoming check)."""

    request: object
