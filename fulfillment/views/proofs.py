"""Delivery-proof files are private: streamed to staff with the permission, never served
from a public media URL."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from ..models import ProofFile


@login_required
@permission_required("fulfillment.view_deliveryproof", raise_exception=True)
def proof_file(request, pk: int):
    stored = get_object_or_404(ProofFile, pk=pk)
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("文件不存在") from error
    extension = stored.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle, content_type=stored.content_type, as_attachment=request.GET.get("download") == "1",
        filename=f"{stored.get_kind_display()}-{stored.pk}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
