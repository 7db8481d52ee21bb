"""The bench's figures as markdown: the targets of issue 12 (figure, target, met), every measured run, and
where the time goes. A target not met stays in the table with its figure."""

from __future__ import annotations

GIB = 1024  # MiB
TOP_STEPS = 8


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def targets(r: dict) -> list[str]:
    sf = f"SF {r['scale']:g}"
    cold, inc, noop = r["cold"], r["increment"], r["no_op"]
    pipe = cold["pipeline"]
    cold_peak = max(pipe["peak_rss_mib"], pipe["peak_tree_pss_mib"])
    lines = [_row("measure", "figure", "target", "met"), "|---|---|---|---|",
             _row(f"cold, all four domains at {sf}: pipeline ÷ ingest-copy",
                  f"{cold['ratio']} ({pipe['wall_s']} s ÷ {cold['ingest_copy']['wall_s']} s)", "≤ 3", _met(cold["ratio"] <= 3)),
             _row("cold: pipeline peak RSS", f"{cold_peak:,} MiB", "≤ 2,048 MiB", _met(cold_peak <= 2 * GIB)),
             _row("one more day of every daily source: increment wall ÷ cold wall",
                  f"{inc['ratio_to_cold'] * 100:.1f} % ({inc['pipeline']['wall_s']} s ÷ {pipe['wall_s']} s)", "≤ 5 %",
                  _met(inc["ratio_to_cold"] <= 0.05)),
             *([_row(f"one small file ({floor['source']}, the floor of a run that lands anything) ÷ cold wall",
                     f"{floor['ratio_to_cold'] * 100:.1f} % ({floor['pipeline']['wall_s']} s ÷ {pipe['wall_s']} s)",
                     "(what ≤ 5 % has to fit)", "—")] if (floor := r.get("one_file")) else []),
             _row("one more day: every mart equals a cold build",
                  "equal" if r["marts"]["equal"] else "differ: " + ", ".join(r["marts"]["differing_marts"]),
                  "equal", _met(r["marts"]["equal"])),
             _row("nothing new ÷ `lakehouse --help`", f"{noop['ratio']} ({noop['no_op_s']} s ÷ {noop['help_s']} s)", "≤ 4",
                  _met(noop["ratio"] <= 4))]
    if large := r.get("childcare_large"):
        big = large["large_pipeline"]
        big_peak = max(big["peak_rss_mib"], big["peak_tree_pss_mib"])
        lines += [_row(f"childcare at SF {large['large_scale']:g}, cold: peak RSS", f"{big_peak:,} MiB", "≤ 3,072 MiB",
                       _met(big_peak <= 3 * GIB)),
                  _row(f"childcare cold: wall SF {large['large_scale']:g} ÷ SF {large['scale']:g}",
                       f"{large['ratio']} ({big['wall_s']} s ÷ {large['pipeline']['wall_s']} s)", "≤ 10",
                       _met(large["ratio"] <= 10))]
    sample = r["sample"]["pipeline"]["wall_s"]
    lines.append(_row("committed sample, cold", f"{sample} s", "about a minute (≤ 60 s)", _met(sample <= 60)))
    return lines


def runs(r: dict) -> list[str]:
    """Every measured side: input, rows, wall, memory (largest process / whole tree), what it ran."""
    def pipeline(name: str, input_mib: float | str, p: dict) -> str:
        return _row(name, input_mib, f"{p['rows_read']:,}", p["wall_s"], f"{p['peak_rss_mib']:,} / {p['peak_tree_pss_mib']:,}",
                    p["assets_materialized"], p["plan"])

    sf = f"SF {r['scale']:g}"
    cold, inc = r["cold"], r["increment"]
    lines = [_row("run", "input MiB", "rows read", "wall s", "peak MiB (process RSS / tree PSS)", "assets", "plan"),
             "|---|---|---|---|---|---|---|",
             _row(f"ingest-copy, all domains {sf}", cold["input_mib"], "", cold["ingest_copy"]["wall_s"],
                  f"{cold['ingest_copy']['peak_rss_mib']:,}", "", ""),
             pipeline(f"pipeline cold, all domains {sf}", cold["input_mib"], cold["pipeline"]),
             pipeline("pipeline, one more day", inc["input_mib"], inc["pipeline"]),
             pipeline("pipeline cold over history + day (the marts' reference)", cold["input_mib"] + inc["input_mib"],
                      r["marts"]["cold_rebuild"]),
             *([pipeline(f"pipeline, one small file ({floor['source']})", floor["input_mib"], floor["pipeline"])]
               if (floor := r.get("one_file")) else []),
             _row("`lakehouse run`, nothing new (median of 3)", "", "", r["no_op"]["no_op_s"],
                  f"{r['no_op']['no_op_peak_rss_mib']:,}", 0, "nothing new"),
             _row("`lakehouse --help` (median of 3)", "", "", r["no_op"]["help_s"], "", "", "")]
    if large := r.get("childcare_large"):
        lines += [pipeline(f"pipeline cold, childcare SF {large['scale']:g}", large["input_mib"], large["pipeline"]),
                  pipeline(f"pipeline cold, childcare SF {large['large_scale']:g}", large["large_input_mib"],
                           large["large_pipeline"])]
    lines.append(pipeline("pipeline cold, committed sample", r["sample"]["input_mib"], r["sample"]["pipeline"]))
    return lines


