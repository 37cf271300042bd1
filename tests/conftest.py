"""Shared fixtures: R's reference outputs, the api/NHANES data and the designs built on them.

``tests/reference/r_survey_cases.json`` holds R's (survey 4.1-1) outputs; its
``designs`` entry describes each design by column names. :func:`design_kwargs`
turns such an entry into the keyword arguments of :class:`trustsurvey.Survey`;
the ``survey`` fixture builds (and caches) a Survey by design name.

A test that takes the argument ``r_case`` and carries
``@pytest.mark.r_calls("mean", "total", ...)`` is parametrised over every
reference case whose ``call`` is one of those, with the case id as test id.

Hypothesis runs derandomised by default (profile ``ci``: the same examples on
every run, no example database), so ``pytest`` passes or fails the same way each
time, in CI (``CI`` set) always. ``HYPOTHESIS_PROFILE=explore pytest ...`` draws
new random examples (and more of them) to look for new failures.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REFERENCE_DIR = Path(__file__).parent / "reference"
DATA_DIR = REFERENCE_DIR / "data"
CASES_FILE = REFERENCE_DIR / "r_survey_cases.json"

#: Options make_reference.R passed to R that the JSON design entry does not record.
_EXTRA_OPTIONS = {
    # svrepdesign(..., type = "BRR", combined.weights = TRUE, mse = TRUE)
    "nh_brr": {"mse": True},
}


@lru_cache(maxsize=1)
def load_reference() -> dict[str, Any]:
    """The parsed reference file (cached: it is read once per session)."""
    with open(CASES_FILE, encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=None)
def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name)


def load_data(name: str) -> pd.DataFrame:
    """A fresh copy of one of the reference data files (``apiclus1.csv``, ``nhanes2.csv``, ...)."""
    return _read_csv(name).copy()


def design_kwargs(name: str) -> dict[str, Any]:
    """Keyword arguments of ``ts.Survey`` for the reference design ``name``.

    >>> design_kwargs("clus2")["psu"], design_kwargs("clus2")["fpc"]
    (('dnum', 'snum'), ('fpc1', 'fpc2'))
    """
    spec = load_reference()["designs"][name]
    kw: dict[str, Any] = {}
    if spec.get("weights"):
        kw["weights"] = spec["weights"]
    if spec.get("strata"):
        kw["strata"] = spec["strata"]
    psu = [c for c in (spec.get("psu"), spec.get("ssu")) if c]
    if psu:
        kw["psu"] = tuple(psu) if len(psu) > 1 else psu[0]
    fpc = [c for c in (spec.get("fpc"), spec.get("fpc2")) if c]
    if fpc:
        kw["fpc"] = tuple(fpc) if len(fpc) > 1 else fpc[0]
    if spec.get("nest"):
        kw["nest"] = True
    if spec.get("replicate_weights"):
        kw["replicate_weights"] = spec["replicate_weights"]
        kw["replicate_method"] = spec["type"].lower()
        for opt in ("rscales", "scale", "mse"):
            if opt in spec:
                kw[opt] = spec[opt]
    kw.update(_EXTRA_OPTIONS.get(name, {}))
    return kw


@lru_cache(maxsize=None)
def build_survey(name: str):
    """The Survey of reference design ``name`` (cached; Surveys are immutable)."""
    import trustsurvey as ts

    spec = load_reference()["designs"][name]
    return ts.Survey(load_data(spec["data"]), **design_kwargs(name))


def reference_cases(*calls: str) -> list[dict[str, Any]]:
    """Every reference case whose ``call`` is one of ``calls``."""
    return [c for c in load_reference()["cases"] if c["call"] in calls]


# --------------------------------------------------------------------------- pytest hooks


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "r_calls(*calls): parametrise the test's r_case argument over R reference cases")


def pytest_generate_tests(metafunc):
    if "r_case" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("r_calls")
        if marker is None:
            raise pytest.UsageError(f"{metafunc.function.__name__} takes r_case but has no r_calls mark")
        cases = reference_cases(*marker.args)
        if not cases:
            raise pytest.UsageError(f"no reference case has call in {marker.args}")
        metafunc.parametrize("r_case", cases, ids=[c["id"] for c in cases])


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    """The reference file: ``source``, ``designs``, ``cases``."""
    return load_reference()


@pytest.fixture(scope="session")
def survey():
    """Factory: ``survey("clus1")`` is the Survey of that reference design."""
    return build_survey


@pytest.fixture(scope="session")
def data():
    """Factory: ``data("apiclus1.csv")`` is a fresh copy of that data file."""
    return load_data


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator (each test gets the same stream)."""
    return np.random.default_rng(20250101)
