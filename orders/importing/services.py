"""Writes of the batch import: the import history (``ImportJob``) and the orders it creates.

An import goes upload → validate → (user confirms) → run. Validation never writes an
order; the validated plan is kept (in the cache, keyed by the job and the file's hash, for
``PLAN_TTL``). The run checks again only what can have changed since the preview: the
orders entered meanwhile (duplicates) and the versions of the customers and products the
plan uses — if any of those changed, the plan expired or the day turned, it validates the
whole file again. It then creates the new customers and every order in ONE transaction,
together with the job's final state: either all of the file is in the system or none of
it is. The automatic review of the new orders is queued as one batch
(``orders_review_batch``).
"""

import hashlib
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import AddressInput, ContactInput, customer_create
from inventory.models import Product
from ordermgmt.errors import ActionForbidden, BusinessError, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.queueing import enqueue

from ..models import Channel, ImportJob, Priority
from ..services import LineInput, NewOrder, OrderDetails, order_create_many
from .pricing import IMPORT_PRICE_REASON
from .conf import limit
from .problems import ERROR, Problem
from .reader import BadFile, read_orders_file
from .validation import ImportPlan, PlannedOrder, recheck_against_database, validate_rows

logger = logging.getLogger(__name__)
Status = ImportJob.Status
_PROGRESS_TTL = 24 * 3600


def _check_permission(user) -> None:
    if user is not None and not user.has_perm("orders.import_orders"):
        raise ActionForbidden("您的角色没有权限批量导入订单")


# --- progress, shared through the cache (Redis in production) so the page sees the worker ---

def progress_key(job_id: int) -> str:
    # The database name keeps two deployments (or parallel test runs) sharing one Redis apart.
    return f"orders:import:{connection.settings_dict['NAME']}:{job_id}:progress"


def set_progress(job_id: int, phase: str, done: int, total: int) -> None:
    cache.set(progress_key(job_id), {"phase": phase, "done": done, "total": total}, _PROGRESS_TTL)


def get_progress(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


# --- upload ------------------------------------------------------------------------------

def check_upload_size(size: int) -> None:
    """Refuse an oversize or empty upload before anything is stored."""
    max_bytes = limit("ORDER_IMPORT_MAX_BYTES")
    if size <= 0:
        raise InvalidInput("文件是空的（0 字节），请重新选择填写好的 .xlsx 文件")
    if size > max_bytes:
        raise InvalidInput(
            f"文件大小 {size / 1024 / 1024:.1f} MB，超过上限 {max_bytes / 1024 / 1024:.0f} MB。请把订单拆分到多个文件分批导入"
        )


@transaction.atomic
def import_job_create(*, user, name: str, content: bytes, source: str = ImportJob.Source.WEB) -> ImportJob:
    """Keep an uploaded file as a new import job, waiting for validation."""
    _check_permission(user)
    check_upload_size(len(content))
    job = ImportJob(
        original_name=(name or "orders.xlsx")[-255:],
        file_size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        source=source,
        created_by=user,
        status=Status.QUEUED,
    )
    job.file.save(f"import-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx", ContentFile(content), save=False)
    job.save()
    return job


# --- validation --------------------------------------------------------------------------

def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as stream:
        return stream.read()


def plan_for(job: ImportJob, *, phase: str) -> ImportPlan:
    """Read and validate the job's file; ``BadFile`` when the file is unusable as a whole."""
    parsed = read_orders_file(_read(job))

    def progress(done: int, total: int) -> None:
        set_progress(job.pk, phase, done, total)

    set_progress(job.pk, phase, 0, len(parsed.rows))
    plan = validate_rows(parsed, progress=progress)
    _note_same_file(job, plan)
    return plan


def _note_same_file(job: ImportJob, plan: ImportPlan) -> None:
    earlier = (
        ImportJob.objects.filter(sha256=job.sha256, status=Status.IMPORTED).exclude(pk=job.pk)
        .select_related("created_by").order_by("-finished_at").first()
    )
    plan.problems = [p for p in plan.problems if p.key != "same-file"]
    if earlier is not None:
        who = earlier.created_by.get_full_name() or earlier.created_by.username if earlier.created_by else "—"
        when = timezone.localtime(earlier.finished_at).strftime("%Y-%m-%d %H:%M") if earlier.finished_at else ""
        plan.problems.insert(0, Problem(
            "info", f"与导入记录 #{earlier.pk}（{when}，{who}）是同一个文件",
            "重复导入不会创建重复订单：已存在的订单会被拒绝", key="same-file",
        ))


# --- the validated plan, kept from the preview to the confirmation ---------------------

PLAN_TTL = 2 * 3600


def _plan_key(job: ImportJob, sha256: str) -> str:
    return f"orders:import:{connection.settings_dict['NAME']}:{job.pk}:{sha256}:plan"


def master_data_versions(plan: ImportPlan) -> tuple:
    """What the plan took from master data, as it is now: the customers and products it uses
    (their ``updated_at``; a customer's contacts and addresses touch it too) and whether a
    customer it would create exists by now."""
    customer_ids = {o.customer.pk for o in plan.orders if o.customer}
    product_ids = {line.product.pk for o in plan.orders for line in o.lines}
    new_names = [c.name for c in plan.new_customers]
    return (
        tuple(sorted(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "updated_at"))),
        tuple(sorted(Product.objects.filter(pk__in=product_ids).values_list("pk", "updated_at"))),
        bool(new_names) and Customer.objects.filter(name__in=new_names).exists(),
    )


