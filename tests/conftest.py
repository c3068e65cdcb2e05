"""Shared test fixtures: a small marketplace and builders that drive orders through the real
services at chosen instants."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from tests.citus_cluster import CITUS_URL, citus_settings_apply

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + ORM (TESTING-NOTES)
# The `rescind worker` and `rescind serve` processes some tests start refuse the built-in key
# outside demo mode (rescind.E001); they inherit this one.
os.environ.setdefault("RESCIND_SECRET_KEY", "test-only-key-" + "x" * 50)

# Monday 2 March 2026, 10:00 UTC: no US holiday within three weeks either side.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class Market:
    """Two buyers, two stores with a seller each, a support user, and a product per store."""

    buyer: object
    other_buyer: object
    seller: object
    other_seller: object
    support: object
    store: object
    other_store: object
    product: object  # in `store`: 12.50 USD, colour red|blue
    other_product: object  # in `other_store`: 7.25 USD, no options
    orders: list = field(default_factory=list)

    def place(self, *, at: datetime = T0, buyer=None, method: str = "bank_card",
              quantity: int = 2, product=None, instrument: str = "", delivery=None):
        """One unpaid order in `store` (2 x 12.50 + 3.00 shipping = 28.00 USD); `instrument`
        names a sandbox test instrument (e.g. expired_card: its refunds fail for good);
        `delivery` the address given at checkout."""
        from rescind.orders.services import CheckoutItem, checkout_create

        product = product or self.product
        options = {k: v[0] for k, v in product.option_choices.items()}
        extra = {"payment_instrument": instrument} if instrument else {}
        if delivery is not None:
            extra["delivery"] = delivery
        checkout = checkout_create(buyer=buyer or self.buyer,
                                   items=[CheckoutItem(product.pk, quantity, options)],
                                   payment_method=method, now=at, **extra)
        return checkout.orders.get()

    def paid(self, *, at: datetime = T0, method: str = "bank_card", **kwargs):
        """An order placed and paid at `at`."""
        from rescind.orders.services import payment_capture

        order = self.place(at=at, method=method, **kwargs)
        payment_capture(payment_id=order.checkout.payment.pk, buyer=order.buyer, now=at)
        order.refresh_from_db()
        return order

    def requested(self, *, at: datetime = T0, reason: str = "no_longer_needed",
                  report_supplier: bool = False, **kwargs):
        """An order paid at `at` with a cancellation request made 25 hours later."""
        from rescind.aftersale.services import cancellation_request

        order = self.paid(at=at, **kwargs)
        cancellation_request(order_id=order.pk, user=order.buyer, reason=reason,
                             report_supplier=report_supplier, now=at + 25 * HOUR)
        order.refresh_from_db()
        return order


def _make_market():
    from django.contrib.auth import get_user_model

    from rescind.orders.models import Product, Store

    users = get_user_model().objects
    buyer = users.create_user("buyer", password="pw", email="buyer@example.com")
    other_buyer = users.create_user("other_buyer", password="pw")
    seller = users.create_user("seller", password="pw", email="seller@example.com")
    other_seller = users.create_user("other_seller", password="pw")
    support = users.create_user("support", password="pw", is_staff=True)
    store = Store.objects.create(name="Store A", shipping_fee=300)
    store.sellers.add(seller)
    other_store = Store.objects.create(name="Store B", shipping_fee=0)
    other_store.sellers.add(other_seller)
    product = Product.objects.create(store=store, name="Shirt", unit_price=1250,
                                     option_choices={"colour": ["red", "blue"]})
    other_product = Product.objects.create(store=other_store, name="Mug", unit_price=725)
    return Market(buyer, other_buyer, seller, other_seller, support, store, other_store,
                  product, other_product)


if CITUS_URL:
    citus_settings_apply()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database; on Citus (RESCIND_TEST_CITUS_URL), distributed once
    migrated. A root fixture of the same name, so that it wraps pytest-django's own."""
    if not CITUS_URL:
        yield
        return
    from tests.citus_cluster import database_distribute, worker_databases_drop

    with django_db_blocker.unblock():
        database_distribute()
    yield
    with django_db_blocker.unblock():
        worker_databases_drop()


def pytest_configure(config):
    """The pages are tested in every language, so the catalogs are compiled first (once, by the
    process that starts the xdist workers)."""
    if not hasattr(config, "workerinput"):
        from rescind.translations import compile_all

        compile_all()


def pytest_collection_modifyitems(config, items):
    """Tests marked `citus` need a Citus coordinator: without RESCIND_TEST_CITUS_URL they are
    deselected, not skipped (CI has no Citus and counts a skip as a failure); with it, those
    marked `plain` are."""
    unwanted = "plain" if CITUS_URL else "citus"
    kept = [item for item in items if item.get_closest_marker(unwanted) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2 costs ~0.5 s a user on this machine; tests need no strong hashes."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clock_offset_fresh():
    """Each test starts and ends without the demo clock's kept offset: a test's rollback moves
    the clock back without this process knowing (rescind.clock.service keeps it a second)."""
    from rescind.clock.service import clock_offset_forget

    clock_offset_forget()
    yield
    clock_offset_forget()


@pytest.fixture
def market(db) -> Market:
    return _make_market()


@pytest.fixture
def live_market(transactional_db) -> Market:
    return _make_market()


@pytest.fixture
def bearer(market):
    """`bearer(user)` -> the Authorization header of a token issued to that user (one per user)."""
    from rescind.accounts.models import ApiToken

    issued: dict[int, dict[str, str]] = {}

    def header(user) -> dict[str, str]:
        if user.pk not in issued:
            issued[user.pk] = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
        return issued[user.pk]

    return header


def pytest_sessionfinish(session, exitstatus):
    """Under CI a skipped test is a failure: every test must run on both databases."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"} and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; every test must run.", red=True)
        session.exitstatus = 1
