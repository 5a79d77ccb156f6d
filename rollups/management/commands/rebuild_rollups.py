from django.core.management.base import BaseCommand

from rollups import refresh


class Command(BaseCommand):
    help = "Recompute every rollup from source and report the cells that had drifted."

    def handle(self, *args, **options):
        refresh.drain_outbox()
        comparison = refresh.rebuild_all()
        self.stdout.write(
            f"rollups rebuilt; drift: {comparison.drift} cells "
            f"(monthly {comparison.monthly_cells}, stage {comparison.stage_cells}, "
            f"region-month {comparison.region_month_cells}, by-chain {comparison.chain_cells})"
        )
