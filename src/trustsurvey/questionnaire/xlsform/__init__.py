"""Import an XLSForm (ODK / KoboToolbox, ``.xlsx`` or ``.xls``) through pyxform, the reference parser.

The form is read with pyxform's own parser (the one ODK and KoboToolbox use),
so every spelling it accepts is understood: ``select_one yes_no``, ``select one
from yes_no``, ``select all that apply from x``, ``select_one x or_other``,
upper-case headers, ``label::English (en)``, ``label:English``, ...

What becomes what:

- ``select_one`` -> single choice on a scale (questions sharing a choice list
  share the scale). Integer choice names are the codes; other names are kept
  (``Code.name``) and numbered after the integer ones, so that data holding the
  names, the labels or the codes all read. ``or_other`` adds the code ``other``
  and the open question ``<name>_other`` holding its text.
- ``select_multiple`` -> a multiple-response question with one 0/1 option per
  choice (``Option.name`` keeps the choice name).
- ``integer``, ``decimal``, ``range`` -> numeric (a ``. >= a and . <= b``
  constraint becomes the range); ``text`` -> open text; ``date``, ``datetime``
  -> ``date``; ``time`` -> ``time`` (kept and checked, never in statistics).
- groups -> blocks; ``relevant`` (the question's and its groups') -> routing
  (``asked_if``), with every name mapped to its id; ``choice_filter`` -> a note.
- repeat groups -> tables of their own: not flattened into the respondent's
  row; import one with ``repeat="name"``.
- everything else (notes, calculations, GPS, media, device metadata) is listed
  by name with the reason, in the notes and in :attr:`XLSFormImport.skipped`,
  and its column names in ``unanalysed`` so that reading an export sets them
  aside instead of calling them unknown.

Languages come from the label columns (``English (en)``, ``English``,
``العربية``) through the CLDR names Babel ships; a questionnaire may have one.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import QuestionnaireError
from .._skeleton import drop_invalid_routing, safe_id
from ..model import Questionnaire
from ._build import FormBuilder, Skipped
from ._relevant import Ref, Unsupported, translate

__all__ = ["import_xlsform", "read_xlsform", "XLSFormImport", "Skipped", "Ref", "Unsupported", "translate",
           "parse_form"]

_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".md", ".csv")


@dataclass(frozen=True)
class XLSFormImport:
    """The result of importing a form: the questionnaire and what was left out.

    Attributes
    ----------
    questionnaire : Questionnaire
    skipped : tuple of Skipped
        Form fields not imported (name, type, reason, path).
    repeats : dict
        ``{repeat group: names of its fields}``; import each with ``repeat=``.
    routing_notes : dict
        ``{field name: why its relevant was not converted}``.
    names : dict
        ``{question id: field name in the form}``.
    paths : dict
        ``{question id: group/.../name}``: where the field sits in the form (a
        KoboToolbox export's column header).
    """

    questionnaire: Questionnaire
    skipped: tuple[Skipped, ...] = ()
    repeats: dict = field(default_factory=dict)
    routing_notes: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)


def parse_form(path: str | os.PathLike) -> dict:
    """pyxform's parse of a form file (its JSON survey), errors as :class:`QuestionnaireError`.

    Raises
    ------
    QuestionnaireError
        The file is missing or pyxform rejects it (with pyxform's message and the file name).
    """
    path = Path(path)
    if not path.is_file():
        raise QuestionnaireError(f"{path}: no such XLSForm file")
    if path.suffix.lower() not in _SUFFIXES:
        raise QuestionnaireError(f"{path}: not an XLSForm (expected {', '.join(_SUFFIXES[:3])})")
    import warnings

    from pyxform import xls2json
    from pyxform.errors import PyXFormError

    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's warnings about unsupported sheet extensions
            return xls2json.parse_file_to_json(str(path), default_name=safe_id(path.stem), warnings=notes)
    except PyXFormError as exc:
        raise QuestionnaireError(f"{path}: pyxform rejects the form: {exc}; fix the form and import it again") from None
    except Exception as exc:  # xlrd / openpyxl errors on a damaged workbook
        raise QuestionnaireError(f"{path}: cannot be read as an XLSForm ({type(exc).__name__}: {exc})") from None


def read_xlsform(
    path: str | os.PathLike,
    *,
    wave: int | None = None,
    survey_id: str | None = None,
    language: str | None = None,
    repeat: str | None = None,
) -> XLSFormImport:
    """Import an XLSForm and report what was left out.

    Parameters
    ----------
    path : path-like
        The form (``.xlsx`` or ``.xls``).
    wave : int, optional
        Survey year (default: this year).
    survey_id : str, optional
        Default: the form's ``form_id`` (for a repeat table, ``<form_id>_<repeat>``).
    language : str, optional
        Language (code or name) of labels given without one (default: the form's
        ``default_language``, else English).
    repeat : str, optional
        Import the table of this repeat group (one row per repetition) instead of
        the respondents' table.

    Returns
    -------
    XLSFormImport

    Raises
    ------
    QuestionnaireError
        The file is missing, pyxform rejects it, or ``repeat`` names no repeat group.
    """
    path = Path(path)
    survey = parse_form(path)
    b = FormBuilder(survey, language, repeat)
    b.build()
    items = list(b.items)
    if not any(not i.demographic for i in items):
        for i in items:
            i.demographic = False
    if not items:
        b.notes.append("no question to analyse in this table" + (
            f"; its questions sit in the repeat groups {', '.join(b.repeats)}" if b.repeats else ""))
    wave = int(wave or _dt.date.today().year)
    for item in items:
        if item.source is not None and item.source != item.d["id"]:
            item.d["columns"] = {wave: item.source}
    notes = [f"imported from the XLSForm {path.name} with pyxform"] + b.notes
    for s in b.skipped:
        notes.append(f"skipped {s.name} ({s.type}): {s.reason}")
    for name, code in b.unknown_languages.items():
        notes.append(f"language {name!r} is not a language name CLDR knows; its labels are under {code!r}")
    if not b.languages:
        b.languages.append(b._default)
    if b._default in b.languages:  # the form's default language first
        b.languages.remove(b._default)
        b.languages.insert(0, b._default)
    sid = survey_id or safe_id(str(survey.get("id_string") or path.stem))
    if repeat and not survey_id:
        sid = f"{sid}_{safe_id(repeat)}"
    d = {
        "survey_id": sid,
        "wave": wave,
        "version": str(survey.get("version") or "1"),
        "languages": b.languages,
        "notes": notes,
        "scales": b.scales,
        "questions": [i.d for i in items if not i.demographic],
        "demographics": [i.d for i in items if i.demographic],
    }
    title = survey.get("title")
    if title and title != path.stem:
        d["title"] = {lang: str(title) for lang in b.languages}
        if len(b.languages) > 1:
            notes.append(f"the form title {str(title)!r} is used in every language; translate it if needed")
    unanalysed = [s.name for s in b.skipped] + list(b.repeats)
    if unanalysed:
        d["unanalysed"] = unanalysed
    drop_invalid_routing(d, notes)
    q = Questionnaire.from_dict(d, source=str(path))
    return XLSFormImport(q, tuple(b.skipped), dict(b.repeats), dict(b.routing_notes), dict(b.names), dict(b.paths))


def import_xlsform(
    path: str | os.PathLike,
    *,
    wave: int | None = None,
    survey_id: str | None = None,
    language: str | None = None,
    repeat: str | None = None,
) -> Questionnaire:
    """Import an XLSForm as a questionnaire skeleton (see :func:`read_xlsform` for the parameters).

    The notes list every field left out and why, every routing rule not
    converted, every repeat group (a table of its own) and every choice list
    whose names were kept beside new codes. Check scores, favourable
    directions, nets, the design and the weighting, then lint it.

    Raises
    ------
    QuestionnaireError
        The file is missing, pyxform rejects it, or ``repeat`` names no repeat group.
    """
    return read_xlsform(path, wave=wave, survey_id=survey_id, language=language, repeat=repeat).questionnaire
