"""Who a user is to an order: its buyer, its store's seller, or support (R28: the same checks for
pages and API)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from rescind.domain.actions import Party
from rescind.domain.errors import DomainError, ErrorKind


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, for the timeline (R29)."""

    party: Party
    user_id: int | None = None


PLATFORM = Actor(Party.PLATFORM)


def is_support(user) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def store_ids_of(user) -> list[int]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_rescind_store_ids", None)
    if cached is None:
        cached = list(user.stores.values_list("id", flat=True))
        user._rescind_store_ids = cached
    return cached


def party_on_order(user, order) -> Party | None:
    if not user.is_authenticated:
        return None
    if order.buyer_id == user.id:
        return Party.BUYER
    if order.store_id in store_ids_of(user):
        return Party.SELLER
    if is_support(user):
        return Party.SUPPORT
    return None


B, S, P = Party.BUYER, Party.SELLER, Party.SUPPORT
# Who may act, as the refusal says it to the one who may not.
NOT_YOURS = {
    frozenset({B}): _("Only the order's buyer may do this."),
    frozenset({S}): _("Only the order's seller may do this."),
    frozenset({P}): _("Only platform support may do this."),
    frozenset({B, S}): _("Only the order's buyer or seller may do this."),
    frozenset(): _("This is not yours to do on this order."),
}
# What support staff may be allowed to do (R16, R20, R22, R23), for the refusal of one who may not.
SUPPORT_PERMISSIONS = {
    "cancel shipments": _("Only support staff allowed to cancel shipments may do this."),
    "decide disputes": _("Only support staff allowed to decide disputes may do this."),
    "grant goodwill refunds": _("Only support staff allowed to grant goodwill refunds may do "
                                "this."),
    "retry refunds": _("Only support staff allowed to retry refunds may do this."),
}


def require_party(user, order, *allowed: Party) -> Actor:
    """The caller's role on the order, or an error: 404 if they may not see it at all, 403 if
    they may see it but this action is not theirs."""
    party = party_on_order(user, order)
    if party is None:
        raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
    if party not in allowed:
        raise DomainError("not_your_action", NOT_YOURS[frozenset(allowed)]
                          if frozenset(allowed) in NOT_YOURS else NOT_YOURS[frozenset()],
                          kind=ErrorKind.FORBIDDEN)
    return Actor(party, user.id)


def require_support_permission(user, order, *, permission: str, code: str,
                               doing: str) -> Actor:
    """Support staff holding `permission` (R20, R23): 404 to those who may not see the order,
    403 `code` to its buyer, its seller, or staff without the permission."""
    if not is_support(user):
        require_party(user, order, Party.SUPPORT)
    if not user.has_perm(permission):
        raise DomainError(code, SUPPORT_PERMISSIONS[doing], kind=ErrorKind.FORBIDDEN)
    return Actor(Party.SUPPORT, user.pk)
