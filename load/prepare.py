"""What the load test needs from the seeded demo data, written to load/results/fixtures.json.

Run by load/run.sh as ``python manage.py shell -c "exec(open('load/prepare.py').read())"``
against the stack's database (after seed_demo): customers and in-stock products to enter
orders for (with plenty of stock, so entries are approved and allocated), order numbers with
the last 4 digits of their phone for the tracking page, and for every carrier with open
shipments a fresh push token and the tracking numbers it may push events for. The API
channel's token (issue 15) is added by load/run.sh, which creates the client.
"""

import json
import os
from pathlib import Path

from django.contrib.auth import get_user_model

from customers.models import Customer
from customers.phones import last_four_digits
from customers.selectors import customers_visible_to
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.services.tokens import carrier_issue_token
from inventory.models import Product, StockType, Warehouse
from inventory.services import stock_receive
from orders.models import Order

# The stack runs with DEBUG off, where the demo password is refused: the simulated staff sign in
# with this run's password (load/run.sh exports LOAD_PASSWORD to this and to locust).
for user in get_user_model().objects.filter(username__in=["sales", "sales2", "service", "reviewer"]):
    user.set_password(os.environ["LOAD_PASSWORD"])
    user.save(update_fields=["password"])

products = list(Product.objects.filter(is_active=True, stock_type=StockType.STOCK).order_by("pk")[:12])
warehouse = Warehouse.objects.order_by("pk").first()
for product in products:
    stock_receive(product=product, warehouse=warehouse, quantity=100_000)

open_shipments = Shipment.objects.exclude(status=ShipmentStatus.DELIVERED).select_related("carrier")
carriers = {}
for shipment in open_shipments:
    carriers.setdefault(shipment.carrier, []).append(shipment.tracking_number)

fixtures = {
    "customers": list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:50]),
    "customers_by_user": {user.username: list(customers_visible_to(user).order_by("pk").values_list("pk", flat=True)[:50])
                          for user in get_user_model().objects.filter(username__in=["sales", "sales2", "service"])},
    "customer_codes": list(Customer.objects.order_by("pk").values_list("code", flat=True)[:50]),
    "products": [p.pk for p in products],
    "skus": [p.sku for p in products],
    "tracking": [[o.number, last_four_digits(o.contact_phone)]
                 for o in Order.objects.exclude(contact_phone="").order_by("-pk")[:300]],
    "carriers": [{"code": carrier.code, "token": carrier_issue_token(carrier=carrier), "tracking_numbers": numbers}
                 for carrier, numbers in carriers.items()],
}
Path("load/results").mkdir(parents=True, exist_ok=True)
Path("load/results/fixtures.json").write_text(json.dumps(fixtures, ensure_ascii=False, indent=1))
print(f"fixtures: {len(fixtures['customers'])} customers, {len(products)} products, "
      f"{len(fixtures['tracking'])} orders to track, {sum(len(c['tracking_numbers']) for c in fixtures['carriers'])} "
      f"open shipments of {len(fixtures['carriers'])} carriers")
