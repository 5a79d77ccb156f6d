import sys

from django.core.management.base import BaseCommand

from rollups import refresh


class Command(BaseCommand):
    help = (
        "Compare the stored rollups with a live aggregate of projects and funds; exit 1 on any "
        "difference. Pending outbox rows count as differences unless --drain is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--drain", action="store_true", help="apply pending outbox rows before comparing"
        )

    def handle(self, *args, drain: bool = False, **options):
        if drain:
            refresh.drain_outbox()
        comparison = refresh.compare_with_live()
        if comparison.drift:
            self.stderr.write(
                f"rollups differ from the live aggregate: monthly {comparison.monthly_cells} "
                f"cells, stage {comparison.stage_cells} cells, region-month "
                f"{comparison.region_month_cells} cells, by-chain {comparison.chain_cells} cells"
            )
            sys.exit(1)
        self.stdout.write("rollups equal the live aggregate")
