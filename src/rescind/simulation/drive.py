"""Drive a generated history through the real services and the real worker (issue 17).

Each step is done the way the API does it: the same service function, with the step's party
as the user. Before each step the demo clock moves to the step's moment and the worker's own
functions run: due deadlines fire (`deadlines_fire_due`, `disputes_fire_due`) and the queued
tasks run (`RescindWorker.tasks_run`: refunds submitted and followed, notifications sent).
A step the rules refuse (a `DomainError`) is a refused click, counted, not a failure.

Every run makes its own stores, buyers and coupons, named after the run, so runs (and the
shrinker's trials) share a database without touching each other's orders.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rescind.aftersale import changes, services
from rescind.clock.models import ClockOffset
from rescind.clock.service import clock_offset_forget
from rescind.coupons.models import Coupon
from rescind.disputes import services as disputes
from rescind.disputes.firing import disputes_fire_due
from rescind.domain.changes import LineChange
from rescind.domain.errors import DomainError
from rescind.orders import shipping
from rescind.orders.models import Carrier, Order, Product, Store
from rescind.orders.services import (
    CheckoutItem,
    checkout_create,
    order_cancel_unpaid,
    order_lower_price,
    payment_capture,
)
from rescind.scheduler import deadlines_fire_due
from rescind.simulation.history import FAILING_INSTRUMENT, STORES, Step
from rescind.worker import RescindWorker

# Monday 2 March 2026, 10:00 UTC: the start of every history (a trial of the shrinker starts a
# whole number of 52-week years later, so its weekdays fall alike).
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
YEAR = timedelta(weeks=52)
BUYERS = 12
CARRIER = "SimPost"
DRAIN = timedelta(days=200)  # after the last step: every deadline and refund has come due


@dataclass
class Market:
    """The run's parties and catalogue."""

    prefix: str
    buyers: list
    sellers: list
    stores: list[Store]
    products: list[list[Product]]
    carrier_user: object
    support: object


@dataclass
class Run:
    """What a run did: its orders by (checkout, index), and how its steps went."""

    market: Market
    base: datetime
    orders: dict[tuple[int, int], int] = field(default_factory=dict)
    checkouts: dict[int, int] = field(default_factory=dict)  # step checkout -> Checkout pk
    outcomes: Counter = field(default_factory=Counter)  # "done", "refused:<code>"
    fired: int = 0
    now: datetime = T0

    def order_ids(self, checkout: int | None = None) -> list[int]:
        """Every order of the run, or those of one checkout (numbered from 0, as it made
        them): looked up, not searched for, as each step asks."""
        if checkout is None:
            return sorted(self.orders.values())
        ids, index = [], 0
        while (checkout, index) in self.orders:
            ids.append(self.orders[(checkout, index)])
            index += 1
        return sorted(ids)


def market_create(prefix: str) -> Market:
    """Stores, sellers, buyers, a carrier and a support user, all named after `prefix`."""
    users = get_user_model()

    def user(name: str, **extra):
        made = users(username=f"{prefix}-{name}", email=f"{prefix}-{name}@example.com", **extra)
        made.set_unusable_password()  # no password hashing: thousands of users stay cheap
        made.save()
        return made

    with transaction.atomic():
        sellers, stores, products = [], [], []
        for s in range(STORES):
            seller = user(f"seller{s}")
            store = Store.objects.create(name=f"{prefix} store {s}", shipping_fee=(s % 3) * 175)
            store.sellers.add(seller)
            sellers.append(seller)
            stores.append(store)
            products.append([
                Product.objects.create(store=store, name=f"{prefix} item {s}a",
                                       unit_price=999 + 377 * s, option_choices={}),
                Product.objects.create(store=store, name=f"{prefix} item {s}b",
                                       unit_price=2501 + 113 * s,
                                       option_choices={"colour": ["red", "blue"]})])
        carrier, _ = Carrier.objects.get_or_create(name=CARRIER)
        carrier_user = user("carrier")
        carrier.accounts.add(carrier_user)
        support = user("support", is_staff=True, is_superuser=True)
        buyers = [user(f"buyer{b}") for b in range(BUYERS)]
    return Market(prefix, buyers, sellers, stores, products, carrier_user, support)


def _commit_without_waiting(sender, connection, **kwargs) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")


def database_quicken() -> None:
    """The simulation's connections commit without waiting for the disk (PostgreSQL's
    `synchronous_commit off`, SQLite's `synchronous=OFF`, on these connections only): a run is
    thrown away if the machine crashes, and what other transactions see and lock is
    unchanged, so every rule is exercised as before, with a fifth less waiting on PostgreSQL."""
    connection_created.connect(_commit_without_waiting, dispatch_uid="rescind-simulation")
    for connection in connections.all():
        if connection.connection is not None:
            _commit_without_waiting(None, connection)


def clock_move(now: datetime) -> None:
    """Set the demo clock so that every process reads `now` (give or take the real seconds the
    run takes): the worker's tasks read it, as `rescind clock advance` would have it."""
    offset = round((now - timezone.now()).total_seconds())
    moved = {"offset_seconds": offset, "updated_at": timezone.now()}
    if not ClockOffset.objects.filter(pk=1).update(**moved):  # one statement, not three
        ClockOffset.objects.create(pk=1, offset_seconds=offset)
    clock_offset_forget()


