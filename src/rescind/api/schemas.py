"""Request and response shapes of the JSON API (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from rescind.api.choices import (
    ActionChoice,
    CancellationReasonChoice,
    CancellationRequestStateChoice,
    CarrierEventChoice,
    ChangeRequestStateChoice,
    CloseReasonChoice,
    DeadlineKindChoice,
    OrderStateChoice,
    PaymentMethodChoice,
    PaymentStateChoice,
    RefundStateChoice,
    RefusalReasonChoice,
    SideChoice,
    VoidCauseChoice,
)

# The largest id a BigAutoField holds; a larger one could not be looked up (SQLite overflows).
MAX_ID = 2**63 - 1
# Every free-text input has a maximum length in the schema; these are the shared ones.
OptionText = Annotated[str, Field(max_length=100)]  # an option's name or value ("colour": "red")
CouponCode = Annotated[str, Field(max_length=40)]  # Coupon.code's column


def _refuse_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)


class StrictIn(Schema):
    """Inputs are strict: `"quantity": false` or unknown fields are refused, not coerced.

    Text may not contain NUL characters, which PostgreSQL cannot store: they are invalid input,
    not a server error.
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        _refuse_nul(value)
        return value


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


class MoneyOut(Schema):
    amount: int = Field(description="minor units of `currency`, in its own minor unit: cents of "
                        "USD, whole yen of JPY, fils (1/1000) of KWD")
    currency: str


class StoreRef(Schema):
    id: int
    name: str


class ActionOut(Schema):
    action: ActionChoice
    label: str


class UpcomingActionOut(ActionOut):
    available_from: datetime


class DeadlineOut(Schema):
    kind: DeadlineKindChoice
    label: str
    due_at: datetime


class OrderSummaryOut(Schema):
    id: int
    checkout_id: int
    store: StoreRef
    buyer_id: int
    state: OrderStateChoice
    state_label: str
    close_reason: CloseReasonChoice | None
    responsible_side: SideChoice | None
    items_total: MoneyOut
    shipping_fee: MoneyOut
    discount_total: MoneyOut
    total: MoneyOut
    refunded: MoneyOut
    payment_method: PaymentMethodChoice
    placed_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None = Field(
        None, description="R15: when the order completed (confirmed, or by itself)")
    dispute_until: datetime | None = Field(
        None, description="R18: buyer protection of the completed order: a dispute can be "
        "opened until then")
    actions: list[ActionOut]
    upcoming_actions: list[UpcomingActionOut]
    deadlines: list[DeadlineOut]


class LineOut(Schema):
    product_id: int
    product_name: str
    options: dict[str, str]
    quantity: int
    unit_price: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    line: int = Field(description="the line's number, 1 for the first; change requests name it")


class CancellationRequestOut(Schema):
    state: CancellationRequestStateChoice
    reason: str
    reason_label: str
    side: SideChoice
    report_supplier: bool
    requested_at: datetime
    respond_by: datetime
    decided_at: datetime | None
    decision_note: str
    refusal_reason: RefusalReasonChoice | None = Field(
        default=None, description="R11: why the seller refused (a code of "
        "GET /policy/refusal-reasons), when refused")
    refusal_reason_label: str | None = Field(default=None,
                                             description="the refusal reason in words")


class RefundOut(Schema):
    id: int
    amount: MoneyOut
    method: PaymentMethodChoice
    state: RefundStateChoice = Field(
        description="pending (being sent) | processing (on its way) | succeeded (arrived) | "
                    "failed (refused for good by the payment provider)")
    state_label: str
    created_at: datetime
    start_by: datetime = Field(description="R23: the provider accepts it by then, or support "
                               "is told (start_overdue)")
    started_at: datetime | None
    arrive_by: datetime = Field(description="latest expected arrival (R23)")
    expected_from: datetime = Field(description="earliest expected arrival: a day after it was "
                                    "sent (or is due to be), R23's 'typically 1-10 days'")
    arrived_at: datetime | None
    gateway_reference: str | None = Field(description="the payment provider's reference, once "
                                          "it has accepted the refund")
    overdue: bool = Field(description="on its way and past arrive_by; support is told")
    start_overdue: bool = Field(description="still pending past start_by; support is told")
    failed_at: datetime | None
    failure_code: str | None = Field(description="the provider's reason when failed, e.g. "
                                     "expired_card, account_closed")
    failure_message: str | None = Field(description="the reason in words, for the buyer")
    retry_of: int | None = Field(description="the failed refund this one sends again")
    retried_by: int | None = Field(description="the refund that sends this failed one again")
    actions: list[str] = Field(description="the reader's actions on it: update_destination "
                               "(buyer: POST /orders/{id}/refund-destination), retry "
                               "(support: POST /refunds/{id}/retry)")


