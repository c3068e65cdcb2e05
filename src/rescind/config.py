"""The policy and business calendar in force, read once per process from settings."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.policy import Policy, load_policy


@lru_cache(maxsize=1)
def policy() -> Policy:
    return load_policy(settings.RESCIND_POLICY_FILE)


@lru_cache(maxsize=1)
def calendar() -> BusinessCalendar:
    return BusinessCalendar(policy().calendar_country)
