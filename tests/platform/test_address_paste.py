"""A whole address line pasted into the order or customer form is split into 省/市/区 and
the street (cpca); a city that cannot be recognised is named so the clerk fills it in."""

import pytest
from django.urls import reverse

from ordermgmt import roles
from ordermgmt.addresses import parse_address_line
from tests.factories import CustomerFactory, user_with_role


def test_a_full_address_line_is_split_into_province_city_district_and_street():
    parsed = parse_address_line("广东省深圳市南山区科技园路1号")
    assert (parsed.province, parsed.city, parsed.district, parsed.detail, parsed.problem) == (
        "广东省", "深圳市", "南山区", "科技园路1号", "")


def test_a_municipality_is_its_own_city_and_a_missing_province_is_completed():
    beijing = parse_address_line("北京市朝阳区建国路88号")
    assert (beijing.province, beijing.city, beijing.district) == ("北京市", "北京市", "朝阳区")
    hangzhou = parse_address_line("杭州市西湖区文三路1号")
    assert (hangzhou.province, hangzhou.city) == ("浙江省", "杭州市")


def test_an_unknown_city_is_flagged_and_what_was_found_is_kept():
    parsed = parse_address_line("广东省乌有市某某路1号")
    assert parsed.province == "广东省" and parsed.city == ""
    assert "城市" in parsed.problem
    nowhere = parse_address_line("火星基地1号")
    assert nowhere.problem and nowhere.detail == "火星基地1号"


@pytest.mark.django_db
def test_the_forms_ask_the_portal_to_split_the_line(client):
    client.force_login(user_with_role(roles.SALES))
    answer = client.get(reverse("portal:address_parse"), {"line": "广东省深圳市南山区科技园路1号"}).json()
    assert answer == {"province": "广东省", "city": "深圳市", "district": "南山区", "detail": "科技园路1号", "problem": ""}
    for page in (reverse("orders:create"), reverse("customers:create"),
                 reverse("customers:detail", args=[CustomerFactory().pk])):
        assert "data-address-paste" in client.get(page).content.decode(), page
    client.logout()
    assert client.get(reverse("portal:address_parse"), {"line": "广东省"}).status_code == 302
