"""Password -> token, and revoking the token in hand."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import ApiToken
from accounts.otp import needs_second_factor

from .serializers import TokenRequestSerializer, TokenResponseSerializer


class TokenView(APIView):
    """`POST` username and password to get a token; `DELETE` with the token revokes it."""

    throttle_scope = "token_create"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_authenticators(self):
        # Logging in with a password must not need (or be confused by) a session or a token.
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_authenticate_header(self, request):
        # Without authenticators DRF would turn a wrong password into a 403; it is a 401.
        return "Token"

    def get_throttles(self):
        if self.request.method == "POST":
            return super().get_throttles()
        return []

    @extend_schema(
        summary="Get a token (获取令牌)",
        request=TokenRequestSerializer,
        responses={201: TokenResponseSerializer},
        auth=[],
        examples=[
            OpenApiExample(
                "Request",
                # Examples in the API docs, not secrets (bandit B105 false positives).
                value={"username": "api_reader", "password": "…"},  # nosec B105
                request_only=True,
            ),
            OpenApiExample(
                "Response",
                value={
                    "token": "4f1c…e9",  # nosec B105
                    "expiry": "2024-01-01T20:00:00+08:00",
                    "read_only": False,
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise AuthenticationFailed(_("Wrong username or password."))
        if needs_second_factor(user):
            # This endpoint has no code step: administrators make tokens on their profile page.
            raise PermissionDenied(
                _(
                    "Administrators create API tokens on their profile page, after the second factor."
                )
            )
        token, plain = services.api_token_create(
            user=user,
            by=user,
            name=data.validated_data.get("name") or "POST /api/v1/auth/token/",
            read_only=data.validated_data["read_only"],
        )
        return Response(
            {"token": plain, "expiry": token.expiry, "read_only": token.read_only},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(summary="Revoke this token (注销令牌)", request=None, responses={204: None})
    def delete(self, request):
        if isinstance(request.auth, ApiToken):
            services.api_token_revoke(token=request.auth, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
