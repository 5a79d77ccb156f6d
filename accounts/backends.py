"""Authentication backends of our own."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come with a request (the login page, the API
    token endpoint). A call without one (the test client's login(), a script) has no address to
    lock and is left to the next backend instead of raising."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
