"""The API's one error shape (core.api.errors describes it), as a leaf module: the middlewares that
answer an /api/ request themselves (core.unavailable, core.idempotency) build it without importing
the exception handler, which imports them."""


def error_body(status_code: int, code: str, detail: str, fields=None) -> dict:
    body = {"status": status_code, "code": code, "detail": detail}
    if fields is not None:
        body["fields"] = fields
    return body
