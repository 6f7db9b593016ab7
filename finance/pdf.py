"""Finance papers as PDF (the customer statement, an invoice's details): a template rendered to
HTML and laid out by weasyprint with a print stylesheet from static/css.

Chinese text needs a CJK font installed on the machine (Debian's fonts-wqy-microhei); the
stylesheets name it first in their font-family."""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict, *, stylesheet: str) -> bytes:
    """``template_name`` rendered with ``context``, laid out with the static ``stylesheet``."""
    from weasyprint import CSS, HTML  # imported when used: it loads pango when imported

    html = render_to_string(template_name, context)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find(stylesheet))])
