"""Refund side effects, run by the worker after the deciding transaction commits."""

from django_tasks import task

from rescind.clock.service import now as clock_now
from rescind.refunds import services


@task()
def refund_submit_task(refund_id: int) -> str:
    return services.refund_submit(refund_id=refund_id, now=clock_now())


@task()
def refund_check_task(refund_id: int) -> str:
    return services.refund_check(refund_id=refund_id, now=clock_now())
