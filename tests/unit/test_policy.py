"""Policy values, each named after its rule, with DOMAIN.md's defaults and a TOML override."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.policy import (
    DEFAULT_REASONS,
    Policy,
    Reason,
    Side,
    load_policy,
    parse_duration,
    policy_from_mapping,
)

# Defaults


def test_r5_default_unpaid_timeout_is_20_days():
    # given the default policy
    # when the unpaid timeout is read
    # then it is DOMAIN.md's 20 days
    assert Policy().r5_unpaid_timeout == timedelta(days=20)


def test_r7_default_cancel_button_appears_24_hours_after_payment():
    # given the default policy
    # then the cancel action opens 24 hours after payment
    assert Policy().r7_cancel_available_after == timedelta(hours=24)


def test_r10_default_seller_response_window_is_72_hours():
    # given the default policy
    # then the seller has 72 hours to respond (the 14-day account is the alternative)
    assert Policy().r10_seller_response_window == timedelta(hours=72)


def test_r12_default_handling_time_is_7_working_days():
    # given the default policy
    # then the seller must ship within 7 working days, on the US calendar
    assert Policy().r12_handling_working_days == 7
    assert Policy().calendar_country == "US"


def test_r23_default_refund_deadlines_by_method():
    # given the default policy
    policy = Policy()
    # then e-wallet refunds arrive within 7 days, bank card within 15 working days, and a
    # refund starts within one working day of the decision
    assert policy.r23_ewallet_refund_days == 7
    assert policy.r23_bank_card_refund_working_days == 15
    assert policy.r23_refund_start_working_days == 1


def test_r27_default_seller_reminder_is_24_hours_before_auto_approval():
    # given the default policy
    # then the seller is reminded 24 hours before silence approves
    assert Policy().r27_seller_reminder_before == timedelta(hours=24)


def test_r10_load_policy_without_a_file_is_the_default():
    # given no policy file
    # when the policy is loaded
    # then it is the default policy
    assert load_policy(None) == Policy()
    assert load_policy("") == Policy()


# TOML override


def test_r10_toml_file_overrides_the_seller_response_window(tmp_path):
    # given a policy file choosing the alternative 14-day window
    path = tmp_path / "policy.toml"
    path.write_text('r10_seller_response_window = "14d"\n', encoding="utf-8")
    # when it is loaded
    policy = load_policy(path)
    # then that value changes and every other value keeps its default
    assert policy.r10_seller_response_window == timedelta(days=14)
    assert policy.r5_unpaid_timeout == timedelta(days=20)
    assert policy.r12_handling_working_days == 7
    assert policy.r8_reasons == DEFAULT_REASONS


def test_r12_r23_toml_policy_table_overrides_counts_and_country(tmp_path):
    # given a policy file with a [policy] table, given as a string path
    path = tmp_path / "policy.toml"
    path.write_text(
        "[policy]\n"
        "r12_handling_working_days = 10\n"
        "r23_ewallet_refund_days = 3\n"
        'r7_cancel_available_after = "1d12h"\n'
        'calendar_country = "DE"\n',
        encoding="utf-8",
    )
    # when it is loaded
    policy = load_policy(str(path))
    # then the listed values are taken from the file
    assert policy.r12_handling_working_days == 10
    assert policy.r23_ewallet_refund_days == 3
    assert policy.r7_cancel_available_after == timedelta(hours=36)
    assert policy.calendar_country == "DE"
    assert policy.r10_seller_response_window == timedelta(hours=72)


def test_r8_toml_file_replaces_the_reason_list(tmp_path):
    # given a policy file with its own list of reasons
    path = tmp_path / "policy.toml"
    path.write_text(
        "[[r8_reasons]]\n"
        'code = "changed_mind"\nlabel = "I changed my mind"\nside = "buyer"\n'
        "[[r8_reasons]]\n"
        'code = "never_shipped"\nlabel = "Never shipped"\nside = "seller"\n',
        encoding="utf-8",
    )
    # when it is loaded
    policy = load_policy(path)
    # then only those reasons exist, with their sides
    assert policy.r8_reasons == (
        Reason("changed_mind", "I changed my mind", Side.BUYER),
        Reason("never_shipped", "Never shipped", Side.SELLER),
    )
    assert policy.reason("never_shipped").side is Side.SELLER
    with pytest.raises(DomainError) as caught:
        policy.reason("out_of_stock")
    assert caught.value.code == "unknown_reason"


def test_r8_every_default_reason_explains_itself_and_a_toml_reason_may_too(tmp_path):
    # given the default reasons, and a policy file whose reason has an explanation
    path = tmp_path / "policy.toml"
    path.write_text(
        "[[r8_reasons]]\n"
        'code = "changed_mind"\nlabel = "I changed my mind"\nside = "buyer"\n'
        'explanation = "You no longer want it."\n',
        encoding="utf-8",
    )
    # when the file is loaded
    policy = load_policy(path)
    # then each default reason has a one-line explanation, and the file's reason keeps its own
    assert [r.code for r in DEFAULT_REASONS if not r.explanation] == []
    assert all("\n" not in r.explanation for r in DEFAULT_REASONS)
    assert Policy().reason("wrong_shipping_details").explanation == \
        "The address or phone number on the order is wrong."
    assert policy.reason("changed_mind").explanation == "You no longer want it."


def test_r10_unknown_policy_key_is_refused(tmp_path):
    # given a policy file with a misspelt key
    path = tmp_path / "policy.toml"
    path.write_text('r10_seller_respond_window = "14d"\n', encoding="utf-8")
    # when it is loaded
    # then it is refused, naming the key
    with pytest.raises(ValueError, match="unknown policy value 'r10_seller_respond_window'"):
        load_policy(path)


def test_r12_policy_count_must_be_a_whole_number():
    # given a working-day count written as a string
    # when the policy is built from it
    # then it is refused
    with pytest.raises(ValueError, match="must be a whole number"):
        policy_from_mapping({"r12_handling_working_days": "7"})


def test_r10_bad_duration_in_the_policy_is_refused():
    # given a duration without a unit
    # when the policy is built from it
    # then it is refused
    with pytest.raises(ValueError, match="needs a unit"):
        policy_from_mapping({"r10_seller_response_window": "72"})


# parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("72h", timedelta(hours=72)),
        ("14d", timedelta(days=14)),
        ("90m", timedelta(minutes=90)),
        ("30s", timedelta(seconds=30)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(minutes=90)),
        ("1d1d", timedelta(days=2)),
        ("  3D ", timedelta(days=3)),
        ("0h", timedelta(0)),
    ],
)
def test_r10_parse_duration_reads_units(text, expected):
    # given a duration as written in the policy file or the demo clock
    # when it is parsed
    # then it is the matching timedelta
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "72", "h", "3 d", "-1d", "3x", "1d12", "d1", "1..5h"])
def test_r10_bad_durations_are_refused(text):
    # given text that is not a duration
    # when it is parsed
    # then it is refused with a ValueError
    with pytest.raises(ValueError):
        parse_duration(text)


# Reasons (R8)


@pytest.mark.parametrize(
    ("code", "side"),
    [
        ("ordered_wrong_item", Side.BUYER),
        ("no_longer_needed", Side.BUYER),
        ("found_better_price", Side.BUYER),
        ("wrong_shipping_details", Side.BUYER),
        ("paid_wrong_order", Side.BUYER),
        ("seller_too_slow", Side.SELLER),
        ("seller_asked_to_cancel", Side.SELLER),
        ("out_of_stock", Side.SELLER),
        ("seller_not_replying", Side.SELLER),
        ("duplicate_system_order", Side.PLATFORM),
    ],
)
def test_r8_each_reason_is_attributed_to_its_side(code, side):
    # given the default reasons
    # when a reason is looked up by code
    reason = Policy().reason(code)
    # then it is attributed to the side R8 names
    assert reason.code == code
    assert reason.side is side


def test_r8_the_reason_list_is_exactly_the_rule_books():
    # given the default policy
    # when its reason codes are listed
    # then there are the ten of R8, each once
    codes = [r.code for r in Policy().r8_reasons]
    assert len(codes) == len(set(codes)) == 10
    assert Policy().reason("ordered_wrong_item").label == "I ordered the wrong item"


def test_r8_unknown_reason_is_refused_with_the_allowed_codes():
    # given the default policy
    # when an unknown reason is looked up
    with pytest.raises(DomainError) as caught:
        Policy().reason("bored")
    # then it is invalid input, listing the allowed codes
    assert caught.value.code == "unknown_reason"
    assert caught.value.kind is ErrorKind.INVALID
    assert caught.value.details == {"allowed": sorted(r.code for r in DEFAULT_REASONS)}


@pytest.mark.parametrize(("text", "message"), [
    ("r12_handling_working_days = true", "whole number"),
    ("r23_ewallet_refund_days = -3", "whole number"),
    ('r10_seller_response_window = "0h"', "positive duration"),
    ('calendar_country = "ZZ"', "unknown country"),
])
def test_r12_r23_policy_file_refuses_values_that_make_no_sense(tmp_path, text, message):
    # given a policy file with a nonsensical value, when it is loaded, then it says which
    path = tmp_path / "policy.toml"
    path.write_text(text + "\n")
    with pytest.raises(ValueError, match=message):
        load_policy(path)


def test_r10_r12_r23_documented_example_policy_file_states_the_defaults():
    # given the example policy shipped in docs/, when it is loaded, then it is the default policy
    from pathlib import Path

    from rescind.domain.policy import Policy

    example = Path(__file__).resolve().parents[2] / "docs" / "policy.example.toml"
    assert load_policy(example) == Policy()
