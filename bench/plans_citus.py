"""How a captured statement would route on Citus with the order tables distributed by order id
(docs/deployment.md), read from its PostgreSQL plan: does every scan of an order-keyed table
name one order (a constant order id, or a join on the order id to a table that does)?

This reads the plan of a single PostgreSQL, not of Citus: it says which statements carry the
distribution key, the condition for a single-shard (router) query. It does not prove Citus
would plan them so.
"""

from __future__ import annotations

import re

# Tables that would be distributed by order id, co-located, and each one's order id column.
ORDER_KEYED = {
    "rescind_orders_order": "id",
    "rescind_orders_orderline": "order_id",
    "rescind_orders_shipment": "order_id",
    "rescind_orders_timelineentry": "order_id",
    "rescind_orders_deadline": "order_id",
    "rescind_aftersale_cancellationrequest": "order_id",
    "rescind_aftersale_changerequest": "order_id",
    "rescind_disputes_dispute": "order_id",
    "rescind_refunds_refund": "order_id",
    "rescind_messaging_ordermessage": "order_id",
    "rescind_coupons_couponuse": "order_id",
}
ONE_ORDER, FEW_ORDERS, FAN_OUT, NO_ORDER_TABLE = "one order", "few orders", "fan-out", "-"
_CONDITIONS = ("Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond",
               "Merge Cond")


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _pin(node: dict, key: str) -> str | None:
    """How this scan names its orders: ONE_ORDER, FEW_ORDERS, or None."""
    text = " ".join(str(node.get(name, "")) for name in _CONDITIONS)
    column = rf"(?:\b\w+\.)?{key}"
    if re.search(rf"\({column} = (?:'?-?\d+'?(?:::\w+)?|\$\d+)\)", text):
        return ONE_ORDER
    if re.search(rf"\({column} = ANY \(", text):
        return FEW_ORDERS
    if re.search(rf"\({column} = (?:\w+\.)?(?:order_id|id)\)", text):
        return ONE_ORDER  # joined on the order id: co-located with the side that is pinned
    return None


def routing(plan: dict) -> str:
    """ONE_ORDER, FEW_ORDERS, FAN_OUT, or NO_ORDER_TABLE for one EXPLAIN (FORMAT JSON) plan."""
    found = []
    for node in _nodes(plan["Plan"]):
        relation = node.get("Relation Name")
        if relation not in ORDER_KEYED:
            continue
        if node["Node Type"] == "ModifyTable" and node.get("Operation") == "Insert":
            found.append(ONE_ORDER)  # an INSERT goes to the shard of the order id it carries
        elif node["Node Type"] != "ModifyTable":
            found.append(_pin(node, ORDER_KEYED[relation]) or FAN_OUT)
    if not found:
        return NO_ORDER_TABLE
    for verdict in (FAN_OUT, FEW_ORDERS):
        if verdict in found:
            return verdict
    return ONE_ORDER
