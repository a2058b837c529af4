"""Chinese first, English second (docs/decisions/0005-chinese-source-strings.md): the Chinese text is
the message id, the English catalogue in kexie/locale is complete and compiled, the language switcher
posts to Django's set_language view, and pages render in the chosen language while data stays as
entered."""

from __future__ import annotations

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from kexie.members.models import Membership
from kexie.people.models import Person

KEXIE = Path(settings.BASE_DIR)
PO = KEXIE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# The language names in the switcher are written in their own language on purpose.
LANGUAGE_NAMES = [name for _, name in settings.LANGUAGES]


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request through LocaleMiddleware leaves its language active in the thread; later tests that
    call services directly expect the default (Chinese) again."""
    yield
    translation.deactivate()


# --- the catalogue ---------------------------------------------------------------------------------

def parse_po(text: str) -> list[dict]:
    """Entries of a PO file as dicts: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], flags."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for line in [*text.splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry.get("msgid") is not None:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, value = line.split(" ", 1)
            entry[key] = ast.literal_eval(value)
    return entries


def catalogue() -> list[dict]:
    return [e for e in parse_po(PO.read_text(encoding="utf-8")) if e["msgid"]]


def po_keys() -> set[tuple[str | None, str]]:
    return {(e.get("msgctxt"), e["msgid"]) for e in catalogue()}


def test_po_is_complete():
    entries = catalogue()
    assert len(entries) > 300
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", ())]
    empty = [e["msgid"] for e in entries
             if not any(v for k, v in e.items() if k.startswith("msgstr"))
             or ("msgid_plural" in e and not all(e.get(f"msgstr[{i}]") for i in range(2)))]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not empty, f"untranslated entries: {empty}"
    header = parse_po(PO.read_text(encoding="utf-8"))[0]
    assert header["msgid"] == "" and "fuzzy" not in header.get("flags", ())
    assert "Language: en" in header["msgstr"]


def test_mo_is_compiled_from_the_current_po():
    """The committed .mo holds exactly the .po's translations (run `make messages` after editing)."""
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    expected: dict = {}
    for e in catalogue():
        if "fuzzy" in e.get("flags", ()) or not (e.get("msgstr") or e.get("msgstr[0]")):
            continue  # msgfmt leaves these out; test_po_is_complete reports them
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            for i in range(2):
                expected[(msgid, i)] = e[f"msgstr[{i}]"]
        else:
            expected[msgid] = e["msgstr"]
    compiled = {k: v for k, v in compiled.items() if k != ""}
    assert compiled == expected, "django.mo is out of date: run `make messages`"


_MARKERS = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}


def _python_msgids():
    for path in sorted(KEXIE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _MARKERS):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id.startswith("pgettext") and len(args) == 2:
                yield path, (args[0], args[1])
            elif len(args) == 1:
                yield path, (None, args[0])


_TRANSLATE = re.compile(r'\{%\s*translate\s+(?:"([^"]*)"|\'([^\']*)\')(?:\s+context\s+"([^"]*)")?')


def test_every_marked_string_is_in_the_catalogue():
    """A string marked in Python or in a {% translate %} tag but missing from the .po shows in Chinese
    to English users: run `make messages` and translate it."""
    known = po_keys()
    missing = [f"{p.relative_to(KEXIE)}: {k}" for p, k in _python_msgids() if k not in known]
    for path in sorted((KEXIE / "templates").rglob("*.html")):
        for double, single, ctx in _TRANSLATE.findall(path.read_text(encoding="utf-8")):
            msgid = double or single
            if (ctx or None, msgid) not in known:
                missing.append(f"{path.relative_to(KEXIE)}: {msgid}")
    assert not missing, missing


