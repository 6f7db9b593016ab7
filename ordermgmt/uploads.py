"""Uploaded images (delivery proof, after-sales photos) and recordings (complaints): checked
by content, stored privately.

The browser's file name and declared content type are never trusted: Pillow must be able
to decode the bytes as one of the allowed image formats (a recording must carry the
signature of one of the allowed audio formats, read by ``filetype``), and the stored name
is random, so a file cannot be found by guessing. Files live under MEDIA_ROOT, which is not served by any
public URL; staff views stream them through ``private_file_response``.

Who may see a stored file is decided by the file, not by the URL it is asked for through:
each app registers the folder it stores its uploads in with the permission that opens them
(in its ``AppConfig.ready``), and ``private_file_response`` asks this one registry. A file
shared by two records (a delivery-proof photo that is also an after-sales photo) therefore
gets the same answer at every URL.
"""

import base64
import binascii
import io
import secrets
from dataclasses import dataclass

import filetype

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import InvalidInput

# Pillow format name → (extension, content type)
ALLOWED_IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
# A photo from a phone is at most ~50 megapixels; anything bigger is a decompression bomb.
MAX_PIXELS = 60_000_000
# Recordings of a call or a voice message (filetype's MIME type → extension, content type).
ALLOWED_AUDIO_TYPES = {
    "audio/mpeg": ("mp3", "audio/mpeg"),
    "audio/mp4": ("m4a", "audio/mp4"),
    "audio/x-wav": ("wav", "audio/wav"),
    "audio/amr": ("amr", "audio/amr"),
    "audio/aac": ("aac", "audio/aac"),
    "audio/ogg": ("ogg", "audio/ogg"),
}


# folder → the permission that opens the files stored in it
_FOLDER_PERMISSIONS: dict[str, str] = {}


def register_private_folder(folder: str, *, permission: str) -> None:
    registered = _FOLDER_PERMISSIONS.setdefault(folder, permission)
    if registered != permission:
        raise ImproperlyConfigured(f"Upload folder {folder!r} is already opened by {registered}")


def _folder_permission(name: str) -> str | None:
    return _FOLDER_PERMISSIONS.get(name.split("/", 1)[0]) if "/" in name else None


def may_open_upload(user, stored) -> bool:
    """Whether ``user`` may see the stored file (a ``FieldFile``); unknown folders: nobody."""
    permission = _folder_permission(stored.name or "")
    return permission is not None and user.is_authenticated and user.has_perm(permission)


@dataclass(frozen=True)
class CheckedImage:
    """An upload whose bytes were checked (an image, or a recording with no pixel size)."""

    content: bytes
    extension: str
    content_type: str
    width: int
    height: int

    def as_file(self, folder: str) -> ContentFile:
        """A ContentFile named ``folder/YYYY/MM/<random>.<ext>`` for a FileField; ``folder``
        must be registered, so that no file is stored without a rule for who may see it."""
        if folder not in _FOLDER_PERMISSIONS:
            raise ImproperlyConfigured(f"Upload folder {folder!r} is not registered (register_private_folder)")
        stamp = timezone.localdate().strftime("%Y/%m")
        return ContentFile(self.content, name=f"{folder}/{stamp}/{secrets.token_hex(16)}.{self.extension}")


def check_image(content: bytes, *, label: str = "图片") -> CheckedImage:
    """Validate an uploaded image by its bytes; raise ``InvalidInput`` with a clerk's message."""
    limit = settings.UPLOAD_MAX_BYTES
    if not content:
        raise InvalidInput(f"{label}是空文件")
    if len(content) > limit:
        raise InvalidInput(f"{label}太大：{len(content) / 1024 / 1024:.1f} MB，最大 {limit / 1024 / 1024:.0f} MB")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(f"{label}分辨率过大（{width}×{height}）")
            image.verify()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidInput(f"{label}不是有效的图片文件（只接受 JPG、PNG、WEBP）") from error
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise InvalidInput(f"{label}格式 {image_format} 不支持（只接受 JPG、PNG、WEBP）")
    extension, content_type = ALLOWED_IMAGE_FORMATS[image_format]
    return CheckedImage(content, extension, content_type, width, height)


def read_upload(uploaded, *, label: str = "图片") -> CheckedImage:
    """Read an ``UploadedFile`` without loading more than the size limit plus one byte."""
    limit = settings.UPLOAD_MAX_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise InvalidInput(f"{label}太大：{uploaded.size / 1024 / 1024:.1f} MB，最大 {limit / 1024 / 1024:.0f} MB")
    uploaded.seek(0)
    return check_image(uploaded.read(limit + 1), label=label)


def check_recording(content: bytes, *, label: str = "录音") -> CheckedImage:
    """Validate an uploaded recording by its bytes (MP3, M4A, WAV, AMR, AAC, OGG)."""
    limit = settings.UPLOAD_MAX_RECORDING_BYTES
    if not content:
        raise InvalidInput(f"{label}是空文件")
    if len(content) > limit:
        raise InvalidInput(f"{label}太大：{len(content) / 1024 / 1024:.1f} MB，最大 {limit / 1024 / 1024:.0f} MB")
    kind = filetype.audio_match(content)
    if kind is None or kind.mime not in ALLOWED_AUDIO_TYPES:
        raise InvalidInput(f"{label}不是有效的录音文件（只接受 MP3、M4A、WAV、AMR、AAC、OGG）")
    extension, content_type = ALLOWED_AUDIO_TYPES[kind.mime]
    return CheckedImage(content, extension, content_type, 0, 0)


def read_attachment(uploaded, *, label: str = "附件") -> CheckedImage:
    """A photo or a recording (complaints): an image if Pillow reads it, else a recording
    by its audio signature; anything else is refused with one message."""
    limit = max(settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_RECORDING_BYTES)
    if uploaded.size is not None and uploaded.size > limit:
        raise InvalidInput(f"{label}太大：{uploaded.size / 1024 / 1024:.1f} MB，最大 {limit / 1024 / 1024:.0f} MB")
    uploaded.seek(0)
    content = uploaded.read(limit + 1)
    if filetype.audio_match(content) is not None:
        return check_recording(content, label=label)
    try:
        return check_image(content, label=label)
    except InvalidInput as refused:
        if "不是有效的图片" in str(refused):
            raise InvalidInput(f"{label}不是有效的图片或录音（只接受 JPG、PNG、WEBP 图片和 MP3、M4A、WAV、AMR、AAC、OGG 录音）") from None
        raise


def decode_data_url(data_url: str, *, label: str = "签名") -> CheckedImage:
    """A drawn signature arrives from the canvas as ``data:image/png;base64,...``."""
    head, _, payload = (data_url or "").partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise InvalidInput(f"{label}数据无效，请重新签名")
    if len(payload) > settings.UPLOAD_MAX_BYTES * 4 // 3 + 4:
        raise InvalidInput(f"{label}太大")
    try:
        content = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput(f"{label}数据无效，请重新签名") from error
    return check_image(content, label=label)


def private_file_response(stored, *, user, content_type: str, filename: str | None = None,
                          as_attachment: bool = False) -> FileResponse:
    """Stream a stored upload to ``user`` if the file's folder rule lets them see it: never
    cached, and sandboxed so that a file that slipped through cannot run script in the
    portal's origin."""
    if not may_open_upload(user, stored):
        raise PermissionDenied(_("您的角色没有权限查看该文件"))
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("文件不存在") from error
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename or "")
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response
