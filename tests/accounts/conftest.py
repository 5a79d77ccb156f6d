from tests.security.conftest import county_objects, fast_password_hashing  # noqa: F401
