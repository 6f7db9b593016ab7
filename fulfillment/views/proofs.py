"""Delivery-proof files are private: streamed to staff whom the file's folder rule lets see
it (ordermgmt/uploads.py), never served from a public media URL."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from ordermgmt.uploads import private_file_response

from ..models import ProofFile


@login_required
def proof_file(request, pk: int):
    stored = get_object_or_404(ProofFile, pk=pk)
    extension = stored.file.name.rsplit(".", 1)[-1]
    return private_file_response(
        stored.file, user=request.user, content_type=stored.content_type, as_attachment=request.GET.get("download") == "1",
        filename=f"{stored.get_kind_display()}-{stored.pk}.{extension}",
    )
