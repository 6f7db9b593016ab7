"""Attachments that may be a photo or a recording (complaints): checked by content."""

import io
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ordermgmt.errors import InvalidInput
from ordermgmt.uploads import read_attachment


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(8000)
        recording.writeframes(b"\0\0" * 800)
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_recording_is_recognised_by_its_audio_signature_whatever_its_name():
    checked = read_attachment(SimpleUploadedFile("photo.jpg", wav_bytes(), content_type="image/jpeg"))
    assert (checked.extension, checked.content_type) == ("wav", "audio/wav")


def test_a_photo_is_still_checked_by_pillow():
    checked = read_attachment(SimpleUploadedFile("call.mp3", png_bytes(), content_type="audio/mpeg"))
    assert (checked.extension, checked.content_type, checked.width) == ("png", "image/png", 4)


def test_anything_else_is_refused_with_one_message():
    fake = SimpleUploadedFile("call.mp3", b"<script>alert(1)</script>" * 10, content_type="audio/mpeg")
    with pytest.raises(InvalidInput, match="不是有效的图片或录音"):
        read_attachment(fake)


def test_recordings_have_their_own_size_limit(settings):
    settings.UPLOAD_MAX_RECORDING_BYTES = 1000
    with pytest.raises(InvalidInput, match="太大"):
        read_attachment(SimpleUploadedFile("call.wav", wav_bytes()))
