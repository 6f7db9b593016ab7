"""The import itself: all or nothing, no duplicates ever, the same orders as entered by hand."""

from decimal import Decimal

import pytest

from customers.models import Customer
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput, InvalidTransition
from orders.importing import services
from orders.models import Channel, ImportJob, Order, OrderEvent, OrderLine, OrderStatus
from orders.services import LineInput, NewOrder, order_create, order_create_many
from tests.factories import details_for, make_order, user_with_role

from .conftest import good_row, xlsx

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


def upload(user, data: bytes, name="orders.xlsx") -> ImportJob:
    job = services.import_job_create(user=user, name=name, content=data)
    services.import_job_start(job=job, validate=True)
    job.refresh_from_db()
    return job


def confirm(job, user, accept_warnings=False) -> ImportJob:
    job = services.import_job_confirm(job=job, user=user, accept_warnings=accept_warnings)
    services.import_job_start(job=job, validate=False)
    job.refresh_from_db()
    return job


def test_a_valid_file_creates_every_order_for_review_as_batch_import_naming_the_import(shop):
    sales = shop["sales"]
    job = upload(sales, xlsx([good_row(urgent="是", notes="工作日送货"), good_row(sku="P0002", quantity=1, unit_price=None),
                              good_row(external_ref="PO-2")]), name="华兴11月.xlsx")
    assert job.status == Status.READY and (job.order_count, job.line_count) == (2, 3)
    assert Order.objects.count() == 0  # the preview writes nothing
    job = confirm(job, sales)

    assert job.status == Status.IMPORTED and job.created_order_count == 2
    first = Order.objects.get(number=job.created_orders[0])
    assert first.status == OrderStatus.PENDING_REVIEW and first.channel == Channel.IMPORT
    assert first.external_ref == "PO-1" and first.customer == shop["customer"] and first.created_by == sales
    assert first.priority == "urgent" and first.notes == "工作日送货"
    assert first.ship_province == "浙江省" and first.ship_city == "杭州市" and first.ship_district == "西湖区"
    assert [(l.line_no, l.product_sku, l.quantity, l.unit_price) for l in first.lines.all()] == [
        (1, "P0001", 2, Decimal("250.00")), (2, "P0002", 1, Decimal("800.00"))]
    assert first.total == Decimal("1469.00")
    # 250.00 came from the file: a manual price (the chair lists at 300.00), on the timeline.
    assert [l.price_source for l in first.lines.all()] == ["manual", "list"]
    assert "Excel 导入文件指定单价" in first.events.get(action="price_override").reason
    event = first.events.get(action="create")
    assert event.action == "create" and event.actor == sales and event.to_status == OrderStatus.PENDING_REVIEW
    assert f"导入记录 #{job.pk}" in event.reason and "华兴11月.xlsx" in event.reason and "第2–3行" in event.reason


def test_one_bad_row_means_nothing_is_written(shop):
    sales = shop["sales"]
    job = upload(sales, xlsx([good_row(customer="全新客户有限公司"), good_row(external_ref="PO-2"),
                              good_row(external_ref="PO-3", quantity=0)]))
    assert job.status == Status.INVALID and job.error_count == 1
    with pytest.raises(InvalidTransition, match="不能确认导入"):
        services.import_job_confirm(job=job, user=sales, accept_warnings=True)
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert not Customer.objects.filter(name="全新客户有限公司").exists()


def test_a_failure_while_creating_rolls_back_every_order_and_new_customer(shop, monkeypatch):
    sales = shop["sales"]
    job = upload(sales, xlsx([good_row(customer="全新客户有限公司"), good_row(external_ref="PO-2")]))

    def explode(**kwargs):
        raise InvalidInput("模拟的写入失败")

    monkeypatch.setattr("orders.importing.services.order_create_many", explode)
    job = confirm(job, sales, accept_warnings=True)
    assert job.status == Status.INVALID and "模拟的写入失败" in job.message
    assert Order.objects.count() == 0 and not Customer.objects.filter(name="全新客户有限公司").exists()


def test_re_uploading_the_same_file_creates_nothing_new_and_says_so(shop):
    sales = shop["sales"]
    data = xlsx([good_row(), good_row(external_ref="PO-2")])
    first = confirm(upload(sales, data), sales)
    assert first.created_order_count == 2

    again = upload(sales, data)
    assert again.status == Status.INVALID
    messages = [p["message"] for p in again.problems]
    assert any(f"与导入记录 #{first.pk}" in m for m in messages)
    assert any("这个文件已经导入过：全部 2 个订单都已存在" in m for m in messages)
    assert Order.objects.count() == 2


def test_same_day_identical_order_without_ref_must_be_confirmed(shop):
    sales = shop["sales"]
    make_order(customer=shop["customer"], lines=[(shop["chair"], 2, Decimal("250.00"))])
    job = upload(sales, xlsx([good_row(external_ref=None)]))
    assert job.status == Status.READY and job.warning_count == 1
    with pytest.raises(InvalidInput):
        services.import_job_confirm(job=job, user=sales)
    assert confirm(job, sales, accept_warnings=True).status == Status.IMPORTED
    assert Order.objects.count() == 2


