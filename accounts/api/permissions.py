from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiToken
from accounts.scoping import can_edit


class ReadOnlyTokenPermission(BasePermission):
    """A request made with a read-only token may only read."""

    message = _("This token is read-only.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in SAFE_METHODS
        return True


class CanEditOrReadOnly(BasePermission):
    """Writes only for the roles that may edit (accounts.scoping.can_edit); the region check itself
    happens in the service. Refusing here first spares a 400 for a request that would be a 403."""

    message = _("Your role may not change records.")

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or can_edit(request.user)
