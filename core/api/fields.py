"""Serializer fields for input the API shares with the forms: every amount is read by the one
money parser (core.money.parse_amount), as core.forms.MoneyField reads it on the pages."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.money import DECIMAL_PLACES, MAX_DIGITS, parse_amount


class MoneyField(serializers.DecimalField):
    """An amount in 万元: a decimal string (or a JSON number, parsed as Decimal by
    core.api.parsers), read by parse_amount. DRF's own DecimalField goes through Decimal(str),
    which takes full-width digits ("１２３") and underscores ("1_000") without a word."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Decimal:
        try:
            return parse_amount(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class StrictDecimalField(serializers.DecimalField):
    """A decimal that is not an amount (an exchange rate): half-width digits only, as typed."""

    default_error_messages = {
        "odd_digits": _("Use half-width digits only (no full-width digits or underscores)."),
    }

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, float):
            self.fail("invalid")
        if isinstance(data, str) and (any(ord(ch) > 0x7F for ch in data) or "_" in data):
            self.fail("odd_digits")
        return super().to_internal_value(data)
