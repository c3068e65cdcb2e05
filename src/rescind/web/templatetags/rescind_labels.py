"""Codes in words on the pages (rescind.web.labels): `{% state_label "dispute" d.state party %}`
and `{{ method|payment_method }}`."""

from django import template

from rescind.web.labels import payment_method_label
from rescind.web.labels import state_label as _state_label

register = template.Library()


@register.simple_tag
def state_label(kind: str, state: str, party: str) -> str:
    """A cancellation request's, change request's or dispute's state in its reader's words."""
    return _state_label(kind, state, party or "support")


@register.filter
def payment_method(method: str) -> str:
    return payment_method_label(method)
