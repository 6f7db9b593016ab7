"""The documentation pages (Swagger UI, Redoc) from the sidecar's local files. Their bundles
draw icons from data: URLs and Redoc searches in a worker made from a blob: URL, so these two
pages — and only they — allow those; Redoc also styles itself at run time (styled-components)
and needs inline styles. Scripts still come only from our static files on both."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace

DOCS_POLICY = {"img-src": [SELF, "data:"], "worker-src": [SELF, "blob:"]}


def docs_view(view_class, *, url_name: str, inline_styles: bool = False):
    policy = {**DOCS_POLICY, **({"style-src": [SELF, UNSAFE_INLINE]} if inline_styles else {})}
    return csp_replace(policy)(view_class.as_view(url_name=url_name))
