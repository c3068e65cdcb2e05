"""Every text a person reads in the web templates is marked for translation (issue 15): the
templates are cut into tokens with Django's own template Lexer; what is left of a TEXT token once
its HTML tags, entities and punctuation are taken out must hold no letters, and no attribute a
person reads (title, aria-label, placeholder, alt, data-confirm, data-confirm-label, data-label)
may hold letters outside a translation tag. Texts inside {% translate %} / {% blocktranslate %}
are the translation machinery's; variables ({{ }}) are filled by Python, checked there."""

from __future__ import annotations

import html
import re
from pathlib import Path

from django.template.base import Lexer, TokenType

import rescind

TEMPLATES = Path(rescind.__file__).resolve().parent / "web" / "templates"

# Words a person reads that stay the same in every language.
KEPT = {
    "Rescind",  # the brand
    "PNG", "JPEG", "GIF", "WebP", "PDF", "PDFs", "CSV", "UTF", "KiB",  # file formats, units
}
# Whole templates left in English, and why.
EXEMPT = {
    # The component catalogue for the people who build the pages (demo mode only): its prose
    # explains HTML classes and template code, like the operators' CLI output (not translated).
    "rescind/design.html",
}
# Attributes a person reads (or hears, from a screen reader).
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-confirm",
                   "data-confirm-label", "data-label", "label")

# Arguments of {% include %} that a component shows to a person (components/*.html).
_INCLUDE_TEXT = re.compile(
    r"""\b(label|hint|title|text|link_label|placeholder|error)=("[^"]*"|'[^']*')""")
_TAG = re.compile(r"<[^>]*>", re.S)
_ATTRIBUTE = re.compile(r"""\s(""" + "|".join(READ_ATTRIBUTES)
                        + r""")\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_WORD = re.compile(r"[^\W\d_]{2,}|[^\W\d_](?=\W|$)")


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*.html"))


def _words(text: str) -> list[str]:
    return [word for word in _WORD.findall(html.unescape(text)) if word not in KEPT]


def _untranslated(source: str) -> list[str]:
    """The texts of one template a person reads that are not marked for translation."""
    found, depth, text = [], 0, []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in {"blocktranslate", "blocktrans", "comment", "verbatim"}:
                depth += 1
            elif name in {"endblocktranslate", "endblocktrans", "endcomment", "endverbatim"}:
                depth -= 1
            elif depth == 0:
                if name == "include":
                    found += [f"{{% include … {key}={value} %}}"
                              for key, value in _INCLUDE_TEXT.findall(token.contents)
                              if _words(value)]
                text.append(" \x00 ")  # a tag splits an attribute value: fill it with a stand-in
            continue
        if token.token_type == TokenType.VAR and depth == 0:
            text.append("\x00")
        if token.token_type == TokenType.TEXT and depth == 0:
            text.append(token.contents)
    whole = "".join(text)
    for match in _ATTRIBUTE.finditer(whole):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if _words(value.replace("\x00", " ")):
            found.append(f'{match.group(1)}="{value.replace(chr(0), "{…}")}"')
    for piece in _TAG.sub(" ", whole).split("\x00"):
        if _words(piece):
            found.append(" ".join(piece.split()))
    return found


def test_every_text_a_person_reads_in_the_templates_is_marked_for_translation():
    # given every web template but the exempt ones
    templates = [path for path in _templates()
                 if path.relative_to(TEMPLATES).as_posix() not in EXEMPT]
    assert len(templates) >= 33

    # when each is read as Django's Lexer reads it
    found = {path.relative_to(TEMPLATES).as_posix(): _untranslated(path.read_text())
             for path in templates}

    # then none has a readable text outside {% translate %} / {% blocktranslate %}
    found = {name: texts for name, texts in found.items() if texts}
    assert found == {}


def test_the_check_finds_plain_text_and_readable_attributes_but_not_marked_texts():
    # given a template with marked texts, markup, variables and four unmarked texts
    source = ('{% load i18n %}<p class="hint">{% translate "Refund" %} · {{ amount }}</p>'
              '<button aria-label="Close it" data-x="{{ y }}">{% blocktranslate %}Send {{ n }}'
              '{% endblocktranslate %}</button><img alt="{% translate "Photo" %}" src="a.png">'
              '<p>Placed {{ when }}</p><input placeholder="{{ p }} e.g. 5">'
              '<span title="Rescind">&nbsp;#{{ id }} — 12 %</span>'
              '{% include "c.html" with label=_("Amount") hint="Optional." tone="info" %}')

    # when it is checked
    found = _untranslated(source)

    # then exactly the unmarked argument, attribute and texts are named, the brand is not
    assert found == ['{% include … hint="Optional." %}', 'aria-label="Close it"',
                     'placeholder="{…} e.g. 5"', "Placed"]
