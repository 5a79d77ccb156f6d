"""drf-spectacular hooks: the common error responses on every operation, documented once."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error has this shape (错误响应).",
    "required": ["status", "code", "detail"],
    "properties": {
        "status": {"type": "integer", "example": 404},
        "code": {"type": "string", "example": "not_found"},
        "detail": {"type": "string", "example": "Not found."},
        "fields": {
            "type": "object",
            "description": "Validation errors per field (only for 400).",
            "additionalProperties": {},
        },
    },
}

_COMMON = {
    "400": "Invalid request (请求有误)",
    "401": "Not authenticated (未登录或令牌无效)",
    "403": "Not allowed (无权限)",
    "404": "Not found or outside your region (不存在或不在本辖区)",
    "405": "Method not allowed",
    "406": "Unsupported format",
    "415": "Unsupported media type",
    "429": "Too many requests (请求过于频繁)",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for _path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for code, description in _COMMON.items():
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