def test_templates_have_no_bare_chinese():
    """Chinese words in templates live only inside {% translate %} / {% blocktranslate %}."""
    found = []
    for path in sorted((KEXIE / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{%\s*blocktranslate.*?\{%\s*endblocktranslate\s*%\}", "", text, flags=re.S)
        text = re.sub(r'\{%\s*translate\s+(?:"[^"]*"|\'[^\']*\')[^%]*%\}', "", text)
        text = re.sub(r"\{#.*?#\}", "", text)
        # _("…") in a tag's or a variable's filter arguments is translated like {% translate %} (and collected by
        # makemessages): {% status_badge "x" _("在线") %}, {{ value|default:_("全省") }}
        text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", lambda m: re.sub(r'_\("[^"]*"\)', "", m.group(0)), text,
                      flags=re.S)
        found += [f"{path.relative_to(KEXIE)}: {line.strip()}" for line in text.splitlines()
                  if IDEOGRAPH.search(line)]
    assert not found, found


# --- pages -----------------------------------------------------------------------------------------

class _Text(HTMLParser):
    """Text nodes and visible attributes, with the <header> (navigation) collected apart."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.header: list[str] = []
        self.depth = 0
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "header" and ("class", "container-fluid topbar") in attrs:
            self.depth = 1
        elif self.depth and tag == "header":
            self.depth += 1
        self.in_script = tag in ("script", "style")
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder") and value:
                self._add(value)

    def handle_endtag(self, tag):
        if tag == "header" and self.depth:
            self.depth -= 1
        self.in_script = False

    def handle_data(self, data):
        if data.strip() and not self.in_script:
            self._add(data.strip())

    def _add(self, text):
        self.texts.append(text)
        if self.depth:
            self.header.append(text)


def _texts(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def _untranslated(html: str) -> list[str]:
    """Text nodes that are, word for word, a message id of the catalogue: a string that should have
    been translated. Data (names, organisations, expertise) is not in the catalogue."""
    msgids = {e["msgid"] for e in catalogue() if "%(" not in e["msgid"]}
    return [t for t in _texts(html).texts if t in msgids]


def _english(client: Client) -> Client:
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/orgs/"})
    assert resp.status_code == 302 and resp["Location"] == "/orgs/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


def _assert_english_navigation(html: str, user) -> None:
    header = _texts(html).header
    for label in ("AST Digital Platform", "Organisations", "S&T workers", "Members", "My profile", "Sign out"):
        assert any(label in t for t in header), (label, header)
    leftover = [t for t in header if CJK.search(t.replace(str(user), "")) and t not in LANGUAGE_NAMES]
    assert not leftover, f"untranslated navigation: {leftover}"
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_default_is_chinese(client_a, province):
    html = client_a.get("/orgs/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h2>组织树</h2>" in html and "科技工作者" in html and ">我的<" in html
    assert "Organisation tree" not in html
    # The switcher offers English, in English, and is a plain form: no script, no inline handler.
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html and ">English</button>" in html
    assert not re.search(r"\son[a-z]+=", html) and not re.search(r"<script(?![^>]*\bsrc=)", html)
    # A Chinese browser stays Chinese; an English one gets English without choosing.
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").get("/accounts/login/").content.decode()
    assert "登录科协数字平台" in chinese
    english = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").get("/accounts/login/").content.decode()
    assert "Sign in to the AST Digital Platform" in english and "登录" not in english


@pytest.mark.django_db
def test_tree_in_english(client_a, province):
    user = province["users"]["demo-city-a"]
    html = _english(client_a).get("/orgs/").content.decode()
    _assert_english_navigation(html, user)
    assert "<h2>Organisation tree</h2>" in html and "List view" in html and "Export to Excel" in html
    assert "Subordinate organisations:" in html
    assert province["city_a"].name in html  # data stays as entered
    assert not _untranslated(html)
    # The htmx fragment of the tree is English too.
    frag = client_a.get(f"/orgs/{province['city_a'].pk}/children/").content.decode()
    assert "Subordinate organisations:" in frag and not _untranslated(frag)


@pytest.mark.django_db
def test_people_list_in_english(client_a, province):
    user = province["users"]["demo-city-a"]
    html = _english(client_a).get("/people/").content.decode()
    _assert_english_navigation(html, user)
    assert "<h2>S&T workers</h2>" in html
    for heading in ("Name", "Gender", "Employer"):  # column headings (a sortable one is a link)
        assert re.search(rf'<th[^>]*>(<a [^>]*>)?{heading}(</a>)?</th>', html), heading
    assert "Export to Excel (current filters)" in html
    assert re.search(r"Total [\d,]+, page 1 of", html)
    someone = Person.objects.for_user(user).alive().order_by("-id").first()
    assert someone.name in html  # data stays Chinese
    assert not _untranslated(html)
    empty = client_a.get("/people/?q=没有这样的词zzz").content.decode()
    assert "No people match." in empty


@pytest.mark.django_db
def test_person_page_in_english(client_a, province):
    user = province["users"]["demo-city-a"]
    person = (Person.objects.for_user(user).alive().filter(memberships__isnull=False, birth_date__isnull=False)
              .first())
    html = _english(client_a).get(f"/people/{person.pk}/").content.decode()
    _assert_english_navigation(html, user)
    assert f"<h2>{person.name}</h2>" in html
    for label in ("<dt>Gender</dt>", "<dt>Date of birth</dt>", "<dt>ID number</dt>", "<dt>Expertise</dt>",
                  "<h3>Memberships</h3>", "<th>Society</th>", "<th>Dues paid through</th>"):
        assert label in html, label
    assert "Change history (" in html
    membership = Membership.objects.filter(person=person, deleted_at__isnull=True).first()
    with translation.override("en"):
        assert f"<td>{membership.get_status_display()}</td>" in html
    assert not _untranslated(html)


@pytest.mark.django_db
def test_messages_and_validation_follow_the_language(client_a, province):
    _english(client_a)
    resp = client_a.post("/people/new/", {"name": "测试丙", "org": province["city_a"].pk, "id_number": "123"})
    html = resp.content.decode()
    assert "An ID number has 18 characters" in html and "身份证号码应为18位" not in html
    client_a.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = client_a.post("/people/new/", {"name": "测试丙", "org": province["city_a"].pk,
                                          "id_number": "123"}).content.decode()
    assert "身份证号码应为18位" in html and '<html lang="zh-hans">' in html


@pytest.mark.django_db
def test_audit_history_is_stored_in_chinese_and_shown_translated(client_a, province):
    from kexie.core.audit import history_for
    from kexie.people import services

    user = province["users"]["demo-city-a"]
    person = Person.objects.for_user(user, "change").alive().first()
    _english(client_a)
    with translation.override("en"):
        services.update_person(user, person, {"position": "测试职务"})
    entry = history_for(person).first()
    assert "职务" in entry.data["after"]  # the record does not depend on the actor's language
    html = client_a.get(f"/people/{person.pk}/").content.decode()
    assert "<b>Position</b>: " in html
