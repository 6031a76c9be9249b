"""Golden modules in generated/: regenerated into a temporary folder, compared with a diff."""
from __future__ import annotations

from codegen import golden


def test_golden_modules_are_up_to_date(tmp_path):
    fresh = golden.golden_modules()
    golden.write(tmp_path, fresh)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(fresh)
    diffs = golden.differences(golden.GOLDEN_DIR, fresh)
    assert not diffs, ("generated/ is out of date; if the change is intended run "
                       f"`{golden.UPDATE_COMMAND}`\n" + "\n".join(diffs))


def test_a_changed_golden_file_shows_a_readable_diff(tmp_path):
    fresh = golden.golden_modules()
    golden.write(tmp_path, fresh)
    path = tmp_path / "seed_121.py"
    path.write_text(path.read_text().replace("h1 = _sigmoid(z1)", "h1 = _sigmoid(z2)"))
    diffs = golden.differences(tmp_path, fresh)
    assert len(diffs) == 1
    assert "--- generated/seed_121.py (golden)" in diffs[0]
    assert "-    h1 = _sigmoid(z2)" in diffs[0] and "+    h1 = _sigmoid(z1)" in diffs[0]


def test_golden_modules_import_and_pass_the_check():
    from codegen import check_gradients, load_module

    for name in golden.golden_modules():
        module = load_module((golden.GOLDEN_DIR / name).read_text(encoding="utf-8"))
        assert check_gradients(module).ok, name
