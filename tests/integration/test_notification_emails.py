"""What a notification e-mail says, through a real SMTP server on 127.0.0.1: a text part and an
HTML alternative, addressed to the reader, with the amount, where the money goes (the payment
method by its name), the dates, and a link to the order at the configured address (R24, R27)."""

from __future__ import annotations

import re

from rescind.aftersale.services import cancellation_approve
from rescind.refunds.models import Refund
from rescind.refunds.services import refund_submit
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_notifications import _deliver_queued, smtp  # noqa: F401

PUBLIC_URL = "http://127.0.0.1:8123"


def _message(mailbox, to: str, subject: str):
    found = [m for m in mailbox.messages if m["To"] == to and m["Subject"] == subject]
    assert len(found) == 1, [str(m["Subject"]) for m in mailbox.messages]
    return found[0]


def _parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    # SMTP carries lines ended by CRLF
    return (message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            message.get_body(("html",)).get_content().replace("\r\n", "\n"))


def _html_rows(html: str) -> list[tuple[str, str]]:
    """The (label, value) rows of the e-mail's facts table, as their HTML source."""
    return re.findall(r"<th scope=\"row\"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>", html)


def test_r24_refund_started_email_has_both_parts_amount_method_dates_and_link(
        market, smtp, settings):  # noqa: F811
    # given links configured to the address the server runs on, a store whose name needs
    # escaping in HTML, and a cancellation approved and sent to the payment provider
    settings.RESCIND_PUBLIC_URL = PUBLIC_URL
    market.store.name = "Tom & Jerry <Toys>"
    market.store.save()
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    refund = Refund.objects.get()
    refund_submit(refund_id=refund.pk, now=T0 + 2 * DAY + HOUR)
    refund.refresh_from_db()
    # when the notifications are delivered
    _deliver_queued(T0 + 3 * DAY)
    # then the buyer's "refund started" e-mail says it in plain text...
    subject = f"Your refund of $28.00 for order #{order.pk} has started"
    text, html = _parts(_message(smtp, "buyer@example.com", subject))
    link = f"{PUBLIC_URL}/orders/{order.pk}/"
    assert text == (
        "Hello buyer,\n\n"
        f"{subject}\n\n"
        "It goes back to the payment method you used for the order.\n\n"
        f"Order: #{order.pk} · Tom & Jerry <Toys>\n"
        "Items: Shirt × 2\n"
        "Refund: $28.00\n"
        "Refund to: Bank card\n"
        f"Payment provider's reference: {refund.gateway_reference}\n"
        "Date: Wed 4 Mar 2026, 11:00 UTC\n"
        "Refund arrives by, at the latest: Wed 25 Mar 2026, 10:00 UTC\n\n"
        f"See order #{order.pk}: {link}\n\n"
        "--\n"
        f"You receive this e-mail because you bought order #{order.pk} from Tom & Jerry "
        "<Toys>.\n")
    # ...and in HTML, the same facts, escaped, and the same link
    assert _html_rows(html) == [
        ("Order", f"#{order.pk} · Tom &amp; Jerry &lt;Toys&gt;"),
        ("Items", "Shirt × 2"),
        ("Refund", "$28.00"),
        ("Refund to", "Bank card"),
        ("Payment provider&#x27;s reference", refund.gateway_reference),
        ("Date", "Wed 4 Mar 2026, 11:00 UTC"),
        ("Refund arrives by, at the latest", "Wed 25 Mar 2026, 10:00 UTC"),
    ]
    assert f"<h1 style=\"{_h1_style(html)}\">{subject}</h1>" in html
    assert re.findall(r'href="([^"]+)"', html) == [link, link]
    assert "<Toys>" not in html


def _h1_style(html: str) -> str:
    return re.search(r'<h1 style="([^"]*)">', html).group(1)


def test_r24_r27_a_decision_that_refunds_gives_the_refund_to_the_buyer_in_their_words(
        market, smtp, settings):  # noqa: F811
    # given a request the seller leaves unanswered past its deadline, paid by e-wallet
    settings.RESCIND_PUBLIC_URL = PUBLIC_URL
    order = market.requested(at=T0, method="e_wallet")
    # when the platform approves it by itself and the notifications are delivered
    deadlines_fire_due(now=T0 + 97 * HOUR)
    _deliver_queued(T0 + 97 * HOUR)
    # then the buyer reads that the seller was silent, with the refund, its destination and its
    # latest arrival (7 days for an e-wallet)
    buyer_subject = (f"Order #{order.pk} was cancelled automatically: the seller did not "
                     "answer in time")
    text, html = _parts(_message(smtp, "buyer@example.com", buyer_subject))
    facts = ("Refund: $28.00\n"
             "Refund to: E-wallet\n"
             "Date: Fri 6 Mar 2026, 11:00 UTC\n"
             "Refund arrives by, at the latest: Fri 13 Mar 2026, 11:00 UTC\n")
    assert facts in text, text
    assert ("Refund to", "E-wallet") in _html_rows(html)
    # and the seller reads that they were silent, with the same facts and the same link
    seller_subject = (f"Order #{order.pk} was cancelled automatically: you did not answer the "
                      "request in time")
    text, html = _parts(_message(smtp, "seller@example.com", seller_subject))
    assert text.startswith(f"Hello seller,\n\n{seller_subject}\n\n")
    assert facts in text
    assert text.endswith(
        f"See order #{order.pk}: {PUBLIC_URL}/orders/{order.pk}/\n\n--\n"
        f"You receive this e-mail because you sell for {market.store.name}, the store of order "
        f"#{order.pk}.\n")
    assert re.findall(r'href="([^"]+)"', html) == [f"{PUBLIC_URL}/orders/{order.pk}/"] * 2
