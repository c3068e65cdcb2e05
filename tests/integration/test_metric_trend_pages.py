"""The seller's metrics with pictures: five rates with charts, thresholds and the platform's
median; every count opens exactly the orders behind it; the CSV (R30, R28)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from rescind.orders.models import Order
from tests.metric_history import MARCH, history_make


@pytest.fixture
def store_a_history(market):
    return history_make(market)


def _html(client, user, path: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == status, response.status_code
    return response.content.decode()


def _card(html: str, key: str) -> str:
    return re.search(rf'<article class="card metric" id="metric-{key}".*?</article>', html,
                     re.S).group(0)


def _listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-order-id="(\d+)">', html)]


def test_r30_seller_sees_each_rate_with_threshold_median_and_at_risk(client, market,
                                                                    store_a_history):
    html = _html(client, market.seller, f"/seller/metrics/?{MARCH}")
    card = _card(html, "cancellation_rate")
    # 2 of 7 paid orders: 28.6 %, above the 2 % threshold; the median of A (2/7) and B (1/1)
    assert '<strong class="metric-rate">28.6 %</strong>' in card
    assert ">At risk</span>" in card
    assert '<dd class="threshold">2 %</dd>' in card
    assert '<dd class="median">64.3 %</dd>' in card
    assert re.search(r'<a class="count" href="[^"]+">2 of 7 paid orders</a>', card)
    # and the chart has a bar per week and a threshold line; its caption says it in words
    assert card.count('<rect class="bar') == 3
    assert '<line class="threshold"' in card
    assert "the highest was 50 % in the week of" in card
    late = _card(html, "late_shipment_rate")
    assert '<strong class="metric-rate">14.3 %</strong>' in late
    assert ">Disputes lost</h2>" in html and ">At risk</span>" in html
    disputes = _card(html, "dispute_lost_rate")
    assert '<strong class="metric-rate">0 %</strong>' in disputes
    assert ">Within threshold</span>" in disputes
    # and the verdict at the top names the rates at risk
    assert "3 rates are above their thresholds:" in html


@pytest.mark.parametrize(("metric", "expected"), [
    ("cancellation_rate", "cancelled"), ("late_shipment_rate", "late"),
    ("shipment_cancellation_rate", "voided")])
def test_r30_every_count_opens_exactly_the_orders_behind_it(client, market, store_a_history,
                                                            metric, expected):
    html = _html(client, market.seller, f"/seller/metrics/?{MARCH}")
    card = _card(html, metric)
    count, href = re.search(r'<a class="count" href="([^"]+)">(\d+) of', card).group(2, 1)
    listing = _html(client, market.seller, href.replace("&amp;", "&"))
    # the page lists exactly those orders, as many as the count said, newest first
    assert sorted(_listed(listing)) == sorted(store_a_history[expected])
    assert len(_listed(listing)) == int(count)
    # and an independent recount from the orders themselves agrees
    recount = {
        "cancelled": Order.objects.filter(store=market.store, responsible_side="seller",
                                          close_reason__in=["cancelled_on_request",
                                                            "not_shipped_in_time"]),
        "late": Order.objects.filter(store=market.store, close_reason="not_shipped_in_time"),
        "voided": Order.objects.filter(store=market.store,
                                       timeline__kind="ShipmentCanceled").distinct(),
    }[expected]
    assert recount.count() == int(count)


def test_r30_weekly_counts_open_that_week_s_orders(client, market, store_a_history):
    html = _html(client, market.seller, f"/seller/metrics/?{MARCH}")
    card = _card(html, "cancellation_rate")
    weeks = re.findall(r'<td data-label="Orders"><a href="([^"]+)">(\d+)</a></td>'
                       r'<td data-label="Out of">(\d+)</td>', card)
    assert [(n, of) for _url, n, of in weeks] == [("2", "4"), ("0", "3"), ("0", "0")]
    first_week = _html(client, market.seller, weeks[0][0].replace("&amp;", "&"))
    assert sorted(_listed(first_week)) == sorted(store_a_history["cancelled"])
    assert "2 orders placed from" in first_week


def test_r30_csv_has_the_period_and_each_week_of_every_rate(client, market, store_a_history):
    client.force_login(market.seller)
    response = client.get(f"/seller/metrics/export.csv?{MARCH}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 5 * 4
    first = rows[0]
    assert {k: first[k] for k in ("store", "metric", "scope", "from", "to", "counted",
                                  "out_of", "percent", "threshold_percent",
                                  "platform_median_percent", "at_risk")} == {
        "store": "Store A", "metric": "cancellation_rate", "scope": "period",
        "from": "2026-03-02", "to": "2026-03-22", "counted": "2", "out_of": "7",
        "percent": "28.6", "threshold_percent": "2.0", "platform_median_percent": "64.3",
        "at_risk": "True"}
    assert [(r["from"], r["counted"], r["out_of"]) for r in rows[1:4]] == [
        ("2026-03-02", "2", "4"), ("2026-03-09", "0", "3"), ("2026-03-16", "0", "0")]


def test_r30_metrics_are_refused_to_buyers_and_other_stores(client, market, store_a_history):
    _html(client, market.buyer, "/seller/metrics/", status=403)
    _html(client, market.seller, f"/seller/metrics/?store={market.other_store.pk}", status=404)
    _html(client, market.seller,
          f"/seller/metrics/orders/?store={market.other_store.pk}&metric=cancellation_rate",
          status=404)
    _html(client, market.seller, "/seller/metrics/orders/?metric=nope", status=404)
    # support reads any store's page
    html = _html(client, market.support, f"/support/metrics/stores/{market.other_store.pk}/"
                 f"?{MARCH}")
    assert "Metrics of Store B" in html


def test_r30_a_period_over_a_year_falls_back_to_twelve_weeks_and_says_so(client, market):
    html = _html(client, market.seller, "/seller/metrics/?from=2024-01-01&to=2026-03-01")
    assert "Trends cover at most 53 weeks; choose a shorter period. Showing the last 12 weeks" \
        in html
    assert html.count('<rect class="bar') == 5 * 12


def test_r30_support_table_links_each_store_to_its_page_for_the_same_days(client, market,
                                                                         store_a_history):
    html = _html(client, market.support, "/support/metrics/?from=2026-03-02&to=2026-03-22")
    link = (f'<a href="/support/metrics/stores/{market.store.pk}/?from=2026-03-02&amp;'
            'to=2026-03-22">Store A</a>')
    assert link in html
    page = _html(client, market.support,
                 f"/support/metrics/stores/{market.store.pk}/?from=2026-03-02&to=2026-03-22")
    assert "Metrics of Store A" in page and '<strong class="metric-rate">28.6 %</strong>' in page


def test_r30_click_through_reads_a_constant_number_of_statements(
        client, market, store_a_history, django_assert_max_num_queries):
    client.force_login(market.seller)
    url = f"/seller/metrics/orders/?{MARCH}&metric=cancellation_rate"
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(3):
        history_make(market)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_listed(client.get(url).content.decode())) == 8


def test_r30_each_rate_is_compared_with_the_period_before(client, market, store_a_history):
    # the week after the three: nothing placed, so each rate has nothing to divide by, and the
    # period before it (the third week) had no orders either; the second week had 3 paid
    html = _html(client, market.seller, "/seller/metrics/?from=2026-03-16&to=2026-03-22")
    assert '<dd class="previous">0 %</dd>' in _card(html, "cancellation_rate")
    assert '<dd class="previous">33.3 %</dd>' in _card(html, "shipment_cancellation_rate")
    assert '<strong class="metric-rate">—</strong>' in _card(html, "cancellation_rate")
    assert ">Nothing to count yet</span>" in _card(html, "cancellation_rate")
