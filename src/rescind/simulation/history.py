"""A marketplace history as a list of plain steps, generated from a seed (issue 17).

A step is a moment (minutes after the run's start), an action, the checkout and order it acts
on, and the action's few arguments: nothing but numbers and strings, so that a history can be
printed, saved as JSON and replayed exactly. The generator is pure and deterministic: the same
seed and order count give the same steps, in every process.

Actions are what a buyer, seller, carrier or support may do (R4-R20); a step that the rules
refuse when it comes (the seller answers a request that silence has already approved, say) is
refused by the services like any late click, and that is part of the history too.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STORES = 24  # stores in the generated marketplace, each with two products


def store_silence(store: int) -> int:
    """How often (weight out of 100) a store's seller leaves a request unanswered: sellers
    differ, from diligent to absent, so that their metrics spread (R30)."""
    return 5 + (store * 37) % 60
METHODS = ("bank_card", "e_wallet", "bank_transfer")
FAILING_INSTRUMENT = {"bank_card": "expired_card", "e_wallet": "closed_account",
                      "bank_transfer": "closed_account"}
BUYER_REASONS = ("ordered_wrong_item", "no_longer_needed", "found_better_price",
                 "wrong_shipping_details", "paid_wrong_order")
SELLER_REASONS = ("seller_too_slow", "seller_asked_to_cancel", "out_of_stock",
                  "seller_not_replying")
PLATFORM_REASONS = ("duplicate_system_order",)
HOUR = 60  # minutes
DAY = 24 * HOUR


@dataclass(frozen=True, slots=True)
class Step:
    """One action at minute `at` on order `order` (its index in checkout `checkout`)."""

    at: int
    action: str
    checkout: int
    order: int = 0
    args: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        args = " ".join(f"{k}={v}" for k, v in sorted(self.args.items()))
        return (f"{self.at // DAY:>3}d{self.at % DAY // HOUR:02d}h{self.at % HOUR:02d}m "
                f"checkout {self.checkout} order {self.order}: {self.action} {args}").rstrip()


def history_save(steps: list[Step], path: str | Path, *, meta: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps({"meta": meta, "steps": [asdict(s) for s in steps]},
                                     indent=0, sort_keys=True), encoding="utf-8")


def history_load(path: str | Path) -> tuple[list[Step], dict[str, Any]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Step(**s) for s in data["steps"]], data.get("meta", {})


def checkouts_of(steps: list[Step]) -> set[int]:
    return {s.checkout for s in steps if s.action == "checkout"}


def history_generate(*, seed: int, orders: int, spread_days: int = 30) -> list[Step]:
    """About `orders` orders in checkouts of one to three stores, placed over `spread_days`,
    each with a life drawn at random; the steps sorted by time (ties keep generation order)."""
    rng = random.Random(seed)
    steps: list[Step] = []
    made, checkout = 0, 0
    while made < orders:
        count = min(orders - made, rng.choice((1, 1, 1, 2, 2, 3)))
        steps += _checkout_life(rng, checkout, count, start=rng.randrange(spread_days * DAY))
        made += count
        checkout += 1
    steps.sort(key=lambda s: s.at)
    return steps


def _checkout_life(rng: random.Random, c: int, count: int, *, start: int) -> list[Step]:
    method = rng.choice(METHODS)
    stores = rng.sample(range(STORES), count)
    coupons = [kind for kind, share in (("platform", 0.25), ("seller", 0.1), ("promo", 0.1))
               if rng.random() < share]
    args = {"stores": stores, "method": method,
            "quantities": [rng.randint(1, 3) for _ in stores],
            "products": [rng.randrange(2) for _ in stores],
            "coupons": coupons, "coupon_days": rng.choice((2, 10, 60)),
            "failing": rng.random() < 0.06}
    steps = [Step(start, "checkout", c, 0, args)]
    if rng.random() < 0.05:  # R6: the seller lowers the price before payment
        steps.append(Step(start + rng.randrange(1, 2 * DAY), "lower_price", c, 0,
                          {"percent": rng.choice((5, 10, 33))}))
    roll = rng.random()
    if roll < 0.05:  # R4: cancelled unpaid
        steps.append(Step(start + rng.randrange(1, 5 * DAY), "cancel_unpaid", c,
                          rng.randrange(count)))
        roll = rng.random()
    if roll < 0.08:  # R5: never paid, closes by itself
        return steps
    paid = start + rng.randrange(2 * DAY, 3 * DAY)
    steps.append(Step(paid, "pay", c))
    for i in range(count):
        steps += _order_life(rng, c, i, paid=paid, store=stores[i])
    return steps


def _order_life(rng: random.Random, c: int, i: int, *, paid: int, store: int) -> list[Step]:
    steps: list[Step] = []
    t = paid + DAY + rng.randrange(1, 2 * DAY)
    roll = rng.random()
    if roll < 0.3:
        steps += _cancellation(rng, c, i, t, silence=store_silence(store))
        if rng.random() < 0.5:
            return steps
        t += rng.randrange(DAY, 4 * DAY)
    elif roll < 0.4:
        steps += _change(rng, c, i, t)
        t += rng.randrange(DAY, 4 * DAY)
    if rng.random() < 0.04:  # R12: never shipped
        return steps
    # Mostly within the handling time; one in eight past it (R12).
    t = max(t, paid + rng.randrange(6 * HOUR, 5 * DAY)) if rng.random() < 0.875 \
        else paid + rng.randrange(10 * DAY, 14 * DAY)
    steps.append(Step(t, "ship", c, i, {"tracking": f"SIM{c}X{i}A"}))
    return steps + _after_shipment(rng, c, i, t)


def _cancellation(rng: random.Random, c: int, i: int, t: int, *, silence: int) -> list[Step]:
    reasons = rng.choice((BUYER_REASONS, BUYER_REASONS, SELLER_REASONS, PLATFORM_REASONS))
    steps = [Step(t, "request_cancel", c, i, {"reason": rng.choice(reasons),
                                              "report": rng.random() < 0.08})]
    answer = rng.choices(("approve", "refuse", "withdraw", None), (40, 25, 10, silence))[0]
    if answer:  # None: silence (R10); an answer may come late, even days after the window
        late = rng.random() < silence / 100
        steps.append(Step(t + rng.randrange(HOUR, (20 if late else 3) * DAY), answer, c, i))
    return steps


def _change(rng: random.Random, c: int, i: int, t: int) -> list[Step]:
    steps = [Step(t, "change_request", c, i, {"quantity": rng.randint(1, 4)})]
    answer = rng.choices(("change_accept", "change_refuse", None), (50, 25, 25))[0]
    if answer:
        t += rng.randrange(HOUR, 80 * HOUR)
        steps.append(Step(t, answer, c, i))
        if answer == "change_accept":
            steps.append(Step(t + rng.randrange(HOUR, 80 * HOUR),
                              rng.choice(("charge_confirm", "charge_decline")), c, i))
    return steps


def _after_shipment(rng: random.Random, c: int, i: int, shipped: int) -> list[Step]:
    roll = rng.random()
    t = shipped + rng.randrange(2 * DAY, 20 * DAY)
    if roll < 0.1:  # R16: the carrier drops the parcel
        steps = [Step(t, "carrier_drop", c, i)]
        t += rng.randrange(HOUR, 9 * DAY)
        then = rng.choices(("reship", "canceled_refund", "canceled_decline", None),
                           (35, 35, 10, 20))[0]
        if then:
            steps.append(Step(t, then, c, i, {"tracking": f"SIM{c}X{i}B"}))
        if then in ("canceled_decline", None) and rng.random() < 0.6:
            steps += _dispute(rng, c, i, t + rng.randrange(8 * DAY, 10 * DAY))
        return steps
    if roll < 0.2:  # lost without a word: R17's promised delivery passes
        return _dispute(rng, c, i, shipped + 61 * DAY) if rng.random() < 0.5 else []
    steps = [Step(t, "carrier_deliver", c, i)]
    t += rng.randrange(HOUR, 20 * DAY)
    if rng.random() < 0.5:
        steps.append(Step(t, "confirm_receipt", c, i))
    if rng.random() < 0.25:
        steps += _dispute(rng, c, i, t + rng.randrange(HOUR, 10 * DAY))
    return steps


def _dispute(rng: random.Random, c: int, i: int, t: int) -> list[Step]:
    steps = [Step(t, "dispute_open", c, i, {"claim_percent": rng.choice((20, 50, 100, 100))})]
    t += rng.randrange(HOUR, 17 * DAY)
    answer = rng.choices(("dispute_accept", "dispute_refuse", "dispute_propose", None),
                         (30, 25, 25, 20))[0]
    if answer is None:
        return steps
    steps.append(Step(t, answer, c, i, {"percent": rng.choice((10, 30, 60))}))
    if answer == "dispute_accept":
        return steps
    t += rng.randrange(HOUR, 8 * DAY)
    buyer = "proposal_accept" if answer == "dispute_propose" and rng.random() < 0.5 \
        else "escalate"
    steps.append(Step(t, buyer, c, i))
    if buyer == "escalate":
        steps.append(Step(t + rng.randrange(HOUR, 5 * DAY), "support_decide", c, i,
                          {"percent": rng.choice((0, 40, 100))}))
    return steps
