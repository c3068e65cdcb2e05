"""Every error code's message is a text marked for translation and translated in every shipped
language (issue 15: "the API answers `message` in the requested language for every error
code"). The codes are collected from the source itself: every DomainError, TryLater and one_of
call and every error_response of the API, through the small helpers that pass a code and a
message on (`_bad(code, message)`), so a new code whose message is not marked or not translated
fails here."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from rescind.api.outage import PLAIN_ERRORS, REFUSED, server_error
from rescind.domain.errors import DomainError, ErrorKind
from rescind.translations import PACKAGE

LANGUAGES = ["es", "pt-br", "fr", "ar"]
RAISERS = {"DomainError": (0, 1), "TryLater": (0, 1), "error_response": (1, 2),
           "CsvRowError": (2, 3)}
MARKERS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}
# Not the marketplace's: the simulation, the operators' readiness probe and command line, the
# schema's history.
OTHERS = ("simulation/",
          "health.py", "database_ready.py", "cli.py", "migrations/")


@dataclass(frozen=True)
class Site:
    where: str
    codes: tuple[str, ...]
    messages: tuple[str, ...]  # the English msgids; empty when the message is not marked
    unmarked: str = ""  # the source of a message that is not a marked literal


def _msgids(node: ast.AST, tree: ast.Module) -> list[str] | None:
    """The msgids a message expression can show, or None if any branch is not marked."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in MARKERS and node.args:
        literal = node.args[-1] if node.func.id.startswith("pgettext") else node.args[0]
        if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
            return [literal.value]
        return None
    if isinstance(node, ast.Name):  # a module's constant: ROW_INCOMPLETE = _("…")
        value = _module_value(tree, node.id)
        return None if value is None else _msgids(value, tree)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _msgids(node.left, tree)
    if isinstance(node, ast.IfExp):
        body, orelse = _msgids(node.body, tree), _msgids(node.orelse, tree)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        table = _module_dict(tree, node.value.id)  # METHOD_DIFFERS[method]
        if table is None:
            return None
        found = [_msgids(value, tree) for value in table.values]
        return None if any(f is None for f in found) else [m for f in found for m in f]
    return None


