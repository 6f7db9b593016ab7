"""Development e-mail backends that print or write each message with its phone numbers,
e-mail addresses and tracking-link tokens masked (ordermgmt.privacy): the console and the
files are logs, read by whoever runs the server. Production sends through SMTP unchanged."""

from django.core.mail.backends import console, filebased

from .privacy import mask_personal_data


class _MaskedWriteMixin:
    def write_message(self, message):
        stream, self.stream = self.stream, _Masking(self.stream)
        try:
            super().write_message(message)
        finally:
            self.stream = stream


class _Masking:
    """A stream that masks each text written through it."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(mask_personal_data(text) if isinstance(text, str) else text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class ConsoleEmailBackend(_MaskedWriteMixin, console.EmailBackend):
    pass


class FileEmailBackend(_MaskedWriteMixin, filebased.EmailBackend):
    pass
