"""The documentation pages (Swagger UI, Redoc) from the sidecar's local files. Their bundles
set styles at run time, so these two pages — and only they — allow inline styles; scripts stay
restricted to our own static files."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace


def docs_view(view_class, *, url_name: str):
    view = view_class.as_view(url_name=url_name)
    return csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(view)
