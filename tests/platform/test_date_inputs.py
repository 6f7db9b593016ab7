"""Date fields render their value as ISO 8601 (YYYY-MM-DD), the only format an
<input type="date"> accepts, whatever the UI language: the zh-hans input format
(2026/05/17) would make the browser drop the value and an edit would clear the date."""

from datetime import date, datetime

import pytest
from django.utils import timezone, translation

from fulfillment.forms import ProductionPlanForm, ShipForm, ShipmentEventForm, SignForm
from orders.filters import OrderFilter
from orders.forms import OrderForm
from orders.views.pricing_rules import RULE_TYPES, _form_class
from reports.forms import ReportRequestForm
from ordermgmt import roles
from tests.factories import make_order, user_with_role

pytestmark = pytest.mark.django_db

DAY = date(2026, 5, 17)
ISO_VALUE = 'value="2026-05-17"'
LANGUAGES = ["zh-hans", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_order_form_shows_the_stored_requested_delivery_date_in_iso(language):
    order = make_order(requested_delivery_date=DAY)
    with translation.override(language):
        html = str(OrderForm(order=order, user=user_with_role(roles.MANAGER))["requested_delivery_date"])
    assert 'type="date"' in html and ISO_VALUE in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [slug for slug, rule in RULE_TYPES.items() if "valid_from" in rule.fields])
def test_price_rule_form_shows_the_stored_validity_dates_in_iso(kind, language):
    rule = RULE_TYPES[kind].model(valid_from=DAY, valid_to=date(2026, 12, 31))
    with translation.override(language):
        form = _form_class(RULE_TYPES[kind])(instance=rule)
        valid_from, valid_to = str(form["valid_from"]), str(form["valid_to"])
    assert 'type="date"' in valid_from and ISO_VALUE in valid_from
    assert 'value="2026-12-31"' in valid_to


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["created_from", "created_to"])
def test_order_list_date_filters_show_their_date_in_iso(name, language):
    form = OrderFilter(data=None).form
    form.initial[name] = DAY
    with translation.override(language):
        html = str(form[name])
    assert 'type="date"' in html and ISO_VALUE in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_period_form_shows_its_dates_in_iso(language):
    with translation.override(language):
        form = ReportRequestForm(initial={"start": DAY, "end": DAY})
        html = str(form["start"]) + str(form["end"])
    assert html.count(ISO_VALUE) == 2 and html.count('type="date"') == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_fulfillment_forms_show_dates_and_times_in_iso(language):
    moment = timezone.make_aware(datetime(2026, 5, 17, 9, 30))
    with translation.override(language):
        plan = ProductionPlanForm(initial={"planned_start": DAY, "planned_finish": DAY})
        ship = ShipForm(initial={"expected_delivery_date": DAY})
        event = ShipmentEventForm(initial={"occurred_at": moment})
        sign = SignForm(initial={"signed_at": moment})
        dates = str(plan["planned_start"]) + str(plan["planned_finish"]) + str(ship["expected_delivery_date"])
        times = str(event["occurred_at"]) + str(sign["signed_at"])
    assert dates.count(ISO_VALUE) == 3
    assert times.count('value="2026-05-17T09:30"') == 2 and times.count('type="datetime-local"') == 2
