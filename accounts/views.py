"""The user's profile: who they are and their API tokens (created here, shown once, revoked here)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import services
from .forms import ApiTokenForm
from .models import ApiToken


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
