import hashlib

import pytest

from transforms.pseudonymize import KeyMissing, Pseudonymizer, ensure_key


def test_deterministic_per_purpose_and_different_across_purposes(tmp_path):
    for purpose in ("DAYCARE_FOOD_SCANNER_STATS", "OTHER_PURPOSE"):
        ensure_key(tmp_path, purpose)
    p = Pseudonymizer(tmp_path)
    a = p.pseudonym("DAYCARE_FOOD_SCANNER_STATS", "CH00000001")
    assert a == Pseudonymizer(tmp_path).pseudonym("DAYCARE_FOOD_SCANNER_STATS", "CH00000001")
    assert a != p.pseudonym("OTHER_PURPOSE", "CH00000001")
    assert a != p.pseudonym("DAYCARE_FOOD_SCANNER_STATS", "CH00000002")


def test_no_raw_identifier_and_not_a_bare_hash(tmp_path):
    ensure_key(tmp_path, "DAYCARE_FOOD_SCANNER_STATS")
    pseudonym = Pseudonymizer(tmp_path).pseudonym("DAYCARE_FOOD_SCANNER_STATS", "CH00000001")
    assert "CH00000001" not in pseudonym and "00000001" not in pseudonym
    assert pseudonym not in hashlib.sha256(b"CH00000001").hexdigest()


def test_key_is_private_created_once_and_required(tmp_path):
    path, created = ensure_key(tmp_path / "vault", "DAYCARE_FOOD_SCANNER_STATS")
    assert created and path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "vault").stat().st_mode & 0o777 == 0o700
    key = path.read_text()
    assert ensure_key(tmp_path / "vault", "DAYCARE_FOOD_SCANNER_STATS") == (path, False)
    assert path.read_text() == key
    with pytest.raises(KeyMissing):
        Pseudonymizer(tmp_path / "vault").pseudonym("NO_SUCH_PURPOSE", "x")


def test_keys_are_outside_the_lake_and_ignored_by_git():
    from lake.settings import PROJECT_ROOT, Settings

    settings = Settings.from_env()
    assert settings.data_dir not in settings.key_dir.parents
    assert ".keys/" in (PROJECT_ROOT / ".gitignore").read_text()
