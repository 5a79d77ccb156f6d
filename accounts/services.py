"""Writes on users (their derived name keys), on users' API tokens (the profile page, the admin and
the token endpoint all come here), and on records' attachments (core.Attachment), which only those who may edit the record may
write: the access policy (accounts.scoping) is their one rule."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.settings import knox_settings

from core.attachments import attachment_remove, attachment_store
from core.files import DOCUMENT_KINDS
from core.models import Attachment
from core.textnorm import pinyin_keys

from .models import ApiToken, Role, User
from .scoping import check_can_edit

# What the profile page offers; `None` means the token never expires.
MAX_TOKEN_DAYS = 366
_UNSET = object()


@transaction.atomic
def user_save(*, user: User) -> User:
    """Create or change a user (the admin and the demo data come here): the full name's pinyin and
    initials are derived on every write, for global search by pinyin and initials ("zlx" ->
    张立新), as a contact's are. Who may is the admin's permission (city administrators)."""
    user.name_pinyin, user.name_initials = pinyin_keys(f"{user.last_name}{user.first_name}")
    user.full_clean()
    user.save()
    return user


def _may_manage(by: User, user: User) -> bool:
    return by.pk == user.pk or by.is_superuser or by.role == Role.CITY_ADMIN


@transaction.atomic
def api_token_create(
    *,
    user: User,
    by: User,
    name: str = "",
    expires_in: dt.timedelta | None | object = _UNSET,
    read_only: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it and the plain token, which is never stored or shown
    again. Without `expires_in` the token lives `REST_KNOX["TOKEN_TTL"]`; `None` means no expiry."""
    if not _may_manage(by, user):
        raise PermissionDenied(_("Only administrators may create tokens for other users."))
    if not user.is_active:
        raise ValidationError(_("Tokens cannot be created for a deactivated user."))
    if expires_in is _UNSET:
        expires_in = knox_settings.TOKEN_TTL
    if expires_in is not None and not (
        dt.timedelta(0) < expires_in <= dt.timedelta(days=MAX_TOKEN_DAYS)
    ):
        raise ValidationError(
            {"expires_in": _("A token lasts between one day and a year, or never expires.")}
        )
    # The user's expired tokens go now (a request does not look at the others: core/api/auth.py).
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, plain = ApiToken.objects.create(
        user=user, expiry=expires_in, name=name.strip()[:100], read_only=read_only
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Delete a token: every request with it fails from now on."""
    if not _may_manage(by, token.user):
        raise PermissionDenied(_("Only administrators may revoke other users' tokens."))
    token.delete()


# --- attachments of any record -----------------------------------------------------------------
@transaction.atomic
def attachment_add(
    *,
    record: Model,
    upload: UploadedFile,
    by,
    description: str = "",
    kinds: tuple[str, ...] = DOCUMENT_KINDS,
    max_bytes: int | None = None,
) -> Attachment:
    """Attach a validated file to `record`; only users who may edit the record may attach."""
    check_can_edit(by, record)
    return attachment_store(
        record=record,
        upload=upload,
        by=by,
        description=description,
        kinds=kinds,
        max_bytes=max_bytes,
    )


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by) -> None:
    """Remove an attachment (the history keeps who removed it and when); the file goes too."""
    check_can_edit(by, attachment.record)
    attachment_remove(attachment=attachment)
