from django import template

from rescind.domain.money import Money

register = template.Library()


@register.filter
def money(value) -> str:
    """{'amount': 1250, 'currency': 'USD'} or a Money -> '12.50 USD'."""
    if isinstance(value, dict):
        value = Money(value["amount"], value["currency"])
    return value.format()


@register.filter
def words(value: str) -> str:
    return (value or "").replace("_", " ")
