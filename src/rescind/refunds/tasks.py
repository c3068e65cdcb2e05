"""Refund side effects, run by the worker after the deciding transaction commits."""

from django_tasks import task

from rescind.clock.service import now as clock_now
from rescind.refunds import services


# Each carries its refund's order id, so that the task's first read stays on the order's
# shard on Citus (docs/deployment.md); None for a task queued before it was carried.
@task()
def refund_submit_task(refund_id: int, order_id: int | None = None) -> str:
    return services.refund_submit(refund_id=refund_id, order_id=order_id, now=clock_now())


@task()
def refund_check_task(refund_id: int, order_id: int | None = None) -> str:
    return services.refund_check(refund_id=refund_id, order_id=order_id, now=clock_now())
