from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="What the token is for"
    )
    read_only = serializers.BooleanField(
        required=False, default=False, help_text="A read-only token can never write (只读令牌)"
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`. Shown only this once."
    )
    expiry = serializers.DateTimeField(allow_null=True)
    read_only = serializers.BooleanField()