def where_time_goes(r: dict) -> list[str]:
    """Per pipeline run: the time outside Dagster steps and per kind of step, then the longest steps."""
    named = [("cold", r["cold"]["pipeline"]), ("one more day", r["increment"]["pipeline"])]
    if floor := r.get("one_file"):
        named.append((f"one small file ({floor['source']})", floor["pipeline"]))
    if large := r.get("childcare_large"):
        named += [(f"childcare SF {large['scale']:g}", large["pipeline"]),
                  (f"childcare SF {large['large_scale']:g}", large["large_pipeline"])]
    named.append(("committed sample", r["sample"]["pipeline"]))
    lines = []
    for name, p in named:
        steps = list(p["steps_s"].items())
        top = ", ".join(f"`{k}` {v:g}" for k, v in steps[:TOP_STEPS])
        rest = sum(v for _, v in steps[TOP_STEPS:])
        kinds = ", ".join(f"{kind} {seconds:g}" for kind, seconds in p["by_kind_s"].items() if seconds)
        lines.append(f"- **{name}** ({p['wall_s']} s): start-up and bookkeeping outside steps {p['outside_steps_s']}, {kinds}. "
                     f"Longest: {top}; the other {max(len(steps) - TOP_STEPS, 0)} steps {rest:.1f}")
    return lines


def scaled_out(r: dict) -> list[str]:
    """The four domains in parallel on PostgreSQL + object storage, next to the embedded cold run."""
    s = r.get("scaled_out")
    if s is None:
        return []
    title = f"PostgreSQL catalog + object storage (SeaweedFS), the four domains in parallel, SF {r['scale']:g}"
    if "skipped" in s:
        return [f"{title}: **skipped**: {s['skipped']}"]
    cold = r["cold"]["pipeline"]
    lines = [f"{title}:", "", _row("measure", "figure"), "|---|---|",
             _row("wall until every domain ends ÷ embedded cold (one process, all domains)",
                  f"{s['ratio_to_embedded_cold']} ({s['wall_s']} s ÷ {cold['wall_s']} s)"),
             _row("peak, largest process RSS / whole tree PSS (every run and its dbt at once)",
                  f"{s['peak_rss_mib']:,} / {s['peak_tree_pss_mib']:,} MiB (embedded cold: "
                  f"{cold['peak_rss_mib']:,} / {cold['peak_tree_pss_mib']:,} MiB)"),
             _row("the runs overlapped (each started before any ended)", "yes" if s["overlapped"] else "**no**"),
             _row("every mart equals the embedded cold lake's",
                  "equal" if s["marts_equal"] else "**differ**: " + ", ".join(s["differing_marts"]))]
    for domain, d in s["per_domain"].items():
        dbt = d["steps"].get("dbt_models", 0)
        lines.append(_row(f"`--domain {domain}`", f"{d['start_s']}–{d['end_s']} s ({d['wall_s']} s, dbt step {dbt:g} s with its wait for the lake-wide lock, "
                                                 f"{len(d['assets'])} assets)"))
    return lines


def markdown(r: dict) -> str:
    head = [f"Bench at SF {r['scale']:g} ({r['machine']}, {r['date']})", ""]
    if not all(k in r for k in ("cold", "increment", "no_op", "marts", "sample")):  # `--only`: what was run
        return "\n".join([*head, *scaled_out(r), "", "(a partial run: every figure is in the JSON file)"])
    return "\n".join([*head, *targets(r), "", *runs(r), "", *scaled_out(r), "",
                      "Where the time goes (seconds):", "", *where_time_goes(r)])
