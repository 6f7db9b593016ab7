"""Pickers: server-side autocompletes for every long list a clerk picks from (customers,
products, owners, carriers, warehouses), with django-autocomplete-light's web component
(``dal_alight``: no jQuery, its script and style served from our own static files, nothing
inline — it keeps to the Content-Security-Policy).

A page renders only the chosen option; typing asks the app's picker view, which answers
the first ``LIMIT`` matches as HTML fragments (no count of all matches). Each app writes
its search as a selector (pinyin, initials, code, SKU… index-backed) and a view here:

    class CustomerPicker(Picker):
        permission = "customers.view_customer"
        def search(self, query): return customer_picker_search(query)
"""

from dal_alight.views import AlightQuerySetView
from dal_alight.widgets import ModelAlight
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

LIMIT = 20


class Picker(LoginRequiredMixin, AlightQuerySetView):
    permission = ""
    paginate_by = None  # the first LIMIT matches, without counting them all

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def search(self, query: str) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        return self.search((self.q or "").strip())[:LIMIT]

    def get_result_label(self, result) -> str:
        return str(result)


class PickerWidget(ModelAlight):
    """dal_alight's widget with our own hint in its search box (what can be typed there),
    the field's label for screen readers (the ``<label>`` points at the hidden select) and
    a translated “nothing found”."""

    def __init__(self, url, *, placeholder="", label=""):
        super().__init__(url=url)
        self.placeholder, self.label = placeholder, label

    def render(self, name, value, attrs=None, renderer=None, **kwargs):
        html = str(super().render(name, value, attrs=attrs, renderer=renderer, **kwargs))
        search_box = format_html('placeholder="{}"', gettext("Search"))
        if self.placeholder or self.label:
            html = html.replace(str(search_box), format_html(
                'placeholder="{}" aria-label="{}"', self.placeholder or gettext("Search"), self.label or self.placeholder,
            ), 1)
        html = html.replace('<autocomplete-select-input slot="input"', str(format_html(
            '<autocomplete-select-input slot="input" no-results-text="{}"', gettext("没有找到"))), 1)
        return mark_safe(html)  # built by the widget and by format_html above


def picker_widget(url_name: str, *, placeholder="", label="") -> PickerWidget:
    """The widget of a ModelChoiceField whose choices come from the picker at ``url_name``:
    the page renders only the chosen option."""
    return PickerWidget(reverse_lazy(url_name), placeholder=placeholder, label=label)


def user_picker_search(query: str) -> QuerySet:
    """Active staff by user name or full name (a few hundred rows at most)."""
    users = get_user_model().objects.filter(is_active=True)
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__icontains=query)
                             | Q(last_name__icontains=query))
    return users.order_by("username")


class UserPicker(Picker):
    """Staff names are no secret to staff: any signed-in user may look them up."""

    def search(self, query):
        return user_picker_search(query)

    def get_result_label(self, result) -> str:
        full_name = result.get_full_name().strip()
        return f"{full_name}（{result.username}）" if full_name else result.username
