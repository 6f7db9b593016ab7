"""显示完整信息 on a record page (a customer, an order): the views of both apps share this.

The view has checked ``view_full_contact`` (403 without it) and found the record through
its visibility selector (404 outside it); here the access is logged and the record's
contact is shown in full to this session for ``REVEAL_SECONDS``."""

from django.contrib import messages
from django.utils.translation import gettext as _

from .forms import RevealForm
from .privacy import contact_reveal_remember
from .services import personal_data_access_record


def reveal_contact(request, record) -> None:
    form = RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    personal_data_access_record(user=request.user, record=record, reason=reason)
    contact_reveal_remember(request.session, kind=record._meta.model_name, record_id=record.pk)
    messages.info(request, _("已显示完整信息，本次查看已记录"))
