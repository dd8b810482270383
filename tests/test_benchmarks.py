"""Benchmark loaders on real and malformed files."""
import pytest
from multialign_nb.data import DataError, load_multijail, load_aya_redteaming, shared_multijail, MULTIJAIL_LANGS


def test_multijail_long_format():
    path = shared_multijail()
    if path is None: pytest.skip("../shared/data/multijail/MultiJail.csv is absent")
    ds = load_multijail(path, langs=("en", "sw", "jv"))
    assert len(ds) == 945 and set(ds["lang"]) == {"en", "sw", "jv"}
    first = ds[0]
    assert first["group"] == "mj000" and first["kind"] == "harmful" and isinstance(first["categories"], list)
    assert not first["text"].startswith("\ufeff")


def test_multijail_bad_csv(tmp_path):
    p = tmp_path / "mj.csv"
    p.write_text("id,source,tags,en\n0,x,['a'],hello\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"mj.csv, line 1, field 'zh': missing column"): load_multijail(p)
    p.write_text("id,source,tags," + ",".join(MULTIJAIL_LANGS) + "\n0,x,[oops," + ",".join("t" * len(MULTIJAIL_LANGS)) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2, field 'tags'"): load_multijail(p)


def test_aya_bad_rows(tmp_path):
    (tmp_path / "aya_eng.jsonl").write_text(
        '{"prompt": "a", "language": "English", "harm_category": "[\\"Hate Speech\\"]", "global_or_local": "global"}\n'
        '{"prompt": "b", "language": "English", "harm_category": "[\\"Spam\\"]", "global_or_local": "global"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"aya_eng.jsonl, line 2, field 'harm_category': unknown harm category 'Spam'"):
        load_aya_redteaming(tmp_path)
    (tmp_path / "aya_eng.jsonl").write_text(
        '{"prompt": "a", "language": "English", "harm_category": "[\\"Hate Speech\\"]", "global_or_local": "regional"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"line 1, field 'global_or_local'"): load_aya_redteaming(tmp_path)
