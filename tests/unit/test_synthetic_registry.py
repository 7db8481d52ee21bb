"""The synthetic generator's registry: one generator for every raw source, and the committed sample is
exactly what it writes."""

from __future__ import annotations

from pathlib import Path

from catalog.contracts import load_contracts
from synthetic.registry import GENERATORS, REGISTRY, Options, generate

from conftest import SAMPLES


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_raw_contract_has_a_generator_and_every_generator_a_raw_contract():
    raw = {c.id for c in load_contracts().values() if c.layer == "raw"}
    assert raw - REGISTRY.keys() == set(), "raw contracts without a synthetic generator"
    assert REGISTRY.keys() - raw == set(), "generators for no raw contract"
    assert {p.name for p in SAMPLES.iterdir() if p.is_dir()} == raw


def test_the_committed_sample_is_what_the_registry_writes_and_each_generator_stays_in_its_sources(tmp_path):
    counts = generate(tmp_path)
    assert _files(tmp_path) == _files(SAMPLES), "data/samples differs from the generator: run `make samples`"
    for generator in GENERATORS:
        written = {relpath.split("/")[0] for relpath in generator.sample(tmp_path / "alone")}
        assert written == set(generator.sources), generator.write.__name__
    assert set(counts) == set(_files(SAMPLES))


def test_one_source_of_a_shared_generator_is_written_alone_with_the_same_bytes(tmp_path):
    counts = generate(tmp_path, ["welfare_call_logs"])
    assert {p.name for p in tmp_path.iterdir()} == {"welfare_call_logs"}  # no scratch folder or other source left
    assert _files(tmp_path) == {k: v for k, v in _files(SAMPLES).items() if k.startswith("welfare_call_logs/")}
    assert set(counts) == set(_files(tmp_path))


def test_at_scale_each_generator_gets_only_the_options_it_takes(tmp_path):
    counts = generate(tmp_path, ["taas_child_hotspots", "childcare_centers"], Options(scale=0.01, days=7, seed=3))
    assert {relpath.split("/")[0] for relpath in counts} == {"taas_child_hotspots", "childcare_centers"}
    assert counts["childcare_centers/ChildCareInfo_SYNTHETIC.json"] == 5  # the floor of five centres