def worker_pass(run: Run, now: datetime) -> None:
    """What `rescind worker` does in a pass, until nothing is left due at `now`: the clock
    moved to `now`, then `worker_catch_up`."""
    clock_move(now)
    worker_catch_up(run, now, RescindWorker(interval=0, worker_id=f"{run.market.prefix}-worker"))


def worker_catch_up(run: Run, now: datetime, worker: RescindWorker) -> None:
    """Fire due deadlines and disputes and run the queued tasks until none is left, with the
    clock already at `now`. Several processes may do it at once, as several workers do: each
    claims what no other holds. A refund's retry backoff runs on real time (refunds.services),
    so the simulation makes waiting retries ready at once, as time would."""
    for _ in range(50):
        fired = deadlines_fire_due(now=now) + disputes_fire_due(now=now)
        retries_make_ready()
        ran = worker.tasks_run(max_tasks=10_000)
        run.fired += fired
        if not fired and not ran:
            return


def retries_make_ready() -> None:
    """Make the queued tasks that wait for a later time ready now. Only the rows no other
    process holds: an UPDATE of them all locked them in its scan's order, and two processes
    doing it at once deadlocked on PostgreSQL (CI, 2026-12-06); the rows another holds it is
    making ready itself."""
    with transaction.atomic():
        ids = list(DBTaskResult.objects.select_for_update(skip_locked=True)
                   .filter(status="READY", run_after__gt=timezone.now())
                   .order_by("pk").values_list("pk", flat=True))
        DBTaskResult.objects.filter(pk__in=ids).update(run_after=timezone.now())


def _buyer(run: Run, c: int):
    return run.market.buyers[c % BUYERS]


def _order_id(run: Run, step: Step) -> int:
    """The id of the order a step acts on (its checkout's, by position)."""
    return run.orders[(step.checkout, step.order)]


def _seller(run: Run, step: Step):
    order = Order.objects.only("store_id").get(pk=_order_id(run, step))
    index = next(i for i, s in enumerate(run.market.stores) if s.pk == order.store_id)
    return run.market.sellers[index]


def _checkout(run: Run, step: Step, now: datetime) -> None:
    a, m, c = step.args, run.market, step.checkout
    buyer = _buyer(run, c)
    codes = []
    expires = now + timedelta(days=a.get("coupon_days", 60))
    for kind in a.get("coupons", []):
        code = f"{m.prefix}-{kind}-{c}".upper()
        store = None if kind == "platform" else m.stores[a["stores"][0]]
        Coupon.objects.create(code=code, kind=kind, amount={"platform": 700, "seller": 300,
                                                            "promo": 150}[kind],
                              store=store, owner=None if kind == "promo" else buyer,
                              expires_at=expires)
        codes.append(code)
    items = []
    for store, quantity, which in zip(a["stores"], a["quantities"], a["products"], strict=True):
        product = m.products[store][which]
        items.append(CheckoutItem(product.pk, quantity,
                                  {k: v[0] for k, v in product.option_choices.items()}))
    instrument = FAILING_INSTRUMENT[a["method"]] if a.get("failing") else ""
    checkout = checkout_create(buyer=buyer, items=items, payment_method=a["method"], now=now,
                               coupon_codes=codes, payment_instrument=instrument)
    run.checkouts[c] = checkout.pk
    by_store = {o.store_id: o.pk for o in checkout.orders.all()}
    for i, store in enumerate(a["stores"]):
        run.orders[(c, i)] = by_store[m.stores[store].pk]


def _lower_price(run: Run, step: Step, now: datetime) -> None:
    order = Order.objects.get(pk=_order_id(run, step))
    new_total = order.total - order.total * step.args["percent"] // 100
    order_lower_price(order_id=order.pk, user=_seller(run, step), new_total=new_total,
                      note="simulated discount", now=now)


def _pay(run: Run, step: Step, now: datetime) -> None:
    from rescind.orders.models import Payment

    payment = Payment.objects.get(checkout_id=run.checkouts[step.checkout])
    payment_capture(payment_id=payment.pk, buyer=_buyer(run, step.checkout), now=now)


