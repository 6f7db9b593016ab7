"""Reports, dashboard and order list at scale: generates N orders (default 1,000,000) spread
over 24 months on the configured database, then times

- the monthly report (every figure of the last full month, computed by the database),
- the dashboard (home page of 主管 / 数据分析师),
- the order list page (first page; filtered by status; searched by customer name; searched by
  a phone number through its blind index), first with the receivers' personal data in clear
  (as generated), then again after encrypting it (ordermgmt.encryption, the same batches as
  ``manage.py encryption_rotate``): the cost of encryption at rest, in the same run,

printing median and p95 times and the number of queries. As a baseline, in the same run,
the month's revenue and average lead time are computed by a Python loop over the month's
orders (what "no database aggregation" would cost), with the ratio.

    DATABASE_URL=postgres://… .venv/bin/python bench/reports.py [--orders 1000000] [--keepdb]

The data goes into a scratch database (``bench_<name>``); --keepdb keeps it for the next run
(generation is skipped when it already holds the orders).
"""

import argparse
import statistics
import time
from datetime import timedelta

from _setup import finish, start


def generate_postgresql(n: int) -> None:
    from django.conf import settings
    from django.db import connection

    from fulfillment.models import ExceptionNote
    from ordermgmt.encryption import decode_key

    # The phone's blind index as ordermgmt.encryption computes it (HMAC-SHA256, 128 bits in hex),
    # in SQL; the names, phones and streets stay in clear until the encryption step.
    index_key = decode_key(settings.FIELD_BLIND_INDEX_KEY, setting="FIELD_BLIND_INDEX_KEY").hex()
    statements = [
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)"
        " SELECT '!', false, 'bench_sales_' || i, '销售' || i, '', '', false, true, now() FROM generate_series(1, 20) i",
        "INSERT INTO customers_customer (code, name, level, credit_limit, payment_terms_days, tax_number, bank_name,"
        " bank_account, owner_id, notes, search_key, created_at, updated_at)"
        " SELECT 'BC' || lpad(i::text, 6, '0'), '基准客户' || i || '有限公司',"
        " (ARRAY['normal','normal','normal','important','vip'])[1 + i % 5], 10000000, 30, '', '', '',"
        " (SELECT min(id) FROM auth_user WHERE username LIKE 'bench_sales_%') + i % 20, '',"
        " 'jizhunkehu' || i || ' jzkh' || i, now(), now() FROM generate_series(1, 5000) i",
        "INSERT INTO inventory_product (sku, name, spec, unit, list_price, vat_rate, stock_type, safety_stock, is_active,"
        " search_key, weight_kg, floor_price) SELECT 'BP' || lpad(i::text, 5, '0'), '基准商品' || i, '标准', '件',"
        " (10 + i % 490)::numeric, 0.13, 'stock', 10, true, 'bp' || i, 1, NULL FROM generate_series(1, 500) i",
        # Orders: more of them recently (a growing business), statuses by age, 3 % cancelled.
        f"""
        CREATE TEMP TABLE bench_plan AS
        SELECT i,
               now() - (730 * power(random(), 1.4)) * interval '1 day' AS created_at,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4
        FROM generate_series(1, {n}) i
        """,
        """
        INSERT INTO orders_order (number, status, customer_id, external_ref, contact_name, contact_phone,
          contact_phone_index, contact_email, ship_province, ship_city, ship_district, ship_address, channel, order_type, priority, owner_id, created_by_id,
          requested_delivery_date, packaging_note, notes, invoice_type, invoice_title, payment_method, goods_amount,
          discount_amount, freight_amount, freight_waived, freight_waiver_reason, subtotal, tax_amount, total,
          paid_amount, refunded_amount, returned_amount, review_blockers, needs_manual_review, awaiting_manager,
          priority_score, created_at, updated_at, status_changed_at, status_before_after_sales,
          approved_at, allocated_at, shipped_at, delivered_at, completed_at, cancelled_at)
        SELECT to_char(p.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(p.i::text, 7, '0'),
          s.status, c.id, '', '张三', '138' || lpad((p.i % 100000000)::text, 8, '0'),
          substr(encode(hmac(convert_to('138' || lpad((p.i % 100000000)::text, 8, '0'), 'UTF8'),
                             decode('INDEX_KEY', 'hex'), 'sha256'), 'hex'), 1, 32),
          '', '上海市', '上海市', '浦东新区',
          '张江路' || (p.i % 999) || '号', (ARRAY['online','phone','email','import','api'])[1 + (p.i % 5)], 'stock',
          CASE WHEN p.r4 < 0.1 THEN 'urgent' ELSE 'normal' END, c.owner_id, NULL,
          (p.created_at + (3 + (p.r3 * 7)::int) * interval '1 day')::date, '', '', 'none', '', 'bank_transfer',
          a.amount, 0, 0, false, '', a.amount, round(a.amount * 0.13, 2), a.amount + round(a.amount * 0.13, 2),
          0, 0, 0, '[]', false, false, (a.amount / 1000)::int, p.created_at, p.created_at, p.created_at, '',
          CASE WHEN s.stage >= 1 THEN p.created_at + (1 + p.r2 * 30) * interval '1 hour' END,
          CASE WHEN s.stage >= 2 THEN p.created_at + (1 + p.r2 * 30) * interval '1 hour' END,
          CASE WHEN s.stage >= 3 THEN p.created_at + (7 + p.r2 * 30 + p.r3 * 66) * interval '1 hour' END,
          CASE WHEN s.stage >= 4 THEN p.created_at + (31 + p.r2 * 30 + p.r3 * 66 + p.r1 * 96) * interval '1 hour' END,
          CASE WHEN s.stage >= 5 THEN p.created_at + (80 + p.r2 * 30 + p.r3 * 66 + p.r1 * 96) * interval '1 hour' END,
          CASE WHEN s.status = 'cancelled' THEN p.created_at + interval '5 hour' END
        FROM bench_plan p
        JOIN LATERAL (SELECT (100 + p.r1 * 19900)::numeric(14, 2) AS amount) a ON true
        JOIN LATERAL (SELECT CASE
              WHEN p.r4 > 0.97 THEN 'cancelled'
              WHEN now() - p.created_at < interval '1 day' THEN 'pending_review'
              WHEN now() - p.created_at < interval '3 day' THEN 'allocated'
              WHEN now() - p.created_at < interval '6 day' THEN 'in_transit'
              WHEN now() - p.created_at < interval '12 day' THEN 'delivered'
              WHEN p.r4 > 0.95 THEN 'after_sales'
              ELSE 'completed' END AS status) st ON true
        JOIN LATERAL (SELECT st.status, CASE st.status
              WHEN 'pending_review' THEN 0 WHEN 'cancelled' THEN 0 WHEN 'allocated' THEN 2 WHEN 'in_transit' THEN 3
              WHEN 'delivered' THEN 4 ELSE 5 END AS stage) s ON true
        JOIN customers_customer c ON c.code = 'BC' || lpad((1 + p.i % 5000)::text, 6, '0')
        -- In time order, as a real order table fills up: a month's orders sit together on disk.
        ORDER BY p.created_at
        """,
        """
        INSERT INTO orders_orderline (order_id, line_no, product_id, product_sku, product_name, product_spec, unit,
          quantity, unit_price, vat_rate, amount, discount, tax_amount, list_price, rule_price, price_source,
          price_explanation, override_reason)
        SELECT o.id, n, pr.id, pr.sku, pr.name, '标准', '件', 1 + (o.id + n) % 9, pr.list_price, 0.13,
          pr.list_price * (1 + (o.id + n) % 9), 0, round(pr.list_price * (1 + (o.id + n) % 9) * 0.13, 2),
          pr.list_price, pr.list_price, 'list', '', ''
        FROM orders_order o
        CROSS JOIN LATERAL generate_series(1, 1 + o.id % 3) n
        JOIN inventory_product pr ON pr.sku = 'BP' || lpad((1 + (o.id * 7 + n * 13) % 500)::text, 5, '0')
        ORDER BY o.id, n
        """,
        """
        INSERT INTO orders_orderevent (order_id, kind, action, from_status, to_status, actor_id, actor_name, reason,
          data, created_at)
        SELECT id, 'created', 'create', '', 'pending_review', NULL, '系统', '', '{}', created_at FROM orders_order
        ORDER BY id
        """,
        # Exceptions: 4 % rejected once, after-sales for every order in 售后中, 1 % logistics
        # exceptions (the timeline note fulfillment writes when it flags a shipment).
        f"""
        INSERT INTO orders_orderevent (order_id, kind, action, from_status, to_status, actor_id, actor_name, reason,
          data, created_at)
        SELECT id, 'status', 'reject', 'pending_review', 'rejected', NULL::integer, '审核员', '地址模糊', '{{}}'::jsonb,
          created_at + interval '2 hour' FROM orders_order WHERE id % 25 = 0
        UNION ALL
        SELECT id, 'status', 'open_after_sales', 'completed', 'after_sales', NULL::integer, '售后专员', '退货', '{{}}'::jsonb,
          coalesce(completed_at, created_at) + interval '1 day' FROM orders_order WHERE status = 'after_sales'
        UNION ALL
        SELECT id, 'note', '{ExceptionNote.FLAGGED}', '', '', NULL::integer, '系统', '疑似丢件', '{{}}'::jsonb,
          created_at + interval '3 day' FROM orders_order WHERE id % 100 = 7
        """,
        """
        INSERT INTO inventory_purchaserequest (product_id, quantity, order_id, is_urgent, state, note, created_at,
          received_batch_id, closed_at, created_by_id)
        SELECT 1 + (SELECT min(id) FROM inventory_product WHERE sku LIKE 'BP%') + (o.id % 37), 1 + o.id % 20, o.id,
          o.priority = 'urgent', 'received', '缺货', o.created_at, NULL, NULL, NULL
        FROM orders_order o WHERE o.id % 200 = 3
        """,
        # A table in service is vacuumed by autovacuum; measure that steady state.
        "VACUUM ANALYZE",
    ]
    statements = [sql.replace("'INDEX_KEY'", f"'{index_key}'") for sql in statements]
    with connection.cursor() as cursor:
        for index, sql in enumerate(statements, start=1):
            began = time.perf_counter()
            cursor.execute(sql)
            print(f"  generate step {index}/{len(statements)}: {time.perf_counter() - began:6.1f} s")


