"""Refund side effects, run by the worker after the deciding transaction commits."""

from django_tasks import task

from rescind.clock.service import now as clock_now
from rescind.refunds import services

# Money going back to a buyer goes first (issue 16): its own queue, which the worker runs
# between a storm's firing batches, and a priority above the default queue's tasks.
QUEUE, PRIORITY = "refunds", 10


# Each carries its refund's order id, so that the task's first read stays on the order's
# shard on Citus (docs/deployment.md); None for a task queued before it was carried.
@task(queue_name=QUEUE, priority=PRIORITY)
def refund_submit_task(refund_id: int, order_id: int | None = None) -> str:
    return services.refund_submit(refund_id=refund_id, order_id=order_id, now=clock_now())


@task(queue_name=QUEUE, priority=PRIORITY)
def refund_check_task(refund_id: int, order_id: int | None = None) -> str:
    return services.refund_check(refund_id=refund_id, order_id=order_id, now=clock_now())