class RefundDestinationOut(Schema):
    method: str = Field(description="R21: always the method the order was paid with")
    instrument: str | None = Field(description="the instrument at the provider, if named")
    updated_at: datetime | None = Field(description="when the buyer last renewed it")


class RefundDestinationIn(StrictIn):
    method: str = Field(max_length=20, description="the order's payment method; refunds never "
                        "go to another one (R21)")
    instrument: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$",
                            description="the renewed instrument's name at the provider (in "
                            "the sandbox any name other than the failing test ones works)")


class ShipmentOut(Schema):
    carrier: str
    tracking_number: str
    shipped_at: datetime
    deliver_by: datetime | None = Field(
        None, description="R17: the promised delivery; past it, an undelivered parcel may be "
        "disputed as not received")
    delivered_at: datetime | None
    voided_at: datetime | None
    void_cause: VoidCauseChoice | None


class TimelineEntryOut(Schema):
    at: datetime
    kind: str
    actor: str
    params: dict[str, Any]


class LineStateOut(Schema):
    product_id: int
    product_name: str
    options: dict[str, str]
    quantity: int
    unit_price: MoneyOut
    discount: MoneyOut


class LineChangeOut(Schema):
    line: int
    before: LineStateOut
    after: LineStateOut


class ChangeRequestOut(Schema):
    id: int
    state: ChangeRequestStateChoice
    lines: list[LineChangeOut]
    delivery: dict[str, str] | None
    price_before: MoneyOut
    price_after: MoneyOut
    difference: MoneyOut = Field(description="above zero an extra charge the buyer confirms; "
                                 "below zero a partial refund (R13)")
    requested_at: datetime
    respond_by: datetime = Field(description="the seller answers by then, or it is refused")
    decided_at: datetime | None
    decision_note: str
    confirm_by: datetime | None = Field(description="the buyer confirms the extra charge by")
    charged_at: datetime | None
    applied_at: datetime | None


class OrderDetailOut(OrderSummaryOut):
    lines: list[LineOut]
    cancellation_request: CancellationRequestOut | None
    change_request: ChangeRequestOut | None = None
    delivery: dict[str, str] | None = Field(default=None,
                                            description="where the order goes: given at "
                                            "checkout, or set since by a change request (R13)")
    refunds: list[RefundOut]
    refund_destination: RefundDestinationOut | None = Field(
        default=None, description="where refunds go (buyer and support, once there are any)")
    shipments: list[ShipmentOut]
    timeline: list[TimelineEntryOut]


class CheckoutItemIn(StrictIn):
    product_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(ge=1, le=999)
    options: dict[OptionText, OptionText] = Field(default_factory=dict, max_length=20)


class DeliveryIn(StrictIn):
    recipient: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(default="", max_length=200)
    country: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=200)


class CheckoutIn(StrictIn):
    items: list[CheckoutItemIn] = Field(min_length=1, max_length=100)
    payment_method: PaymentMethodChoice
    coupon_codes: list[CouponCode] = Field(default_factory=list, max_length=10,
                                    description="seller coupons, promo codes, platform coupons")
    payment_instrument: str = Field(
        default="", max_length=40, pattern=r"^([a-z0-9][a-z0-9_-]*)?$",
        description="the payment instrument's name at the provider. Sandbox test instruments: "
        "expired_card (bank_card) and closed_account (e_wallet, bank_transfer) pay, but every "
        "refund to them fails for good (failure_code expired_card, account_closed; R23); "
        "empty or any other name is a working instrument")
    delivery: DeliveryIn | None = Field(default=None,
                                        description="where the orders go (shown on each order)")


class PaymentOut(Schema):
    id: int
    method: PaymentMethodChoice
    instrument: str
    amount: MoneyOut
    state: PaymentStateChoice
    captured_at: datetime | None


class CheckoutOut(Schema):
    id: int
    payment: PaymentOut
    orders: list[OrderSummaryOut]


