from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health
from .models import ChainLink, IndustryChain, PromotionMethod, Region


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