def _module_value(tree: ast.Module, name: str) -> ast.AST | None:
    for statement in tree.body:
        target = statement.targets[0] if isinstance(statement, ast.Assign) else \
            statement.target if isinstance(statement, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == name:
            return statement.value
    return None


def _module_dict(tree: ast.Module, name: str) -> ast.Dict | None:
    value = _module_value(tree, name)
    return value if isinstance(value, ast.Dict) else None


def _codes(node: ast.AST) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.IfExp):
        body, orelse = _codes(node.body), _codes(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _argument(call: ast.Call, position: int, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _parameters(function: ast.FunctionDef) -> list[str]:
    return [a.arg for a in function.args.posonlyargs + function.args.args
            + function.args.kwonlyargs]


def _module_sites(path: Path) -> list[Site]:
    source = path.read_text()
    tree = ast.parse(source)
    where = str(path.relative_to(PACKAGE))
    # A helper that passes its own `code` and `message` parameters on raises for its callers.
    raisers = {name: {"code": (p[0], "code"), "message": (p[1], "message")}
               for name, p in RAISERS.items()}
    raisers["one_of"] = {"code": (99, "code"), "message": (99, "what")}  # keywords only
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        parameters = _parameters(function)
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            name = call.func.id if isinstance(call.func, ast.Name) else None
            if name not in raisers or function.name in raisers:
                continue
            code = _argument(call, *raisers[name]["code"])
            message = _argument(call, *raisers[name]["message"])
            if isinstance(code, ast.Name) and isinstance(message, ast.Name) \
                    and code.id in parameters and message.id in parameters:
                raisers[function.name] = {
                    "code": (parameters.index(code.id), code.id),
                    "message": (parameters.index(message.id), message.id)}
    sites = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        name = call.func.id if isinstance(call.func, ast.Name) else None
        if name not in raisers:
            continue
        code_node = _argument(call, *raisers[name]["code"])
        message = _argument(call, *raisers[name]["message"])
        codes = _codes(code_node) if code_node is not None else None
        if codes is None:
            continue  # passes on a code given to it (a helper above, a refusal told again)
        msgids = _msgids(message, tree) if message is not None else None
        sites.append(Site(f"{where}:{call.lineno}", codes, tuple(msgids or ()),
                          "" if msgids else ast.get_source_segment(source, message or call)))
    return sites


def error_sites() -> list[Site]:
    """Every place in the package that refuses with a literal code, with its message."""
    return [site for path in sorted(PACKAGE.rglob("*.py"))
            if not str(path.relative_to(PACKAGE)).startswith(OTHERS)
            for site in _module_sites(path)]


def test_every_error_code_has_a_message_marked_for_translation():
    # given every place that refuses with a code
    sites = error_sites()

    # then each message is a marked literal (or a choice between marked literals)
    unmarked = [f"{s.where} {s.codes}: {s.unmarked}" for s in sites if s.unmarked]
    assert unmarked == [], "\n".join(unmarked)
    # and the scan does see the codes (about 120 distinct ones)
    assert len({code for s in sites for code in s.codes}) > 100


def test_every_error_code_answers_in_every_shipped_language():
    # given every error message of every code, and the API's own plain errors
    msgids = {m: s.where for s in error_sites() for m in s.messages}
    msgids.update({message._args[0]: "api/outage.py"
                   for message in [m for _code, m in PLAIN_ERRORS.values()] + [REFUSED]})

    # when each is read in each shipped language
    untranslated = []
    for language in LANGUAGES:
        with translation.override(language):
            untranslated += [f"{language} {where}: {msgid!r}" for msgid, where in msgids.items()
                             if translation.gettext(msgid) == msgid]

    # then every one has a translation there
    assert untranslated == [], f"{len(untranslated)} untranslated:\n" + "\n".join(untranslated)


def test_a_refusal_raised_in_one_language_reads_in_the_language_it_is_shown_in():
    # given a refusal raised while Spanish is active
    from rescind.domain.messaging import decide_message

    with translation.override("es"), pytest.raises(DomainError) as raised:
        decide_message(body="x" * 5001, attachments=[], max_bytes=1000)
    # when it is read with Arabic active, then with English
    with translation.override("ar"):
        arabic = raised.value.message
    english = raised.value.message
    # then each reading is in the language active then, with the same code and details
    assert arabic == "يمكن أن تحتوي الرسالة على 5000 حرفًا على الأكثر."
    assert english == "A message may have at most 5000 characters."
    assert (raised.value.code, raised.value.details) == (
        "message_too_long", {"length": 5001, "max_characters": 5000})


def test_a_refusal_told_again_as_another_kind_keeps_its_translation():
    # given a refusal with a parameter, told again as a 422
    refusal = DomainError("coupon_expired", _("Coupon %(code)s has expired."),
                          params={"code": "SPRING"}).retold(kind=ErrorKind.INVALID)
    # when it is read in Spanish and in Arabic
    with translation.override("es"):
        spanish = str(refusal)
    with translation.override("ar"):
        arabic = refusal.message
    # then both are translated and filled in
    assert (spanish, arabic) == ("El cupón SPRING ha caducado.", "انتهت صلاحية القسيمة SPRING.")
    assert (refusal.code, refusal.kind) == ("coupon_expired", ErrorKind.INVALID)


def test_a_database_outage_answers_503_in_the_callers_language():
    # given an API request in Arabic (LocaleMiddleware has activated it) when the database fails
    request = RequestFactory().post("/api/v1/orders/1/cancellation-request")
    with translation.override("ar"):
        try:
            raise OperationalError("server closed the connection")
        except OperationalError:
            # when Django renders the uncaught error
            response = server_error(request)
    # then the 503 says so in Arabic, with its usual code
    assert (response.status_code, json.loads(response.content)) == (503, {
        "code": "service_unavailable",
        "message": "الخدمة غير متاحة مؤقتًا؛ يُرجى المحاولة مرة أخرى.", "details": {}})


def test_a_copied_or_pickled_refusal_is_still_translated_when_read():
    # given a refusal with a parameter
    import copy
    import pickle

    refusal = DomainError("coupon_expired", _("Coupon %(code)s has expired."),
                          kind=ErrorKind.INVALID, params={"code": "SPRING"})
    # when it is copied and pickled, then read in Spanish
    copied, unpickled = copy.copy(refusal), pickle.loads(pickle.dumps(refusal))
    with translation.override("es"):
        read = (copied.message, unpickled.message)
    # then both read in Spanish, with the same code and kind
    assert read == ("El cupón SPRING ha caducado.", "El cupón SPRING ha caducado.")
    assert (unpickled.code, unpickled.kind) == ("coupon_expired", ErrorKind.INVALID)
