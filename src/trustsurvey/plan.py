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

Paths are relative to the plan file. :meth:`AnalysisPlan.from_yaml` checks every
key and reports problems with the file name and key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import PlanError

__all__ = ["AnalysisPlan", "FIGURES"]

FIGURES = ("estimates", "likert", "trend", "heatmap")
_KEYS = {"title", "questionnaire", "waves", "current", "weighting", "breakdown", "alpha", "adjust",
         "min_base", "low_base", "max_cv", "languages", "figures", "key_items", "rules", "previous_plan",
         "source", "base"}


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
    rules: Mapping[str, Any] = field(default_factory=dict)
    previous_plan: Path | None = None
    source: Mapping[str, str] = field(default_factory=dict)
    base: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> "AnalysisPlan":
        """Read and check a plan file."""
        path = Path(path)
        if not path.is_file():
            raise PlanError(f"plan file {str(path)!r} does not exist")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise PlanError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
        return replace(cls.from_dict(raw, base=path.parent, name=str(path)), path=path.resolve())

    @classmethod
    def from_dict(cls, raw: Any, *, base: str | os.PathLike = ".", name: str = "<plan>") -> "AnalysisPlan":
        """Build a plan from a mapping (paths relative to ``base``)."""
        if not isinstance(raw, dict):
            raise PlanError(f"{name}: a plan is a mapping of keys (questionnaire, waves, ...)")
        problems: list[str] = []
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            problems.append(f"unknown key(s) {unknown}; allowed: {', '.join(sorted(_KEYS))}")
        base = Path(base)

        def resolve(p) -> Path:
            p = Path(str(p))
            return p if p.is_absolute() else (base / p)

        q = raw.get("questionnaire")
        if not q:
            problems.append("questionnaire: missing (the questionnaire YAML file)")
        waves_raw = raw.get("waves")
        waves: dict[int, Path] = {}
        if not isinstance(waves_raw, dict) or not waves_raw:
            problems.append("waves: missing; give {year: data file, ...}")
        else:
            for year, file in waves_raw.items():
                try:
                    waves[int(year)] = resolve(file)
                except (TypeError, ValueError):
                    problems.append(f"waves: {year!r} is not a year")
        current = raw.get("current", max(waves) if waves else 0)
        if waves and int(current) not in waves:
            problems.append(f"current: {current!r} is not one of the waves {sorted(waves)}")
        weighting = raw.get("weighting", "questionnaire")
        if weighting not in ("questionnaire", "none", None, True, False):
            problems.append(f"weighting: {weighting!r}; use 'questionnaire' or 'none'")
        bd = raw.get("breakdown") or {}
        if not isinstance(bd, dict):
            problems.append("breakdown: must be a mapping with by/items/metrics")
            bd = {}
        langs = tuple(raw.get("languages") or ("en",))
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
        figures = tuple(raw.get("figures") or FIGURES)
        bad_figs = [f for f in figures if f not in FIGURES]
        if bad_figs:
            problems.append(f"figures: {bad_figs} unknown; choose from {', '.join(FIGURES)}")
        numbers = {}
        for key, kind, default in (("alpha", float, 0.05), ("min_base", int, 30), ("low_base", int, 100),
                                   ("max_cv", float, 0.3)):
            try:
                numbers[key] = kind(raw.get(key, default))
            except (TypeError, ValueError):
                problems.append(f"{key}: {raw.get(key)!r} is not a number")
                numbers[key] = default
        if not 0 < numbers["alpha"] < 1:
            problems.append(f"alpha: {numbers['alpha']} must lie between 0 and 1")
        if problems:
            raise PlanError(f"{name}: problems in the analysis plan:\n" + "\n".join(f"  - {p}" for p in problems))

        def opt(v):
            return None if v is None else tuple(v)

        return cls(
            questionnaire=resolve(q), waves=dict(sorted(waves.items())), current=int(current),
            title=texts["title"], weighting=weighting in ("questionnaire", True),
            by=opt(bd.get("by")), items=opt(bd.get("items")), metrics=opt(bd.get("metrics")),
            adjust=str(raw.get("adjust", "holm")), languages=langs, figures=figures,
            key_items=tuple(raw.get("key_items") or ()), rules=dict(raw.get("rules") or {}),
            previous_plan=None if raw.get("previous_plan") is None else resolve(raw["previous_plan"]),
            source=texts["source"], base=texts["base"], path=None, **numbers)

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
        return files