def _claim(run: Run, step: Step, percent: int) -> int:
    order = Order.objects.get(pk=_order_id(run, step))
    return max(1, (order.total - order.refunded) * percent // 100)


def _tracking(run: Run, step: Step) -> str:
    return f"{run.market.prefix}-{step.args.get('tracking', 'T')}".upper()


def _current_tracking(run: Run, step: Step) -> str:
    order = Order.objects.get(pk=_order_id(run, step))
    shipment = order.shipments.order_by("-pk").first()
    return shipment.tracking_number if shipment else _tracking(run, step)


# Each action: (who acts, what the service is told). `o` is the order id, `b` its buyer,
# `s` its seller.
ACTIONS: dict[str, Callable[[Run, Step, datetime], object]] = {
    "checkout": _checkout,
    "lower_price": _lower_price,
    "pay": _pay,
    "cancel_unpaid": lambda r, s, now: order_cancel_unpaid(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout), now=now),
    "request_cancel": lambda r, s, now: services.cancellation_request(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout),
        reason=s.args["reason"], report_supplier=s.args["report"], now=now),
    "approve": lambda r, s, now: services.cancellation_approve(
        order_id=_order_id(r, s), user=_seller(r, s), now=now),
    "refuse": lambda r, s, now: services.cancellation_refuse(
        order_id=_order_id(r, s), user=_seller(r, s), note="we ship today",
        now=now),
    "withdraw": lambda r, s, now: services.cancellation_withdraw(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout), now=now),
    "change_request": lambda r, s, now: changes.change_request(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout),
        changes=[LineChange(line=1, quantity=s.args["quantity"])], now=now),
    "change_accept": lambda r, s, now: changes.change_accept(
        order_id=_order_id(r, s), user=_seller(r, s), now=now),
    "change_refuse": lambda r, s, now: changes.change_refuse(
        order_id=_order_id(r, s), user=_seller(r, s), note="cannot", now=now),
    "charge_confirm": lambda r, s, now: changes.change_charge_confirm(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout), now=now),
    "charge_decline": lambda r, s, now: changes.change_charge_decline(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout), now=now),
    "ship": lambda r, s, now: services.order_ship(
        order_id=_order_id(r, s), user=_seller(r, s), carrier=CARRIER,
        tracking_number=_tracking(r, s), now=now),
    "carrier_deliver": lambda r, s, now: shipping.carrier_event_record(
        user=r.market.carrier_user, tracking_number=_current_tracking(r, s), event="delivered",
        now=now),
    "carrier_drop": lambda r, s, now: shipping.carrier_event_record(
        user=r.market.carrier_user, tracking_number=_current_tracking(r, s),
        event="tracking_invalid", now=now),
    "confirm_receipt": lambda r, s, now: shipping.order_confirm_receipt(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout), now=now),
    "reship": lambda r, s, now: shipping.shipment_reassign(
        order_id=_order_id(r, s), user=_seller(r, s), carrier=CARRIER,
        tracking_number=_tracking(r, s), now=now),
    "canceled_refund": lambda r, s, now: shipping.shipment_canceled_refund(
        order_id=_order_id(r, s), user=_seller(r, s), now=now),
    "canceled_decline": lambda r, s, now: shipping.shipment_canceled_decline(
        order_id=_order_id(r, s), user=_seller(r, s), note="no stock", now=now),
    "dispute_open": lambda r, s, now: disputes.dispute_open(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout),
        reason="not_as_described", claim=_claim(r, s, s.args["claim_percent"]),
        return_item=False, description="simulated", evidence=[], now=now),
    "dispute_accept": lambda r, s, now: disputes.dispute_accept(
        order_id=_order_id(r, s), user=_seller(r, s), now=now),
    "dispute_refuse": lambda r, s, now: disputes.dispute_refuse(
        order_id=_order_id(r, s), user=_seller(r, s), note="as described",
        now=now),
    "dispute_propose": lambda r, s, now: disputes.dispute_propose(
        order_id=_order_id(r, s), user=_seller(r, s),
        amount=_claim(r, s, s.args["percent"]), return_item=False, note="part of it", now=now),
    "proposal_accept": lambda r, s, now: disputes.dispute_proposal_accept(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout), now=now),
    "escalate": lambda r, s, now: disputes.dispute_escalate(
        order_id=_order_id(r, s), user=_buyer(r, s.checkout), note="help",
        now=now),
    "support_decide": lambda r, s, now: disputes.dispute_decide(
        order_id=_order_id(r, s), user=r.market.support,
        refund=_claim(r, s, s.args["percent"]) if s.args["percent"] else 0, return_item=False,
        note="decided", now=now),
}


def step_do(run: Run, step: Step, *, worker: bool = True) -> bool:
    """Do one step at its moment, after the worker has caught up (unless `worker` is False:
    another process runs it). Returns whether the step applied to anything (False: its
    checkout was never made, e.g. shrunk away)."""
    now = run.base + timedelta(minutes=step.at)
    if worker and now > run.now:
        worker_pass(run, now)
        run.now = now
    if step.action != "checkout" and (step.checkout, step.order) not in run.orders:
        return False
    clock_offset_forget()
    try:
        ACTIONS[step.action](run, step, now)
    except DomainError as exc:
        run.outcomes[f"refused:{exc.code}"] += 1
    else:
        run.outcomes["done"] += 1
    return True


def run_drain(run: Run) -> None:
    """After the last step, let time pass until every deadline and refund has come due."""
    end = run.now + DRAIN
    day = run.now
    while day < end:  # a day at a time: refunds are checked daily (R23)
        day += timedelta(days=3)
        worker_pass(run, day)
    run.now = end


logging.getLogger("rescind.scheduler").setLevel(logging.WARNING)
logging.getLogger("rescind.disputes.firing").setLevel(logging.ERROR)
