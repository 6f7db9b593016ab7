from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware:
    """Activates the language chosen with the switch in the top bar, else LANGUAGE_CODE.

    Used instead of django.middleware.locale.LocaleMiddleware, which would also follow the
    browser's Accept-Language: staff of a Chinese business often run English-language
    browsers and keep the Chinese UI until they switch, and customers on the public
    tracking page read the same language as the notices they receive.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass
        # Active for this request only: the thread (a test, a runserver thread) goes back to
        # its own language afterwards instead of keeping the last visitor's.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
