"""Fields that take one value of a fixed list: their types (enums in the OpenAPI schema, so
generated clients and the fuzzer see the list), and the refusal a value off the list gets,
which is the one the services give (same code, message and allowed list)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from rescind.aftersale.models import CancellationRequest, ChangeRequest
from rescind.config import policy
from rescind.domain.actions import Action
from rescind.domain.disputes import DISPUTE_REASONS, DisputeState, dispute_reason_checked
from rescind.domain.errors import DomainError
from rescind.domain.metric_trends import measure_of
from rescind.domain.policy import Side
from rescind.domain.refunds import PaymentMethod, RefundState, payment_method_parse
from rescind.domain.refusals import REFUSAL_REASONS, refusal_reason_parse
from rescind.domain.shipping import CarrierEvent, carrier_event_parse
from rescind.domain.states import CloseReason, OrderState
from rescind.orders.models import Payment
from rescind.orders.reads import DEADLINE_LABELS


def one_of(values: Iterable[str]) -> Any:
    """A Literal of these strings: strict input accepts them as they come in JSON."""
    return Literal[tuple(values)]


PaymentMethodChoice = one_of(m.value for m in PaymentMethod)
PaymentStateChoice = one_of(Payment.State.values)
# R8: the reasons of the policy in force (read once per process, like the policy).
CancellationReasonChoice = one_of(r.code for r in policy().r8_reasons)
DisputeReasonChoice = one_of(DISPUTE_REASONS)
CarrierEventChoice = one_of(e.value for e in CarrierEvent)
OrderStateChoice = one_of(s.value for s in OrderState)
CloseReasonChoice = one_of(r.value for r in CloseReason)
SideChoice = one_of(s.value for s in Side)
RefundStateChoice = one_of(s.value for s in RefundState)
DisputeStateChoice = one_of(s.value for s in DisputeState)
CancellationRequestStateChoice = one_of(CancellationRequest.State.values)
ChangeRequestStateChoice = one_of(ChangeRequest.State.values)
VoidCauseChoice = one_of(("tracking_invalid", "voided_by_seller", "canceled_by_platform"))
ActionChoice = one_of(a.value for a in Action)
DeadlineKindChoice = one_of(DEADLINE_LABELS)
RefusalReasonChoice = one_of(REFUSAL_REASONS)  # R11  # the deadlines an order shows (R2)

# The input fields whose off-list value the services have always refused with their own code.
_REFUSALS: dict[str, Callable[[str], object]] = {
    "payment_method": payment_method_parse,  # 422 unknown_payment_method
    "reason": lambda code: policy().reason(code),  # 422 unknown_reason
    "dispute_reason": dispute_reason_checked,  # 422 unknown_dispute_reason
    "event": carrier_event_parse,  # 422 unknown_carrier_event
    "metric": measure_of,  # 422 unknown_metric
    "reason_code": refusal_reason_parse,  # 422 unknown_refusal_reason
}


def choice_refusal(errors: list[dict[str, Any]],
                   inputs: list[tuple[str, object]]) -> DomainError | None:
    """The service's refusal when every validation error is an off-list value of a field in
    _REFUSALS (so the documented code stays stable), else None: the generic invalid_input."""
    if not errors or not inputs:
        return None
    for error in errors:
        field = error["loc"][-1] if error.get("loc") else None
        if error.get("type") != "literal_error" or field not in _REFUSALS:
            return None
    field, value = inputs[0]
    if not isinstance(value, str) or field not in _REFUSALS:
        return None
    try:
        _REFUSALS[field](value)
    except DomainError as refusal:
        return refusal
    return None
