"""Pickers and list searches at scale (issue 16): generates 100,000 customers (with a
contact and an address each), 50,000 products and 1,000,000 orders (1–3 lines each, a
shipment for every order that left the warehouse) with bulk SQL on PostgreSQL, then times

- the order form: HTML size and server time (empty, and with a customer chosen beforehand),
- the customer and product pickers, query by query (initials, full pinyin, Chinese text,
  code / SKU, SKU fragment, phone), through their views,
- each new search of the order list (SKU, tracking number, receiver's name, region,
  amount range, balance due), through the list page,

printing median and p95 and the goals of the issue next to them, with the core count and
the load average (the machine is shared).

    DATABASE_URL=postgres://… .venv/bin/python bench/pickers.py [--keepdb] [--runs 30]

The data goes into a scratch database (``bench_pickers_<name>``); --keepdb keeps it for the
next run (generation is skipped when it already holds the orders).
"""

import argparse
import os
import statistics
import time

from _setup import finish, start

# Name parts with their pinyin and initials, so that SQL can build the search columns the
# application would (customers/search.py): 上海 + 华兴 + 科技 → shanghaihuaxingkeji, shhxkj.
CITIES = [("上海", "shanghai", "sh"), ("北京", "beijing", "bj"), ("广州", "guangzhou", "gz"), ("深圳", "shenzhen", "sz"),
          ("杭州", "hangzhou", "hz"), ("南京", "nanjing", "nj"), ("成都", "chengdu", "cd"), ("武汉", "wuhan", "wh"),
          ("苏州", "suzhou", "sz"), ("天津", "tianjin", "tj")]
WORDS = [("华兴", "huaxing", "hx"), ("宏达", "hongda", "hd"), ("金盛", "jinsheng", "js"), ("永泰", "yongtai", "yt"),
         ("恒通", "hengtong", "ht"), ("鑫源", "xinyuan", "xy"), ("立信", "lixin", "lx"), ("东方", "dongfang", "df"),
         ("新世纪", "xinshiji", "xsj"), ("明辉", "minghui", "mh"), ("瑞丰", "ruifeng", "rf"), ("天成", "tiancheng", "tc"),
         ("博远", "boyuan", "by"), ("嘉禾", "jiahe", "jh"), ("国泰", "guotai", "gt"), ("中联", "zhonglian", "zl"),
         ("安达", "anda", "ad"), ("富华", "fuhua", "fh"), ("盛世", "shengshi", "ss"), ("长城", "changcheng", "cc")]
TRADES = [("科技", "keji", "kj"), ("贸易", "maoyi", "my"), ("机械", "jixie", "jx"), ("电子", "dianzi", "dz"),
          ("建材", "jiancai", "jc"), ("物流", "wuliu", "wl"), ("化工", "huagong", "hg"), ("食品", "shipin", "sp"),
          ("纺织", "fangzhi", "fz"), ("医疗器械", "yiliaoqixie", "ylqx")]
GOODS = [("螺纹钢", "luowengang", "lwg"), ("办公椅", "bangongyi", "bgy"), ("办公桌", "bangongzhuo", "bgz"),
         ("打印纸", "dayinzhi", "dyz"), ("硒鼓", "xigu", "xg"), ("电缆", "dianlan", "dl"), ("轴承", "zhoucheng", "zc"),
         ("阀门", "famen", "fm"), ("水泥", "shuini", "sn"), ("钢管", "gangguan", "gg"), ("螺丝", "luosi", "ls"),
         ("胶带", "jiaodai", "jd"), ("纸箱", "zhixiang", "zx"), ("手套", "shoutao", "st"), ("安全帽", "anquanmao", "aqm"),
         ("显示器", "xianshiqi", "xsq"), ("键盘", "jianpan", "jp"), ("鼠标", "shubiao", "sb"), ("插座", "chazuo", "cz"),
         ("灯管", "dengguan", "dg")]
PLACES = [("广东省", "深圳市", "南山区"), ("广东省", "广州市", "天河区"), ("浙江省", "杭州市", "西湖区"),
          ("江苏省", "南京市", "鼓楼区"), ("江苏省", "苏州市", "姑苏区"), ("上海市", "上海市", "浦东新区"),
          ("北京市", "北京市", "朝阳区"), ("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "洪山区"),
          ("天津市", "天津市", "和平区")]
RECEIVERS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴婷", "徐刚", "孙丽", "马超", "朱红",
             "胡斌", "郭敏", "何平", "高翔", "林峰", "罗丹"]


