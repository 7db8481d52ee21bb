"""The bench's memory figures are the measured command's own, whatever the bench process holds."""

from bench.measure import measure, python

TOUCH = "x = bytearray({mib} * 2**20)\nfor i in range(0, len(x), 4096): x[i] = 1\nimport time; time.sleep(0.5)"


def _hold(mib: int) -> bytearray:
    held = bytearray(mib * 2**20)
    for i in range(0, len(held), 4096):
        held[i] = 1
    return held


def test_a_command_is_measured_apart_from_a_larger_bench_process():
    held = _hold(400)  # the bench after comparing two lakes' marts: a child's ru_maxrss inherited this
    measured = measure(python("-c", TOUCH.format(mib=150)))
    del held
    assert 150 <= measured.peak_rss_mib < 300 and 150 <= measured.peak_tree_pss_mib < 300


def test_the_largest_process_of_the_tree_counts():
    child = TOUCH.format(mib=200).replace("\n", "\\n")
    measured = measure(python("-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', '{child}'])"))
    assert measured.peak_rss_mib >= 200 and measured.peak_tree_pss_mib >= 200
