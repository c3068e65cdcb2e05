"""Every text a person reads is translated into every shipped language (issue 15): the
catalogs are brought up to date on a copy of the package, as `rescind translations update`
would, and must then have nothing missing, fuzzy or with other placeholders."""

from __future__ import annotations

import shutil
from pathlib import Path

from rescind.translations import PACKAGE, SHIPPED, problems, update

HEADER = '''msgid ""
msgstr ""
"Language: {lang}\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: {plural}\\n"

'''


def _package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "rescind"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    return copy


def test_every_marked_text_is_translated_in_every_shipped_language(tmp_path):
    # given the package as it is, with its catalogs brought in line with its marked texts
    copy = _package_copy(tmp_path)
    update(copy)

    # then no catalog of any language lacks a translation, has a fuzzy one or other placeholders
    found = problems(copy)
    assert found == [], f"{len(found)} problems, the first: " + "\n".join(found[:30])


def _catalog(tmp_path: Path, lang: str, body: str) -> Path:
    po = tmp_path / "part" / "locale" / lang / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(HEADER.format(lang=lang, plural=SHIPPED[lang]) + body)
    return tmp_path


def test_the_check_names_each_kind_of_incomplete_message(tmp_path):
    # given a Spanish catalog with one good message and one of each problem
    root = _catalog(tmp_path, "es", '''msgid "Refund of %(amount)s"
msgstr "Reembolso de %(amount)s"

msgid "Order closed"
msgstr ""

#, fuzzy
msgid "Order paid"
msgstr "Pedido pagado"

msgid "Order #%(number)s"
msgstr "Pedido #%(numero)s"

msgid "%(count)s day"
msgid_plural "%(count)s days"
msgstr[0] "%(count)s día"
msgstr[1] ""
''')
    for lang in ("pt_BR", "fr", "ar"):
        _catalog(tmp_path, lang, "")

    # when it is checked
    found = problems(root)

    # then each problem is named once, with its catalog, and the good message is not
    assert found == [
        "part/locale/es/LC_MESSAGES/django.po: not translated: 'Order closed'",
        "part/locale/es/LC_MESSAGES/django.po: fuzzy: 'Order paid'",
        "part/locale/es/LC_MESSAGES/django.po: placeholders differ from the English: "
        "'Order #%(number)s'",
        "part/locale/es/LC_MESSAGES/django.po: plural forms missing (wants 2): "
        "('%(count)s day', '%(count)s days')",
    ]


def test_an_arabic_plural_needs_its_six_forms(tmp_path):
    # given an Arabic catalog whose plural message has the two forms of English only
    for lang in ("es", "pt_BR", "fr"):
        _catalog(tmp_path, lang, "")
    root = _catalog(tmp_path, "ar", '''msgid "%(count)s hour"
msgid_plural "%(count)s hours"
msgstr[0] "%(count)s ساعة"
msgstr[1] "%(count)s ساعات"
''')

    # then the check asks for the six forms of Arabic
    assert problems(root) == ["part/locale/ar/LC_MESSAGES/django.po: plural forms missing "
                              "(wants 6): ('%(count)s hour', '%(count)s hours')"]


def test_a_catalog_folder_without_a_language_is_named(tmp_path):
    # given a catalog folder with Spanish, Portuguese and French but no Arabic
    for lang in ("es", "pt_BR", "fr"):
        _catalog(tmp_path, lang, "")

    # then the missing language is named
    assert problems(tmp_path) == ["part/locale/ar/LC_MESSAGES/django.po: missing"]


def test_a_text_in_two_catalogs_is_translated_the_same_in_both(tmp_path):
    # given two catalogs that both hold "Closed", translated differently in Spanish
    for part, spanish in (("a", "Cerrado"), ("b", "Cerrada")):
        po = tmp_path / part / "locale" / "es" / "LC_MESSAGES" / "django.po"
        po.parent.mkdir(parents=True)
        po.write_text(HEADER.format(lang="es", plural=SHIPPED["es"])
                      + f'msgid "Closed"\nmsgstr "{spanish}"\n')
        for lang in ("pt_BR", "fr", "ar"):
            other = tmp_path / part / "locale" / lang / "LC_MESSAGES" / "django.po"
            other.parent.mkdir(parents=True)
            other.write_text(HEADER.format(lang=lang, plural=SHIPPED[lang]))

    # then the second is named: a page would show the first one's word wherever it is used
    assert problems(tmp_path) == [
        "b/locale/es/LC_MESSAGES/django.po: translated otherwise in "
        "a/locale/es/LC_MESSAGES/django.po: 'Closed'"]
