"""Money in the reader's locale (issue 15; rescind.web.money_format): shown with the locale's
symbol, separators and placement, and typed back in the locale's own way. R3: always the
currency's own minor unit; R21/R22: never another currency than the one given."""

from __future__ import annotations

import pytest
from django.utils import translation

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import Money
from rescind.web.money_format import amount_example, amount_parse, babel_locale, money_text
from rescind.web.templatetags.rescind import money

NBSP, NNBSP, RLM = "\u00a0", "\u202f", "\u200f"

# (language, amount, currency) -> what the reader sees: 2, 0 and 3 decimals.
SHOWN = [
    ("en", 123450, "USD", "$1,234.50"),
    ("en", 1250, "EUR", "€12.50"),
    ("en", 1250, "BRL", "R$12.50"),
    ("en", 1500, "JPY", "¥1,500"),
    ("en", 5125, "KWD", "KWD5.125"),
    ("es", 123450, "USD", f"1.234,50{NBSP}US$"),
    ("es", 123450, "EUR", f"1.234,50{NBSP}€"),
    ("es", 1500000, "JPY", f"1.500.000{NBSP}JPY"),
    ("pt-br", 123450, "BRL", f"R${NBSP}1.234,50"),
    ("pt-br", 1250, "USD", f"US${NBSP}12,50"),
    ("pt-br", 5125, "BHD", f"BHD{NBSP}5,125"),
    ("fr", 123450, "EUR", f"1{NNBSP}234,50{NBSP}€"),
    ("fr", 1250, "USD", f"12,50{NBSP}$US"),
    ("fr", 1500, "KRW", f"1{NNBSP}500{NBSP}₩"),
    ("ar", 123450, "USD", f"{RLM}1,234.50{NBSP}US$"),
    ("ar", 1250, "EUR", f"{RLM}12.50{NBSP}€"),
    ("ar", 1500, "JPY", f"{RLM}1,500{NBSP}JP¥"),
]


@pytest.mark.parametrize(("language", "amount", "currency", "expected"), SHOWN)
def test_money_text_is_in_the_readers_locale_with_the_currencys_own_decimals(
        language, amount, currency, expected):
    # given an amount in minor units of its currency
    # when it is shown to a reader of `language`
    with translation.override(language):
        shown = money_text({"amount": amount, "currency": currency})
    # then it has that locale's symbol, separators and placement, and the currency's decimals
    assert shown == expected


def test_money_filter_follows_the_active_language_and_an_explicit_one_wins():
    # given a Spanish reader
    with translation.override("es"):
        # when the page's filter and an e-mail for an English recipient format the same amount
        page = money(Money(-286, "EUR"))
        mail = money_text(Money(-286, "EUR"), language="en")
    # then each is in its reader's format
    assert page == f'<span class="money">-2,86{NBSP}€</span>'
    assert mail == "-€2.86"


def test_arabic_keeps_latin_digits_with_a_right_to_left_mark():
    # given an Arabic reader (Babel's `ar` locale: CLDR's default digits for it are Latin)
    with translation.override("ar"):
        shown = money_text({"amount": 99900, "currency": "KWD"})
    # then the digits are Latin, the symbol is the Arabic one, and the text starts RTL
    assert shown == f"{RLM}99.900{NBSP}د.ك.{RLM}"
    assert all(not ("\u0660" <= ch <= "\u0669") for ch in shown)


@pytest.mark.parametrize(("language", "locale"), [
    ("en", "en_US"), ("es", "es_ES"), ("pt-br", "pt_BR"), ("fr", "fr_FR"), ("ar", "ar"),
    ("en-gb", "en_US"), ("de", "de"), ("xx-nope", "en_US"), (None, "en_US")])
def test_each_language_has_its_babel_locale(language, locale):
    assert str(babel_locale(language)) == locale


# Parsing what a person typed -> minor units of the currency.
TYPED = [
    ("en", "5.00", "USD", 500),
    ("en", "5", "USD", 500),
    ("en", "1,234.5", "USD", 123450),
    ("en", "$12.50", "USD", 1250),
    ("en", " 12.5 ", "EUR", 1250),
    ("es", "5,00", "EUR", 500),
    ("es", "1.234,50", "EUR", 123450),
    ("es", "12,50 €", "EUR", 1250),
    ("es", "1.500", "JPY", 1500),
    ("fr", "5,00", "EUR", 500),
    ("fr", "1 234,50", "EUR", 123450),
    ("fr", f"1{NNBSP}234,50{NBSP}€", "EUR", 123450),
    ("fr", "5.00", "EUR", 500),
    ("pt-br", "R$ 1.234,56", "BRL", 123456),
    ("pt-br", "5,5", "BRL", 550),
    ("ar", "12.50", "USD", 1250),
    ("ar", "١٢٫٥٠", "USD", 1250),
    ("en", "1500", "JPY", 1500),
    ("en", "1,500", "KRW", 1500),
    ("en", "5.125", "KWD", 5125),
    ("en", "5.1", "BHD", 5100),
    ("en", "0", "USD", 0),
]


