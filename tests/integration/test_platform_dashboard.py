"""Support's platform dashboard: refund arrival time per method against its deadline,
cancellations by reason and side, and the sellers at risk (R8, R23, R30, R28)."""

from __future__ import annotations

import re

from rescind.aftersale.services import cancellation_approve
from rescind.domain.metrics import Period
from rescind.metrics.platform import platform_dashboard
from rescind.refunds.models import Refund
from tests.conftest import DAY, HOUR, T0
from tests.metric_history import MARCH, history_make

PERIOD = Period(T0.date(), (T0 + 20 * DAY).date())


def _arrive(refund: Refund, *, after) -> None:
    """The provider reports the refund arrived `after` its decision (as the daily check does)."""
    Refund.objects.filter(pk=refund.pk).update(state="succeeded",
                                               arrived_at=refund.created_at + after)


def _given_refunds_arrived(market) -> list[Refund]:
    """Three e-wallet refunds arriving after 1, 3 and 9 days (the deadline is 7), and one bank
    card refund after 16 working days (its deadline is 15)."""
    refunds = []
    for n, days in enumerate((1, 3, 9)):
        order = market.requested(at=T0 + n * HOUR, method="e_wallet", reason="out_of_stock")
        cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
        refund = Refund.objects.get(order=order)
        _arrive(refund, after=days * DAY)
        refunds.append(refund)
    return refunds


def test_r23_arrival_histogram_per_method_with_the_deadline(market):
    _given_refunds_arrived(market)
    board = platform_dashboard(PERIOD)
    wallet = next(h for h in board.arrivals if h.method == "e_wallet")
    assert (wallet.arrived, wallet.on_time, wallet.late, wallet.median) == (3, 2, 1, 3.0)
    assert wallet.deadline.amount == 7 and not wallet.deadline.working
    assert [(b.low, b.high, b.count) for b in wallet.bins] == [
        (0, 1, 0), (1, 2, 1), (2, 3, 0), (3, 4, 1), (4, 5, 0), (5, 6, 0), (6, 7, 0), (7, 8, 0),
        (8, 9, 0), (9, 10, 1), (10, 11, 0), (11, 12, 0), (12, 13, 0), (13, 14, 0),
        (14, None, 0)]
    assert wallet.marker_after == 7
    card = next(h for h in board.arrivals if h.method == "bank_card")
    assert (card.arrived, card.deadline.amount, card.deadline.working) == (0, 15, True)
    assert [(b.low, b.high) for b in card.bins][:3] == [(0, 3), (3, 6), (6, 9)]
    assert card.marker_after == 5


def test_r8_r30_dashboard_page_shows_reasons_sides_and_sellers_at_risk(client, market):
    history_make(market)
    client.force_login(market.support)
    html = client.get(f"/support/dashboard/?{MARCH}").content.decode()
    # cancellations: out of stock (A), too slow (B) and not shipped in time (A) against the
    # seller, no longer needed against the buyer
    reasons = re.findall(r'<tr><th scope="row" data-label="Reason">([^<]+)</th>'
                         r'<td data-label="Side">(\w+)</td><td data-label="Orders">(\d+)</td>',
                         html)
    assert sorted(reasons) == sorted([
        ("The item is out of stock", "Seller", "1"), ("I no longer need it", "Buyer", "1"),
        ("The seller is taking too long to ship", "Seller", "1"),
        ("Not shipped within the handling time", "Seller", "1")])
    assert "Buyer: 1 (25 %); Seller: 3 (75 %); Platform: 0 (0 %)" in html
    # both stores are at risk, each linking to its own metrics for the same days
    rows = [(name, url.replace("&amp;", "&")) for name, url in re.findall(
        r'<tr data-store="([^"]+)"><th scope="row" data-label="Store"><a href="([^"]+)">', html)]
    assert rows == [
        ("Store A", f"/support/metrics/stores/{market.store.pk}/?{MARCH}"),
        ("Store B", f"/support/metrics/stores/{market.other_store.pk}/?{MARCH}")]
    assert "Cancellation rate: 28.6 % (threshold 2 %)" in html
    assert "Late shipments: 14.3 % (threshold 4 %)" in html
    assert "Cancellation rate: 100 % (threshold 2 %)" in html


def test_r23_dashboard_page_shows_arrivals_in_words(client, market):
    _given_refunds_arrived(market)
    client.force_login(market.support)
    html = client.get("/support/dashboard/?from=2026-03-02&to=2026-03-22").content.decode()
    card = re.search(r'<article class="card metric" data-method="e_wallet">.*?</article>', html,
                     re.S).group(0)
    assert ("2 of 3 arrived refunds within the deadline of 7 days; half took 3 days or less."
            in card)
    assert '<strong class="metric-rate">66.7 %</strong>' in card
    assert '<span class="badge badge-danger">1 late</span>' in card
    assert '<line class="marker"' in card and ">Deadline</text>" in card
    assert "9 days · late</th><td data-label=\"Refunds\">1</td>" in card
    assert "14 days or more" in card


def test_r30_dashboard_is_for_support_only(client, market):
    client.force_login(market.seller)
    assert client.get("/support/dashboard/").status_code == 404
