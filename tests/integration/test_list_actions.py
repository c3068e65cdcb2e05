"""Every action on an order list is a form or a link, never dead text (issue 13)."""

from __future__ import annotations

import re

from tests.conftest import T0


def _actions(html: str) -> list[str]:
    """Each action of the list as '<form ...>' or '<a ...>', its opening tag only."""
    return re.findall(r'<form method="post" action="[^"]+" class="inline action"[^>]*>'
                      r'|<a class="action secondary" role="button" href="[^"]+">', html)


def test_seller_list_actions_lead_to_where_the_order_page_does_them(client, market):
    # given: an unpaid order and a paid one in the seller's store
    unpaid = market.place(at=T0)
    paid = market.paid(at=T0)

    # when: the seller reads their list
    client.force_login(market.seller)
    html = client.get("/seller/orders/").content.decode()

    # then: "Lower the price" and "Ship" are links to the orders' pages, no dead text is left
    assert _actions(html) == [
        f'<a class="action secondary" role="button" href="/orders/{paid.pk}/#actions">',
        f'<a class="action secondary" role="button" href="/orders/{unpaid.pk}/#actions">',
    ]
    assert re.search(rf'href="/orders/{paid.pk}/#actions">Ship</a>', html)
    assert re.search(rf'href="/orders/{unpaid.pk}/#actions">Lower the price</a>', html)
    assert '<span class="action">' not in html


def test_buyer_list_pays_and_cancels_with_forms_that_ask_first(client, market):
    # given: the buyer's unpaid order
    order = market.place(at=T0)

    # when: the buyer reads their list
    client.force_login(market.buyer)
    html = client.get("/orders/").content.decode()

    # then: paying and cancelling are forms posted from the list, each with its question
    payment = order.checkout.payment
    assert _actions(html) == [
        f'<form method="post" action="/payments/{payment.pk}/pay/" class="inline action" '
        f'data-confirm="Pay $28.00 for order #{order.pk} by bank card?" '
        f'data-confirm-label="Pay $28.00">',
        f'<form method="post" action="/orders/{order.pk}/cancel/" class="inline action" '
        f'data-confirm="Cancel order #{order.pk}? Nothing has been charged for it. You can add '
        f'its items to your cart again afterwards." data-confirm-label="Cancel order">',
    ]
    assert '<input type="hidden" name="next" value="/orders/">' in html
