"""The Django admin shows the ledgers and never changes them: orders, payments, cancellation and
change requests, disputes and refunds change only through the services (R10-R14, R18-R23,
R29). Amounts read as money, models by readable names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import HOUR, T0

LEDGERS = [
    ("rescind_orders", "order"),
    ("rescind_orders", "payment"),
    ("rescind_aftersale", "cancellationrequest"),
    ("rescind_aftersale", "changerequest"),
    ("rescind_disputes", "dispute"),
    ("rescind_refunds", "refund"),
]


@pytest.fixture
def ledgers(market) -> dict[str, int]:
    """One row of each ledger, on orders of 2 x 6.99 USD with no shipping fee (13.98 USD)."""
    from rescind.aftersale.changes import change_request
    from rescind.aftersale.services import cancellation_approve, order_ship
    from rescind.disputes.services import dispute_open
    from rescind.domain.changes import LineChange
    from rescind.orders.models import Product

    cup = Product.objects.create(store=market.other_store, name="Cup", unit_price=699)
    refunded = market.requested(at=T0, product=cup)
    cancellation_approve(order_id=refunded.pk, user=market.other_seller, now=T0 + 26 * HOUR)
    changed = market.paid(at=T0, product=cup)
    change_request(order_id=changed.pk, user=market.buyer, now=T0 + HOUR,
                   changes=[LineChange(line=1, quantity=1)])
    disputed = market.paid(at=T0, product=cup)
    order_ship(order_id=disputed.pk, user=market.other_seller, carrier="DHL",
               tracking_number="T-1", now=T0 + HOUR)
    dispute = dispute_open(order_id=disputed.pk, user=market.buyer, reason="damaged", claim=1398,
                           return_item=False, description="", evidence=[], now=T0 + 2 * HOUR)
    return {"order": refunded.pk, "payment": refunded.checkout.payment.pk,
            "cancellationrequest": refunded.cancellation_requests.get().pk,
            "changerequest": changed.change_requests.get().pk, "dispute": dispute.pk,
            "refund": refunded.refunds.get().pk}


@pytest.fixture
def superuser_client(client, market):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    return client


def _rows() -> dict:
    from rescind.aftersale.models import CancellationRequest, ChangeRequest
    from rescind.disputes.models import Dispute
    from rescind.orders.models import Order, Payment
    from rescind.refunds.models import Refund

    return {model.__name__: list(model.objects.order_by("pk").values())
            for model in (Order, Payment, CancellationRequest, ChangeRequest, Dispute, Refund)}


@pytest.mark.parametrize(("app", "model"), LEDGERS)
def test_r29_the_admin_offers_no_way_to_add_change_or_delete_a_ledger_row(
        superuser_client, ledgers, app, model):
    # given a row of the ledger, and a superuser in the admin
    pk = ledgers[model]
    before = _rows()
    changelist = superuser_client.get(reverse(f"admin:{app}_{model}_changelist"))
    page = superuser_client.get(reverse(f"admin:{app}_{model}_change", args=[pk]))
    # when they try to add, save and delete rows
    add = superuser_client.get(reverse(f"admin:{app}_{model}_add"))
    added = superuser_client.post(reverse(f"admin:{app}_{model}_add"), {})
    saved = superuser_client.post(reverse(f"admin:{app}_{model}_change", args=[pk]),
                                  {"state": "closed", "_save": "Save"})
    delete = superuser_client.get(reverse(f"admin:{app}_{model}_delete", args=[pk]))
    deleted = superuser_client.post(reverse(f"admin:{app}_{model}_delete", args=[pk]),
                                    {"post": "yes"})
    # then the list and the row show, with no add link, save button or delete link,
    # every attempt is refused, and nothing changed
    assert (changelist.status_code, page.status_code) == (200, 200)
    assert reverse(f"admin:{app}_{model}_add") not in changelist.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert reverse(f"admin:{app}_{model}_delete", args=[pk]) not in page.content.decode()
    assert [add.status_code, added.status_code, saved.status_code, delete.status_code,
            deleted.status_code] == [403, 403, 403, 403, 403]
    assert _rows() == before


@pytest.mark.parametrize(("app", "model", "column"), [
    ("rescind_refunds", "refund", "Amount"),
    ("rescind_orders", "order", "Total charged"),
    ("rescind_orders", "payment", "Amount"),
    ("rescind_aftersale", "changerequest", "Price before"),
    ("rescind_disputes", "dispute", "Claim"),
])
def test_r3_the_admin_shows_amounts_as_money_not_cents(superuser_client, ledgers, app, model,
                                                       column):
    # given 13.98 USD refunded, charged, paid, asked to change and claimed
    # when the superuser opens the list and the row
    listed = superuser_client.get(reverse(f"admin:{app}_{model}_changelist")).content.decode()
    shown = superuser_client.get(reverse(f"admin:{app}_{model}_change",
                                         args=[ledgers[model]])).content.decode()
    # then both read 13.98 USD under a plain heading, and never the bare 1398 cents
    assert column in listed
    assert "13.98 USD" in listed
    assert "13.98 USD" in shown
    assert ">1398<" not in listed + shown


def test_the_admin_names_apps_and_models_readably(superuser_client, ledgers):
    # when the superuser opens the admin's index and an order
    index = superuser_client.get(reverse("admin:index")).content.decode()
    order = superuser_client.get(reverse("admin:rescind_orders_order_change",
                                         args=[ledgers["order"]])).content.decode()
    # then apps and models read as words, and the change of a 13.98 USD line shows as money
    for name in ("Cancellation and change requests", "Disputes", "Refunds", "Orders",
                 "Cancellation requests", "Change requests"):
        assert name in index
    assert "Rescind_" not in index
    assert "Timeline entries" in order
    assert "entrys" not in order
    assert "6.99 USD" in order  # the line's unit price

