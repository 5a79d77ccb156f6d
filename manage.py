#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

NO_DATABASE_COMMANDS = {"help", "--help", "-h", "version", "--version", "collectstatic", "check"}
NO_DATABASE_COMMANDS |= {"compilemessages", "makemessages", "makemigrations"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
    from jinzhong_crm.preflight import run_or_exit

    # One line instead of a traceback for a bad setting or a missing database. Commands that
    # never open the database skip that part.
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    run_or_exit(database=command not in NO_DATABASE_COMMANDS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