class CancellationRequestIn(StrictIn):
    reason: CancellationReasonChoice = Field(
        description="R8: a code from GET /policy/cancellation-reasons")
    report_supplier: bool = Field(description="R9: submit a report against this supplier?")


class NoteIn(StrictIn):
    note: str = Field(default="", max_length=1000)


class RefuseIn(StrictIn):
    reason_code: RefusalReasonChoice | None = Field(
        default=None, description="R11: why you refuse, a code of GET /policy/refusal-reasons. "
        "Optional for clients written before reason codes: without it the refusal is recorded "
        "as `other`, and `other` needs a note.")
    note: str = Field(default="", max_length=1000,
                      description="to the buyer; optional except with reason `other`")


class ShipIn(StrictIn):
    carrier: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=1, max_length=64)


class LowerPriceIn(StrictIn):
    new_total: int = Field(ge=1, description="minor units")
    note: str = Field(default="", max_length=500)


class ReasonOut(Schema):
    code: str
    label: str
    side: SideChoice
    explanation: str = Field(description="one line for the buyer choosing it")


class TokenIn(StrictIn):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(Schema):
    token: str
    user_id: int
    id: int
    expires_at: datetime


class TokenInfoOut(Schema):
    """One of the caller's tokens; never its secret."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    current: bool


class MeOut(Schema):
    id: int
    username: str
    roles: list[str]
    store_ids: list[int]


class ClockOut(Schema):
    now: datetime
    offset_seconds: int
    demo_mode: bool


class ClockAdvanceIn(StrictIn):
    by: str = Field(min_length=2, max_length=20, description="e.g. 73h, 3d, 1d12h")


class CartAddedOut(Schema):
    lines_added: int


class ProductOut(Schema):
    id: int
    store: StoreRef
    name: str
    unit_price: MoneyOut
    option_choices: dict[str, list[str]]


class ReasonIn(StrictIn):
    reason: str = Field(min_length=1, max_length=1000)


class CarrierEventIn(StrictIn):
    tracking_number: str = Field(min_length=1, max_length=64)
    event: CarrierEventChoice = Field(description="tracking_invalid: the parcel was dropped")
    location: str = Field(default="", max_length=120)


class CarrierEventOut(Schema):
    outcome: Literal["applied", "queued_for_support"] = Field(
        description="applied: the one live parcel it names moved its order; queued_for_support:"
                    " no live parcel of this carrier has the number, or several do")
    order_id: int | None = None
    state: str | None = Field(default=None, description="the order's state after the event")
    queued_event_id: int | None = None


class UnmatchedCarrierEventOut(Schema):
    id: int
    received_at: datetime
    account: str = Field(description="the carrier account's username")
    carriers: str
    tracking_number: str
    event: str
    location: str
    live_matches: int = Field(description="0: no live parcel; 2 or more: ambiguous")
    last_order_id: int | None = Field(description="the order that last carried this number")
    handled_at: datetime | None
    handling_note: str

    @staticmethod
    def resolve_account(obj) -> str:
        return obj.account.username


class CouponFateOut(Schema):
    id: int = Field(description="the coupon, as GET /coupons/{id} reads it")
    url: str = Field(description="where to read it: /api/v1/coupons/{id}")
    code: str
    kind: str
    returned: bool
    reason: str
    explanation: str


class CancellationQuoteOut(Schema):
    needs_seller_approval: bool
    refund: MoneyOut | None
    refund_method: str | None
    refund_arrive_by: datetime | None = Field(description="if decided now")
    refund_arrive_by_latest: datetime | None = Field(
        description="if the seller stays silent until the automatic approval")
    seller_respond_by: datetime | None
    reason: str | None
    reason_side: str | None
    counts_against_seller: bool | None
    coupons: list[CouponFateOut]


class NotificationOut(Schema):
    id: int
    kind: str
    order_id: int | None
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(Schema):
    unread: int
    notifications: list[NotificationOut]


class LineChangeIn(StrictIn):
    line: int = Field(ge=1, le=1000, description="the line's number, 1 for the first")
    product_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                   description="another product of the same store")
    options: dict[OptionText, OptionText] = Field(
        default_factory=dict, max_length=20, description="options to change; others keep theirs")
    quantity: int | None = Field(default=None, ge=1, le=999)


class ChangeRequestIn(StrictIn):
    lines: list[LineChangeIn] = Field(default_factory=list, max_length=100)
    delivery: DeliveryIn | None = None
