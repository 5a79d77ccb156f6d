from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from .models import Attachment
from .scoping import get_object_or_404_for


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, only for users who may see the record it belongs to (else 404)."""
    attachment = get_object_or_404_for(request.user, Attachment, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
