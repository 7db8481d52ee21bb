"""Re-running the main job over a lake it already built changes nothing.

Moved from tests/lake/test_pipeline.py: the second run writes to the lake, so it runs on a private copy of
the shared session lake (catalog, data files, landing, Dagster home and keys) instead of the shared one.
"""


def test_rerunning_the_main_job_changes_nothing(lake_copy):
    from orchestration.runner import run_main

    settings, first = lake_copy
    second = run_main(settings)
    assert second.success and second.checks_failed == []
    assert second.rows == first.rows
