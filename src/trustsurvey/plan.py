"""The analysis plan: what the annual run computes, written once and run every year.

A plan is a small YAML file::

    title: {en: "Public trust in the police", fr: "..."}      # or one text; per language: the report's title
    source: {en: "National police survey", fr: "..."}         # who ran the survey (captions, cover)
    base: {en: "adults 18+", fr: "..."}                       # whom the figures describe (captions)
    questionnaire: ../questionnaires/our_survey.yaml           # relative to the plan
    waves: {2024: data/wave_2024.csv, 2025: data/wave_2025.csv}
    current: 2025                 # the report's wave (default: the latest)
    weighting: questionnaire      # apply the questionnaire's weighting scheme | none
    breakdown:
      by: [region, gender, age_group]
      items: null                 # null: every item and index
      metrics: [top2, bottom2, mean, share, dont_know, option_share]
    alpha: 0.05
    adjust: holm                  # holm | bonferroni | fdr_bh | none
    min_base: 30
    low_base: 100
    max_cv: 0.3
    languages: [en, fr]           # languages the questionnaire declares (sr-Cyrl where it declares sr)
    figures: [estimates, likert, trend, heatmap]
    key_items: [trust_police, confidence_index]   # default: the first items of the questionnaire
    rules: {}                     # overrides of the questionnaire's recommendation rules, by rule id
    previous_plan: null           # last year's recommendations.csv, to track (optional)
    extra: error                  # data columns the questionnaire does not know: error | ignore | keep
    pdf: false                    # also write each report as an A4 PDF (needs trustsurvey[pdf]), as --pdf
    small_area:                   # model-based estimates by a small area (optional; one mapping or a list)
      item: trust_police          # the item (a question of the questionnaire)
      area: district              # the area column of the data and the covariates
      covariates: district_covariates.csv   # one row per area: census or register figures
      region: region              # benchmark the areas to the direct estimates of their region (optional)
      population: adults          # the covariates' population column (optional)
      metric: top2                # a net of the item's scale, or mean (default top2)
      formula: urban_share + young_share    # the model's covariates (default: every numeric column)

Paths are relative to the plan file. :meth:`AnalysisPlan.from_yaml` checks every
key and reports problems with the file name and key: a key written twice, a wave
year given twice (``2025`` and ``'2025'``), a list where a name belongs, a
threshold below zero. Where a list of names is asked for (``by``, ``items``,
``languages``, ...), one name may be written without brackets.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import PlanError

__all__ = ["AnalysisPlan", "SmallAreaSpec", "FIGURES", "EXTRA_COLUMNS", "SMALL_AREA_KEYS"]

FIGURES = ("estimates", "likert", "trend", "heatmap")
#: What a run does with data columns the questionnaire does not know (``extra:`` in the plan).
EXTRA_COLUMNS = ("error", "ignore", "keep")
_KEYS = {"title", "questionnaire", "waves", "current", "weighting", "breakdown", "alpha", "adjust",
         "min_base", "low_base", "max_cv", "languages", "figures", "key_items", "rules", "previous_plan",
         "source", "base", "extra", "pdf", "small_area"}
_BREAKDOWN_KEYS = ("by", "items", "metrics")
#: keys of one ``small_area`` entry (the first three are required)
SMALL_AREA_KEYS = ("item", "area", "covariates", "region", "population", "metric", "formula", "method",
                   "cv_caution", "cv_suppress")
_SMALL_AREA_METHODS = ("REML", "ML", "FH")


class _Duplicate(Exception):
    """A key written twice in one YAML mapping (PyYAML would keep the last one without a word)."""

    def __init__(self, key: Any, first: int, again: int):
        super().__init__(key, first, again)
        self.key, self.first, self.again = key, first, again


class _PlanLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses a key written twice in one mapping."""