def _remember_plan(job: ImportJob, plan: ImportPlan) -> None:
    cache.set(_plan_key(job, job.sha256), {"plan": plan, "day": timezone.localdate(), "versions": master_data_versions(plan)},
              PLAN_TTL)


def _previewed_plan(job: ImportJob) -> ImportPlan | None:
    """The plan the user confirmed, if nothing it was built from has changed since (the
    stored file included: the key is the hash of the file as it is now)."""
    saved = cache.get(_plan_key(job, hashlib.sha256(_read(job)).hexdigest()))
    if saved is None or saved["day"] != timezone.localdate() or master_data_versions(saved["plan"]) != saved["versions"]:
        return None
    return saved["plan"]


def plan_to_confirm(job: ImportJob) -> ImportPlan:
    """The previewed plan checked again against the orders entered since, or (when it
    can't be trusted any more) the whole file validated again."""
    plan = _previewed_plan(job)
    if plan is None:
        return plan_for(job, phase="validating")
    plan = recheck_against_database(plan, today=timezone.localdate())
    _note_same_file(job, plan)
    return plan


def _store_plan(job: ImportJob, plan: ImportPlan) -> None:
    job.problems = [p.as_dict() for p in plan.problems]
    job.row_count = plan.row_count
    job.order_count = len(plan.orders)
    job.line_count = plan.line_count
    job.new_customer_count = len(plan.new_customers)
    job.error_count = len(plan.errors)
    job.warning_count = len(plan.warnings)
    job.total_amount = plan.total_amount
    job.preview = [order.summary() for order in plan.orders[: limit("ORDER_IMPORT_PREVIEW_ORDERS")]]


def _fail(job: ImportJob, error: BadFile) -> ImportJob:
    job.status = Status.FAILED
    job.message = str(error)
    job.problems = [Problem(ERROR, error.message, error.hint).as_dict()]
    job.error_count = 1
    job.validated_at = timezone.now()
    job.save()
    return job


def import_job_validate(*, job: ImportJob) -> ImportJob:
    """Check the whole file and keep the result (the preview): nothing else is written."""
    job.refresh_from_db()
    if job.status not in {Status.QUEUED, Status.VALIDATING}:
        return job  # already done (a redelivered task)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.VALIDATING)
    job.status = Status.VALIDATING
    try:
        plan = plan_for(job, phase="validating")
    except BadFile as error:
        return _fail(job, error)
    _store_plan(job, plan)
    job.validated_at = timezone.now()
    if plan.errors:
        job.status = Status.INVALID
        job.message = f"发现 {len(plan.errors)} 处错误，未导入任何订单。请按提示修改文件后重新上传。"
    else:
        _remember_plan(job, plan)
        job.status = Status.READY
        job.message = f"校验通过：将创建 {job.order_count} 个订单、{job.line_count} 行明细。请核对后确认导入。"
    job.save()
    return job


# --- confirmation and the import itself -------------------------------------------------

@in_platform_language
@transaction.atomic
def import_job_confirm(*, job: ImportJob, user, accept_warnings: bool = False) -> ImportJob:
    """The uploader confirms the preview; the job is then run (inline or by a task)."""
    _check_permission(user)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if user is not None and locked.created_by_id != user.pk:
        raise ActionForbidden("只有上传该文件的人可以确认导入")
    if locked.status != Status.READY:
        raise InvalidTransition(
            f"导入记录 #{locked.pk} 当前状态为“{locked.get_status_display()}”，不能确认导入"
        )
    warnings = [p for p in locked.problems if p.get("level") == "warning"]
    if warnings and not accept_warnings:
        raise InvalidInput(f"有 {len(warnings)} 条提示需要确认：请核对后勾选“我已核对以上提示，仍要导入”")
    locked.accepted_warnings = [p.get("key") for p in warnings]
    locked.status = Status.IMPORTING
    locked.message = "正在导入……"
    locked.save(update_fields=["accepted_warnings", "status", "message"])
    return locked


