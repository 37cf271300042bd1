"""The report's own words in Albanian (sq), Serbian (sr, Latin script) and English (en).

Item, group and level labels come from the tables (the questionnaire's
translations); this module holds only the report's headings, column names and
notes. :func:`strings` returns one language's dictionary; a missing key in sq or
sr falls back to English.
"""

from __future__ import annotations

from ..errors import ReportError

__all__ = ["LANGS", "strings", "column_name", "HTML_LANG"]

LANGS = ("sq", "sr", "en")
#: The ``lang`` attribute of the HTML page.
HTML_LANG = {"sq": "sq", "sr": "sr-Latn", "en": "en"}

_EN = {
    "title": "Public trust and satisfaction with the Kosovo Police",
    "subtitle": "Annual survey report {year}",
    "contents": "Contents",
    "key_indicators": "Key indicators",
    "methodology": "Methodology",
    "sample": "Sample",
    "design": "Design",
    "weighting": "Weighting diagnostics",
    "margins": "Margins of error",
    "margins_note": "Half-width of the largest confidence interval of a share, in percentage points.",
    "figures": "Figures",
    "breakdown": "Results by group",
    "breakdown_note": "Share of favourable answers (top two) unless stated; ▲/▼ significantly above/below the "
                      "rest of the population (adjusted p below {alpha}); * low base; † unreliable; — not shown "
                      "(too few respondents).",
    "tests": "Statistical tests",
    "recommendations": "Recommendations",
    "action_plan": "Action plan (activity 2.2.2)",
    "notes": "Notes",
    "change_since": "since {year}",
    "significant": "significant",
    "not_significant": "not significant",
    "no_previous": "no earlier wave",
    "points": "pts",
    "ci": "95% CI",
    "generated": "Produced with trustsurvey {version}.",
    "suppressed": "not shown: too few respondents",
    "low_base": "low base",
    "unreliable": "unreliable",
    "empty": "No rows.",
    "by_demographic": "By {name}",
    "value": "Value",
    "item": "Indicator",
}

_SQ = {
    "title": "Besimi dhe kënaqësia e publikut me Policinë e Kosovës",
    "subtitle": "Raporti vjetor i anketës {year}",
    "contents": "Përmbajtja",
    "key_indicators": "Treguesit kryesorë",
    "methodology": "Metodologjia",
    "sample": "Mostra",
    "design": "Dizajni",
    "weighting": "Diagnostika e peshimit",
    "margins": "Marzhet e gabimit",
    "margins_note": "Gjysma e gjerësisë së intervalit më të gjerë të besueshmërisë së një përqindjeje, në pikë "
                    "përqindjeje.",
    "figures": "Grafikët",
    "breakdown": "Rezultatet sipas grupeve",
    "breakdown_note": "Përqindja e përgjigjeve pozitive (dy më të lartat) përveç nëse thuhet ndryshe; ▲/▼ dukshëm "
                      "mbi/nën pjesën tjetër të popullsisë (p e korrigjuar nën {alpha}); * bazë e vogël; † jo e "
                      "besueshme; — nuk shfaqet (shumë pak të anketuar).",
    "tests": "Testet statistikore",
    "recommendations": "Rekomandimet",
    "action_plan": "Plani i veprimit (aktiviteti 2.2.2)",
    "notes": "Shënime",
    "change_since": "krahasuar me {year}",
    "significant": "i rëndësishëm",
    "not_significant": "jo i rëndësishëm",
    "no_previous": "pa valë të mëparshme",
    "points": "pikë",
    "ci": "IB 95%",
    "generated": "Përgatitur me trustsurvey {version}.",
    "suppressed": "nuk shfaqet: shumë pak të anketuar",
    "low_base": "bazë e vogël",
    "unreliable": "jo e besueshme",
    "empty": "Nuk ka rreshta.",
    "by_demographic": "Sipas: {name}",
    "value": "Vlera",
    "item": "Treguesi",
}

_SR = {
    "title": "Poverenje i zadovoljstvo javnosti Kosovskom policijom",
    "subtitle": "Godišnji izveštaj istraživanja {year}",
    "contents": "Sadržaj",
    "key_indicators": "Ključni pokazatelji",
    "methodology": "Metodologija",
    "sample": "Uzorak",
    "design": "Dizajn",
    "weighting": "Dijagnostika ponderisanja",
    "margins": "Margine greške",
    "margins_note": "Polovina širine najšireg intervala poverenja jednog udela, u procentnim poenima.",
    "figures": "Grafikoni",
    "breakdown": "Rezultati po grupama",
    "breakdown_note": "Udeo pozitivnih odgovora (dve najviše kategorije) osim ako nije drugačije navedeno; ▲/▼ "
                      "značajno iznad/ispod ostatka populacije (korigovano p ispod {alpha}); * mala osnova; "
                      "† nepouzdano; — nije prikazano (premalo ispitanika).",
    "tests": "Statistički testovi",
    "recommendations": "Preporuke",
    "action_plan": "Akcioni plan (aktivnost 2.2.2)",
    "notes": "Napomene",
    "change_since": "u odnosu na {year}",
    "significant": "značajno",
    "not_significant": "nije značajno",
    "no_previous": "nema ranijeg talasa",
    "points": "poena",
    "ci": "IP 95%",
    "generated": "Izrađeno pomoću trustsurvey {version}.",
    "suppressed": "nije prikazano: premalo ispitanika",
    "low_base": "mala osnova",
    "unreliable": "nepouzdano",
    "empty": "Nema redova.",
    "by_demographic": "Po: {name}",
    "value": "Vrednost",
    "item": "Pokazatelj",
}

