from django.db import models


class ClockOffset(models.Model):
    """The demo clock's one row: how far every process's `now` runs ahead of real time."""

    offset_seconds = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
