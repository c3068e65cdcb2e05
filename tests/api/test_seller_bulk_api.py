"""The seller's refusal reasons and bulk work through the API (issue 14, R28): one request,
one result per order, idempotent like every POST."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from rescind.orders.models import Carrier, Order, Shipment, TimelineEntry
from tests.conftest import T0


def test_r11_refuse_takes_a_reason_code_and_the_order_shows_it(market, call):
    order = market.requested(at=T0)
    answer = call("POST", f"/orders/{order.pk}/cancellation-request/refuse", user=market.seller,
                  body={"reason_code": "already_shipped"})
    assert answer.status_code == 200
    request = answer.json()["cancellation_request"]
    assert (request["state"], request["refusal_reason"], request["refusal_reason_label"],
            request["decision_note"]) == (
        "refused", "already_shipped", "the order has already shipped", "")


def test_r11_refuse_without_a_code_still_works_with_a_note_as_before(market, call):
    order = market.requested(at=T0)
    no_note = call("POST", f"/orders/{order.pk}/cancellation-request/refuse",
                   user=market.seller, body={})
    assert (no_note.status_code, no_note.json()["code"]) == (422, "note_required")
    answer = call("POST", f"/orders/{order.pk}/cancellation-request/refuse", user=market.seller,
                  body={"note": "Packed"})
    assert answer.json()["cancellation_request"]["refusal_reason"] == "other"


def test_r11_unknown_refusal_reason_gets_its_stable_code(market, call):
    order = market.requested(at=T0)
    answer = call("POST", f"/orders/{order.pk}/cancellation-request/refuse", user=market.seller,
                  body={"reason_code": "too_busy", "note": "x"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "unknown_refusal_reason"
    assert answer.json()["details"]["allowed"][0] == "already_shipped"
    order.refresh_from_db()
    assert order.cancellation_requests.get().state == "pending"


def test_r11_the_refusal_reasons_are_listed(market, call):
    answer = call("GET", "/policy/refusal-reasons", user=market.seller)
    assert [(r["code"], r["note_required"]) for r in answer.json()] == [
        ("already_shipped", False), ("buyer_agreed_to_keep", False),
        ("out_of_date_request", False), ("made_to_order", False), ("other", True)]
    assert answer.json()[0]["label"] == "The order has already shipped"


def test_r10_bulk_answer_reports_each_order_and_a_repeat_changes_nothing(market, call):
    # given a pending request and a paid order without one
    requested, plain = market.requested(at=T0), market.paid(at=T0)
    body = {"decision": "approve", "order_ids": [requested.pk, plain.pk]}
    key = {"Idempotency-Key": "approve-batch-1"}
    # when the seller approves both
    answer = call("POST", "/seller/cancellation-requests/answer", user=market.seller, body=body,
                  headers=key)
    # then one result per order
    assert answer.status_code == 200
    assert answer.json() == {"done": 1, "refused": 1, "results": [
        {"row": None, "order_id": requested.pk, "status": "done", "code": None,
         "message": f"You approved the cancellation of order #{requested.pk}; $28.00 goes "
                    "back to the buyer's bank card."},
        {"row": None, "order_id": plain.pk, "status": "refused", "code": "no_pending_request",
         "message": "There is no cancellation request waiting."}]}
    entries = TimelineEntry.objects.count()
    # and the same request again gives the first answer and changes nothing
    again = call("POST", "/seller/cancellation-requests/answer", user=market.seller, body=body,
                 headers=key)
    assert again.json() == answer.json()
    assert TimelineEntry.objects.count() == entries


def test_r11_bulk_refusal_needs_a_known_reason(market, call):
    order = market.requested(at=T0)
    missing = call("POST", "/seller/cancellation-requests/answer", user=market.seller,
                   body={"decision": "refuse", "order_ids": [order.pk]})
    assert (missing.status_code, missing.json()["code"]) == (422, "unknown_refusal_reason")
    unknown = call("POST", "/seller/cancellation-requests/answer", user=market.seller,
                   body={"decision": "refuse", "order_ids": [order.pk], "reason_code": "x"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_refusal_reason")
    done = call("POST", "/seller/cancellation-requests/answer", user=market.seller,
                body={"decision": "refuse", "order_ids": [order.pk],
                      "reason_code": "made_to_order", "note": "Printed already"})
    assert done.json()["done"] == 1
    assert order.cancellation_requests.get().refusal_reason == "made_to_order"


def test_r15_bulk_shipments_from_json_and_from_a_file(market, call):
    Carrier.objects.create(name="Cainiao")
    first, second, third = (market.paid(at=T0) for _ in range(3))
    answer = call("POST", "/seller/shipments", user=market.seller, body={"items": [
        {"order_id": first.pk, "carrier": "Cainiao", "tracking_number": "LP-1"},
        {"order_id": second.pk, "carrier": "DHL", "tracking_number": "LP-2"}]})
    assert [(r["order_id"], r["status"], r["code"]) for r in answer.json()["results"]] == [
        (first.pk, "done", None), (second.pk, "refused", "unknown_carrier")]
    upload = SimpleUploadedFile("shipments.csv", (
        "order_number,carrier,tracking_number\n"
        f"{second.pk},Cainiao,LP-2\n{third.pk},Cainiao,LP-1\n").encode(), "text/csv")
    answer = call("POST", "/seller/shipments/csv", user=market.seller, form={"file": upload})
    assert answer.status_code == 200
    assert [(r["row"], r["order_id"], r["status"], r["code"])
            for r in answer.json()["results"]] == [
        (2, second.pk, "done", None), (3, third.pk, "refused", "tracking_number_in_use")]
    assert list(Order.objects.filter(pk__in=[first.pk, second.pk, third.pk]).order_by("pk")
                .values_list("state", flat=True)) == [
        "awaiting_delivery", "awaiting_delivery", "awaiting_shipment"]


def test_r15_an_unreadable_file_is_one_clear_error(market, call):
    Carrier.objects.create(name="Cainiao")
    order = market.paid(at=T0)
    upload = SimpleUploadedFile("shipments.csv", "order_number;carrier\n1;x\n".encode("utf-16"),
                                "text/csv")
    answer = call("POST", "/seller/shipments/csv", user=market.seller, form={"file": upload})
    assert (answer.status_code, answer.json()["code"]) == (422, "csv_not_utf8")
    empty = call("POST", "/seller/shipments/csv", user=market.seller,
                 form={"file": SimpleUploadedFile("e.csv", b"", "text/csv")})
    assert (empty.status_code, empty.json()["code"]) == (422, "csv_empty")
    assert (Order.objects.get(pk=order.pk).state, Shipment.objects.count()) == (
        "awaiting_shipment", 0)


def test_r15_known_carriers_are_listed(market, call):
    Carrier.objects.create(name="YunExpress")
    Carrier.objects.create(name="Cainiao")
    answer = call("GET", "/carriers", user=market.seller)
    assert answer.json() == [{"name": "Cainiao"}, {"name": "YunExpress"}]