def _array(values) -> str:
    return "ARRAY[" + ",".join("'" + value + "'" for value in values) + "]"


def _column(parts, index: int) -> str:
    return _array(part[index] for part in parts)


def generate_postgresql(customers: int, products: int, orders: int) -> None:
    from django.db import connection

    from orders.models import Order

    c, w, t, g = len(CITIES), len(WORDS), len(TRADES), len(GOODS)
    name_parts = f"""
        (SELECT i,
           ({_column(CITIES, 0)})[1 + i % {c}] || ({_column(WORDS, 0)})[1 + (i / {c}) % {w}]
             || ({_column(TRADES, 0)})[1 + (i / {c * w}) % {t}] || '有限公司' || i AS name,
           ({_column(CITIES, 1)})[1 + i % {c}] || ({_column(WORDS, 1)})[1 + (i / {c}) % {w}]
             || ({_column(TRADES, 1)})[1 + (i / {c * w}) % {t}] || 'youxiangongsi' || i AS pinyin,
           ({_column(CITIES, 2)})[1 + i % {c}] || ({_column(WORDS, 2)})[1 + (i / {c}) % {w}]
             || ({_column(TRADES, 2)})[1 + (i / {c * w}) % {t}] || 'yxgs' || i AS initials,
           'BC' || lpad(i::text, 6, '0') AS code
         FROM generate_series(1, {customers}) i) n"""
    goods = f"""
        (SELECT i,
           ({_column(WORDS, 0)})[1 + (i / {g}) % {w}] || ({_column(GOODS, 0)})[1 + i % {g}] AS name,
           ({_column(WORDS, 1)})[1 + (i / {g}) % {w}] || ({_column(GOODS, 1)})[1 + i % {g}] AS pinyin,
           ({_column(WORDS, 2)})[1 + (i / {g}) % {w}] || ({_column(GOODS, 2)})[1 + i % {g}] AS initials,
           'SP' || lpad(i::text, 6, '0') AS sku, '型号' || (i % 500) AS spec,
           'xinghao' || (i % 500) AS spec_pinyin, 'xh' || (i % 500) AS spec_initials
         FROM generate_series(1, {products}) i) p"""
    statements = [
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,"
        " date_joined) SELECT '!', false, 'bench_sales_' || i, '销售' || i, '', '', false, true, now()"
        " FROM generate_series(1, 50) i",
        f"""
        INSERT INTO customers_customer (code, name, level, credit_limit, payment_terms_days, tax_number, bank_name,
          bank_account, owner_id, notes, search_key, pinyin, initials, created_at, updated_at)
        SELECT n.code, n.name, (ARRAY['normal','normal','normal','important','vip'])[1 + n.i % 5], 10000000, 30,
          '', '', '', (SELECT min(id) FROM auth_user WHERE username LIKE 'bench_sales_%') + n.i % 50, '',
          lower(n.name) || ' ' || n.pinyin || ' ' || n.initials || ' ' || lower(n.code) || ' ' || lower(n.code)
            || ' ' || lower(n.code), n.pinyin, n.initials, now(), now()
        FROM {name_parts}
        """,
        f"""
        INSERT INTO customers_contact (customer_id, name, phone, email, is_primary)
        SELECT id, ({_array(RECEIVERS)})[1 + id % {len(RECEIVERS)}], '139' || lpad(id::text, 8, '0'), '', true
        FROM customers_customer
        """,
        f"""
        INSERT INTO customers_address (customer_id, province, city, district, detail, is_default)
        SELECT id, ({_column(PLACES, 0)})[1 + id % {len(PLACES)}], ({_column(PLACES, 1)})[1 + id % {len(PLACES)}],
          ({_column(PLACES, 2)})[1 + id % {len(PLACES)}], '科技园路' || id % 999 || '号', true
        FROM customers_customer
        """,
        f"""
        INSERT INTO inventory_product (sku, name, spec, unit, list_price, vat_rate, stock_type, safety_stock,
          is_active, search_key, pinyin, initials, weight_kg, floor_price, updated_at)
        SELECT p.sku, p.name, p.spec, '件', (10 + p.i % 490)::numeric, 0.13, 'stock', 10, p.i % 50 <> 0,
          p.name || ' ' || p.pinyin || ' ' || p.initials || ' ' || lower(p.sku) || ' ' || lower(p.sku) || ' '
            || lower(p.sku) || ' ' || p.spec || ' ' || p.spec_pinyin || ' ' || p.spec_initials,
          p.pinyin, p.initials, 1, NULL, now()
        FROM {goods}
        """,
        f"""
        CREATE TEMP TABLE bench_plan AS
        SELECT i, now() - (730 * power(random(), 1.4)) * interval '1 day' AS created_at,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4,
               1 + (random() * ({customers} - 1))::int AS customer_no
        FROM generate_series(1, {orders}) i
        """,
        f"""
        INSERT INTO orders_order (number, status, customer_id, external_ref, contact_name, contact_phone, contact_email,
          ship_province, ship_city, ship_district, ship_address, channel, order_type, priority, owner_id, created_by_id,
          requested_delivery_date, packaging_note, notes, invoice_type, invoice_title, payment_method, goods_amount,
          discount_amount, freight_amount, freight_waived, freight_waiver_reason, subtotal, tax_amount, total,
          paid_amount, refunded_amount, returned_amount, review_blockers, needs_manual_review, awaiting_manager,
          priority_score, created_at, updated_at, status_changed_at, status_before_after_sales,
          approved_at, allocated_at, shipped_at, delivered_at, completed_at, cancelled_at)
        SELECT to_char(p.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(p.i::text, 7, '0'),
          s.status, c.id, '', ({_array(RECEIVERS)})[1 + p.i % {len(RECEIVERS)}],
          '138' || lpad((p.i % 100000000)::text, 8, '0'), '',
          ({_column(PLACES, 0)})[1 + p.i % {len(PLACES)}], ({_column(PLACES, 1)})[1 + p.i % {len(PLACES)}],
          ({_column(PLACES, 2)})[1 + p.i % {len(PLACES)}], '科技园路' || (p.i % 999) || '号',
          (ARRAY['online','phone','email','import','api'])[1 + (p.i % 5)], 'stock',
          CASE WHEN p.r4 < 0.1 THEN 'urgent' ELSE 'normal' END, c.owner_id, NULL,
          (p.created_at + interval '5 day')::date, '', '', 'none', '', 'bank_transfer',
          a.amount, 0, 0, false, '', a.amount, round(a.amount * 0.13, 2), a.amount + round(a.amount * 0.13, 2),
          CASE WHEN s.stage >= 4 AND p.r3 < 0.85 THEN a.amount + round(a.amount * 0.13, 2) ELSE 0 END, 0, 0,
          '[]', false, false, (a.amount / 1000)::int, p.created_at, p.created_at, p.created_at, '',
          CASE WHEN s.stage >= 1 THEN p.created_at + interval '2 hour' END,
          CASE WHEN s.stage >= 2 THEN p.created_at + interval '3 hour' END,
          CASE WHEN s.stage >= 3 THEN p.created_at + interval '1 day' END,
          CASE WHEN s.stage >= 4 THEN p.created_at + interval '3 day' END,
          CASE WHEN s.stage >= 5 THEN p.created_at + interval '5 day' END,
          CASE WHEN s.status = 'cancelled' THEN p.created_at + interval '5 hour' END
        FROM bench_plan p
        JOIN LATERAL (SELECT (100 + p.r1 * 19900)::numeric(14, 2) AS amount) a ON true
        JOIN LATERAL (SELECT CASE
              WHEN p.r4 > 0.97 THEN 'cancelled'
              WHEN now() - p.created_at < interval '1 day' THEN 'pending_review'
              WHEN now() - p.created_at < interval '3 day' THEN 'allocated'
              WHEN now() - p.created_at < interval '6 day' THEN 'in_transit'
              WHEN now() - p.created_at < interval '12 day' THEN 'delivered'
              ELSE 'completed' END AS status) st ON true
        JOIN LATERAL (SELECT st.status, CASE st.status
              WHEN 'pending_review' THEN 0 WHEN 'cancelled' THEN 0 WHEN 'allocated' THEN 2 WHEN 'in_transit' THEN 3
              WHEN 'delivered' THEN 4 ELSE 5 END AS stage) s ON true
        JOIN customers_customer c ON c.code = 'BC' || lpad(p.customer_no::text, 6, '0')
        ORDER BY p.created_at
        """,
        f"""
        INSERT INTO orders_orderline (order_id, line_no, product_id, product_sku, product_name, product_spec, unit,
          quantity, unit_price, vat_rate, amount, discount, tax_amount, list_price, rule_price, price_source,
          price_explanation, override_reason)
        SELECT o.id, n, pr.id, pr.sku, pr.name, pr.spec, '件', 1 + (o.id + n) % 9, pr.list_price, 0.13,
          pr.list_price * (1 + (o.id + n) % 9), 0, round(pr.list_price * (1 + (o.id + n) % 9) * 0.13, 2),
          pr.list_price, pr.list_price, 'list', '', ''
        FROM orders_order o
        CROSS JOIN LATERAL generate_series(1, 1 + o.id % 3) n
        JOIN inventory_product pr ON pr.sku = 'SP' || lpad((1 + (o.id * 7919 + n * 104729) % {products})::text, 6, '0')
        ORDER BY o.id, n
        """,
        """
        INSERT INTO fulfillment_shipment (order_id, pick_list_id, carrier_id, tracking_number, status, shipped_at,
          expected_delivery_date, last_event_at, delivered_at, replaces_id, created_by_id)
        SELECT o.id, NULL, (SELECT id FROM fulfillment_carrier WHERE code = 'benchx'),
          'SF' || lpad(o.id::text, 12, '0'), CASE WHEN o.delivered_at IS NULL THEN 'in_transit' ELSE 'signed' END,
          o.shipped_at, (o.shipped_at + interval '3 day')::date, o.shipped_at, o.delivered_at, NULL, NULL
        FROM orders_order o WHERE o.shipped_at IS NOT NULL ORDER BY o.id
        """,
        "VACUUM ANALYZE",
    ]
    Order.shipments.rel.related_model.carrier.field.related_model.objects.create(name="基准快递", code="benchx")
    with connection.cursor() as cursor:
        for index, sql in enumerate(statements, start=1):
            began = time.perf_counter()
            cursor.execute(sql)
            print(f"  generate step {index}/{len(statements)}: {time.perf_counter() - began:6.1f} s", flush=True)


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
    print(f"{label:<52} median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   queries {queries}", flush=True)
    return {"median": median, "p95": p95, "queries": queries, "durations": durations}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    old_name = start(args.keepdb, suffix="pickers")
    try:
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db import connection
        from django.test import Client

        from customers.models import Customer
        from inventory.models import Product
        from ordermgmt import roles
        from orders.models import Order, OrderLine

        if connection.vendor != "postgresql":
            raise SystemExit("bench/pickers.py generates its data with PostgreSQL SQL: set DATABASE_URL=postgres://…")
        print(f"cores: {os.cpu_count()}  load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        if Order.objects.count() < args.orders:
            print(f"generating {args.customers:,} customers, {args.products:,} products, {args.orders:,} orders …")
            began = time.perf_counter()
            generate_postgresql(args.customers, args.products, args.orders)
            print(f"generated in {time.perf_counter() - began:.1f} s")
        print(f"customers: {Customer.objects.count():,}  products: {Product.objects.count():,}  "
              f"orders: {Order.objects.count():,}  lines: {OrderLine.objects.count():,}  "
              f"shipments: {Order.shipments.rel.related_model.objects.count():,}")

        sales, _ = get_user_model().objects.get_or_create(username="bench_clerk")
        sales.groups.add(Group.objects.get(name=roles.SALES))  # sees phones in full: the widest picker search
        client = Client()
        client.force_login(sales)
        settings.ALLOWED_HOSTS = ["testserver"]
        settings.DEBUG = True  # count queries

        def get(path, params=None):
            response = client.get(path, params or {})
            assert response.status_code == 200, (path, params, response.status_code)
            return response

        runs = args.runs
        chosen = Customer.objects.filter(code__startswith="BC").order_by("code")[min(12344, args.customers - 1)]
        print()
        form_size = len(get("/orders/new/").content)
        chosen_size = len(get("/orders/new/", {"customer": chosen.pk}).content)
        print(f"order form HTML: {form_size / 1024:.1f} KB empty, {chosen_size / 1024:.1f} KB with a customer chosen")
        form = timed("order form (GET /orders/new/)", lambda: get("/orders/new/"), runs)
        form_chosen = timed("order form with ?customer= (contact, address)", lambda: get("/orders/new/", {"customer": chosen.pk}), runs)

        print()
        picker_queries = [
            ("/customers/picker/", "hxkj", "customer: initials within the name (hxkj)"),
            ("/customers/picker/", "shhxkj", "customer: initials from the start (shhxkj)"),
            ("/customers/picker/", "huaxing", "customer: full pinyin (huaxing)"),
            ("/customers/picker/", "华兴科技", "customer: Chinese text (华兴科技)"),
            ("/customers/picker/", "华兴", "customer: two Chinese characters (华兴)"),
            ("/customers/picker/", "hx", "customer: two letters (hx)"),
            ("/customers/picker/", "BC012345", "customer: code (BC012345)"),
            ("/customers/picker/", "1390001234", "customer: phone digits (1390001234)"),
            ("/inventory/products/picker/", "SP012345", "product: SKU (SP012345)"),
            ("/inventory/products/picker/", "12345", "product: SKU fragment (12345)"),
            ("/inventory/products/picker/", "lwg", "product: initials (lwg)"),
            ("/inventory/products/picker/", "luowen", "product: pinyin (luowen)"),
            ("/inventory/products/picker/", "螺纹钢", "product: name (螺纹钢)"),
            ("/inventory/products/picker/", "型号12", "product: spec (型号12)"),
        ]
        picker_durations = []
        for path, query, label in picker_queries:
            figures = timed(f"picker {label}", lambda path=path, query=query: get(path, {"q": query}), runs)
            picker_durations += figures["durations"]
        picker_durations.sort()
        picker_p95 = picker_durations[round(0.95 * len(picker_durations)) - 1]
        print(f"pickers, all queries together: p95 {picker_p95 * 1000:.1f} ms over {len(picker_durations)} requests")

        print()
        sku = OrderLine.objects.filter(order__created_at__gte=Order.objects.latest("created_at").created_at
                                       ).values_list("product_sku", flat=True).first() or "SP000001"
        tracking = Order.shipments.rel.related_model.objects.order_by("-id").values_list("tracking_number", flat=True)[500]
        searches = [
            ("SKU", {"sku": sku}),
            ("SKU prefix", {"sku": sku[:6]}),
            ("tracking number", {"tracking": tracking}),
            ("receiver's name", {"contact": "李娜"}),
            ("region (province)", {"region": "广东"}),
            ("region (city)", {"region": "杭州市"}),
            ("amount range 5,000–5,100", {"amount_min": "5000", "amount_max": "5100"}),
            ("balance due", {"unpaid": "1"}),
            ("balance due + region + amount ≥ 20,000", {"unpaid": "1", "region": "深圳", "amount_min": "20000"}),
        ]
        timed("order list: no search (for comparison)", lambda: get("/orders/"), runs)
        list_figures = {}
        for label, params in searches:
            list_figures[label] = timed(f"order list: {label}", lambda params=params: get("/orders/", params), runs)

        print()
        print(f"cores: {os.cpu_count()}  load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print("goals: order form ≤ 200 KB and p95 ≤ 300 ms; picker query p95 ≤ 50 ms; each list search p95 ≤ 150 ms")

        def verdict(value, goal):
            return "OK" if value <= goal else "OVER"

        print(f"RESULT order form size {form_size / 1024:.1f} KB {verdict(form_size, 200 * 1024)}")
        print(f"RESULT order form p95 {form['p95'] * 1000:.1f} ms, with a customer chosen "
              f"{form_chosen['p95'] * 1000:.1f} ms {verdict(max(form['p95'], form_chosen['p95']), 0.3)}")
        print(f"RESULT picker p95 {picker_p95 * 1000:.1f} ms {verdict(picker_p95, 0.05)}")
        for label, figures in list_figures.items():
            print(f"RESULT list search {label}: p95 {figures['p95'] * 1000:.1f} ms, {figures['queries']} queries "
                  f"{verdict(figures['p95'], 0.15)}")
    finally:
        finish(old_name, args.keepdb)


if __name__ == "__main__":
    main()
