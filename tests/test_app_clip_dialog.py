"""The clip geometry dialog: fit, scale and position of the selected clip, one undo step."""

from __future__ import annotations


def test_clip_geometry_dialog_applies_to_the_selected_clip(qtbot, window, tmp_path):
    from testkit.media import make_clip

    from lumiere_studio.ui.clip_dialog import ClipDialog

    assert not window.clip_geometry()  # nothing selected: says so, changes nothing
    window.import_paths([str(make_clip(tmp_path / "c.mp4", frames=5))])
    cid = window.doc.add_to_timeline(window.doc.project.media[0].id)
    window.timeline.selected_clip = cid
    d = ClipDialog(window.doc.find_clip(cid)[1])
    qtbot.addWidget(d)
    assert d.values() == {"fit": "fit", "scale": 1.0, "x": 0.0, "y": 0.0}
    d.fit.setCurrentIndex(1)
    d.scale.setValue(150)
    d.position_x.setValue(-12)
    assert window.clip_geometry(d)
    clip = window.doc.find_clip(cid)[1]
    assert (clip.fit, clip.scale, clip.x, clip.y) == ("fill", 1.5, -12, 0)
