"""Decisions-only simulation and the policy what-if, in memory (issue 17)."""

from __future__ import annotations

import dataclasses

from rescind.domain.coupons import CouponFate
from rescind.domain.events import RefundCreated
from rescind.domain.money import Money
from rescind.domain.policy import Policy, load_policy
from rescind.simulation import decisions
from rescind.simulation.memory import memory_run
from rescind.simulation.whatif import compare_run, report_html

ORDERS = 3000


def _same(a, b) -> None:
    for name in ("orders", "steps", "refused", "closed", "auto_approved", "disputes",
                 "refunded", "coupons_returned", "store_paid", "store_seller_cancelled"):
        assert getattr(a, name) == getattr(b, name), name
    assert {k: sorted(v) for k, v in a.money_back_hours.items()} \
        == {k: sorted(v) for k, v in b.money_back_hours.items()}


def test_r3_r21_r22_r23_r25_r26_r29_decisions_only_keeps_every_invariant_whatever_the_processes():
    # given one seeded history decided in one process and in two
    one = memory_run(seed=1, orders=ORDERS, policy=Policy(), processes=1)
    two = memory_run(seed=1, orders=ORDERS, policy=Policy(), processes=2)
    # then no invariant broke, and both runs decided exactly the same
    assert [v.text() for v in one.violations + two.violations] == []
    _same(one.tally, two.tally)
    # and the history reached every way an order closes
    assert one.tally.orders == ORDERS
    assert set(one.tally.closed) == {"cancelled_by_buyer", "cancelled_on_request",
                                     "unpaid_timeout", "not_shipped_in_time",
                                     "refunded_shipment_canceled", "refunded_after_dispute"}
    assert one.tally.auto_approved > 0 and one.tally.disputes["opened"] > 0


def test_r22_a_refund_above_the_charge_planted_in_a_decision_is_caught(monkeypatch):
    # given an approval whose refund is a cent more than what was paid (a broken rule)
    real = decisions.decide_approve_cancellation

    def generous(order, **kwargs):
        return [dataclasses.replace(e, amount=e.amount + Money(1, e.amount.currency))
                if isinstance(e, RefundCreated) else e for e in real(order, **kwargs)]

    monkeypatch.setattr(decisions, "decide_approve_cancellation", generous)
    # when a history runs
    result = memory_run(seed=1, orders=600, policy=Policy())
    # then the R22 checker caught it, and nothing else broke
    assert result.violations
    assert {v.rule for v in result.violations} == {"R22"}


def test_r26_a_seller_coupon_that_comes_back_is_caught(monkeypatch):
    # given a coupon rule broken on purpose: every coupon comes back
    monkeypatch.setattr(decisions, "coupon_fate", lambda coupon, orders, *, now: CouponFate(
        coupon.code, coupon.kind, True, "all_items_cancelled"))
    result = memory_run(seed=1, orders=1500, policy=Policy())
    assert "R26" in {v.rule for v in result.violations}


def test_r10_the_what_if_of_the_two_seller_windows_reports_both_with_charts_offline(tmp_path):
    # given the two documented seller response windows as policy files
    short, long = tmp_path / "seller-72h.toml", tmp_path / "seller-14d.toml"
    short.write_text('[policy]\nr10_seller_response_window = "72h"\n')
    long.write_text('[policy]\nr10_seller_response_window = "14d"\n')
    # when the same history is compared under both
    a, b = compare_run((str(short), str(long)), seed=3, orders=2000, processes=1)
    page = report_html(a, b, seed=3, orders=2000)
    # then a longer window closes fewer requests by the seller's silence, on the same orders
    assert a.tally.orders == b.tally.orders == 2000
    assert b.tally.auto_approved < a.tally.auto_approved
    assert load_policy(str(long)).r10_seller_response_window.days == 14
    # and the report is one self-contained page: charts drawn inline, numbers beside them
    assert page.count("<svg") == 5
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert f"{a.tally.auto_approved:,}" in page and f"{b.tally.auto_approved:,}" in page
    for title in ("Orders closed by the platform", "to the money back",
                  "Seller-side cancellation rates", "Disputes opened", "Money given back"):
        assert title in page