@in_platform_language
@transaction.atomic
def import_job_discard(*, job: ImportJob, user) -> ImportJob:
    _check_permission(user)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if user is not None and locked.created_by_id != user.pk:
        raise ActionForbidden("只有上传该文件的人可以放弃这次导入")
    if locked.status not in {Status.READY, Status.INVALID}:
        raise InvalidTransition(f"导入记录 #{locked.pk} 当前状态为“{locked.get_status_display()}”，不能放弃")
    locked.status = Status.DISCARDED
    locked.message = "已放弃导入，未创建任何订单。"
    locked.save(update_fields=["status", "message"])
    return locked


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Validate again and create everything in one transaction (all or nothing)."""
    job.refresh_from_db()
    if job.status != Status.IMPORTING:
        return job  # not confirmed, or already done (a redelivered task)
    user = job.created_by
    try:
        plan = plan_to_confirm(job)
    except BadFile as error:
        return _fail(job, error)
    _store_plan(job, plan)
    if plan.errors:
        job.status = Status.INVALID
        job.message = f"导入前重新校验发现 {len(plan.errors)} 处错误，未导入任何订单。"
        job.save()
        return job
    unconfirmed = [p for p in plan.warnings if p.key not in set(job.accepted_warnings)]
    if unconfirmed:
        job.status = Status.READY
        job.message = f"导入前出现了 {len(unconfirmed)} 条新的提示（例如有人刚录入了相同的订单），请核对后再确认。"
        job.save()
        return job
    try:
        with transaction.atomic():
            created = _create_everything(job, plan, user)
            job.status = Status.IMPORTED
            job.created_orders = [order.number for order in created]
            job.created_order_count = len(created)
            job.finished_at = timezone.now()
            job.message = (
                f"导入完成：创建了 {len(created)} 个订单（{job.line_count} 行明细）"
                + (f"、{len(plan.new_customers)} 个新客户" if plan.new_customers else "")
                + "，均已提交审核。"
            )
            job.save()
    except (BusinessError, IntegrityError) as error:
        logger.warning("Import #%s rolled back: %s", job.pk, error)
        job.refresh_from_db()
        job.status = Status.INVALID if isinstance(error, BusinessError) else Status.FAILED
        job.message = (
            f"导入失败，未创建任何订单：{error}" if isinstance(error, BusinessError)
            else "导入时发现重复的订单（可能有人同时导入了同一批订单），未创建任何订单。请重新上传校验。"
        )
        job.problems = job.problems + [Problem(ERROR, job.message).as_dict()]
        job.error_count += 1
        job.save()
    set_progress(job.pk, "done", plan.row_count, plan.row_count)
    return job


def _create_everything(job: ImportJob, plan: ImportPlan, user) -> list:
    for planned in plan.new_customers:
        planned.instance = customer_create(
            user=user,
            name=planned.name,
            contact=ContactInput(name=planned.contact_name, phone=planned.contact_phone),
            address=AddressInput(
                province=planned.address.province,
                city=planned.address.city,
                district=planned.address.district,
                detail=planned.address.detail,
            ),
        )
    set_progress(job.pk, "importing", 0, len(plan.orders))
    entries = [NewOrder(details=_details(job, order), lines=[
        LineInput(product=line.product, quantity=line.quantity,
                  unit_price=line.unit_price if line.manual_price else None,
                  override_reason=IMPORT_PRICE_REASON if line.manual_price else "", unit=line.unit)
        for line in order.lines
    ]) for order in plan.orders]
    created = order_create_many(user=user, orders=entries)
    set_progress(job.pk, "importing", len(created), len(plan.orders))
    return created


def _details(job: ImportJob, order: PlannedOrder) -> OrderDetails:
    rows = f"第{order.rows[0]}行" if len(order.rows) == 1 else f"第{order.rows[0]}–{order.rows[-1]}行"
    return OrderDetails(
        customer=order.customer or order.new_customer.instance,
        contact_name=order.contact_name,
        contact_phone=order.contact_phone,
        ship_province=order.address.province,
        ship_city=order.address.city,
        ship_district=order.address.district,
        ship_address=order.address.detail,
        channel=Channel.IMPORT,
        priority=Priority.URGENT if order.urgent else Priority.NORMAL,
        requested_delivery_date=order.delivery_date,
        notes="；".join(order.notes),
        invoice_type=order.invoice_type,
        invoice_title=order.invoice_title,
        payment_method=order.payment_method,
        external_ref=order.external_ref,
        entry_note=f"导入记录 #{job.pk}《{job.original_name}》{rows}",
    )


def runs_inline(job: ImportJob) -> bool:
    return job.file_size <= limit("ORDER_IMPORT_INLINE_MAX_BYTES")


def import_job_start(*, job: ImportJob, validate: bool) -> None:
    """Validate (or run) now for a small file, or queue the Celery task for a large one.

    The task is queued after the transaction that saved the job commits, so the worker
    always finds it.
    """
    task = "orders.tasks.import_validate" if validate else "orders.tasks.import_run"
    if runs_inline(job):
        run_with(job, import_job_validate if validate else import_job_run)
        return
    set_progress(job.pk, "queued", 0, 0)
    transaction.on_commit(lambda: _queue(task, job.pk))


def _queue(task_name: str, job_id: int) -> None:
    result = enqueue(task_name, job_id)
    ImportJob.objects.filter(pk=job_id).update(task_id=result.id or "")


def run_with(job: ImportJob, step: Callable[..., ImportJob]) -> ImportJob:
    """Run a step, turning an unexpected crash into a failed job the user can see."""
    try:
        return step(job=job)
    except Exception:
        logger.exception("Import #%s crashed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED, message="处理文件时发生系统错误，未导入任何订单。请联系管理员。"
        )
        raise
