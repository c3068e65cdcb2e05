"""Exact money: integer minor units with an ISO 4217 code, and allocation without leaks (R3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rescind.domain.errors import DomainError, ErrorKind

# Minor-unit exponents that differ from 2 (ISO 4217); everything else uses cents.
_EXPONENTS = {"JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}
SUPPORTED_CURRENCIES = frozenset(
    {"USD", "EUR", "GBP", "CNY", "BRL", "PLN", "RUB", "KRW", "JPY", "AUD", "CAD", "CHF", "KWD"}
)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents) of one currency. Never a float."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if self.currency not in SUPPORTED_CURRENCIES:
            raise DomainError(
                "unsupported_currency",
                f"Currency {self.currency!r} is not supported.",
                kind=ErrorKind.INVALID,
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise DomainError(
                "currency_mismatch",
                f"Cannot combine {self.currency} with {other.currency}.",
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
        return _EXPONENTS.get(self.currency, 2)

    def format(self) -> str:
        """Human form, e.g. '12.50 USD'."""
        if self.exponent == 0:
            return f"{self.amount} {self.currency}"
        sign = "-" if self.amount < 0 else ""
        whole, minor = divmod(abs(self.amount), 10**self.exponent)
        return f"{sign}{whole}.{minor:0{self.exponent}d} {self.currency}"

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
