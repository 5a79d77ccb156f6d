"""Changes to projects that bypass the project services: the rollup cells they touch are queued in
the same transaction, like every service change."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from enterprises.models import IndustrialPark
from projects.models import Project

from .outbox import enqueue_refresh, project_bucket_keys


@receiver(pre_delete, sender=IndustrialPark)
def park_deleted(sender, instance: IndustrialPark, **kwargs) -> None:
    """Deleting a park sets its projects' park to none in the database (SET_NULL, no save): queue
    the cells they leave (with the park) and enter (without it). The refresh runs after commit."""
    keys: set[str] = set()
    for project in Project.all_objects.filter(park=instance):
        keys |= project_bucket_keys(project)
        project.park_id = None
        keys |= project_bucket_keys(project)
    enqueue_refresh(keys=keys)
