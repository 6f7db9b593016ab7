"""Suppliers: the 统一社会信用代码 check, approval, qualification documents and their expiry,
which blocks purchase orders and is told to the 主管 and the buyers before it happens."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput
from purchasing.models import Supplier, SupplierStatus
from purchasing.services import (
    credit_code_clean, qualification_add, qualifications_warn_expiring, read_document, supplier_approve,
    supplier_create, supplier_disable,
)
from servicedesk.models import StaffNotification
from tests.factories import ProductFactory, user_with_role

from .factories import approved_supplier, credit_code, pdf_upload, place_order, png_upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["91110108551385082Q", "91310000MA1FL5YJ2X", " 9111 0108 5513 8508 2q ",
                                  "Y11100001234567893"])
def test_a_credit_code_with_the_right_check_character_is_accepted(code):
    assert credit_code_clean(code) == code.replace(" ", "").upper()


@pytest.mark.parametrize("code, message", [
    ("91110108551385082A", "校验位不正确"),
    ("91110108551385082", "应为18位，输入的是17位"),
    ("9111010855138508IQ", "格式不正确"),
    ("91AB0108551385082Q", "格式不正确"),
])
def test_a_wrong_credit_code_is_refused_saying_why(code, message):
    with pytest.raises(InvalidInput) as refused:
        credit_code_clean(code)
    assert message in str(refused.value)


def test_a_supplier_is_registered_pending_and_a_duplicate_credit_code_is_refused():
    buyer = user_with_role(roles.WAREHOUSE)
    supplier = supplier_create(user=buyer, data={"name": "华东五金有限公司", "credit_code": "91110108551385082q",
                                                 "contact_name": "李工"})
    assert (supplier.status, supplier.credit_code) == (SupplierStatus.PENDING, "91110108551385082Q")
    with pytest.raises(InvalidInput, match="已登记为供应商“华东五金有限公司”"):
        supplier_create(user=buyer, data={"name": "另一家", "credit_code": "91110108551385082Q"})


def test_only_a_manager_approves_and_only_with_a_qualification_in_force():
    supplier = supplier_create(user=None, data={"name": "待审供应商", "credit_code": credit_code()})
    with pytest.raises(ActionForbidden):
        supplier_approve(supplier=supplier, user=user_with_role(roles.WAREHOUSE))
    manager = user_with_role(roles.MANAGER)
    with pytest.raises(InvalidInput, match="没有有效期内的资质文件"):
        supplier_approve(supplier=supplier, user=manager)
    qualification_add(supplier=supplier, user=None, name="营业执照", document=read_document(pdf_upload()),
                      expires_on=timezone.localdate() + timedelta(days=100))
    assert supplier_approve(supplier=supplier, user=manager).status == SupplierStatus.APPROVED


def test_a_qualification_document_must_be_a_pdf_or_an_image():
    assert read_document(pdf_upload()).content_type == "application/pdf"
    assert read_document(png_upload()).extension == "png"
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(InvalidInput, match="只接受 PDF"):
        read_document(SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>"))


def test_an_unapproved_or_disabled_supplier_cannot_be_ordered_from():
    product = ProductFactory()
    pending = supplier_create(user=None, data={"name": "新供应商", "credit_code": credit_code()})
    with pytest.raises(InvalidInput, match="“新供应商”待审核，不能下采购单"):
        place_order(pending, [(product, 5, "10.00")])
    supplier = approved_supplier()
    supplier_disable(supplier=supplier, user=user_with_role(roles.MANAGER), reason="质量问题")
    with pytest.raises(InvalidInput, match="已停用，不能下采购单"):
        place_order(supplier, [(product, 5, "10.00")])


def test_supplier_qualification_expiry_blocks_a_purchase_order():
    product = ProductFactory()
    supplier = approved_supplier(name="快过期供应商", expires_in_days=3)
    assert place_order(supplier, [(product, 5, "10.00")]).status == "ordered"
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        with pytest.raises(InvalidInput) as refused:
            place_order(supplier, [(product, 5, "10.00")])
    assert "“快过期供应商”的资质已过期：营业执照" in str(refused.value)
    assert "请上传更新后的资质文件再下单" in str(refused.value)


def test_an_order_waiting_for_approval_is_refused_when_the_qualification_expired_meanwhile():
    from purchasing.services import purchase_order_approve

    supplier = approved_supplier(expires_in_days=1)
    purchase_order = place_order(supplier, [(ProductFactory(), 1000, "100.00")])
    assert purchase_order.status == "pending_approval"
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        with pytest.raises(InvalidInput, match="资质已过期"):
            purchase_order_approve(purchase_order=purchase_order, user=user_with_role(roles.MANAGER))


def test_the_daily_check_tells_managers_and_buyers_before_expiry_once_per_stage(django_capture_on_commit_callbacks):
    manager, buyer = user_with_role(roles.MANAGER), user_with_role(roles.WAREHOUSE)
    sales = user_with_role(roles.SALES)
    start = timezone.localdate()
    supplier = approved_supplier(name="资质供应商", expires_in_days=20)
    approved_supplier(name="长期供应商", expires_in_days=300)
    with time_machine.travel(start + timedelta(days=1)):
        assert qualifications_warn_expiring() == 1
        assert qualifications_warn_expiring() == 1  # the same stage again: nobody told twice
    told = StaffNotification.objects.filter(kind="qualification_expiring")
    assert set(told.values_list("recipient", flat=True)) == {manager.pk, buyer.pk}
    assert sales.pk not in told.values_list("recipient", flat=True)
    assert "“资质供应商”的营业执照将于" in told.first().text and "还有 19 天" in told.first().text
    with time_machine.travel(start + timedelta(days=15)):
        qualifications_warn_expiring()  # a week before
    with time_machine.travel(start + timedelta(days=25)):
        qualifications_warn_expiring()  # expired
    texts = list(StaffNotification.objects.filter(recipient=manager, kind="qualification_expiring")
                 .order_by("id").values_list("text", flat=True))
    assert len(texts) == 3 and "已于" in texts[-1] and "过期" in texts[-1]
    assert Supplier.objects.get(pk=supplier.pk).expired_qualifications(start + timedelta(days=25))


def test_the_qualification_file_is_private_to_those_who_buy(client):
    supplier = approved_supplier()
    qualification = supplier.qualifications.get()
    url = f"/purchasing/qualifications/{qualification.pk}/file/"
    client.force_login(user_with_role(roles.SALES))
    assert client.get(url).status_code == 403
    client.force_login(user_with_role(roles.WAREHOUSE))
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert qualification.document.name.startswith("supplier-qualifications/")
