from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo import loader
from demo.chains_demo import load_chains_demo
from demo.events_demo import load_events_demo
from demo.projects_demo import load_projects_demo
from demo.targets_demo import load_targets_demo


class Command(BaseCommand):
    help = "Load reference data, demo users and demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reference-only",
            action="store_true",
            help="Load only the reference data (regions, chains, methods); allowed in production.",
        )

    def handle(self, *args, reference_only: bool = False, **options):
        loader.load_reference()
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
        created = loader.load_demo_users()
        load_projects_demo()
        # The demo projects were saved through the services, each leaving an outbox row; compute
        # the rollups now so the dashboards are right without waiting for a worker.
        call_command("rebuild_rollups", verbosity=0)
        self.stdout.write("Demo enterprises, parks and projects loaded.")
        load_chains_demo()
        self.stdout.write("Demo chain map loaded: suppliers, gap targets, chain indicators.")
        load_events_demo()
        self.stdout.write("Demo promotion events, signings and activity figures loaded.")
        load_targets_demo()
        self.stdout.write("Demo targets loaded: 2023 and this year, the city and every region.")
        self.stdout.write(
            f"Demo users ready ({len(created)} new): "
            + ", ".join(u for u, *_ in loader.DEMO_USERS)
            + f". Password: {settings.DEMO_PASSWORD if created or settings.EMBEDDED else '(unchanged)'}"
        )
