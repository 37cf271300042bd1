"""Wording of recommendations in Albanian (sq), Serbian (sr, Latin script) and English (en).

Templates are Python format strings filled by :func:`fill`, which fills only
plain ``{name}`` fields and leaves anything else (unknown names, attribute
access) as written instead of raising. The fields are those of
:data:`trustsurvey.questionnaire.sections.TEMPLATE_FIELDS` plus ``where``
(`` (Region: Prizren)`` or empty for Kosovo as a whole), ``national`` (the
national estimate), ``ci`` (the confidence interval), ``relation`` (``below``
or ``above`` the goal, by its direction: ``nën``/``mbi``, ``ispod``/``iznad``)
and ``responsible`` (the default responsible institution). Levels (``estimate``, ``goal``,
``previous``, ``threshold`` of level rules) are percentages with one decimal
for shares (``45.3%``; ``45,3%`` in sq and sr) and one decimal for means and
indices; ``change`` and ``gap`` (and the ``threshold`` of the decline and gap
rules) are sizes without a sign, in percentage points for shares
(``5.2 percentage points``): the template's verb says the direction.

Responsible institution: a region's Regional Police Directorate for a region
(or a municipality of it), otherwise the General Police Directorate and the
Directorate of Community Policing and Prevention (the strategy's GPD and
DCPP). Deadline: the end of the next survey year.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from typing import Any

__all__ = [
    "LANGUAGES",
    "fill",
    "format_value",
    "format_points",
    "format_p",
    "Labeller",
    "responsible_institution",
    "DEFAULT_TEMPLATES",
    "PLAN_HEADERS",
    "STATUS_LABELS",
    "COST",
]

LANGUAGES = ("sq", "sr", "en")
from ..vocabulary import PROPORTION_METRICS as _PROPORTION_METRICS  # noqa: E402


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``template`` safely.

    Only plain ``{name}`` fields (with an optional format spec) are filled;
    unknown names, positional fields and attribute or index access
    (``{item_label.__class__}``) are left as written, and a malformed template
    is returned unchanged -- a questionnaire file can never make the
    formatter reach into Python objects.

    Examples
    --------
    >>> fill("Raise {item_label}{where} to {goal}", {"item_label": "trust", "where": "", "goal": "70.0%"})
    'Raise trust to 70.0%'
    >>> fill("{item_label.__class__} {0} {n}", {"item_label": "x"})
    '{item_label.__class__} {0} {n}'
    >>> fill("odd {brace", {})
    'odd {brace'
    """
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError:
        return template
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        if name.isidentifier() and name in values:
            value = values[name]
            try:
                out.append(format(value if conversion is None else _convert(value, conversion), spec or ""))
                continue
            except (ValueError, TypeError):
                pass
        out.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


_FORMATTER = string.Formatter()


def _convert(value: Any, conversion: str) -> Any:
    return {"s": str, "r": repr, "a": ascii}.get(conversion, str)(value)


