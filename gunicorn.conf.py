"""gunicorn reads this file from the working directory: the preflight runs once in the master, so a
bad setting stops gunicorn with one line before any worker is forked (deploy/jinzhong-web.service)."""


def on_starting(server) -> None:
    from jinzhong_crm.preflight import run_or_exit

    run_or_exit()
