"""What keeps open pages true (issue 13): the server's time on every htmx response, and the
running deadlines of the orders a page shows, for its reader only, in one statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rescind.orders.models import Deadline
from rescind.orders.reads import DEADLINE_LABELS
from tests.conftest import DAY, T0


def _running(order) -> list[list[str]]:
    return [[kind, due.isoformat()] for kind, due in order.deadlines.filter(
        fired_at__isnull=True, voided_at__isnull=True).order_by("due_at").values_list(
        "kind", "due_at") if kind in DEADLINE_LABELS]


def test_r2_live_deadlines_answers_the_readers_orders_running_deadlines(client, market):
    # given: the buyer's unpaid order, their paid one, and another buyer's order
    unpaid = market.place(at=T0)
    paid = market.paid(at=T0)
    foreign = market.place(at=T0, buyer=market.other_buyer, product=market.other_product,
                           quantity=1)
    asked = f"/live/deadlines/?order={unpaid.pk}&order={paid.pk}&order={foreign.pk}"

    # when: the buyer asks about the three
    client.force_login(market.buyer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(asked)

    # then: their own orders' running deadlines come back, nothing of the other order
    assert response.status_code == 200
    answer = response.json()
    assert answer["deadlines"] == {
        str(unpaid.pk): [["unpaid_timeout", (T0 + 20 * DAY).isoformat()]],
        str(paid.pk): _running(paid),
        str(foreign.pk): [],
    }
    assert [kind for kind, _ in answer["deadlines"][str(paid.pk)]] == ["handling_time"]
    assert response["Cache-Control"] == "no-store"
    # and: it cost the session, the user, the reader's language and time zone, and one
    # statement for the deadlines
    assert len(queries) == 4

    # when: the other order's seller asks, and support
    client.force_login(market.other_seller)
    seller_answer = client.get(asked).json()["deadlines"]
    client.force_login(market.support)
    support_answer = client.get(asked).json()["deadlines"]

    # then: the seller sees their store's order only; support sees every order
    foreign_running = [["unpaid_timeout", (T0 + 20 * DAY).isoformat()]]
    assert seller_answer == {str(unpaid.pk): [], str(paid.pk): [],
                             str(foreign.pk): foreign_running}
    assert support_answer == {**answer["deadlines"], str(foreign.pk): foreign_running}


def test_r2_live_deadlines_drops_a_deadline_once_it_fired(client, market):
    # given: an unpaid order whose timeout the platform acted on
    order = market.place(at=T0)
    Deadline.objects.filter(order=order).update(fired_at=T0 + 20 * DAY)

    # when: the buyer asks
    client.force_login(market.buyer)
    answer = client.get(f"/live/deadlines/?order={order.pk}").json()

    # then: nothing runs any more
    assert answer["deadlines"] == {str(order.pk): []}


def test_live_deadlines_refuses_bad_input_and_strangers_with_a_clear_error(client, market):
    # given: nobody logged in
    # when / then: asking is refused with a code and a message
    response = client.get("/live/deadlines/?order=1")
    assert (response.status_code, response.json()) == (401, {
        "code": "not_logged_in", "message": "Log in to see your orders.", "details": {}})

    # given: the buyer logged in
    client.force_login(market.buyer)
    # when / then: no order, a word, too many orders: 400 bad_orders
    for query in ("", "?order=abc", "?order=-1", "?" + "&".join(["order=1"] * 201)):
        response = client.get(f"/live/deadlines/{query}")
        assert (response.status_code, response.json()["code"]) == (400, "bad_orders"), query
    assert response.json()["message"] == "Give 1 to 200 order numbers as ?order=1&order=2."
    # and: it only answers GET
    assert client.post("/live/deadlines/?order=1").status_code == 405


def test_r2_every_htmx_response_carries_the_servers_time_of_the_demo_clock(
        client, market, settings):
    from rescind.clock.service import clock_advance, now

    # given: demo mode with the clock three days ahead
    settings.DEMO_MODE = True
    clock_advance(by=timedelta(days=3))
    client.force_login(market.buyer)

    # when: a page is swapped in by htmx, and when it is loaded in full
    swapped = client.get("/orders/", headers={"HX-Request": "true"})
    full = client.get("/orders/")

    # then: the swap carries the server's time, three days ahead of real time; the full page
    # has it in <body data-now> instead
    sent = datetime.fromisoformat(swapped["X-Rescind-Now"])
    assert abs(sent - now()) < timedelta(seconds=5)
    assert abs(sent - datetime.now(UTC) - timedelta(days=3)) < timedelta(seconds=5)
    assert "X-Rescind-Now" not in full
    assert 'data-now="' in full.content.decode()