def _plain_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_order WHERE contact_phone NOT LIKE 'enc:%%'")
        return cursor.fetchone()[0]


def encrypt_orders() -> int:
    """The receivers' name, phone, e-mail and street encrypted, as the data migration and
    ``encryption_rotate`` do it (batches of 5,000 rows), then VACUUM ANALYZE (steady state)."""
    from django.apps import apps
    from django.db import connection

    from ordermgmt.encryption import encrypted_tables, reencrypt_table

    changed = 0
    for table in encrypted_tables(apps.get_models()):
        changed += reencrypt_table(connection, batch_size=5000, **table)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orders_order")
    return changed


def timed(label: str, function, runs: int) -> dict:
    from django.db import connection, reset_queries

    durations, queries = [], 0
    for _ in range(runs):
        reset_queries()
        began = time.perf_counter()
        function()
        durations.append(time.perf_counter() - began)
        queries = len(connection.queries)
    durations.sort()
    p95 = durations[min(len(durations) - 1, max(0, round(0.95 * len(durations)) - 1))]
    median = statistics.median(durations)
    print(f"{label:<44} median {median * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   queries {queries}")
    return {"median": median, "p95": p95, "queries": queries}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    old_name = start(args.keepdb, suffix="reports")
    try:
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from ordermgmt import roles
        from orders.models import Order
        from reports.metrics import compute_report
        from reports.periods import previous_month
        from reports.selectors import dashboard

        if connection.vendor != "postgresql":
            raise SystemExit("bench/reports.py generates its data with PostgreSQL SQL: set DATABASE_URL=postgres://…")
        existing = Order.objects.count()
        if existing < args.orders:
            print(f"generating {args.orders:,} orders …")
            began = time.perf_counter()
            generate_postgresql(args.orders)
            print(f"generated in {time.perf_counter() - began:.1f} s")
        total = Order.objects.count()
        print(f"orders: {total:,}  lines: {Order.lines.rel.related_model.objects.count():,}")

        settings.DEBUG = True  # count queries
        month = previous_month(timezone.localdate())
        report = timed(f"monthly report {month[0]:%Y-%m} (all figures)", lambda: compute_report(*month, monthly=True), 5)
        board = timed("dashboard", dashboard, args.runs)

        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        analyst, _ = get_user_model().objects.get_or_create(username="bench_analyst")
        analyst.groups.add(Group.objects.get(name=roles.ANALYST))
        client = Client()
        client.force_login(analyst)
        settings.ALLOWED_HOSTS = ["testserver"]

        def page(params):
            response = client.get("/orders/", params)
            assert response.status_code == 200, response.status_code

        def list_pages(state: str) -> dict:
            print(f"-- order list, personal data {state}")
            return {
                "first page": timed("order list: first page", lambda: page({}), args.runs),
                "filtered": timed("order list: filtered (status=已交付)", lambda: page({"status": "delivered"}), args.runs),
                "searched name": timed("order list: searched (customer name)",
                                       lambda: page({"q": "基准客户4321有限公司"}), args.runs),
                "searched phone": timed("order list: searched (phone, blind index)",
                                        lambda: page({"q": "13800004321"}), args.runs),
                "page 30": timed("order list: filtered, page 30",
                                 lambda: page({"status": "completed", "page": 30}), args.runs),
            }

        in_clear = list_pages("in clear") if _plain_rows() else None
        began = time.perf_counter()
        changed = encrypt_orders()
        print(f"encrypted the receivers of {changed:,} orders in {time.perf_counter() - began:.1f} s")
        encrypted = list_pages("encrypted")
        if in_clear:
            print("p95 encrypted / in clear (goal: within 10 %):")
            for label, figures in encrypted.items():
                ratio = figures["p95"] / in_clear[label]["p95"]
                print(f"  {label:<16} {in_clear[label]['p95'] * 1000:8.1f} ms → {figures['p95'] * 1000:8.1f} ms  "
                      f"{(ratio - 1) * 100:+6.1f} %  {'OK' if ratio <= 1.10 else 'OVER'}")
        else:
            print("(the kept database was already encrypted: no in-clear figures in this run)")
        first, filtered, searched, big_page = (encrypted[k] for k in ("first page", "filtered", "searched name", "page 30"))

        # Baseline: the same two figures by a Python loop over the month's orders.
        from reports.periods import bounds

        low, high = bounds(*month)

        def python_loop():
            revenue, spans = 0, []
            for order in Order.objects.filter(created_at__gte=low, created_at__lt=high).iterator(chunk_size=2000):
                if order.status != "cancelled":
                    revenue += order.total - order.returned_amount
            for order in Order.objects.filter(delivered_at__gte=low, delivered_at__lt=high).iterator(chunk_size=2000):
                spans.append((order.delivered_at - order.created_at).total_seconds())
            return revenue, sum(spans) / max(len(spans), 1)

        settings.DEBUG = False
        baseline = timed("baseline: revenue + lead time by Python loop", python_loop, 3)
        settings.DEBUG = True
        from django.db.models import Avg, F, Q, Sum

        def aggregated():
            Order.objects.filter(created_at__gte=low, created_at__lt=high).aggregate(
                revenue=Sum(F("total") - F("returned_amount"), filter=~Q(status="cancelled")))
            Order.objects.filter(delivered_at__gte=low, delivered_at__lt=high).aggregate(avg=Avg(F("delivered_at") - F("created_at")))

        ours = timed("same two figures by database aggregation", aggregated, 5)
        print(f"ratio (Python loop / aggregation): {baseline['median'] / ours['median']:.1f}×")
        print()
        print("targets: monthly report ≤ 2 s, dashboard ≤ 300 ms, list page ≤ 150 ms (p95), constant queries per page")
        for label, figures, target in [("monthly report", report, 2.0), ("dashboard", board, 0.3),
                                       ("list first page", first, 0.15), ("list filtered", filtered, 0.15),
                                       ("list searched", searched, 0.15), ("list page 30", big_page, 0.15)]:
            print(f"  {label:<18} p95 {figures['p95'] * 1000:8.1f} ms  {'OK' if figures['p95'] <= target else 'OVER'}")
        print(f"  queries per list page: {first['queries']}, {filtered['queries']}, {searched['queries']}, {big_page['queries']}")
        _ = timedelta
    finally:
        finish(old_name, args.keepdb)


if __name__ == "__main__":
    main()