_COLUMNS = {
    "en": {
        "item": "Item", "item_label": "Item", "metric": "Measure", "level": "Code", "level_label": "Answer",
        "by": "Breakdown", "group": "Group code", "group_label": "Group", "estimate": "Estimate", "se": "SE",
        "ci_low": "CI low", "ci_high": "CI high", "n_unweighted": "n", "n_weighted": "Weighted n",
        "deff": "Design effect", "p_value": "p", "p_adj": "Adjusted p", "flag": "Note", "wave": "Year",
        "previous": "Previous", "change": "Change", "change_se": "SE of change", "change_p": "p (change)",
        "change_p_adj": "Adjusted p (change)", "statistic": "Statistic", "df": "df", "ndf": "Numerator df",
        "ddf": "Denominator df", "moe": "Margin of error", "priority": "Priority", "rule": "Rule",
        "status": "Status", "text": "Recommendation", "id": "Id", "test": "Test", "variable": "Variable",
        "term": "Term", "trend_slope": "Trend slope", "trend_p": "p (trend)",
    },
    "sq": {
        "item": "Pyetja", "item_label": "Pyetja", "metric": "Masa", "level": "Kodi", "level_label": "Përgjigjja",
        "by": "Ndarja", "group": "Kodi i grupit", "group_label": "Grupi", "estimate": "Vlerësimi",
        "se": "GS", "ci_low": "IB poshtë", "ci_high": "IB lart", "n_unweighted": "n",
        "n_weighted": "n i peshuar", "deff": "Efekti i dizajnit", "p_value": "p", "p_adj": "p e korrigjuar",
        "flag": "Shënim", "wave": "Viti", "previous": "Më parë", "change": "Ndryshimi",
        "change_se": "GS e ndryshimit", "change_p": "p (ndryshimi)", "change_p_adj": "p e korrigjuar (ndryshimi)",
        "statistic": "Statistika", "df": "sl", "ndf": "sl e numëruesit", "ddf": "sl e emëruesit",
        "moe": "Marzhi i gabimit", "priority": "Prioriteti", "rule": "Rregulla", "status": "Statusi",
        "text": "Rekomandimi", "id": "Id", "test": "Testi", "variable": "Ndryshorja", "term": "Termi",
        "trend_slope": "Pjerrësia e trendit", "trend_p": "p (trendi)",
    },
    "sr": {
        "item": "Pitanje", "item_label": "Pitanje", "metric": "Mera", "level": "Kod", "level_label": "Odgovor",
        "by": "Podela", "group": "Kod grupe", "group_label": "Grupa", "estimate": "Procena", "se": "SG",
        "ci_low": "IP donja", "ci_high": "IP gornja", "n_unweighted": "n", "n_weighted": "Ponderisani n",
        "deff": "Efekat dizajna", "p_value": "p", "p_adj": "Korigovano p", "flag": "Napomena", "wave": "Godina",
        "previous": "Ranije", "change": "Promena", "change_se": "SG promene", "change_p": "p (promena)",
        "change_p_adj": "Korigovano p (promena)", "statistic": "Statistika", "df": "sl", "ndf": "sl brojioca",
        "ddf": "sl imenioca", "moe": "Margina greške", "priority": "Prioritet", "rule": "Pravilo",
        "status": "Status", "text": "Preporuka", "id": "Id", "test": "Test", "variable": "Varijabla",
        "term": "Član", "trend_slope": "Nagib trenda", "trend_p": "p (trend)",
    },
}

_STRINGS = {"en": _EN, "sq": {**_EN, **_SQ}, "sr": {**_EN, **_SR}}


def strings(lang: str) -> dict[str, str]:
    """The report's words in ``lang``.

    Examples
    --------
    >>> strings("sq")["key_indicators"]
    'Treguesit kryesorë'
    """
    if lang not in _STRINGS:
        raise ReportError(f"unknown report language {lang!r}; choose one of {', '.join(LANGS)}")
    return _STRINGS[lang]


def column_name(column: str, lang: str) -> str:
    """The heading of a table column in ``lang`` (the column name itself when unknown).

    Examples
    --------
    >>> column_name("ci_low", "sr"), column_name("Activity", "sr")
    ('IP donja', 'Activity')
    """
    strings(lang)
    return _COLUMNS[lang].get(column, column)
