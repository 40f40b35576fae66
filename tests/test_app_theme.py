"""The dark theme: Fusion style, a dark palette with readable text, the accent on selections
and dimmed disabled text."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from lumiere_studio.ui.theme import ACCENT, ERASER_COLOR, MASK_COLOR, apply_dark_theme


@pytest.fixture
def themed(qapp):
    style, palette = qapp.style().name(), qapp.palette()
    apply_dark_theme(qapp)
    yield qapp.palette()
    qapp.setStyle(style)  # other tests see the application as it was
    qapp.setPalette(palette)


def test_dark_palette_with_readable_text_and_the_accent(qapp, themed):
    assert qapp.style().name().lower() == "fusion"
    role = QPalette.ColorRole
    for background in (role.Window, role.Base, role.Button):
        assert themed.color(background).lightness() < 60
    for text in (role.WindowText, role.Text, role.ButtonText):
        assert themed.color(text).lightness() > 200
    assert themed.color(role.Highlight) == ACCENT
    assert themed.color(role.HighlightedText) == QColor(255, 255, 255)


def test_disabled_text_is_dimmed_but_visible(themed):
    group, role = QPalette.ColorGroup, QPalette.ColorRole
    for text in (role.Text, role.ButtonText, role.WindowText):
        disabled = themed.color(group.Disabled, text).lightness()
        assert themed.color(group.Disabled, role.Window).lightness() < disabled
        assert disabled < themed.color(group.Active, text).lightness()


def test_the_brush_and_the_eraser_are_told_apart_from_the_mask_and_the_accent():
    assert len({ACCENT.name(), MASK_COLOR.name(), ERASER_COLOR.name()}) == 3
    # The eraser badge is warm, the brush badge (the accent) cool: different hues, not shades.
    assert abs(ERASER_COLOR.hue() - ACCENT.hue()) > 90