def _decimal(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang in ("sq", "sr") else text


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def format_value(x, metric: str, lang: str = "en") -> str:
    """A level: a share as a percentage with one decimal, a mean with one decimal.

    Examples
    --------
    >>> format_value(0.4531, "top2"), format_value(0.4531, "top2", "sq"), format_value(3.14, "mean")
    ('45.3%', '45,3%', '3.1')
    """
    if not _finite(x):
        return "–"
    if metric in _PROPORTION_METRICS or metric not in ("mean",):
        return _decimal(f"{100 * float(x):.1f}%", lang)
    return _decimal(f"{float(x):.1f}", lang)


_POINTS = {
    "en": ("percentage points", "points"),
    "sq": ("pikë përqindjeje", "pikë"),
    "sr": ("procentnih poena", "poena"),
}


def format_points(x, metric: str, lang: str = "en", *, signed: bool = False) -> str:
    """A difference: percentage points for shares, points for means.

    Examples
    --------
    >>> format_points(-0.052, "top2", signed=True), format_points(0.4, "mean", "sr")
    ('-5.2 percentage points', '0,4 poena')
    """
    if not _finite(x):
        return "–"
    prop = metric in _PROPORTION_METRICS or metric not in ("mean",)
    v = 100 * float(x) if prop else float(x)
    num = f"{v:+.1f}" if signed else f"{abs(v):.1f}"
    unit = _POINTS.get(lang, _POINTS["en"])[0 if prop else 1]
    return f"{_decimal(num, lang)} {unit}"


def format_p(p, lang: str = "en") -> str:
    """A p-value: ``p < 0.001`` or three decimals (decimal comma in sq and sr).

    Examples
    --------
    >>> format_p(0.0123), format_p(1e-5, "sq"), format_p(float("nan"))
    ('p = 0.012', 'p < 0,001', '')
    """
    if not _finite(p):
        return ""
    return _decimal("p < 0.001" if p < 0.001 else f"p = {float(p):.3f}", lang)


# --------------------------------------------------------------------------- labels
NATIONAL_LABEL = {"sq": "Kosova", "sr": "Kosovo", "en": "Kosovo"}

#: Police regions (as in the KP data dictionary); used when no questionnaire gives their labels
REGION_NAMES = {
    1: {"sq": "Prishtinë", "sr": "Priština", "en": "Prishtina"},
    2: {"sq": "Prizren", "sr": "Prizren", "en": "Prizren"},
    3: {"sq": "Pejë", "sr": "Peć", "en": "Peja"},
    4: {"sq": "Gjakovë", "sr": "Đakovica", "en": "Gjakova"},
    5: {"sq": "Mitrovicë Jug", "sr": "Južna Mitrovica", "en": "Mitrovica South"},
    6: {"sq": "Mitrovicë Veri", "sr": "Severna Mitrovica", "en": "Mitrovica North"},
    7: {"sq": "Gjilan", "sr": "Gnjilane", "en": "Gjilan"},
    8: {"sq": "Ferizaj", "sr": "Uroševac", "en": "Ferizaj"},
}


class Labeller:
    """Labels of items, demographics and groups in any language.

    Uses the questionnaire when there is one, then the labels the tables
    carry (in the language they were made in), then the ids.

    Parameters
    ----------
    questionnaire : Questionnaire, optional
    table : pandas.DataFrame, optional
        A breakdown or trend table (``item_label``, ``group_label``, ``level_label``).
    """

    def __init__(self, questionnaire: Any = None, table=None):
        self.q = questionnaire
        self._items: dict[str, str] = {}
        self._groups: dict[tuple[str, str], str] = {}
        if table is not None and len(table):
            cols = set(table.columns)
            if {"item", "item_label"} <= cols:
                for i, lab in zip(table["item"].astype(str), table["item_label"]):
                    self._items.setdefault(i, str(lab) if isinstance(lab, str) and lab else i)
            if {"metric", "level", "level_label"} <= cols:
                opt = table["metric"].astype(str) == "option_share"
                for i, lab in zip(table.loc[opt, "level"].astype(str), table.loc[opt, "level_label"]):
                    self._items.setdefault(i, str(lab) if isinstance(lab, str) and lab else i)
            if {"by", "group", "group_label"} <= cols:
                for b, g, lab in zip(table["by"].astype(str), table["group"].astype(str), table["group_label"]):
                    self._groups.setdefault((b, g), str(lab) if isinstance(lab, str) and lab else g)

    def _q_label(self, id: str, lang: str) -> str | None:
        if self.q is None:
            return None
        try:
            if self.q.has_variable(id):
                return self.q.label(id, lang)
            if id in getattr(self.q, "index_ids", ()):
                idx = self.q.index(id)
                lab = idx.label
                return lab.get(lang) or lab.get("en") or None
        except Exception:  # noqa: BLE001 -- a label is never worth failing a plan
            return None
        return None

    def item(self, item: str, lang: str) -> str:
        """The short label of an item, option or index."""
        return self._q_label(item, lang) or self._items.get(item, item)

    def by(self, by: str, lang: str) -> str:
        """The label of a demographic (empty for the national figure)."""
        if by == "national":
            return ""
        return self._q_label(by, lang) or by

    def group(self, by: str, group: str, lang: str) -> str:
        """The label of a group (``Kosovo`` for the national figure)."""
        if by == "national":
            return NATIONAL_LABEL.get(lang, NATIONAL_LABEL["en"])
        if self.q is not None:
            try:
                code = int(float(group))
                if self.q.has_variable(by):
                    return self.q.value_label(by, code, lang)
            except Exception:  # noqa: BLE001
                pass
        if by == "region":
            code = _int(group)
            if code in REGION_NAMES:
                return REGION_NAMES[code].get(lang, REGION_NAMES[code]["en"])
        return self._groups.get((by, group), group)

    def region_name(self, code: int, lang: str) -> str:
        """The name of police region ``code`` in ``lang``."""
        if self.q is not None:
            try:
                if self.q.has_variable("region"):
                    return self.q.value_label("region", code, lang)
            except Exception:  # noqa: BLE001
                pass
        names = REGION_NAMES.get(code)
        return names.get(lang, names["en"]) if names else str(code)


def _int(x) -> int | None:
    try:
        return int(float(x))
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- institutions
GPD = {"sq": "Drejtoria e Përgjithshme e Policisë", "sr": "Generalna direkcija policije",
       "en": "General Police Directorate"}
DCPP = {"sq": "Drejtoria e Policisë në Bashkësi dhe Preventivë",
        "sr": "Direkcija policije u zajednici i prevencije",
        "en": "Directorate of Community Policing and Prevention"}
RPD = {"sq": "Drejtoria Rajonale e Policisë {region}", "sr": "Regionalna policijska uprava {region}",
       "en": "Regional Police Directorate {region}"}
POLICE_STATION = {"sq": "Stacioni Policor {name}", "sr": "Policijska stanica {name}", "en": "Police Station {name}"}


def region_of(by: str, group: str) -> int | None:
    """The police region of a group: the region itself, or a municipality's region (code // 100).

    Examples
    --------
    >>> region_of("region", "6"), region_of("municipality", "201"), region_of("gender", "1")
    (6, 2, None)
    """
    code = _int(group)
    if code is None:
        return None
    if by == "region":
        return code
    if by == "municipality" and code >= 100:
        return code // 100
    return None


def responsible_institution(by: str, group: str, lang: str, labeller: Labeller | None = None) -> str:
    """A region's Regional Police Directorate, otherwise the GPD and the DCPP.

    Examples
    --------
    >>> responsible_institution("region", "2", "sq")
    'Drejtoria Rajonale e Policisë Prizren'
    >>> responsible_institution("national", "all", "en")
    'General Police Directorate; Directorate of Community Policing and Prevention'
    """
    labeller = labeller or Labeller()
    region = region_of(by, group)
    if region is not None:
        return RPD.get(lang, RPD["en"]).format(region=labeller.region_name(region, lang))
    return f"{GPD.get(lang, GPD['en'])}; {DCPP.get(lang, DCPP['en'])}"


_STATIONS = {"sq": "Stacionet policore", "sr": "Policijske stanice", "en": "Police stations"}
_LPSC = {"sq": "Komitetet Lokale për Siguri Publike (KLSP)", "sr": "Lokalni komiteti za javnu bezbednost (LKJB)",
         "en": "Local Public Safety Committees (LPSC)"}
_MCSC = {"sq": "Këshillat Komunalë për Siguri në Bashkësi (KKSB)",
         "sr": "Opštinski saveti za bezbednost zajednice (OSBZ)",
         "en": "Municipal Community Safety Councils (MCSC)"}
_PRIO = {"sq": "Zyra për Informim dhe Marrëdhënie me Publikun", "sr": "Kancelarija za informisanje i odnose s javnošću",
         "en": "Public Relations and Information Office (PRIO)"}
_PIK = {"sq": "Inspektorati Policor i Kosovës (IPK)", "sr": "Policijski inspektorat Kosova (PIK)",
        "en": "Police Inspectorate of Kosovo (PIK)"}
_TRAINING = {"sq": "Divizioni i Trajnimit", "sr": "Odeljenje za obuku", "en": "Training Division"}
_MUNICIPALITIES = {"sq": "Komunat", "sr": "Opštine", "en": "Municipalities"}

#: default supporting institutions per rule
SUPPORTING = {
    "below_target": (_STATIONS, _LPSC, _MCSC),
    "decline": (_STATIONS, _LPSC, _MCSC),
    "group_gap": (_STATIONS, _LPSC, _MCSC),
    "low_awareness": (_PRIO, _MUNICIPALITIES, _STATIONS),
    "integrity_concern": (_PIK, _TRAINING),
    "high_dont_know": (_PRIO, _STATIONS),
}


def supporting_institutions(rule: str, by: str, group: str, lang: str, labeller: Labeller | None = None,
                            extra: tuple[Mapping[str, str], ...] = ()) -> str:
    """Default supporting institutions of a rule (plus a municipality's police station), ``; ``-joined."""
    labeller = labeller or Labeller()
    names = []
    if by == "municipality":
        names.append(POLICE_STATION.get(lang, POLICE_STATION["en"]).format(name=labeller.group(by, group, lang)))
    for inst in (*extra, *SUPPORTING.get(rule, (_STATIONS,))):
        text = inst.get(lang) or inst.get("en") or ""
        if text and text not in names:
            names.append(text)
    return "; ".join(names)


# --------------------------------------------------------------------------- templates
#: rule -> field -> language -> template
DEFAULT_TEMPLATES: dict[str, dict[str, dict[str, str]]] = {
    "below_target": {
        "text": {
            "en": "Reach the target of {goal} for {item_label}{where} (now {estimate}).",
            "sq": "Arritja e objektivit prej {goal} për „{item_label}”{where} (tani {estimate}).",
            "sr": "Dostići cilj od {goal} za „{item_label}”{where} (sada {estimate}).",
        },
        "indicator": {
            "en": "{item_label}{where} in the {next_wave} survey: target of {goal} reached",
            "sq": "„{item_label}”{where} në anketën e vitit {next_wave}: objektivi prej {goal} i arritur",
            "sr": "„{item_label}”{where} u istraživanju {next_wave}: dostignut cilj od {goal}",
        },
    },
    "decline": {
        "text": {
            "en": "Reverse the worsening of {item_label}{where}, from {previous} ({previous_wave}) to {estimate} ({wave}).",
            "sq": "Përmirësimi i treguesit „{item_label}”{where}, i cili u përkeqësua nga {previous} ({previous_wave}) "
                  "në {estimate} ({wave}).",
            "sr": "Poboljšati pokazatelj „{item_label}”{where}, koji se pogoršao sa {previous} ({previous_wave}) "
                  "na {estimate} ({wave}).",
        },
        "indicator": {
            "en": "{item_label}{where} in the {next_wave} survey: back to the {previous_wave} level ({previous})",
            "sq": "„{item_label}”{where} në anketën e vitit {next_wave}: kthim në nivelin e vitit {previous_wave} ({previous})",
            "sr": "„{item_label}”{where} u istraživanju {next_wave}: povratak na nivo iz {previous_wave}. ({previous})",
        },
    },
    "group_gap": {
        "text": {
            "en": "Close the gap in {item_label} for {group_label} ({group_variable}): {estimate} against {national} "
                  "in Kosovo as a whole ({gap}).",
            "sq": "Ngushtimi i dallimit në „{item_label}” për {group_label} ({group_variable}): {estimate} krahasuar "
                  "me {national} në nivel të Kosovës ({gap}).",
            "sr": "Smanjiti razliku u pokazatelju „{item_label}” za grupu {group_label} ({group_variable}): {estimate} "
                  "u odnosu na {national} na nivou Kosova ({gap}).",
        },
        "indicator": {
            "en": "Gap between {group_label} and Kosovo in {item_label} in the {next_wave} survey: less than {threshold}",
            "sq": "Dallimi ndërmjet {group_label} dhe Kosovës në „{item_label}” në anketën e vitit {next_wave}: "
                  "më pak se {threshold}",
            "sr": "Razlika između grupe {group_label} i Kosova u pokazatelju „{item_label}” u istraživanju {next_wave}: "
                  "manje od {threshold}",
        },
    },
    "low_awareness": {
        "text": {
            "en": "Run an awareness campaign ({item_label}){where}: only {estimate}, below the threshold of {threshold}.",
            "sq": "Fushatë vetëdijesimi („{item_label}”){where}: vetëm {estimate}, nën pragun prej {threshold}.",
            "sr": "Sprovesti kampanju informisanja („{item_label}”){where}: samo {estimate}, ispod praga od {threshold}.",
        },
        "indicator": {
            "en": "Share aware ({item_label}){where} in the {next_wave} survey: at least {threshold}",
            "sq": "Përqindja e të informuarve („{item_label}”){where} në anketën e vitit {next_wave}: së paku {threshold}",
            "sr": "Udeo informisanih („{item_label}”){where} u istraživanju {next_wave}: najmanje {threshold}",
        },
    },
    "integrity_concern": {
        "text": {
            "en": "Address integrity concerns ({item_label}){where}: {estimate} agree, above the threshold of {threshold}.",
            "sq": "Adresimi i shqetësimeve për integritetin („{item_label}”){where}: {estimate} pajtohen, mbi pragun "
                  "prej {threshold}.",
            "sr": "Odgovoriti na zabrinutost u vezi sa integritetom („{item_label}”){where}: {estimate} se slaže, "
                  "iznad praga od {threshold}.",
        },
        "indicator": {
            "en": "Share agreeing ({item_label}){where} in the {next_wave} survey: at most {threshold}",
            "sq": "Përqindja që pajtohet („{item_label}”){where} në anketën e vitit {next_wave}: më së shumti {threshold}",
            "sr": "Udeo onih koji se slažu („{item_label}”){where} u istraživanju {next_wave}: najviše {threshold}",
        },
    },
    "high_dont_know": {
        "text": {
            "en": "Close the information gap on {item_label}{where}: {dont_know} answered \"don't know\" "
                  "(threshold {threshold}).",
            "sq": "Mbyllja e mungesës së informimit për „{item_label}”{where}: {dont_know} u përgjigjën „nuk e di” "
                  "(pragu {threshold}).",
            "sr": "Smanjiti nedostatak informisanosti o „{item_label}”{where}: {dont_know} je odgovorilo „ne znam” "
                  "(prag {threshold}).",
        },
        "indicator": {
            "en": "Share answering \"don't know\" ({item_label}){where} in the {next_wave} survey: at most {threshold}",
            "sq": "Përqindja e përgjigjeve „nuk e di” („{item_label}”){where} në anketën e vitit {next_wave}: "
                  "më së shumti {threshold}",
            "sr": "Udeo odgovora „ne znam” („{item_label}”){where} u istraživanju {next_wave}: najviše {threshold}",
        },
    },
}

DEADLINE = {"sq": "31.12.{next_wave}", "sr": "31.12.{next_wave}.", "en": "31 December {next_wave}"}
DEADLINE_UNKNOWN = {"sq": "Fundi i vitit të ardhshëm të anketës", "sr": "Kraj sledeće godine istraživanja",
                    "en": "End of the next survey year"}
#: the strategy's usual cost entry for activities inside the police budget
COST = {"sq": "Buxhetuar", "sr": "U okviru budžeta", "en": "Budgeted"}

#: the strategy's action-plan columns
PLAN_HEADERS = {
    "en": ("Activity", "Measurement indicator", "Responsible institution", "Supporting institution",
           "Implementation deadline", "Cost", "Comments"),
    "sq": ("Aktiviteti", "Treguesi i matjes", "Institucioni përgjegjës", "Institucioni mbështetës",
           "Afati i zbatimit", "Kostoja", "Komente"),
    "sr": ("Aktivnost", "Indikator merenja", "Odgovorna institucija", "Institucija podrške",
           "Rok za sprovođenje", "Troškovi", "Komentari"),
}

STATUS_LABELS = {
    "new": {"sq": "e re", "sr": "nova", "en": "new"},
    "addressed": {"sq": "e adresuar", "sr": "ispunjena", "en": "addressed"},
    "in progress": {"sq": "në proces", "sr": "u toku", "en": "in progress"},
    "not addressed": {"sq": "e pa adresuar", "sr": "neispunjena", "en": "not addressed"},
    "worsened": {"sq": "e përkeqësuar", "sr": "pogoršano", "en": "worsened"},
    "no data": {"sq": "pa të dhëna", "sr": "nema podataka", "en": "no data"},
}

_WORDS = {
    "en": {"estimate": "Estimate", "ci": "95% CI", "national": "Kosovo", "previous": "previous", "change": "change",
           "adjusted": "adjusted", "interval_below": "the whole confidence interval is below the goal",
           "interval_above": "the whole confidence interval is above the threshold",
           "estimate_below": "only the point estimate is below the goal; the confidence interval includes it",
           "estimate_above": "only the point estimate is above the threshold; the confidence interval includes it",
           "test": "significant", "status": "status", "low_base": "caution: small base",
           "unreliable": "caution: imprecise estimate", "priority": "priority"},
    "sq": {"estimate": "Vlerësimi", "ci": "IB 95%", "national": "Kosova", "previous": "më parë", "change": "ndryshimi",
           "adjusted": "e korrigjuar", "interval_below": "i gjithë intervali i besueshmërisë është nën objektiv",
           "interval_above": "i gjithë intervali i besueshmërisë është mbi prag",
           "estimate_below": "vetëm vlerësimi pikësor është nën objektiv; intervali i besueshmërisë e përfshin atë",
           "estimate_above": "vetëm vlerësimi pikësor është mbi prag; intervali i besueshmërisë e përfshin atë",
           "test": "domethënës", "status": "statusi", "low_base": "kujdes: bazë e vogël",
           "unreliable": "kujdes: vlerësim i pasaktë", "priority": "prioriteti"},
    "sr": {"estimate": "Procena", "ci": "IP 95%", "national": "Kosovo", "previous": "ranije", "change": "promena",
           "adjusted": "korigovano", "interval_below": "ceo interval poverenja je ispod cilja",
           "interval_above": "ceo interval poverenja je iznad praga",
           "estimate_below": "samo je tačkasta procena ispod cilja; interval poverenja ga obuhvata",
           "estimate_above": "samo je tačkasta procena iznad praga; interval poverenja ga obuhvata",
           "test": "značajno", "status": "status", "low_base": "oprez: mali uzorak",
           "unreliable": "oprez: neprecizna procena", "priority": "prioritet"},
}


#: where the estimate lies relative to the goal: (for higher-is-better goals, for lower-is-better goals)
_RELATION = {"en": ("below", "above"), "sq": ("nën", "mbi"), "sr": ("ispod", "iznad")}


def template_values(row: Mapping[str, Any], lang: str, labeller: Labeller, *, wave: int | None,
                    previous_wave: int | None) -> dict[str, str]:
    """The placeholder values of one recommendation in ``lang``."""
    metric = str(row.get("metric", ""))
    by, group = str(row.get("by", "")), str(row.get("group", ""))
    item_key = str(row.get("item_key") or row.get("item", ""))
    item_label = labeller.item(item_key, lang)
    group_label = labeller.group(by, group, lang)
    by_label = labeller.by(by, lang)
    where = "" if by == "national" else f" ({by_label}: {group_label})"
    fv = lambda c: format_value(row.get(c), metric, lang)  # noqa: E731
    next_wave = None if wave is None else int(wave) + 1
    if previous_wave is None and wave is not None and _finite(row.get("previous")):
        previous_wave = int(wave) - 1
    values = {
        "item_label": item_label, "item_id": item_key, "group_label": group_label, "group_variable": by_label,
        "where": where, "estimate": fv("estimate"), "goal": fv("goal"), "national": fv("national"),
        "previous": fv("previous"), "dont_know": fv("estimate"),
        "change": format_points(row.get("change"), metric, lang),
        "gap": format_points(row.get("gap"), metric, lang),
        "threshold": (format_points(row.get("threshold"), metric, lang) if row.get("rule") in ("group_gap", "decline")
                      else fv("threshold")),
        "ci": f"{fv('ci_low')}–{fv('ci_high')}",
        "wave": "" if wave is None else str(wave), "previous_wave": "" if previous_wave is None else str(previous_wave),
        "next_wave": "" if next_wave is None else str(next_wave),
        "p_value": format_p(row.get("p_adj") if _finite(row.get("p_adj")) else row.get("p_value"), lang),
        "n": str(int(row["n_unweighted"])) if _finite(row.get("n_unweighted")) else "",
    }
    values["relation"] = _RELATION.get(lang, _RELATION["en"])[str(row.get("direction")) == "lower"]
    values["responsible"] = responsible_institution(by, group, lang, labeller)
    return values


def evidence_comment(row: Mapping[str, Any], lang: str, values: Mapping[str, str], *, status: str = "new") -> str:
    """The Comments cell: the evidence behind a recommendation, its id and (carried over) its status."""
    w = _WORDS.get(lang, _WORDS["en"])
    metric = str(row.get("metric", ""))
    parts = [f"{w['estimate']} {values['estimate']} ({w['ci']} {values['ci']})"
             + (f", n = {values['n']}" if values["n"] else "")]
    if row.get("by") != "national" and _finite(row.get("national")):
        parts.append(f"{w['national']} {values['national']}")
    if _finite(row.get("previous")):
        prev = f"{w['previous']} {values['previous']}"
        if values["previous_wave"]:
            prev += f" ({values['previous_wave']})"
        if _finite(row.get("change")):
            prev += f", {w['change']} {format_points(row.get('change'), metric, lang, signed=True)}"
        parts.append(prev)
    p = format_p(row.get("p_value"), lang)
    if p:
        pa = format_p(row.get("p_adj"), lang)
        parts.append(p + (f" ({w['adjusted']} {pa})" if pa else ""))
    basis = str(row.get("basis", ""))
    below = str(row.get("direction", "higher")) == "higher"
    if basis in ("interval", "estimate"):
        parts.append(w[f"{basis}_{'below' if below else 'above'}"])
    flag = str(row.get("flag", ""))
    if flag in ("low_base", "unreliable"):
        parts.append(w[flag])
    if status != "new":
        parts.append(f"{w['status']}: {STATUS_LABELS.get(status, {}).get(lang, status)}")
    if _finite(row.get("priority")):
        prio = _decimal(f"{float(row['priority']):.1f}", lang)
        parts.append(f"{w['priority']} {prio}")
    parts.append(f"id {row.get('id', '')}")
    return "; ".join(parts) + "."


def deadline_text(lang: str, wave: int | None, template: Mapping[str, str] | None = None) -> str:
    """The implementation deadline: the end of the next survey year."""
    if wave is None:
        return DEADLINE_UNKNOWN.get(lang, DEADLINE_UNKNOWN["en"])
    tpl = (template or {}).get(lang) or DEADLINE.get(lang, DEADLINE["en"])
    return fill(tpl, {"next_wave": str(int(wave) + 1), "wave": str(int(wave))})

