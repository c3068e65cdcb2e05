"""Money in the reader's locale: shown (symbol, separators, placement) and typed (issue 15).

The one place that turns minor units into text for people and people's text into minor units.
Pages (the `money` filters), e-mails and notification texts all show amounts through
`money_text`; every page form that takes an amount reads it through `amount_parse`. Locale data
comes from Babel (CLDR), never from formats written here.

The locale follows the active Django language (`translation.override` for e-mails in the
recipient's language): en -> en_US ("$1,234.50"), es -> es_ES ("1.234,50 US$"), pt-br -> pt_BR
("US$ 1.234,50"), fr -> fr_FR ("1 234,50 $US"), ar -> ar ("‏1,234.50 US$"). Arabic keeps what
Babel's `ar` locale does (CLDR's default numbering system for `ar` is Latin digits, while
`ar_EG` and `ar_SA` would write Arabic-Indic ones): Latin digits with a right-to-left mark in
front, as the large Arabic-language marketplaces show prices across countries, and digits a
buyer can compare with their card statement. Arabic-Indic digits typed into a field are read
all the same. The API never formats: it
keeps integer minor units with the ISO code.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_currency_symbol,
    parse_decimal,
)
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import SUPPORTED_CURRENCIES, Money, currency_exponent

# Django language code -> Babel locale: the country whose conventions the language's readers
# most likely expect (the languages Rescind ships, issue 15).
LOCALES = {"en": "en_US", "es": "es_ES", "pt-br": "pt_BR", "fr": "fr_FR", "ar": "ar"}
DEFAULT_LOCALE = "en_US"
# Arabic-Indic and Persian digits typed on an Arabic keyboard read as the digits they are.
_ARABIC_INDIC = {chr(base + d): str(d) for base in (0x0660, 0x06F0) for d in range(10)}


@cache
def babel_locale(language: str | None) -> Locale:
    """A Django language code ('pt-br', 'es', 'en-us') -> its Babel locale; unknown: en_US."""
    language = (language or "en").lower()
    name = LOCALES.get(language) or LOCALES.get(language.split("-")[0]) or to_locale(language)
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def _locale(language: str | None) -> Locale:
    return babel_locale(language if language is not None else get_language())


def _decimal(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-currency_exponent(currency))


def money_text(value: Money | dict[str, Any] | None, language: str | None = None) -> str:
    """A Money or {'amount': 123450, 'currency': 'USD'} -> "$1,234.50" in the active language
    (or `language`); "" for none. Always the currency's own decimals: "¥1,500", "KWD5.125"."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        value = Money(value["amount"], value["currency"])
    return _formatted(value.amount, value.currency, _locale(language))


@lru_cache(maxsize=8192)
def _formatted(amount: int, currency: str, locale: Locale) -> str:
    """Babel's formatting is pure but not cheap (tens of µs), and a page repeats its amounts."""
    return format_currency(_decimal(amount, currency), currency, locale=locale,
                           currency_digits=True)


def amount_example(currency: str, language: str | None = None) -> str:
    """How an amount is typed in the reader's locale: "12.50" (en), "12,50" (es, fr), "1500"
    (JPY): the hint in the fields and in their error messages."""
    exponent = currency_exponent(currency)
    example = Decimal(1250).scaleb(-2) if exponent else Decimal(1500)
    pattern = "0." + "0" * exponent if exponent else "0"
    return format_decimal(example, format=pattern, locale=_locale(language))


def _bad(text: str, currency: str, locale: Locale) -> DomainError:
    example = amount_example(currency, str(locale))
    return DomainError("bad_amount",
                       _("%(text)s is not an amount: enter it like %(example)s.")
                       % {"text": text.strip() or '""', "example": example},
                       kind=ErrorKind.INVALID, details={"example": example})


def amount_parse(text: str, currency: str, language: str | None = None) -> int:
    """What a person typed -> minor units of `currency`, read in the reader's locale: "5,00" in
    Spanish and French, "5.00" in English, "1.234,50" in Portuguese, "1 234,50" in French.
    A currency symbol or code typed with it is allowed ("5,00 €", "$5"). Raises `bad_amount`
    for what is not a non-negative number in that locale (e.g. "5.00" in Spanish, where "." only
    groups thousands: ambiguous), and `amount_decimals` for more decimals than the currency has
    ("5.5" yen, "1.005" dollars)."""
    if currency not in SUPPORTED_CURRENCIES:
        raise DomainError("unsupported_currency",
                          _("%(currency)s is not an ISO 4217 currency.") % {"currency": currency},
                          kind=ErrorKind.INVALID)
    locale = _locale(language)
    cleaned = text
    for mark in sorted({get_currency_symbol(currency, locale=locale),
                        get_currency_symbol(currency, locale="en_US"), currency}, key=len,
                       reverse=True):
        cleaned = cleaned.replace(mark, "")
    # Spaces of any kind group thousands in French; elsewhere they only surround a symbol.
    cleaned = "".join(_ARABIC_INDIC.get(ch, ch) for ch in cleaned
                      if not (ch.isspace() or unicodedata.category(ch) in ("Zs", "Cf")))
    symbols = locale.number_symbols["latn"]
    cleaned = cleaned.replace("\u066b", symbols["decimal"])
    # Where "." groups nothing (French, Arabic) it is a decimal point too, as Babel reads it.
    allowed = set("0123456789") | {symbols["decimal"], symbols["group"], "."}
    if not cleaned[:1].isdigit() or set(cleaned) - allowed:
        raise _bad(text, currency, locale)
    try:
        value = parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError:
        raise _bad(text, currency, locale) from None
    exponent = currency_exponent(currency)
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        values = {"currency": currency, "count": exponent,
                  "example": amount_example(currency, str(locale))}
        raise DomainError("amount_decimals", (
            _("%(currency)s amounts have no decimals: enter it like %(example)s.")
            if exponent == 0 else
            _("%(currency)s amounts have at most %(count)s decimals: enter it like "
              "%(example)s.")) % values, kind=ErrorKind.INVALID,
                          details={"currency": currency, "decimals": exponent})
    return int(minor)
