"""One permission rule per stored file: a photo shared by a delivery proof and an after-sales
case answers the same at both URLs, for every role."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from fulfillment import services as ff
from fulfillment.models import ProofFile
from ordermgmt import roles
from tests.factories import CarrierFactory, CustomerFactory, delivered_order, user_with_role
from tests.fulfillment.conftest import allocated_order, ship_all

pytestmark = pytest.mark.django_db

ALL_ROLES = [roles.SALES, roles.SERVICE, roles.REVIEWER, roles.MANAGER, roles.WAREHOUSE, roles.PRODUCTION,
             roles.LOGISTICS, roles.AFTER_SALES, roles.ANALYST]


def _photo(name="broken.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def abnormal_photo():
    """An abnormal receipt: its photo is a delivery-proof file and an after-sales case photo."""
    staff = {"sales": user_with_role(roles.SALES), "reviewer": user_with_role(roles.REVIEWER),
             "warehouse": user_with_role(roles.WAREHOUSE)}
    shipment = ship_all(allocated_order(staff), staff, CarrierFactory(code="sf-photo"))
    proof = ff.shipment_sign(shipment=shipment, user=user_with_role(roles.LOGISTICS), receiver_name="张三",
                             condition="damaged", note="外箱压坏", photos=[_photo("ok.jpg")],
                             abnormal_photos=[_photo()])
    proof_file = proof.files.get(kind=ProofFile.Kind.ABNORMAL)
    case_photo = proof.after_sales_case.photos.get()
    assert case_photo.file.name == proof_file.file.name
    return reverse("fulfillment:proof_file", args=[proof_file.pk]), reverse("aftersales:photo", args=[case_photo.pk])


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_shared_photo_answers_the_same_at_its_proof_url_and_its_case_url(client, abnormal_photo, role):
    proof_url, case_url = abnormal_photo
    client.force_login(user_with_role(role))
    at_proof, at_case = client.get(proof_url).status_code, client.get(case_url).status_code
    assert at_proof == at_case, (role, at_proof, at_case)
    if role in (roles.SALES, roles.ANALYST):
        assert at_case == 403


def test_a_customer_photo_of_a_case_is_for_whoever_sees_cases(client):
    salesperson = user_with_role(roles.SALES)  # a 销售专员 sees the cases of their own customers
    order = delivered_order(quantity=1, customer=CustomerFactory(owner=salesperson))
    client.force_login(user_with_role(roles.SERVICE))
    client.post(reverse("aftersales:open", args=[order.number]), {
        "service": "return_refund", "case_type": "damaged", "description": "外箱压坏",
        f"qty_{order.lines.get().pk}": "1", "photos": [_photo()],
    })
    url = reverse("aftersales:photo", args=[order.after_sales_cases.get().photos.get().pk])
    for role in ALL_ROLES:
        user = salesperson if role == roles.SALES else user_with_role(role)
        client.force_login(user)
        expected = 200 if user.has_perm("aftersales.view_aftersalescase") else 403
        assert client.get(url).status_code == expected, role
    client.force_login(user_with_role(roles.SALES))
    assert client.get(url).status_code == 404, "another salesperson's customer: as if it did not exist"


def test_case_page_offers_only_the_photos_the_user_may_open(client, abnormal_photo):
    _, case_url = abnormal_photo
    case = ProofFile.objects.get(kind=ProofFile.Kind.ABNORMAL).proof.after_sales_case
    client.force_login(case.order.owner)  # the 销售专员 of the order
    page = client.get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert case_url not in page and "1 张照片" in page
    client.force_login(user_with_role(roles.AFTER_SALES))
    assert case_url in client.get(reverse("aftersales:case", args=[case.pk])).content.decode()


def test_a_file_outside_the_registered_folders_is_for_nobody_and_cannot_be_stored(settings):
    from django.core.exceptions import ImproperlyConfigured
    from django.core.files.storage import default_storage

    from ordermgmt.uploads import check_image, may_open_upload

    name = default_storage.save("elsewhere/x.jpg", _photo())
    stored = ProofFile(file=name).file
    assert not may_open_upload(user_with_role(roles.MANAGER), stored)
    with pytest.raises(ImproperlyConfigured):
        check_image(_photo().read()).as_file("elsewhere")
