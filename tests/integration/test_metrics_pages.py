"""The store metrics pages: a seller's own stores, support's sortable table of every store, the
period picker (R30, R28)."""

from __future__ import annotations

import re

from rescind.aftersale.services import cancellation_approve
from tests.conftest import DAY, T0

MARCH = "from=2026-03-01&to=2026-03-31"


def _html(client, user, path: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == status
    return response.content.decode()


def _store_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-store-id="\d+">\s*<td><a href="/support/metrics/stores/\d+/[^"]*">'
                      r'([^<]+)</a></td>', html)


def _given_a_seller_cancellation_in_a_and_two_orders_in_b(market) -> None:
    order = market.requested(at=T0, reason="out_of_stock")
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    for _ in range(2):
        market.paid(at=T0, product=market.other_product)


def test_r30_seller_dashboard_shows_only_their_stores_with_the_rate_spelled_out(client, market):
    _given_a_seller_cancellation_in_a_and_two_orders_in_b(market)
    html = _html(client, market.seller, f"/seller/metrics/?{MARCH}")
    assert "Store A: orders placed from" in html and "Store B" not in html
    assert '<strong class="metric-rate">100 %</strong>' in html
    assert re.search(r'<a class="count" href="[^"]+">1 of 1 paid orders</a>', html)
    assert 'value="2026-03-01"' in html and 'value="2026-03-31"' in html
    assert 'href="/seller/metrics/"' in html  # the nav link


def test_r30_support_sees_every_store_and_sorts_by_clicking_a_column(client, market):
    _given_a_seller_cancellation_in_a_and_two_orders_in_b(market)
    html = _html(client, market.support, f"/support/metrics/?{MARCH}")
    assert _store_rows(html) == ["Store A", "Store B"]
    assert 'href="/support/metrics/"' in html
    # the "Orders" heading links to the largest first, and following it sorts so
    link = re.search(r'<a href="([^"]+)" data-sort="orders">', html).group(1).replace(
        "&amp;", "&")
    assert link == f"?{MARCH}&sort=orders&order=desc"
    assert _store_rows(_html(client, market.support, f"/support/metrics/{link}")) == [
        "Store B", "Store A"]
    ascending = _html(client, market.support, f"/support/metrics/?{MARCH}&sort=orders&order=asc")
    assert _store_rows(ascending) == ["Store A", "Store B"]


def test_r30_metrics_pages_refuse_those_they_are_not_for(client, market):
    _html(client, market.buyer, "/seller/metrics/", status=403)
    _html(client, market.buyer, "/support/metrics/", status=403)
    _html(client, market.seller, "/support/metrics/", status=403)
    assert 'href="/seller/metrics/"' not in _html(client, market.buyer, "/orders/")


def test_r30_a_bad_period_falls_back_to_the_last_12_weeks_and_says_so(client, market):
    html = _html(client, market.seller, "/seller/metrics/?from=2026-03-31&to=2026-03-01")
    assert "The period must not end before it starts. Showing the last 12 weeks instead." in html
    assert "Store A: orders placed from" in html
    html = _html(client, market.support, "/support/metrics/?from=2026-03-31&to=2026-03-01")
    assert "The period must not end before it starts. Showing the last 30 days instead." in html
