"""The report's shipped font subsets are DejaVu Sans cut to the declared code points, nothing else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

import trustsurvey.fonts as fonts


def _font(data: bytes) -> TTFont:
    return TTFont(io.BytesIO(data))


@pytest.mark.parametrize("bold", [False, True])
def test_shipped_subset_is_the_face_cut_to_the_declared_code_points(bold):
    shipped = Path(fonts.__file__).with_name(fonts.SUBSET_FILES[bold])
    subset, source = _font(shipped.read_bytes()), TTFont(fonts.font_path(bold))
    src_map, sub_map = source.getBestCmap(), subset.getBestCmap()
    # every declared code point the face has, and no other (rerun `python -m trustsurvey.fonts` if this fails)
    assert set(sub_map) == set(fonts.subset_codepoints()) & set(src_map)
    # the right face: same glyph advances as the source, code point by code point
    src_adv, sub_adv = source["hmtx"].metrics, subset["hmtx"].metrics
    assert {c: sub_adv[sub_map[c]][0] for c in sub_map} == {c: src_adv[src_map[c]][0] for c in sub_map}
    assert subset["name"].getDebugName(1) == "DejaVu Sans"
    assert (subset["OS/2"].usWeightClass >= 700) is bold


def test_report_css_embeds_the_shipped_subsets():
    import base64

    css = fonts.css_font_face()
    for bold, name in fonts.SUBSET_FILES.items():
        data = Path(fonts.__file__).with_name(name).read_bytes()
        assert base64.b64encode(data).decode("ascii") in css
    assert css.count("@font-face") == 2


def test_write_subsets_writes_what_build_subset_cuts(tmp_path):
    written = fonts.write_subsets(tmp_path)
    assert [p.name for p in written] == [fonts.SUBSET_FILES[False], fonts.SUBSET_FILES[True]]
    regular = _font(written[0].read_bytes())
    assert set(regular.getBestCmap()) == set(fonts.subset_codepoints()) & set(TTFont(fonts.font_path()).getBestCmap())


def test_the_licence_ships_beside_the_subsets():
    text = Path(fonts.__file__).with_name("LICENSE_DEJAVU").read_text(encoding="utf-8")
    assert "DejaVu" in text and "Bitstream Vera" in text
