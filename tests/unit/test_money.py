"""R3: exact money, and allocation that adds up to the cent."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import Money, allocate, total

FEW = settings(max_examples=60, deadline=None)

amounts = st.integers(min_value=0, max_value=10**9)
signed_amounts = st.integers(min_value=-(10**9), max_value=10**9)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)


# allocate(): properties


@FEW
@given(amount=signed_amounts, weights=weight_lists)
def test_r3_allocate_shares_sum_exactly_to_the_amount(amount, weights):
    # given any amount and any non-negative weights
    # when the amount is allocated
    shares = allocate(amount, weights)
    # then there is one share per weight and the shares add up to the amount, to the unit
    assert len(shares) == len(weights)
    assert sum(shares) == amount


@FEW
@given(amount=amounts, weights=weight_lists)
def test_r3_allocate_no_share_is_negative_for_a_non_negative_amount(amount, weights):
    # given a non-negative amount
    # when it is allocated
    shares = allocate(amount, weights)
    # then no share is negative
    assert all(share >= 0 for share in shares)


@FEW
@given(amount=signed_amounts, weights=weight_lists)
def test_r3_allocate_each_share_is_within_one_unit_of_its_exact_proportion(amount, weights):
    # given any amount and weights (all-zero weights split evenly)
    effective = weights if sum(weights) else [1] * len(weights)
    weight_sum = sum(effective)
    # when it is allocated
    shares = allocate(amount, weights)
    # then each share differs from amount * w / W by less than one minor unit
    for share, weight in zip(shares, effective, strict=True):
        assert abs(share - Fraction(amount * weight, weight_sum)) < 1


@FEW
@given(amount=amounts, weights=weight_lists)
def test_r3_allocate_no_share_exceeds_its_weight_when_the_amount_fits(amount, weights):
    # given an amount no larger than the sum of the (non-zero) weights
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    amount = amount % (sum(weights) + 1)
    # when it is allocated
    shares = allocate(amount, weights)
    # then no part gets back more than it weighed (a discount never exceeds a line)
    assert all(share <= weight for share, weight in zip(shares, weights, strict=True))


@FEW
@given(amount=amounts, weights=weight_lists)
def test_r3_allocate_is_deterministic_and_monotone_in_the_weights(amount, weights):
    # given one amount and weights
    # when it is allocated twice
    first = allocate(amount, weights)
    second = allocate(amount, list(weights))
    # then both answers are the same, and a heavier weight never gets a smaller share
    assert first == second
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert first[i] >= first[j]
            if wi == wj and i < j:
                # ties: the earlier weight gets the leftover unit, never the later one
                assert first[i] - first[j] in (0, 1)


@FEW
@given(amount=signed_amounts, weights=weight_lists)
def test_r3_allocate_a_negative_amount_mirrors_the_positive_one(amount, weights):
    # given an amount and its negation
    # when both are allocated over the same weights
    # then the shares are exact negations of each other
    assert allocate(-amount, weights) == [-share for share in allocate(amount, weights)]


# allocate(): exact examples


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (2, [1, 1, 1], [1, 1, 0]),
        (1, [1, 1], [1, 0]),
        (1, [1, 2], [0, 1]),
        (10, [2500, 300], [9, 1]),
        (101, [1, 1, 1], [34, 34, 33]),
        (5, [0, 0], [3, 2]),
        (7, [0, 5], [0, 7]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (0, [3, 4], [0, 0]),
        (0, [], []),
    ],
)
def test_r3_allocate_examples_give_leftover_units_to_largest_remainders_then_earliest(
    amount, weights, expected
):
    # given an amount and weights
    # when it is allocated
    # then the leftover units go to the largest remainders, ties to the earlier weight
    assert allocate(amount, weights) == expected


def test_r3_allocate_refuses_negative_weights():
    # given a negative weight
    # when an amount is allocated over it
    # then it is refused
    with pytest.raises(ValueError, match="weights must not be negative"):
        allocate(10, [5, -1])


def test_r3_allocate_refuses_a_non_zero_amount_over_no_weights():
    # given no weights
    # when a non-zero amount is allocated
    # then it is refused, since the money would vanish
    with pytest.raises(ValueError, match="no weights"):
        allocate(1, [])


# Money arithmetic


@FEW
@given(a=signed_amounts, b=signed_amounts)
def test_r3_money_add_and_subtract_are_exact_integers(a, b):
    # given two amounts in one currency
    x, y = Money(a, "USD"), Money(b, "USD")
    # when they are added and subtracted
    # then the results are the exact integer sums, in the same currency
    assert x + y == Money(a + b, "USD")
    assert x - y == Money(a - b, "USD")
    assert (x + y) - y == x


@FEW
@given(a=signed_amounts, factor=st.integers(min_value=-1000, max_value=1000))
def test_r3_money_multiplied_by_a_whole_number_stays_exact(a, factor):
    # given an amount and a whole factor (a quantity)
    # when they are multiplied
    # then the result is the exact product
    assert Money(a, "EUR") * factor == Money(a * factor, "EUR")


@FEW
@given(a=signed_amounts, b=signed_amounts)
def test_r3_money_comparisons_follow_the_amounts(a, b):
    # given two amounts in one currency
    x, y = Money(a, "GBP"), Money(b, "GBP")
    # when they are compared
    # then the order is that of the integers
    assert (x < y) is (a < b)
    assert (x <= y) is (a <= b)
    assert (x > y) is (a > b)
    assert (x >= y) is (a >= b)


def test_r3_money_zero_and_total():
    # given three amounts in USD
    parts = [Money(1250, "USD"), Money(1250, "USD"), Money(300, "USD")]
    # when they are totalled, and when nothing is
    # then the sum is exact, and the total of nothing is zero in the asked currency
    assert total(parts, "USD") == Money(2800, "USD")
    assert total([], "JPY") == Money.zero("JPY") == Money(0, "JPY")


@pytest.mark.parametrize(
    "operation",
    [
        lambda x, y: x + y,
        lambda x, y: x - y,
        lambda x, y: x < y,
        lambda x, y: x <= y,
        lambda x, y: x > y,
        lambda x, y: x >= y,
    ],
    ids=["add", "sub", "lt", "le", "gt", "ge"],
)
def test_r3_money_of_two_currencies_cannot_be_combined(operation):
    # given amounts in two currencies
    usd, eur = Money(100, "USD"), Money(100, "EUR")
    # when they are combined or compared
    with pytest.raises(DomainError) as caught:
        operation(usd, eur)
    # then it is refused as invalid input with the currency_mismatch code
    assert caught.value.code == "currency_mismatch"
    assert caught.value.kind is ErrorKind.INVALID
    assert "USD" in caught.value.message
    assert "EUR" in caught.value.message


def test_r3_currency_mismatch_message_names_both_currencies_in_order():
    # given a USD amount and a EUR amount
    # when the EUR amount is added to the USD one
    with pytest.raises(DomainError) as caught:
        Money(100, "USD") + Money(1, "EUR")
    # then the message names the left currency first
    assert caught.value.message == "Cannot combine USD with EUR."


def test_r3_total_of_mixed_currencies_is_a_currency_mismatch():
    # given a EUR amount among USD ones
    # when they are totalled in USD
    # then it is refused
    with pytest.raises(DomainError) as caught:
        total([Money(1, "USD"), Money(1, "EUR")], "USD")
    assert caught.value.code == "currency_mismatch"


def test_r3_money_refuses_floats_and_booleans():
    # given an amount that is not whole minor units
    # when Money is built from it
    # then it is refused, so no float ever enters a sum
    with pytest.raises(TypeError):
        Money(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")  # type: ignore[arg-type]


def test_r3_money_refuses_an_unsupported_currency():
    # given a currency the service does not handle
    # when Money is built in it
    with pytest.raises(DomainError) as caught:
        Money(100, "XYZ")
    # then it is refused as invalid input
    assert caught.value.code == "unsupported_currency"
    assert caught.value.kind is ErrorKind.INVALID


def test_r3_money_is_frozen_and_hashable():
    # given an amount
    price = Money(1250, "USD")
    # when someone tries to change it
    # then it cannot be changed, and equal amounts hash alike
    with pytest.raises(AttributeError):
        price.amount = 1  # type: ignore[misc]
    assert hash(price) == hash(Money(1250, "USD"))
    assert Money(0, "USD") != Money(0, "EUR")


# format() and as_dict()


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1250, "USD"), "12.50 USD"),
        (Money(-5, "USD"), "-0.05 USD"),
        (Money(0, "USD"), "0.00 USD"),
        (Money(7, "EUR"), "0.07 EUR"),
        (Money(-1250, "USD"), "-12.50 USD"),
        (Money(123456789, "GBP"), "1234567.89 GBP"),
        (Money(1250, "JPY"), "1250 JPY"),
        (Money(-30, "JPY"), "-30 JPY"),
        (Money(5, "KRW"), "5 KRW"),
        (Money(1234, "KWD"), "1.234 KWD"),
        (Money(-1, "KWD"), "-0.001 KWD"),
    ],
)
def test_r3_format_shows_the_currency_minor_units(money, text):
    # given an amount in minor units
    # when it is formatted
    # then it shows the currency's number of decimals and the sign
    assert money.format() == text


def test_r3_exponents_follow_iso_4217():
    # given currencies with 0, 2 and 3 decimals
    # when their exponents are read
    # then they are ISO 4217's
    assert [Money(1, c).exponent for c in ("JPY", "USD", "KWD")] == [0, 2, 3]


def test_r3_as_dict_is_the_json_form():
    # given an amount
    # when it is turned into its JSON form
    # then it is integer minor units and the currency code
    assert Money(2800, "USD").as_dict() == {"amount": 2800, "currency": "USD"}
