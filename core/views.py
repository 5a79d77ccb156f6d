from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health
from .models import Attachment, ChainLink, IndustryChain, PromotionMethod, Region
from .scoping import get_object_or_404_for


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Machine-readable state of the database, Redis and Celery; 503 when any is down."""
    checks = {
        "database": health.check_database(),
        "redis": health.check_redis(),
        "celery": health.check_celery(),
    }
    ok = all(c.ok for c in checks.values())
    body = {
        "status": "ok" if ok else "down",
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "region_count": Region.objects.count(),
        "chain_count": IndustryChain.objects.count(),
        "link_count": ChainLink.objects.count(),
        "method_count": PromotionMethod.objects.count(),
    }
    return render(request, "core/home.html", context)


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
