"""`make run`'s web server: Django's development server (static files included) whose start-up
message is the address and the demo logins, so that is what the terminal ends with."""

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from demo.loader import DEMO_USERS


class Command(RunserverCommand):
    help = "Run the development server and print the address and the demo logins."

    def on_bind(self, server_port):
        host = f"[{self.addr}]" if self._raw_ipv6 else self.addr
        if host == "0":
            host = "0.0.0.0"  # noqa: S104 - only shown: what runserver itself bound to
        self.stdout.write(
            "\n"
            f"  Jinzhong CRM (development server): {self.protocol}://{host}:{server_port}/\n"
            f"  Log in as {', '.join(u for u, *_ in DEMO_USERS)}\n"
            f"  Password: {settings.DEMO_PASSWORD}\n"
            "  Stop it with CONTROL-C.\n"
        )
