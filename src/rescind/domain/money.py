"""Exact money: integer minor units with an ISO 4217 code, and allocation without leaks (R3).

Any ISO 4217 currency, each with its own minor unit: 2 decimals for USD, EUR, BRL; none for
JPY and KRW; 3 for KWD and BHD. The list of currencies and their decimals come from Babel's
CLDR data (`babel.numbers`), not from a table kept here. An amount is always an integer count
of the currency's minor unit (cents, yen, fils), and nothing ever converts between currencies
(R21, R22: a refund is in the currency that was charged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from babel.numbers import get_currency_precision, list_currencies
from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind

SUPPORTED_CURRENCIES = frozenset(list_currencies())


@cache
def currency_exponent(currency: str) -> int:
    """The number of decimals of `currency`'s minor unit: 'USD' -> 2, 'JPY' -> 0, 'KWD' -> 3."""
    return get_currency_precision(currency)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency (cents of USD, yen of JPY, fils of KWD).
    Never a float."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if self.currency not in SUPPORTED_CURRENCIES:
            raise DomainError(
                "unsupported_currency",
                _("Currency %(currency)s is not an ISO 4217 currency."),
                params={"currency": repr(self.currency)},
                kind=ErrorKind.INVALID,
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise DomainError(
                "currency_mismatch",
                _("Cannot combine %(currency)s with %(other)s."),
                params={"currency": self.currency, "other": other.currency},
                kind=ErrorKind.INVALID,
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def format(self) -> str:
        """Machine-plain form, e.g. '12.50 USD', '1500 JPY', '5.125 KWD' (logs, admin, the
        domain's own messages). Pages, e-mails and notifications show amounts in the reader's
        locale through rescind.web.money_format instead."""
        if self.exponent == 0:
            return f"{self.amount} {self.currency}"
        sign = "-" if self.amount < 0 else ""
        whole, minor = divmod(abs(self.amount), 10**self.exponent)
        return f"{sign}{whole}.{minor:0{self.exponent}d} {self.currency}"

    def split(self, weights: Sequence[int]) -> list[Money]:
        """This amount in shares proportional to `weights`, each in this currency, to its
        minor unit, adding up exactly to it (R3; see `allocate`)."""
        return [Money(share, self.currency) for share in allocate(self.amount, weights)]

    def as_dict(self) -> dict[str, int | str]:
        return {"amount": self.amount, "currency": self.currency}


def total(amounts: Sequence[Money], currency: str) -> Money:
    """Sum of amounts in one currency (zero for none)."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` minor units in proportion to `weights`, exactly (R3).

    Largest-remainder method: every share is floor(amount * w / W) and the leftover units go,
    one each, to the largest remainders (ties to the earlier weight). The shares always add up
    to `amount`, and no share exceeds its weight when amount <= sum(weights).
    """
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if amount < 0:
        return [-share for share in allocate(-amount, weights)]
    weight_sum = sum(weights)
    if not weights:
        if amount:
            raise ValueError("cannot allocate a non-zero amount over no weights")
        return []
    if weight_sum == 0:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    shares = [amount * w // weight_sum for w in weights]
    remainders = [amount * w % weight_sum for w in weights]
    leftover = amount - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return shares