def _construct_mapping(loader: _PlanLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            if key in seen:
                raise _Duplicate(key, seen[key], line)
            seen[key] = line
        except TypeError:  # an unhashable key (a list or mapping): PyYAML reports it itself
            continue
    return loader.construct_mapping(node, deep=deep)


_PlanLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, what: str = "plan file") -> Any:
    """Read a YAML file safely: no code runs, a key written twice is an error, every failure a PlanError."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(f"{path}: not UTF-8 text (byte {exc.start}); save the {what} as UTF-8") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=_PlanLoader)  # noqa: S506 - a SafeLoader subclass
    except _Duplicate as dup:
        lines = f"line {dup.first}" if dup.first == dup.again else f"lines {dup.first} and {dup.again}"
        raise PlanError(f"{path}: key {dup.key!r} is written twice in one mapping ({lines}); "
                        "keep one of them") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PlanError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise PlanError(f"{path}: nested too deeply to read; a {what} needs only a few levels "
                        "(keys, lists of names)") from None


def _names(value: Any, key: str, problems: list[str]) -> tuple[str, ...] | None:
    """A list of names: ``null``, one name, or a list of names (not nested, not numbers)."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        bad = [v for v in value if not isinstance(v, (str, int)) or isinstance(v, bool)]
        if not bad:
            return tuple(str(v) for v in value)
        problems.append(f"{key}: give a name or a list of names ([a, b]), not {bad[0]!r} inside the list")
        return None
    problems.append(f"{key}: give a name or a list of names ([a, b]), not {type(value).__name__} {value!r}")
    return None


