from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.history import history_search, materialize
from core.models import Attachment

from . import services
from .forms import ApiTokenForm, HistorySearchForm
from .models import ApiToken, Role
from .scoping import get_object_or_404_for

HISTORY_PAGE_SIZE = 25


def _is_city_admin(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role == Role.CITY_ADMIN)
    )


def history(request: HttpRequest) -> HttpResponse:
    """变更记录查询: city administrators search every change to every tracked record."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not _is_city_admin(request.user):
        raise PermissionDenied
    form = HistorySearchForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = {
            "user_id": d["user"].pk if d["user"] else None,
            "model_label": d["model"] or None,
            "date_from": d["date_from"],
            "date_to": d["date_to"],
            "text": d["q"],
            "action": d["action"],
        }
    rows = history_search(**filters) if form.is_valid() or not form.is_bound else []
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/history.html",
        {
            "form": form,
            "page": page,
            "entries": materialize(page.object_list),
            "query": query.urlencode(),
        },
    )


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked user + IP: a Chinese page saying how long to wait."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


"""The user's profile: who they are and their API tokens (created here, shown once, revoked here)."""


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_token = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, new_token = services.api_token_create(
            user=request.user,
            by=request.user,
            name=form.cleaned_data["name"],
            expires_in=form.expires_in(),
            read_only=form.cleaned_data["read_only"],
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created")
    # The new token is in this response only (never stored in plain, never in a redirect).
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    token = get_object_or_404(
        ApiToken, user=request.user, token_key=token_key, digest=request.POST.get("digest", "")
    )
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("profile")


def landing_url(user) -> str:
    """Where a user lands after logging in (DESIGN.md, "Where each user lands"): city leaders on
    the city dashboard, county officials on their county's dashboard, staff on 我的工作.

    By URL name, so accounts imports nothing from the apps above it."""
    role = getattr(user, "role", None)
    if role == Role.CITY_LEADER:
        return reverse("dashboards:city")
    if role == Role.COUNTY_OFFICIAL and user.region_id is not None:
        return reverse("dashboards:county", args=[user.region.code])
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Django's login; a safe `next` still wins, otherwise the user's own landing page.

    Opening the site's address sends a visitor here with `next=/`: that asks for no page in
    particular, so it lands them where their role starts (an official on their dashboard)."""

    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        return "" if url == resolve_url("home") else url

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)


INLINE_TYPES = {"image/png", "image/jpeg", "application/pdf"}


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, only for users who may see the record it belongs to (else 404)."""
    attachment = get_object_or_404_for(request.user, Attachment, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Only images and PDFs open in the browser; anything else is a download. HTML and SVG are
    # never accepted (core.files), and nosniff stops a browser guessing another type.
    inline = attachment.mime_type in INLINE_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
