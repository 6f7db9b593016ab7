"""签收 with proof: photos and a drawn signature; an abnormal receipt is announced
(``DeliverySignedAbnormal``) and after-sales opens a case for it."""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ordermgmt.domain_events import publish
from ordermgmt.errors import InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.uploads import CheckedImage, decode_data_url, read_upload

from ..domain_events import DeliverySignedAbnormal
from ..models import (
    DeliveryProof,
    EventKind,
    ProofFile,
    ReceiptCondition,
    Shipment,
    ShipmentStatus,
)
from .common import check_permission
from .shipments import shipment_event_record


def _store_proof_file(proof: DeliveryProof, image: CheckedImage, kind: str) -> ProofFile:
    return ProofFile.objects.create(
        proof=proof, kind=kind, file=image.as_file(ProofFile.UPLOAD_FOLDER), content_type=image.content_type, size=len(image.content)
    )


@in_platform_language
@transaction.atomic
def shipment_sign(
    *,
    shipment: Shipment,
    user,
    receiver_name: str,
    condition: str = ReceiptCondition.NORMAL,
    note: str = "",
    signed_at: datetime | None = None,
    signature_data_url: str = "",
    photos: Sequence = (),
    abnormal_photos: Sequence = (),
) -> DeliveryProof:
    """签收 with proof: a photo and/or a drawn signature. An abnormal receipt (破损, 错发, 少件)
    needs photos and a description and opens an after-sales case."""
    check_permission(user, "fulfillment.manage_shipments", "登记签收")
    receiver_name = (receiver_name or "").strip()
    note = (note or "").strip()
    problems = []
    if not receiver_name:
        problems.append("请填写签收人")
    if condition not in ReceiptCondition.values:
        problems.append("请选择货物状况")
    abnormal = condition != ReceiptCondition.NORMAL
    if abnormal and not abnormal_photos:
        problems.append("货物异常时请上传异常照片")
    if abnormal and not note:
        problems.append("货物异常时请描述问题（破损情况、错发或缺少的商品）")
    if not signature_data_url and not photos:
        problems.append("请上传签收照片或让收货人在页面上签名")
    if len(photos) + len(abnormal_photos) > settings.UPLOAD_MAX_FILES:
        problems.append(f"照片最多 {settings.UPLOAD_MAX_FILES} 张")
    if problems:
        raise InvalidInput("；".join(problems))
    # Every file is checked before anything is written.
    signature = decode_data_url(signature_data_url, label="签名") if signature_data_url else None
    checked_photos = [read_upload(f, label=f"签收照片 {getattr(f, 'name', '')}".strip()) for f in photos]
    checked_abnormal = [read_upload(f, label=f"异常照片 {getattr(f, 'name', '')}".strip()) for f in abnormal_photos]

    locked = Shipment.objects.select_for_update(of=("self",)).select_related("carrier", "order").get(pk=shipment.pk)
    if DeliveryProof.objects.filter(shipment=locked).exists():
        raise InvalidTransition(f"运单 {locked} 已登记过签收")
    signed_at = signed_at or timezone.now()
    if locked.status != ShipmentStatus.DELIVERED:
        shipment_event_record(
            shipment=locked, user=user, kind=EventKind.DELIVERED, occurred_at=signed_at,
            place=f"{locked.order.ship_city}{locked.order.ship_district}",
            note=f"签收人：{receiver_name}" + ("（货物异常）" if abnormal else ""),
        )
    proof = DeliveryProof.objects.create(
        shipment=locked, receiver_name=receiver_name[:50], condition=condition, note=note,
        signed_at=signed_at, recorded_by=user,
    )
    if signature is not None:
        _store_proof_file(proof, signature, ProofFile.Kind.SIGNATURE)
    for image in checked_photos:
        _store_proof_file(proof, image, ProofFile.Kind.PHOTO)
    stored_abnormal = [_store_proof_file(proof, image, ProofFile.Kind.ABNORMAL) for image in checked_abnormal]
    if abnormal:
        # After-sales opens its case in this transaction (and notes it on the timeline).
        publish(DeliverySignedAbnormal(proof=proof, photos=tuple(stored_abnormal), user=user))
    return proof
