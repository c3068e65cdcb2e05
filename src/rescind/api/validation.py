"""ninja's validation errors (pydantic's) with their human message in the caller's language
(issue 15). pydantic writes its `msg` in English only; for the kinds of error a caller of this
API meets, the message is said again in the language of the request. The `type`, `loc` and
`ctx` stay as pydantic gives them, and English callers get pydantic's own words unchanged."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# pydantic's error type -> its message (the English msgid is pydantic's own text).
MESSAGES = {
    "missing": _("Field required"),
    "extra_forbidden": _("Extra inputs are not permitted"),
    "int_type": _("Input should be a valid integer"),
    "int_parsing": _("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": _("Input should be a valid integer, got a number with a fractional "
                        "part"),
    "float_type": _("Input should be a valid number"),
    "float_parsing": _("Input should be a valid number, unable to parse string as a number"),
    "bool_type": _("Input should be a valid boolean"),
    "bool_parsing": _("Input should be a valid boolean, unable to interpret input"),
    "string_type": _("Input should be a valid string"),
    "list_type": _("Input should be a valid list"),
    "dict_type": _("Input should be a valid dictionary"),
    "model_attributes_type": _("Input should be a valid dictionary or object to extract "
                               "fields from"),
    "model_type": _("Input should be a valid dictionary or instance of the model"),
    "greater_than": _("Input should be greater than %(gt)s"),
    "greater_than_equal": _("Input should be greater than or equal to %(ge)s"),
    "less_than": _("Input should be less than %(lt)s"),
    "less_than_equal": _("Input should be less than or equal to %(le)s"),
    "json_invalid": _("Invalid JSON: %(error)s"),
}


def _counted(kind: str, ctx: dict[str, Any]) -> str | None:
    if kind == "string_too_long":
        n = ctx.get("max_length", 0)
        return ngettext("String should have at most %(max_length)s character",
                        "String should have at most %(max_length)s characters", n) % ctx
    if kind == "string_too_short":
        n = ctx.get("min_length", 0)
        return ngettext("String should have at least %(min_length)s character",
                        "String should have at least %(min_length)s characters", n) % ctx
    if kind == "too_long":
        n = ctx.get("max_length", 0)
        return ngettext("List should have at most %(max_length)s item after validation",
                        "List should have at most %(max_length)s items after validation",
                        n) % ctx
    return None


def error_message(error: dict[str, Any]) -> str:
    """The human message of one pydantic error in the active language: pydantic's own `msg` in
    English or for a kind of error not listed above."""
    if (translation.get_language() or "en").startswith("en"):
        return error.get("msg", "")
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    try:
        counted = _counted(kind, ctx)
        if counted is not None:
            return counted
        if kind in MESSAGES:
            return str(MESSAGES[kind]) % ctx if ctx else str(MESSAGES[kind])
    except (KeyError, TypeError, ValueError):  # a context other than the one expected
        pass
    return error.get("msg", "")
