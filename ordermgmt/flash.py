"""Views run a service and tell the user how it went, the same way everywhere."""

from django.contrib import messages

from .errors import ActionForbidden, BusinessError


def perform(request, action, success: str = ""):
    """Run a service call; a business refusal becomes a flash message. Returns
    ``(ok, result)``. ``ActionForbidden`` propagates (the user gets 403)."""
    try:
        result = action()
    except ActionForbidden:
        raise
    except BusinessError as error:
        messages.error(request, str(error))
        return False, None
    if success:
        messages.success(request, success)
    return True, result
