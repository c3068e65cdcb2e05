"""Refunds that fail for good, through the API as the mobile app and support's tools use it:
the sandbox's failing test instruments, the failure as the buyer reads it, renewing the method,
and support's retry (R21-R23, R28)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission

from rescind.clock.service import now as clock_now
from rescind.refunds.models import Refund
from rescind.refunds.services import refund_submit

EXPIRED = "The card has expired, so the bank cannot take the refund."


def _failed(market, call):
    """An order paid with the sandbox's expired card, cancelled, its refund refused."""
    order = market.requested(at=clock_now() - timedelta(days=3), instrument="expired_card")
    approved = call("POST", f"/orders/{order.pk}/cancellation-request/approve",
                    user=market.seller, body={})
    assert approved.status_code == 200
    refund = Refund.objects.get(order=order)
    assert refund_submit(refund_id=refund.pk, now=clock_now()) == "failed"
    return order, refund


def test_r23_checkout_accepts_a_sandbox_test_instrument_of_its_method(market, call):
    # given a checkout body naming the sandbox's expired card
    body = {"items": [{"product_id": market.product.pk, "quantity": 1,
                       "options": {"colour": "red"}}], "payment_method": "bank_card",
            "payment_instrument": "expired_card"}
    # when it is sent, then the payment keeps the instrument
    created = call("POST", "/checkouts", user=market.buyer, body=body)
    assert (created.status_code, created.json()["payment"]["instrument"]) == (201,
                                                                              "expired_card")
    # and an expired card paid by e-wallet is refused
    refused = call("POST", "/checkouts", user=market.buyer,
                   body={**body, "payment_method": "e_wallet"})
    assert (refused.status_code, refused.json()["code"]) == (422, "instrument_not_for_method")
    assert refused.json()["details"] == {"methods": ["bank_card"]}


def test_r23_the_buyer_reads_the_failure_its_reason_and_what_to_do(market, call):
    # given a refund refused for good
    order, refund = _failed(market, call)
    # when the buyer reads the order
    detail = call("GET", f"/orders/{order.pk}", user=market.buyer).json()
    # then the refund reads failed, with its reason and the buyer's action, and the order's
    # refunds no longer count it
    seen = detail["refunds"][0]
    assert {k: seen[k] for k in ("id", "state", "state_label", "failure_code",
                                 "failure_message", "retry_of", "retried_by", "actions")} == {
        "id": refund.pk, "state": "failed", "state_label": "failed",
        "failure_code": "expired_card", "failure_message": EXPIRED, "retry_of": None,
        "retried_by": None, "actions": ["update_destination"]}
    assert seen["start_by"] is not None and seen["overdue"] is False
    assert detail["refunded"] == {"amount": 0, "currency": "USD"}
    assert detail["refund_destination"] == {"method": "bank_card", "instrument": "expired_card",
                                            "updated_at": None}
    assert detail["timeline"][-1]["kind"] == "RefundFailed"
    # and the seller sees the failure but neither the action nor where refunds go
    seller = call("GET", f"/orders/{order.pk}", user=market.seller).json()
    assert (seller["refunds"][0]["actions"], seller["refund_destination"]) == ([], None)


def test_r21_r23_renew_the_method_then_support_retries_once(market, call):
    # given a refund refused for good, and support allowed to retry
    order, refund = _failed(market, call)
    market.support.user_permissions.add(Permission.objects.get(codename="retry_refund"))
    # when the buyer gives another method, it is refused (R21); the renewed card is taken
    other = call("POST", f"/orders/{order.pk}/refund-destination", user=market.buyer,
                 body={"method": "e_wallet", "instrument": "my_wallet"})
    assert (other.status_code, other.json()["code"]) == (422, "refund_method_differs")
    renewed = call("POST", f"/orders/{order.pk}/refund-destination", user=market.buyer,
                   body={"method": "bank_card", "instrument": "renewed_card"})
    assert renewed.status_code == 200
    assert renewed.json()["refund_destination"]["instrument"] == "renewed_card"
    # then support's queue shows the failure, the renewal and the retry action
    queue = call("GET", "/support/disputes", user=market.support).json()
    [failed] = queue["failed_refunds"]
    assert (failed["id"], failed["failure_code"], failed["actions"]) == (
        refund.pk, "expired_card", ["retry"])
    assert failed["destination_updated_at"] is not None
    # when support retries it
    retried = call("POST", f"/refunds/{refund.pk}/retry", user=market.support)
    # then the order has a new refund linked to the failed one, being sent to the renewed card
    assert retried.status_code == 201
    rows = [(r["id"], r["state"], r["retry_of"], r["retried_by"], r["actions"])
            for r in retried.json()["refunds"]]
    retry_id = Refund.objects.get(retry_of=refund).pk
    assert rows == [(refund.pk, "failed", None, retry_id, []),
                    (retry_id, "pending", refund.pk, None, [])]
    assert retried.json()["refunded"]["amount"] == 2800
    assert call("GET", "/support/disputes", user=market.support).json()["failed_refunds"] == []
    # and a second retry, or a retry of the pending one, is refused with a clear code
    again = call("POST", f"/refunds/{refund.pk}/retry", user=market.support)
    assert (again.status_code, again.json()["code"]) == (409, "refund_already_retried")
    pending = call("POST", f"/refunds/{retry_id}/retry", user=market.support)
    assert (pending.status_code, pending.json()["code"]) == (409, "refund_not_failed")


def test_r23_retrying_needs_support_staff_with_the_permission(market, call):
    # given a refund refused for good
    order, refund = _failed(market, call)
    # when the buyer, staff without the permission, or anyone on a missing refund retries
    buyer = call("POST", f"/refunds/{refund.pk}/retry", user=market.buyer)
    staff = call("POST", f"/refunds/{refund.pk}/retry", user=market.support)
    missing = call("POST", "/refunds/999999/retry", user=market.support)
    # then each is refused and nothing was added to the ledger
    assert [(r.status_code, r.json()["code"]) for r in (buyer, staff, missing)] == [
        (403, "not_your_action"), (403, "retry_permission_required"),
        (404, "refund_not_found")]
    assert Refund.objects.filter(order=order).count() == 1
    # and the queue shows the failure without the action
    queue = call("GET", "/support/disputes", user=market.support).json()
    assert [r["actions"] for r in queue["failed_refunds"]] == [[]]
