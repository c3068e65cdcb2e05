"""Set up the private database of the PostgreSQL-restart test, in a process of its own (the
test process stays on its own test database): migrate, a buyer with an API token, many paid
orders for the HTTP load, and one order whose seller-response deadline falls due only when
the demo clock moves, to prove the worker still acts after the restart.

    RESCIND_DATABASE_URL=postgres://... python -m tests.faults.restart_seed 3000

Prints {"token", "order_ids", "watched_order_id"} as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta


def main(count: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from rescind.accounts.models import ApiToken
    from rescind.aftersale.services import cancellation_request
    from rescind.orders.models import Order, Payment, Product, Store
    from rescind.orders.services import CheckoutItem, checkout_create, payment_capture

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    buyer = users.create_user("load-buyer", email="load-buyer@example.com")
    seller = users.create_user("load-seller", email="load-seller@example.com")
    store = Store.objects.create(name="Load store", shipping_fee=0)
    store.sellers.add(seller)
    product = Product.objects.create(store=store, name="Thing", unit_price=1000)
    real_now = datetime.now(UTC)

    # The watched order: requested so that the seller may answer for one more hour.
    paid_at = real_now - timedelta(hours=71 + 25)
    checkout = checkout_create(buyer=buyer, items=[CheckoutItem(product.pk, 1, {})],
                               payment_method="e_wallet", now=paid_at)
    payment_capture(payment_id=checkout.payment.pk, buyer=buyer, now=paid_at)
    watched = checkout.orders.get()
    cancellation_request(order_id=watched.pk, user=buyer, reason="no_longer_needed",
                         report_supplier=False, now=real_now - timedelta(hours=71))

    # The load's orders: copies of a paid order row, two days old (the request is open).
    paid_at = real_now - timedelta(days=2)
    checkout = checkout_create(buyer=buyer, items=[CheckoutItem(product.pk, 1, {})],
                               payment_method="bank_card", now=paid_at)
    payment_capture(payment_id=checkout.payment.pk, buyer=buyer, now=paid_at)
    assert Payment.objects.get(checkout=checkout).state == "captured"
    template = checkout.orders.get()
    rows = [Order(checkout=checkout, store=store, buyer=buyer, state=template.state,
                  currency="USD", items_total=1000, shipping_fee=0, total=1000,
                  payment_method="bank_card", placed_at=paid_at, paid_at=paid_at,
                  ship_by=template.ship_by) for _ in range(count)]
    order_ids = [o.pk for o in Order.objects.bulk_create(rows, batch_size=1000)]
    return {"token": ApiToken.issue(buyer), "order_ids": order_ids,
            "watched_order_id": watched.pk}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
