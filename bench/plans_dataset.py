"""The data set of bench/query_plans.py: `orders` orders and everything a marketplace keeps about
them, made by set-based SQL on PostgreSQL in seconds (no Python loop over rows).

Shape (orders spread over `days` days before `now`, ids in placing order):
- buyers = orders / 5, stores = orders / 200 with one seller each, skewed: the biggest store
  takes ~4.5 % of all orders (orders pick a store as 1 + floor(stores * random()^2)).
- fates: 2.5 % cancelled unpaid, 2.5 % unpaid timeout, 12 % cancellation requests (half
  approved, a quarter approved by silence, a quarter refused and shipped), 1.5 % not shipped in
  time, 2 % disputes, 0.5 % shipments canceled by the carrier, the rest shipped and completed.
  The young orders are still underway, so the deadlines are mostly fired or voided with some
  running, and a backlog is due at `now`: requests whose seller window closed in the last hour,
  dispute escalations, refund checks.
- per order: checkout, payment (+ the sandbox's capture), 1-2 lines, shipments, timeline
  entries, deadlines with reminders, inbox rows, e-mails and webhook deliveries per event, task
  rows (finished, a few abandoned, backoff retries waiting), refunds with daily checks,
  messages, idempotency records, API tokens.
Event times later than `now` never happened: they are cleared, and the state says so.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from rescind.domain.actions import Party
from rescind.domain.audience import AUDIENCE

SUPPORT_USERS = 5
FILLED_TABLES = [
    "auth_user", "rescind_orders_store", "rescind_orders_store_sellers", "rescind_orders_product",
    "rescind_orders_carrier", "rescind_orders_carrier_accounts",
    "rescind_notifications_webhooksubscriber", "rescind_orders_checkout",
    "rescind_orders_payment", "rescind_orders_order", "rescind_orders_orderline",
    "rescind_orders_shipment", "rescind_aftersale_cancellationrequest",
    "rescind_aftersale_changerequest", "rescind_disputes_dispute", "rescind_refunds_refund",
    "rescind_refunds_sandboxoperation", "rescind_orders_timelineentry", "rescind_orders_deadline",
    "rescind_notifications_notification", "rescind_notifications_emailmessage",
    "rescind_notifications_webhookdelivery", "rescind_messaging_ordermessage",
    "rescind_api_idempotencyrecord", "rescind_accounts_apitoken",
]


def bench_token(user_id: int) -> str:
    """The raw API token the data set issues to every buyer and seller."""
    return f"rsc_bench_{user_id}"


def _kinds(party: Party) -> str:
    kinds = sorted(kind for kind, parties in AUDIENCE.items() if party in parties)
    return "ARRAY[" + ",".join(f"'{k}'" for k in kinds) + "]::text[]"


def dataset_sql(*, orders: int, days: int, now: datetime) -> list[tuple[str, str]]:
    """(label, SQL) pairs that fill an empty, migrated database; run in order, no parameters."""
    n, b, s = orders, max(orders // 5, 10), max(orders // 200, 3)
    sup = b + s + 1  # first support user id; the carrier account follows them
    v = {"N": n, "B": b, "S": s, "SUP": sup, "CARRIER_USER": sup + SUPPORT_USERS,
         "DAYS": days, "NOW": f"'{now.isoformat()}'::timestamptz",
         "BUYER_KINDS": _kinds(Party.BUYER), "SELLER_KINDS": _kinds(Party.SELLER),
         "SUPPORT_KINDS": _kinds(Party.SUPPORT)}
    return [(label, sql.format(**v)) for label, sql in _steps()]


def _steps() -> list[tuple[str, str]]:
    """The (label, SQL template) pairs of plans_dataset.sql, split at its `-- step:` lines."""
    text = (Path(__file__).parent / "plans_dataset.sql").read_text()
    parts = re.split(r"^-- step: (.+)$", text, flags=re.M)
    return [(label.strip(), sql) for label, sql in zip(parts[1::2], parts[2::2], strict=True)]


def sequences_reset_sql() -> str:
    """Move every filled table's id sequence past the ids the data set chose."""
    return "\n".join(
        f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
        f"coalesce((SELECT max(id) FROM {t}), 0) + 1, false);" for t in FILLED_TABLES)
