import sys

from django.core.management.base import BaseCommand

from rollups import locks, refresh


class Command(BaseCommand):
    help = (
        "Compare the stored rollups with a live aggregate of projects and funds; exit 1 on any "
        "difference. Pending outbox rows count as differences unless --drain is given. Also "
        "checks that no locked period's snapshot changed after its lock."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--drain", action="store_true", help="apply pending outbox rows before comparing"
        )

    def handle(self, *args, drain: bool = False, **options):
        if drain:
            refresh.drain_outbox()
        comparison = refresh.compare_with_live()
        changed = locks.changed_snapshots()
        for lock in changed:
            self.stderr.write(
                f"snapshot of locked period {lock.start}..{lock.end} (lock #{lock.pk}) changed "
                "after its lock: its digest differs"
            )
        if comparison.drift:
            self.stderr.write(
                f"rollups differ from the live aggregate: monthly {comparison.monthly_cells} "
                f"cells, stage {comparison.stage_cells} cells, region-month "
                f"{comparison.region_month_cells} cells, by-chain {comparison.chain_cells} cells, "
                f"returned-as-false tally {comparison.returned_false_cells} rows"
            )
            sys.exit(1)
        if changed:
            sys.exit(1)
        self.stdout.write("rollups equal the live aggregate")
        if locks.active_locks():
            self.stdout.write("locked snapshots unchanged since their lock")