@pytest.mark.parametrize(("language", "text", "currency", "expected"), TYPED)
def test_a_typed_amount_is_read_in_the_readers_locale(language, text, currency, expected):
    # given what a reader of `language` typed for an amount of `currency`
    # when it is read
    with translation.override(language):
        minor = amount_parse(text, currency)
    # then it is that many minor units of the currency
    assert minor == expected


@pytest.mark.parametrize(("language", "text", "currency", "example"), [
    ("en", "5,00", "USD", "12.50"),
    ("es", "5.00", "EUR", "12,50"),
    ("en", "abc", "USD", "12.50"),
    ("en", "", "USD", "12.50"),
    ("en", "-5", "USD", "12.50"),
    ("en", "5..0", "USD", "12.50"),
    ("fr", "12,50 £", "EUR", "12,50"),
    ("en", "1e3", "USD", "12.50"),
    ("es", "NaN", "JPY", "1500"),
])
def test_what_is_not_an_amount_in_the_readers_locale_is_refused_with_an_example(
        language, text, currency, example):
    # given text that is no amount in the reader's locale ("5.00" only groups in Spanish)
    # when it is read
    with translation.override(language), pytest.raises(DomainError) as refused:
        amount_parse(text, currency)
    # then it is refused with a stable code and a message showing how to type one
    assert refused.value.code == "bad_amount"
    assert refused.value.kind is ErrorKind.INVALID
    assert refused.value.message.endswith(f" {example}.")  # in the reader's language
    assert refused.value.details == {"example": example}


@pytest.mark.parametrize(("text", "currency", "message"), [
    ("5.5", "JPY", "JPY amounts have no decimals: enter it like 1500."),
    ("1.005", "USD", "USD amounts have at most 2 decimals: enter it like 12.50."),
    ("5.1255", "KWD", "KWD amounts have at most 3 decimals: enter it like 12.500."),
])
def test_r3_more_decimals_than_the_currency_has_are_refused(text, currency, message):
    # given an amount finer than the currency's minor unit
    with translation.override("en"), pytest.raises(DomainError) as refused:
        amount_parse(text, currency)
    # then it is refused rather than rounded (R3: no unit is invented or lost)
    assert refused.value.code == "amount_decimals"
    assert refused.value.message == message


def test_trailing_zeros_beyond_the_minor_unit_are_the_same_amount():
    with translation.override("en"):
        assert amount_parse("1500.00", "JPY") == 1500
        assert amount_parse("5.100", "USD") == 510


def test_an_unknown_currency_is_refused():
    with pytest.raises(DomainError) as refused:
        amount_parse("5", "XYZ")
    assert refused.value.code == "unsupported_currency"


@pytest.mark.parametrize(("language", "currency", "example"), [
    ("en", "USD", "12.50"), ("es", "EUR", "12,50"), ("pt-br", "BRL", "12,50"),
    ("fr", "EUR", "12,50"), ("ar", "USD", "12.50"), ("en", "JPY", "1500"),
    ("fr", "KWD", "12,500")])
def test_the_example_amount_is_typed_as_the_reader_types(language, currency, example):
    assert amount_example(currency, language) == example


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr", "ar"])
@pytest.mark.parametrize(("amount", "currency"), [
    (123456, "USD"), (1, "EUR"), (999999, "BRL"), (1234567, "JPY"), (987654, "KWD")])
def test_an_amount_shown_reads_back_as_the_same_amount(language, amount, currency):
    # given an amount shown to a reader in their locale
    with translation.override(language):
        shown = money_text({"amount": amount, "currency": currency})
        # when the reader types exactly what they see
        # then it is the same amount of the same currency (R22)
        assert amount_parse(shown, currency) == amount


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "At most $28.00 is left to refund."),
    ("es", "28,00\xa0US$"),
])
def test_r22_an_amount_in_a_refusal_reads_in_the_readers_money_format(language, expected):
    # given a refusal naming an amount, raised where English is active
    from django.utils.translation import gettext_lazy

    refusal = DomainError("refund_exceeds_refundable",
                          gettext_lazy("At most %(refundable)s is left to refund."),
                          params={"refundable": Money(2800, "USD")})
    # when it is read by a reader of `language`
    with translation.override(language):
        message = refusal.message
    # then the amount is in that reader's format, not the machine form "28.00 USD"
    assert expected in message
    assert "28.00 USD" not in message