def _year(value: Any) -> int | None:
    """A wave year written as a number or as text of digits (``2025`` or ``'2025'``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _number(raw: Mapping, key: str, default: float, integer: bool, problems: list[str], *,
            where: str = "") -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{where}{key}: {value!r} is not a number")
        return default
    if math.isnan(value) or (integer and not float(value).is_integer()):
        problems.append(f"{where}{key}: {value!r} is not a whole number of respondents" if integer
                        else f"{where}{key}: {value!r} is not a number")
        return default
    return int(value) if integer else float(value)


@dataclass(frozen=True)
class SmallAreaSpec:
    """One ``small_area`` entry of a plan: model-based estimates of an item by a small area.

    The arguments of :func:`trustsurvey.small_area` (``covariates`` resolved
    against the plan's folder); ``cv_caution`` and ``cv_suppress`` are the
    coefficient-of-variation limits of the publish / caution / suppress flag.
    """

    item: str
    area: str
    covariates: Path
    region: str | None = None
    population: str | None = None
    metric: str = "top2"
    formula: str | None = None
    method: str = "REML"
    cv_caution: float = 0.2
    cv_suppress: float = 0.3

    @property
    def name(self) -> str:
        """``item`` ``metric`` by ``area`` (for messages and table names)."""
        return f"{self.item} {self.metric} by {self.area}"


def _small_area(value: Any, resolve, problems: list[str]) -> tuple[SmallAreaSpec, ...]:
    """The ``small_area`` key: one mapping or a list of mappings (see :class:`SmallAreaSpec`)."""
    if value is None:
        return ()
    if isinstance(value, dict):
        entries = [("small_area", value)]
    elif isinstance(value, list) and value:
        entries = [(f"small_area[{i}]", v) for i, v in enumerate(value)]
    else:
        problems.append("small_area: give a mapping (item, area, covariates, ...) or a list of them, "
                        f"not {_shape(value)}")
        return ()
    specs: list[SmallAreaSpec] = []
    seen: dict[tuple, str] = {}
    for where, raw in entries:
        if not isinstance(raw, dict):
            problems.append(f"{where}: give a mapping with item, area and covariates, not {_shape(raw)}")
            continue
        bad = sorted(str(k) for k in raw if k not in SMALL_AREA_KEYS)
        if bad:
            problems.append(f"{where}: unknown key(s) {bad}; allowed: {', '.join(SMALL_AREA_KEYS)}")
        n_before = len(problems)
        names: dict[str, str | None] = {}
        for key, what in (("item", "the item to estimate, e.g. trust_police"),
                          ("area", "the area column of the data and of the covariates, e.g. district"),
                          ("region", None), ("population", None), ("metric", None), ("formula", None)):
            v = raw.get(key)
            if v is None:
                if what is not None:
                    problems.append(f"{where}: {key} missing ({what})")
                names[key] = None
            elif isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
                names[key] = str(v).strip()
            else:
                problems.append(f"{where}: {key}: give one name, not {_shape(v)}")
                names[key] = None
        cov = raw.get("covariates")
        covariates = None
        if cov is None:
            problems.append(f"{where}: covariates missing (a CSV file with one row per area, relative to the plan)")
        elif not isinstance(cov, (str, os.PathLike)) or not str(cov).strip():
            problems.append(f"{where}: covariates: give a file path (relative to the plan), not {_shape(cov)}")
        else:
            covariates = resolve(cov)
            if not covariates.is_file():
                problems.append(f"{where}: covariates: file {str(cov)!r} not found (looked for "
                                f"{str(covariates)!r}; paths are relative to the plan)")
        method = raw.get("method", "REML")
        if method not in _SMALL_AREA_METHODS:
            problems.append(f"{where}: method: {method!r}; use {', '.join(_SMALL_AREA_METHODS)}")
        cvs = {k: _number(raw, k, d, False, problems, where=f"{where}: ")
               for k, d in (("cv_caution", 0.2), ("cv_suppress", 0.3))}
        if not 0 < cvs["cv_caution"] <= cvs["cv_suppress"]:
            problems.append(f"{where}: cv_caution {cvs['cv_caution']} and cv_suppress {cvs['cv_suppress']}: give "
                            "0 < cv_caution <= cv_suppress (e.g. 0.2 and 0.3: estimates whose standard error is "
                            "above 20% of the estimate are flagged, above 30% not shown)")
        if len(problems) > n_before:
            continue
        spec = SmallAreaSpec(item=names["item"], area=names["area"], covariates=covariates, region=names["region"],
                             population=names["population"], metric=names["metric"] or "top2",
                             formula=names["formula"], method=method, **cvs)
        key = (spec.item, spec.metric, spec.area)
        if key in seen:
            problems.append(f"{where}: {spec.name} is asked for twice (also {seen[key]}); give each once")
            continue
        seen[key] = where
        specs.append(spec)
    return tuple(specs)


@dataclass(frozen=True)
class AnalysisPlan:
    """A validated analysis plan (paths resolved against the plan's folder)."""

    questionnaire: Path
    waves: Mapping[int, Path]
    current: int
    title: Mapping[str, str] = field(default_factory=dict)
    weighting: bool = True
    by: tuple[str, ...] | None = None
    items: tuple[str, ...] | None = None
    metrics: tuple[str, ...] | None = None
    alpha: float = 0.05
    adjust: str = "holm"
    min_base: int = 30
    low_base: int = 100
    max_cv: float = 0.3
    languages: tuple[str, ...] = ("en",)
    figures: tuple[str, ...] = FIGURES
    key_items: tuple[str, ...] = ()
    rules: Mapping[str, Any] | tuple[Mapping[str, Any], ...] = field(default_factory=dict)
    previous_plan: Path | None = None
    source: Mapping[str, str] = field(default_factory=dict)
    base: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None
    extra: str = "error"
    pdf: bool = False
    small_area: tuple[SmallAreaSpec, ...] = ()

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> "AnalysisPlan":
        """Read and check a plan file.

        Raises
        ------
        PlanError
            The file is missing, not UTF-8, not valid YAML, writes a key twice, or has
            problems in its keys (every problem is listed, each with its key).
        """
        path = Path(path)
        if not path.is_file():
            raise PlanError(f"plan file {str(path)!r} does not exist")
        raw = load_yaml(path)
        return replace(cls.from_dict(raw, base=path.parent, name=str(path)), path=path.resolve())

    @classmethod
    def from_dict(cls, raw: Any, *, base: str | os.PathLike = ".", name: str = "<plan>") -> "AnalysisPlan":
        """Build a plan from a mapping (paths relative to ``base``).

        Examples
        --------
        >>> plan = AnalysisPlan.from_dict({"questionnaire": "q.yaml", "waves": {2024: "a.csv", 2025: "b.csv"},
        ...                                "breakdown": {"by": "region"}})
        >>> plan.current, plan.by, plan.min_base
        (2025, ('region',), 30)
        >>> AnalysisPlan.from_dict({"questionnaire": "q.yaml", "waves": {2025: "a.csv", "2025": "b.csv"},
        ...                         "min_base": -5})
        Traceback (most recent call last):
        ...
        trustsurvey.errors.PlanError: <plan>: problems in the analysis plan:
          - waves: 2025 is given twice (2025 and '2025'); give each wave once
          - min_base: -5 must be 0 or more (groups with fewer respondents are suppressed)
        """
        if not isinstance(raw, dict):
            raise PlanError(f"{name}: a plan is a mapping of keys (questionnaire, waves, ...), "
                            f"not {type(raw).__name__}")
        problems: list[str] = []
        unknown = sorted(str(k) for k in set(raw) - _KEYS)
        if unknown:
            problems.append(f"unknown key(s) {unknown}; allowed: {', '.join(sorted(_KEYS))}")
        base = Path(base)

        def resolve(p) -> Path:
            p = Path(str(p))
            return p if p.is_absolute() else (base / p)

        def path_of(key: str, value: Any) -> Path | None:
            if isinstance(value, (str, os.PathLike)) and str(value).strip():
                return resolve(value)
            problems.append(f"{key}: give a file path (relative to the plan), not {value!r}")
            return None

        q = raw.get("questionnaire")
        qpath = None
        if not q:
            problems.append("questionnaire: missing (the questionnaire YAML file)")
        else:
            qpath = path_of("questionnaire", q)
        waves_raw = raw.get("waves")
        waves: dict[int, Path] = {}
        spelled: dict[int, Any] = {}
        if not isinstance(waves_raw, dict) or not waves_raw:
            problems.append("waves: missing; give {year: data file, ...}")
        else:
            for year, file in waves_raw.items():
                y = _year(year)
                if y is None:
                    problems.append(f"waves: {year!r} is not a year")
                    continue
                if y in spelled:
                    problems.append(f"waves: {y} is given twice ({spelled[y]!r} and {year!r}); give each wave once")
                    continue
                spelled[y] = year
                p = path_of(f"waves: {year}", file)
                if p is not None:
                    waves[y] = p
        current_raw = raw.get("current", max(waves) if waves else None)
        current = _year(current_raw) if current_raw is not None else None
        if current_raw is not None and current is None:
            problems.append(f"current: {current_raw!r} is not a year")
        elif waves and current not in waves:
            problems.append(f"current: {current_raw!r} is not one of the waves {sorted(waves)}")
        weighting = raw.get("weighting", "questionnaire")
        if weighting not in ("questionnaire", "none", None, True, False):
            problems.append(f"weighting: {weighting!r}; use 'questionnaire' or 'none'")
        bd = raw.get("breakdown") or {}
        if not isinstance(bd, dict):
            problems.append("breakdown: must be a mapping with by/items/metrics")
            bd = {}
        bad_bd = sorted(str(k) for k in bd if k not in _BREAKDOWN_KEYS)
        if bad_bd:
            problems.append(f"breakdown: unknown key(s) {bad_bd}; allowed: {', '.join(_BREAKDOWN_KEYS)}")
        lists = {key: _names(bd.get(key), f"breakdown: {key}", problems) for key in _BREAKDOWN_KEYS}
        langs = _names(raw.get("languages"), "languages", problems) or ("en",)
        texts = {}
        for key in ("title", "source", "base"):
            value = raw.get(key)
            if value is None:
                texts[key] = {}
            elif isinstance(value, str):
                texts[key] = {lang: value for lang in langs}
            elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                texts[key] = {str(k): v for k, v in value.items()}
            else:
                problems.append(f"{key}: give one text, or one text per language ({{en: ..., sq: ...}}), "
                                f"not {type(value).__name__}")
                texts[key] = {}
        figures = _names(raw.get("figures"), "figures", problems) or FIGURES
        bad_figs = [f for f in figures if f not in FIGURES]
        if bad_figs:
            problems.append(f"figures: {bad_figs} unknown; choose from {', '.join(FIGURES)}")
        key_items = _names(raw.get("key_items"), "key_items", problems) or ()
        numbers = {"alpha": _number(raw, "alpha", 0.05, False, problems),
                   "min_base": _number(raw, "min_base", 30, True, problems),
                   "low_base": _number(raw, "low_base", 100, True, problems),
                   "max_cv": _number(raw, "max_cv", 0.3, False, problems)}
        if not 0 < numbers["alpha"] < 1:
            problems.append(f"alpha: {numbers['alpha']} must lie between 0 and 1 (e.g. 0.05)")
        for key, what in (("min_base", "groups with fewer respondents are suppressed"),
                          ("low_base", "groups with fewer respondents are flagged")):
            if numbers[key] < 0:
                problems.append(f"{key}: {numbers[key]} must be 0 or more ({what})")
        if not numbers["max_cv"] > 0:
            problems.append(f"max_cv: {numbers['max_cv']} must be above 0 (e.g. 0.3: estimates whose standard "
                            "error exceeds 30% of the estimate are flagged)")
        adjust = raw.get("adjust", "holm")
        if not isinstance(adjust, str):
            problems.append(f"adjust: give a method name (holm, bonferroni, fdr_bh, none), not {adjust!r}")
        pdf = raw.get("pdf", False)
        if not isinstance(pdf, bool):
            problems.append(f"pdf: {pdf!r}; write true (also write each report as an A4 PDF) or false")
            pdf = False
        extra = raw.get("extra", "error")
        if extra not in EXTRA_COLUMNS:
            problems.append(f"extra: {extra!r}; use 'error' (report data columns the questionnaire does not "
                            "know), 'ignore' (drop them) or 'keep'")
        rules = raw.get("rules") or {}
        if isinstance(rules, list) and all(isinstance(r, dict) for r in rules):
            rules = tuple(rules)
        elif not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
            problems.append("rules: give overrides by rule id ({rule_id: {parameter: value}}) or a list of rules "
                            f"([{{id: ..., rule: ..., items: [...]}}]), not {_shape(rules)}")
            rules = {}
        previous = raw.get("previous_plan")
        previous_path = None if previous is None else path_of("previous_plan", previous)
        small = _small_area(raw.get("small_area"), resolve, problems)
        if problems:
            raise PlanError(f"{name}: problems in the analysis plan:\n" + "\n".join(f"  - {p}" for p in problems))

        return cls(
            questionnaire=qpath, waves=dict(sorted(waves.items())), current=int(current),
            title=texts["title"], weighting=weighting in ("questionnaire", True),
            by=lists["by"], items=lists["items"], metrics=lists["metrics"],
            adjust=str(adjust), languages=langs, figures=figures,
            key_items=key_items, rules=rules if isinstance(rules, tuple) else dict(rules),
            previous_plan=previous_path, source=texts["source"], base=texts["base"], path=None, extra=extra, pdf=pdf,
            small_area=small, **numbers)

    def with_data(self, overrides: Mapping[int, str | os.PathLike]) -> "AnalysisPlan":
        """The same plan with some waves' data files replaced."""
        waves = dict(self.waves)
        for year, p in overrides.items():
            if int(year) not in waves:
                raise PlanError(f"--data: wave {year} is not in the plan (waves {sorted(waves)})")
            waves[int(year)] = Path(p)
        return replace(self, waves=waves)

    def input_files(self) -> dict[str, Path]:
        """Every input file by a stable name (for the manifest's checksums)."""
        files = {"questionnaire": self.questionnaire}
        files.update({f"data_{year}": p for year, p in self.waves.items()})
        if self.previous_plan is not None:
            files["previous_plan"] = self.previous_plan
        covariates = list(dict.fromkeys(spec.covariates for spec in self.small_area))
        for i, p in enumerate(covariates, start=1):
            files["covariates" if len(covariates) == 1 else f"covariates_{i}"] = p
        return files


def _shape(value: Any) -> str:
    if isinstance(value, list):
        inner = {type(v).__name__ for v in value}
        return f"a list of {', '.join(sorted(inner))}" if inner else "an empty list"
    if isinstance(value, dict):
        inner = {type(v).__name__ for v in value.values()}
        return f"a mapping of {', '.join(sorted(inner))}"
    return f"{type(value).__name__} {value!r}"
