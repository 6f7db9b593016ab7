"""Proof of delivery: photos and drawn signatures, checked by content, stored privately."""

import base64
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aftersales.models import AfterSalesCase
from fulfillment import services as ff
from fulfillment.models import DeliveryProof, ProofFile, ShipmentEvent
from ordermgmt.errors import InvalidInput
from orders.models import OrderStatus
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db


def image_bytes(fmt="JPEG", size=(80, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name="签收.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else image_bytes(), content_type=content_type)


@pytest.fixture
def shipment(staff, carrier):
    return ship_all(allocated_order(staff), staff, carrier)


def test_photo_is_stored_under_a_random_name_and_the_order_is_delivered(staff, shipment, settings):
    proof = ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="前台 王女士",
                             photos=[upload("../../etc/passwd.jpg")])
    (stored,) = proof.files.all()
    assert re.fullmatch(r"proofs/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", stored.file.name)
    assert (settings.MEDIA_ROOT / stored.file.name).exists()
    assert stored.content_type == "image/jpeg" and stored.kind == ProofFile.Kind.PHOTO
    shipment.order.refresh_from_db()
    assert shipment.order.status == OrderStatus.DELIVERED
    assert shipment.events.get().note == "签收人：前台 王女士"


def test_drawn_signature_is_accepted_as_png(staff, shipment):
    data_url = "data:image/png;base64," + base64.b64encode(image_bytes("PNG", (600, 200))).decode()
    proof = ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三", signature_data_url=data_url)
    (stored,) = proof.files.all()
    assert stored.kind == ProofFile.Kind.SIGNATURE and stored.file.name.endswith(".png")


@pytest.mark.parametrize(
    "bad, message",
    [
        (upload("x.jpg", b"<?php echo 'hi'; ?>"), "不是有效的图片"),
        (upload("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png"), "不是有效的图片"),
        (upload("x.gif", image_bytes("GIF"), "image/gif"), "格式 GIF 不支持"),
        (upload("x.jpg", b""), "空文件"),
    ],
)
def test_files_that_are_not_allowed_images_are_refused_and_nothing_is_recorded(staff, shipment, settings, bad, message):
    with pytest.raises(InvalidInput) as error:
        ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三", photos=[bad])
    assert message in str(error.value)
    assert not DeliveryProof.objects.exists() and not ShipmentEvent.objects.exists()
    assert not (settings.MEDIA_ROOT / "proofs").exists()


def test_too_large_files_are_refused(staff, shipment, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(InvalidInput, match="太大"):
        ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三",
                         photos=[upload(content=image_bytes(size=(400, 400)))])


def test_a_photo_or_a_signature_is_required(staff, shipment):
    with pytest.raises(InvalidInput, match="签收照片或"):
        ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三")


def test_abnormal_receipt_with_photos_opens_an_after_sales_case(staff, shipment):
    with pytest.raises(InvalidInput, match="异常照片"):
        ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三", condition="damaged",
                         note="外箱压坏", photos=[upload()])
    proof = ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三", condition="damaged",
                             note="外箱压坏，两把椅子扶手断裂", photos=[upload()],
                             abnormal_photos=[upload("坏1.jpg"), upload("坏2.png", image_bytes("PNG"), "image/png")])
    case = AfterSalesCase.objects.get()
    assert proof.after_sales_case == case
    assert (case.order, case.case_type, case.opened_by) == (shipment.order, "damaged", staff["logistics"])
    assert "扶手断裂" in case.description and case.photos.count() == 2
    assert {p.file.name for p in case.photos.all()} == {f.file.name for f in proof.files.filter(kind="abnormal")}
    note = shipment.order.events.get(action="delivery_abnormal")
    assert f"售后工单 #{case.pk}" in note.reason and "破损" in note.reason


def test_proof_files_are_served_only_to_staff_with_permission(client, staff, shipment):
    proof = ff.shipment_sign(shipment=shipment, user=staff["logistics"], receiver_name="张三", photos=[upload()])
    stored = proof.files.get()
    url = f"/fulfillment/proofs/{stored.pk}/"

    assert client.get(url).status_code == 302  # to the login page
    assert client.get(f"/media/{stored.file.name}").status_code == 404, "no public media URL"
    client.force_login(staff["sales"])
    assert client.get(url).status_code == 403
    client.force_login(staff["service"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == stored.file.open("rb").read()
    assert response["Cache-Control"] == "private, no-store"


def test_sign_page_uploads_photos_and_signature(client, staff, shipment):
    client.force_login(staff["logistics"])
    assert client.get(f"/fulfillment/shipments/{shipment.pk}/sign/").status_code == 200
    signature = "data:image/png;base64," + base64.b64encode(image_bytes("PNG")).decode()
    response = client.post(f"/fulfillment/shipments/{shipment.pk}/sign/", {
        "receiver_name": "李四", "condition": "normal", "note": "", "signed_at": "", "signature": signature,
        "photos": [upload("a.jpg"), upload("b.jpg")],
    })
    assert response.status_code == 302
    assert DeliveryProof.objects.get().files.count() == 3
    detail = client.get(f"/fulfillment/shipments/{shipment.pk}/").content.decode()
    assert "/fulfillment/proofs/" in detail


def test_sign_page_keeps_the_typed_values_when_a_file_is_refused(client, staff, shipment):
    client.force_login(staff["logistics"])
    response = client.post(f"/fulfillment/shipments/{shipment.pk}/sign/", {
        "receiver_name": "李四", "condition": "normal", "note": "放门卫", "photos": [upload("a.jpg", b"not an image")],
    })
    html = response.content.decode()
    assert response.status_code == 400 and "不是有效的图片" in html
    assert 'value="李四"' in html and "放门卫" in html and "重新选择" in html