def test_a_warning_that_appears_after_the_preview_must_be_confirmed_again(shop):
    sales = shop["sales"]
    job = upload(sales, xlsx([good_row(external_ref=None)]))
    assert job.status == Status.READY and job.warning_count == 0
    make_order(customer=shop["customer"], lines=[(shop["chair"], 2, Decimal("250.00"))])  # meanwhile, by hand
    job = confirm(job, sales)
    assert job.status == Status.READY and "新的提示" in job.message
    assert Order.objects.count() == 1
    assert confirm(job, sales, accept_warnings=True).status == Status.IMPORTED


def test_an_order_entered_between_preview_and_confirm_is_not_duplicated(shop):
    sales = shop["sales"]
    job = upload(sales, xlsx([good_row(), good_row(external_ref="PO-2")]))
    make_order(customer=shop["customer"], external_ref="PO-2")
    job = confirm(job, sales)
    assert job.status == Status.INVALID and "重新校验" in job.message
    assert Order.objects.count() == 1


def test_new_customers_are_created_through_the_customer_service(shop):
    sales = shop["sales"]
    job = confirm(upload(sales, xlsx([good_row(customer="杭州新客户科技有限公司"),
                                      good_row(external_ref="PO-2", customer="杭州新客户科技有限公司")])),
                  sales, accept_warnings=True)
    customer = Customer.objects.get(name="杭州新客户科技有限公司")
    assert job.new_customer_count == 1 and customer.orders.count() == 2
    assert customer.owner == sales and customer.code.startswith("C")
    assert customer.primary_contact.phone == "13900001111" and customer.default_address.city == "杭州市"


def test_only_roles_with_the_import_permission_may_import(shop):
    data = xlsx([good_row()])
    for role in (roles.SALES, roles.SERVICE, roles.MANAGER):
        assert user_with_role(role).has_perm("orders.import_orders")
    with pytest.raises(ActionForbidden):
        services.import_job_create(user=user_with_role(roles.REVIEWER), name="x.xlsx", content=data)


def test_only_the_uploader_may_confirm(shop):
    job = upload(shop["sales"], xlsx([good_row()]))
    with pytest.raises(ActionForbidden):
        services.import_job_confirm(job=job, user=user_with_role(roles.SALES))


def test_confirming_twice_imports_once(shop):
    sales = shop["sales"]
    job = confirm(upload(sales, xlsx([good_row()])), sales)
    with pytest.raises(InvalidTransition, match="不能确认导入"):
        services.import_job_confirm(job=job, user=sales)
    services.import_job_run(job=job)
    assert Order.objects.count() == 1


def test_a_large_file_runs_as_a_task_after_commit_and_reports_progress(
    shop, settings, django_capture_on_commit_callbacks
):
    settings.ORDER_IMPORT_INLINE_MAX_BYTES = 0  # every file goes through Celery (eager in tests)
    sales = shop["sales"]
    with django_capture_on_commit_callbacks(execute=True) as queued:
        job = upload(sales, xlsx([good_row(external_ref=f"PO-{n}") for n in range(600)]))
        assert job.status == Status.QUEUED  # nothing runs before the job is committed
    assert len(queued) == 1
    job.refresh_from_db()
    assert job.status == Status.READY and job.task_id
    assert services.get_progress(job.pk) == {"phase": "validating", "done": 600, "total": 600}
    with django_capture_on_commit_callbacks(execute=True):
        job = confirm(job, sales)
    job.refresh_from_db()
    assert job.created_order_count == 600 and Order.objects.count() == 600


def test_bulk_creation_gives_the_same_orders_as_order_create(shop):
    sales = shop["sales"]
    lines = [LineInput(product=shop["chair"], quantity=3, unit_price=Decimal("33.33"), override_reason="样品价"),
             LineInput(product=shop["desk"], quantity=1)]
    one = order_create(user=sales, details=details_for(shop["customer"], channel=Channel.IMPORT), lines=lines)
    many = order_create_many(user=sales, orders=[
        NewOrder(details=details_for(shop["customer"], channel=Channel.IMPORT), lines=lines) for _ in range(3)])
    numbers = [o.number for o in many]
    assert numbers == [f"{one.number[:8]}{int(one.number[8:]) + n:04d}" for n in (1, 2, 3)]
    for order in Order.objects.filter(number__in=numbers):
        assert (order.subtotal, order.tax_amount, order.total, order.owner_id, order.status) == (
            one.subtotal, one.tax_amount, one.total, one.owner_id, one.status)
        assert [(l.line_no, l.amount, l.tax_amount) for l in order.lines.all()] == [
            (l.line_no, l.amount, l.tax_amount) for l in one.lines.all()]
        assert [(l.price_source, l.price_explanation, l.discount) for l in order.lines.all()] == [
            (l.price_source, l.price_explanation, l.discount) for l in one.lines.all()]
        assert (order.priority_score, order.freight_amount) == (one.priority_score, one.freight_amount)
        events = [(e.kind, e.action, e.reason, e.data, e.actor_name) for e in order.events.order_by("id")]
        reference = [(e.kind, e.action, e.reason, e.data, e.actor_name) for e in one.events.order_by("id")]
        assert events == reference


def test_bulk_creation_applies_the_same_checks_as_order_create(shop):
    bad = details_for(shop["customer"], contact_phone="123")
    with pytest.raises(InvalidInput):
        order_create_many(user=shop["sales"], orders=[NewOrder(details=bad, lines=[
            LineInput(product=shop["chair"], quantity=1, unit_price=Decimal("1"))])])
    with pytest.raises(ActionForbidden):
        order_create_many(user=user_with_role(roles.REVIEWER), orders=[])
    assert OrderEvent.objects.count() == 0
