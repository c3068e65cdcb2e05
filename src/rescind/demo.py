"""The demo marketplace: five stores, buyers, support, and ~28 orders at every step so far.

The stores sell in four currencies (issue 15): US dollars, euros, Brazilian reais and Japanese
yen (no minor unit), each order charged and refunded in its store's currency (R3, R21, R22).

Orders are driven through the real services at past instants, so each timeline reads as it
would have happened.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from rescind.aftersale.services import (
    cancellation_approve,
    cancellation_refuse,
    cancellation_request,
    order_ship,
)
from rescind.clock.service import now as clock_now
from rescind.coupons.models import Coupon
from rescind.orders.models import Carrier, Checkout, Order, Product, Store
from rescind.orders.services import (
    CheckoutItem,
    checkout_create,
    order_cancel_unpaid,
    order_lower_price,
    payment_capture,
)
from rescind.orders.shipping import carrier_event_record, order_confirm_receipt
from rescind.refunds.models import Refund
from rescind.refunds.services import refund_check, refund_submit
from rescind.scheduler import deadlines_fire_due

PASSWORD = "demo"
DEMO_LOGINS = [
    ("alice", "buyer", "orders at every step: cancel, request, refunds"),
    ("bob", "buyer", "a pending request and an order shipped over it"),
    ("carol", "buyer", "unpaid orders; one closed by timeout; a refund that failed for good"),
    ("sam", "seller · Sunrise Gadgets", "pending cancellation requests to answer"),
    ("tina", "seller · Tiny Threads", "orders to ship"),
    ("uma", "seller · Umbrella Home (EUR)", "an order not shipped in time"),
    ("bia", "seller · Casa Aurora (BRL)", "a cancellation request in reais to answer"),
    ("ken", "seller · Sakura Stationery (JPY)", "orders in yen to ship; a refund in yen"),
    ("support", "support (admin)", "/admin/ for raw data; overdue refunds in the inbox"),
    ("carrier", "carrier · Cainiao", "API only: POST /api/v1/carrier/events"),
]

# (store, seller, currency, shipping fee, [(product, price, options)]); amounts in the minor
# units of the store's currency: cents, centavos, and whole yen.
STORES = [
    ("Sunrise Gadgets", "sam", "USD", 499, [
        ("Wireless earbuds", 2999, {"colour": ["black", "white"]}),
        ("Phone case", 899, {"colour": ["red", "blue", "clear"], "model": ["A15", "S24"]}),
    ]),
    ("Tiny Threads", "tina", "USD", 350, [
        ("Cotton T-shirt", 1250, {"colour": ["white", "navy"], "size": ["S", "M", "L"]}),
        ("Wool socks", 675, {"size": ["36-39", "40-44"]}),
    ]),
    ("Umbrella Home", "uma", "EUR", 0, [
        ("Ceramic mug", 1100, {}),
        ("Desk lamp", 4590, {"colour": ["black", "brass"]}),
    ]),
    ("Casa Aurora", "bia", "BRL", 1290, [
        ("Linen hammock", 18990, {"colour": ["sand", "indigo"]}),
        ("Coffee beans 500 g", 4590, {}),
    ]),
    ("Sakura Stationery", "ken", "JPY", 500, [
        ("Fountain pen", 3500, {"nib": ["fine", "medium"]}),
        ("Washi notebook", 1200, {}),
    ]),
]
# Where each buyer's orders go (R1), shown on their order pages.
ADDRESSES = {
    "alice": {"recipient": "Alice Martin", "line1": "12 Rue des Lilas", "city": "Paris",
              "postal_code": "75011", "country": "France", "phone": "+33 6 12 34 56 78"},
    "bob": {"recipient": "Bob Okafor", "line1": "48 Harbour Street", "line2": "Flat 3",
            "city": "Liverpool", "postal_code": "L1 8JQ", "country": "United Kingdom"},
    "carol": {"recipient": "Carol Nowak", "line1": "ul. Długa 7", "city": "Gdańsk",
              "postal_code": "80-827", "country": "Poland"},
}


def _user(username: str, **extra):
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=PASSWORD,
                                          email=f"{username}@example.com", **extra)
    return user


def demo_present() -> bool:
    return get_user_model().objects.filter(username="alice").exists()


def demo_seed(now: datetime | None = None) -> bool:
    """Create the demo marketplace unless it exists. Returns whether it created it."""
    if demo_present():
        return False
    now = now or clock_now()
    with transaction.atomic():
        products = _catalogue()
        buyers = {name: _user(name) for name in ("alice", "bob", "carol")}
        _user("support", is_staff=True, is_superuser=True)
        Carrier.objects.create(name="Cainiao").accounts.add(_user("carrier"))
        Carrier.objects.create(name="YunExpress")  # known, so sellers can pick it (issue 14)
        for code, amount in (("WELCOME5", 500), ("SPRING10", 1000)):
            Coupon.objects.create(code=code, kind="platform", amount=amount,
                                  owner=buyers["alice"], expires_at=now + timedelta(days=60))
        Coupon.objects.create(code="SUNRISE3", kind="seller", amount=300,
                              store=Store.objects.get(name="Sunrise Gadgets"),
                              owner=buyers["bob"], expires_at=now + timedelta(days=30))
        Coupon.objects.create(code="THREADS", kind="promo", amount=150,
                              store=Store.objects.get(name="Tiny Threads"),
                              expires_at=now + timedelta(days=90))
    _orders(now, buyers, products)
    return True


def _catalogue() -> dict[str, Product]:
    products = {}
    for store_name, seller_name, currency, shipping, items in STORES:
        store = Store.objects.create(name=store_name, currency=currency, shipping_fee=shipping)
        store.sellers.add(_user(seller_name))
        for name, price, choices in items:
            products[name] = Product.objects.create(store=store, name=name, unit_price=price,
                                                    currency=currency, option_choices=choices)
    return products


def _buy(buyer, products, *names, at: datetime, method: str = "bank_card",
         coupons: tuple[str, ...] = (), instrument: str = "") -> Checkout:
    items = [CheckoutItem(products[n].pk, 1, {k: v[0] for k, v in
                                                products[n].option_choices.items()})
             for n in names]
    return checkout_create(buyer=buyer, items=items, payment_method=method, now=at,
                           coupon_codes=coupons, payment_instrument=instrument,
                           delivery=ADDRESSES[buyer.username])


def _paid(buyer, products, *names, at: datetime, method: str = "bank_card",
          coupons: tuple[str, ...] = (), instrument: str = ""):
    checkout = _buy(buyer, products, *names, at=at, method=method, coupons=coupons,
                    instrument=instrument)
    payment_capture(payment_id=checkout.payment.pk, buyer=buyer, now=at + timedelta(minutes=5))
    return list(checkout.orders.order_by("pk"))


def _orders(now: datetime, buyers: dict, products: dict[str, Product]) -> None:
    alice, bob, carol = buyers["alice"], buyers["bob"], buyers["carol"]
    day = timedelta(days=1)
    sam, tina = (Store.objects.get(name=n).sellers.get() for n in ("Sunrise Gadgets",
                                                                   "Tiny Threads"))
    # Awaiting payment: one checkout over two stores (R1), and one the seller discounted (R6).
    _buy(alice, products, "Wireless earbuds", "Cotton T-shirt", at=now - timedelta(hours=2))
    discounted = _buy(carol, products, "Desk lamp", at=now - 2 * day).orders.get()
    order_lower_price(order_id=discounted.pk, user=discounted.store.sellers.get(),
                      new_total=3990, note="Sorry for the wait: 6.00 off.", now=now - day)
    # Unpaid: one about to time out, one timed out (fired below), one cancelled by the buyer.
    _buy(carol, products, "Ceramic mug", at=now - 19 * day - timedelta(hours=20))
    _buy(carol, products, "Wool socks", at=now - 21 * day)
    cancelled = _buy(alice, products, "Phone case", at=now - 3 * day).orders.get()
    order_cancel_unpaid(order_id=cancelled.pk, user=alice, now=now - 3 * day + timedelta(hours=1))
    # Paid just now (cancel opens in 24 h) and paid two days ago (cancel available).
    _paid(alice, products, "Wool socks", at=now - timedelta(hours=3), method="e_wallet")
    _paid(bob, products, "Cotton T-shirt", at=now - 2 * day)
    # Pending requests: one fresh, one the seller has left for 70 hours.
    for buyer, name, hours in ((alice, "Wireless earbuds", 5), (bob, "Phone case", 70)):
        order = _paid(buyer, products, name, at=now - 4 * day)[0]
        cancellation_request(order_id=order.pk, user=buyer, reason="found_better_price",
                             report_supplier=False, now=now - timedelta(hours=hours))
    # Refused, approved (refund on its way), and approved long ago (refund arrived).
    order = _paid(alice, products, "Cotton T-shirt", at=now - 5 * day)[0]
    cancellation_request(order_id=order.pk, user=alice, reason="seller_too_slow",
                         report_supplier=True, now=now - 3 * day)
    cancellation_refuse(order_id=order.pk, user=tina, note="It is packed and leaves tomorrow.",
                        now=now - 2 * day)
    order = _paid(alice, products, "Phone case", at=now - 4 * day, method="e_wallet")[0]
    cancellation_request(order_id=order.pk, user=alice, reason="ordered_wrong_item",
                         report_supplier=False, now=now - 2 * day)
    cancellation_approve(order_id=order.pk, user=sam, note="No problem.", now=now - day)
    order = _paid(bob, products, "Wireless earbuds", at=now - 20 * day, method="e_wallet")[0]
    cancellation_request(order_id=order.pk, user=bob, reason="no_longer_needed",
                         report_supplier=False, now=now - 18 * day)
    cancellation_approve(order_id=order.pk, user=sam, note="", now=now - 17 * day)
    # Paid with the sandbox's expired card: the approved refund fails for good (R23), for
    # carol to renew the card and support to retry.
    order = _paid(carol, products, "Desk lamp", at=now - 4 * day, instrument="expired_card")[0]
    cancellation_request(order_id=order.pk, user=carol, reason="no_longer_needed",
                         report_supplier=False, now=now - 2 * day)
    cancellation_approve(order_id=order.pk, user=order.store.sellers.get(), note="",
                         now=now - day)
    # Shipped; and shipped while a request was pending (R14).
    order = _paid(alice, products, "Wool socks", at=now - 3 * day)[0]
    order_ship(order_id=order.pk, user=tina, carrier="Cainiao", tracking_number="LP00412345678",
               now=now - day)
    order = _paid(bob, products, "Cotton T-shirt", at=now - 4 * day)[0]
    cancellation_request(order_id=order.pk, user=bob, reason="no_longer_needed",
                         report_supplier=False, now=now - 2 * day)
    order_ship(order_id=order.pk, user=tina, carrier="YunExpress",
               tracking_number="YT2291034455", now=now - day)
    # A platform coupon over two stores; one of its orders cancelled, so it stays spent (R25).
    first, _second = _paid(alice, products, "Phone case", "Wool socks", at=now - 3 * day,
                           coupons=("SPRING10",))
    cancellation_request(order_id=first.pk, user=alice, reason="found_better_price",
                         report_supplier=False, now=now - day)
    cancellation_approve(order_id=first.pk, user=sam, note="", now=now - day)
    # After shipment: delivered, completed, and a parcel the carrier dropped (R15, R16).
    carrier = get_user_model().objects.get(username="carrier")
    for buyer, tracking, events in ((bob, "LP00900000001", ("delivered",)),
                                    (carol, "LP00900000002", ("delivered",)),
                                    (alice, "LP00900000003", ("tracking_invalid",))):
        order = _paid(buyer, products, "Wireless earbuds", at=now - 8 * day)[0]
        order_ship(order_id=order.pk, user=sam, carrier="Cainiao", tracking_number=tracking,
                   now=now - 6 * day)
        for event in events:
            carrier_event_record(user=carrier, tracking_number=tracking, event=event,
                                 now=now - 2 * day)
    completed = Order.objects.get(shipments__tracking_number="LP00900000002")
    order_confirm_receipt(order_id=completed.pk, user=carol, now=now - day)
    # Paid 12 days ago and never shipped: closes for the seller's fault (R12) when fired below.
    _paid(bob, products, "Ceramic mug", at=now - 12 * day)
    # Paid, then the seller stays silent past 72 h: approved automatically when fired below.
    order = _paid(carol, products, "Desk lamp", at=now - 6 * day)[0]
    cancellation_request(order_id=order.pk, user=carol, reason="out_of_stock",
                         report_supplier=False, now=now - 4 * day)
    _other_currencies(now, buyers, products)
    _settle_history(now)


def _other_currencies(now: datetime, buyers: dict, products: dict[str, Product]) -> None:
    """Orders in reais and in yen: a request waiting for the seller, an approved cancellation
    refunded in yen (R21, R22), one to ship and one shipped."""
    alice, bob, carol = buyers["alice"], buyers["bob"], buyers["carol"]
    day = timedelta(days=1)
    ken = Store.objects.get(name="Sakura Stationery").sellers.get()
    order = _paid(alice, products, "Linen hammock", at=now - 3 * day)[0]
    cancellation_request(order_id=order.pk, user=alice, reason="found_better_price",
                         report_supplier=False, now=now - timedelta(hours=20))
    order = _paid(bob, products, "Coffee beans 500 g", "Linen hammock", at=now - 5 * day)[0]
    order_ship(order_id=order.pk, user=order.store.sellers.get(), carrier="Cainiao",
               tracking_number="LP00700000001", now=now - 2 * day)
    order = _paid(carol, products, "Fountain pen", at=now - 4 * day)[0]
    cancellation_request(order_id=order.pk, user=carol, reason="ordered_wrong_item",
                         report_supplier=False, now=now - 2 * day)
    cancellation_approve(order_id=order.pk, user=ken, note="No problem.", now=now - day)
    _paid(bob, products, "Washi notebook", "Fountain pen", at=now - day, method="e_wallet")


def _settle_history(now: datetime) -> None:
    """Let the platform act up to `now`: fire due deadlines, start and follow refunds."""
    for _ in range(30):
        # Refunds first: each was sent an hour after its decision, before its start deadline
        # (R23) could fire (a pass fires only the deadlines due when it began).
        pending = list(Refund.objects.filter(state="pending"))
        for refund in pending:
            refund_submit(refund_id=refund.pk, now=refund.created_at + timedelta(hours=1))
        fired = deadlines_fire_due(now=now)
        for refund in Refund.objects.filter(state="processing"):
            refund_check(refund_id=refund.pk, now=now)
        if not fired and not pending:
            break
