from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import loader
from demo.chains_demo import load_chains_demo
from demo.events_demo import load_events_demo
from demo.projects_demo import load_projects_demo
from demo.targets_demo import load_targets_demo
from lights.services import lights_refresh
from rollups import refresh as rollup_refresh
from rollups.outbox import drains_held
from scoring.services import scheme_create_default


class Command(BaseCommand):
    help = "Load reference data, demo users and demo data (idempotent)."
    # `make run` runs it between migrate and the server, which both run the system checks (~1 s).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--reference-only",
            action="store_true",
            help="Load only the reference data (regions, chains, methods); allowed in production.",
        )

    def handle(self, *args, reference_only: bool = False, **options):
        verbose = options["verbosity"] >= 2
        loader.load_reference()
        if verbose:
            self.stdout.write(
                "Reference data loaded: regions, industry chains and links, promotion methods."
            )
        if reference_only:
            return
        if not settings.DEMO:
            raise CommandError(
                "Demo users and data are loaded only under the embedded default or with DEMO=1; "
                "use --reference-only in production."
            )
        # One transaction (a half-loaded demo is never left behind, and SQLite syncs to disk
        # once), and one rollup drain at the end instead of one per saved project: every save
        # still writes its outbox row through the services, the drain refreshes their buckets.
        # (The hold is entered first: the commit's callbacks find the drain still "pending".)
        with drains_held(), transaction.atomic():
            created = loader.load_demo_users()
            load_projects_demo()
            load_chains_demo()
            load_events_demo()
            load_targets_demo()
            # The default scoring scheme (综合考评), in force from 2023.
            scheme_create_default()
        # The nightly check, once: recompute everything from source; drift is logged if any.
        drift = rollup_refresh.rebuild_all().drift
        # Every light as of today (the nightly job's run), so 安泰's unstarted projects show red.
        lights_refresh()
        if verbose:
            self.stdout.write(f"Demo data loaded; rollups rebuilt, drift {drift} cells.")
        if options["verbosity"] >= 1:
            self.stdout.write(
                "Demo users: "
                + ", ".join(u for u, *_ in loader.DEMO_USERS)
                + f"; password: {settings.DEMO_PASSWORD if created or settings.EMBEDDED else '(unchanged)'}"
            )
