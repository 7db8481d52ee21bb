import hashlib
import json
import xml.etree.ElementTree as ET

from synthetic.registry import Options, generate

CHILDCARE = ("childcare_centers", "childcare_meals")


def digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_byte_identical_files_in_real_formats(tmp_path):
    counts = generate(tmp_path / "a", CHILDCARE, Options(scale=0.02, days=7))
    generate(tmp_path / "b", CHILDCARE, Options(scale=0.02, days=7))
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    root = tmp_path / "a"
    csv = (root / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv").read_bytes()
    text = csv.decode("cp949")  # strict: the extract is CP949
    assert text.startswith("어린이집코드,아동ID,") and "\r\n" in text
    assert len(text.splitlines()) - 1 == counts["childcare_meals/meal_scan_extract_SYNTHETIC.csv"]
    items = ET.parse(root / "childcare_centers" / "cpmsapi030_arcode11500_SYNTHETIC.xml").getroot()
    envelope = json.loads((root / "childcare_centers" / "ChildCareInfo_SYNTHETIC.json").read_text(encoding="utf-8"))
    assert envelope["ChildCareInfo"]["RESULT"]["CODE"] == "INFO-000"
    assert len(items) == envelope["ChildCareInfo"]["list_total_count"] == 5
    assert all(isinstance(v, str) for row in envelope["ChildCareInfo"]["row"] for v in row.values())


def test_a_different_seed_gives_different_children(tmp_path):
    generate(tmp_path / "a", CHILDCARE, Options(scale=0.02, days=7, seed=1))
    generate(tmp_path / "b", CHILDCARE, Options(scale=0.02, days=7, seed=2))
    assert digest(tmp_path / "a") != digest(tmp_path / "b")
