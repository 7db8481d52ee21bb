"""`lakehouse`: the command line of the Gangseo AI data lakehouse.

Heavy modules (Dagster, dbt, GX) are imported inside the commands that need them, so `--help`,
`sources` and `catalog` answer at once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from lake.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings

app = typer.Typer(help="Gangseo AI data lakehouse (AI 강서): ingest, check, pseudonymize, serve.", no_args_is_help=True)
catalog_app = typer.Typer(help="Data contracts, glossary and the catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
out = Console()
err = Console(stderr=True)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]


def emit(rows: list[dict[str, Any]], fmt: Format, title: str = "") -> None:
    """Print rows as a table, a JSON array of objects, or CSV."""
    if fmt is Format.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=2))
        return
    columns = list(rows[0]) if rows else []
    if fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
        return
    table = RichTable(title=title or None)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in row.values()])
    out.print(table)


def progress(description: str) -> Progress:
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True)
    bar.add_task(description)
    return bar


def fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@app.command()
def run(fmt: FormatOption = Format.table) -> None:
    """Materialize every asset on the inbox (default data/samples), run all checks, build marts and releases."""
    from lake.session import ensure_zones
    from orchestration.runner import run_main

    settings = Settings.from_env()
    ensure_zones(settings)
    with progress("Running the main job (ingest → checks → dbt → gates → release → analyst DB)"):
        summary = run_main(settings)
    if fmt is Format.json:
        typer.echo(json.dumps(summary.__dict__, ensure_ascii=False, indent=2))
    else:
        out.print(f"[bold]Run {summary.run_id}[/bold]: {'[green]success' if summary.success else '[red]FAILED'}[/]")
        out.print(f"Assets materialized: {len(summary.assets_materialized)}")
        out.print(f"Checks: {len(summary.checks_passed)} passed, {len(summary.checks_failed)} failed")
        for name in summary.checks_failed:
            out.print(f"  [red]failed[/red] {name}")
        for failure in summary.failures:
            out.print(f"  [red]step failed[/red] {failure}")
        emit([{"table": k, "rows": v} for k, v in summary.rows.items()], Format.table, "Rows per table")
        out.print(f"Lake: catalog {settings.catalog_uri}, files {settings.lake_dir}")
        out.print(f"Analyst DB: {settings.analyst_db}  ·  GX Data Docs: {settings.quality_dir}/gx/uncommitted/data_docs/local_site/index.html")
        out.print("Steward UI: `.venv/bin/lakehouse ui` then open http://127.0.0.1:3000")
    if not summary.success:
        raise typer.Exit(1)


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help="Source id (see `lakehouse sources`)")],
    path: Annotated[Path, typer.Argument(help="File to ingest")],
    fmt: FormatOption = Format.table,
) -> None:
    """Land PATH immutably, validate every row against the SOURCE contract, load or quarantine it."""
    from transforms.ingest import IngestFailed, ingest_file
    from transforms.sources import SOURCES

    if source not in SOURCES:
        fail(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    settings = Settings.from_env()
    try:
        with progress(f"Ingesting {path.name} into {source}"):
            result = ingest_file(settings, source, path, run_id=f"cli-{os.getpid()}")
    except IngestFailed as exc:
        fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        emit([result.as_json()], fmt, "Ingest")


@app.command()
def sources(fmt: FormatOption = Format.table) -> None:
    """Source ids and the formats each accepts."""
    from transforms.sources import SOURCES

    emit([{"source": s.id, "formats": list(s.formats), "suffixes": list(s.suffixes)} for s in SOURCES.values()], fmt, "Sources")


@app.command()
def purposes(fmt: FormatOption = Format.table) -> None:
    """The purpose register: code, purpose, legal basis, pilots and datasets that use it, retention."""
    from catalog.contracts import load_contracts
    from catalog.registry import pilots, purposes as register

    rows = []
    for code, purpose in register().items():
        datasets = [c for c in load_contracts().values() if c.custom.get("purpose_code") == code]
        rows.append({
            "code": code,
            "purpose": f"{purpose.purpose_ko} / {purpose.purpose_en}",
            "legal_basis": purpose.legal_basis,
            "expandable": purpose.expandable,
            "pilots": [p.id for p in pilots().values() if code in p.purposes],
            "datasets": [c.id for c in datasets],
            "retention": sorted({c.retention for c in datasets}),
        })
    emit(rows, fmt, "Purpose register")


@catalog_app.command("list")
def catalog_list(fmt: FormatOption = Format.table) -> None:
    """Every dataset with its layer, tier and owners."""
    from catalog.contracts import load_contracts
    from catalog.search import summary

    emit([summary(c) for c in load_contracts().values()], fmt, "Datasets")


@catalog_app.command("show")
def catalog_show(name: str, fmt: FormatOption = Format.table) -> None:
    """One dataset: owner, steward, tier, contract version, columns, upstream and downstream, latest checks, freshness."""
    from catalog.contracts import ContractError, get_contract
    from catalog.search import detail
    from orchestration.lib.observations import observed

    try:
        contract = get_contract(name)
        info = detail(contract)
    except ContractError as exc:
        fail(str(exc))
    info.update(observed(Settings.from_env(), contract))
    if fmt is Format.json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    for key in ("id", "name", "layer", "tier", "owners", "steward", "version", "purpose_code", "legal_basis",
                "retention", "upstream", "downstream", "contract_file"):
        out.print(f"[bold]{key}[/bold]: {info[key]}")
    out.print(info["description"])
    out.print(info["description_ko"])
    for table in info["tables"]:
        emit(table["columns"], fmt, table["name"])
    out.print(f"[bold]freshness[/bold]: " + ", ".join(f"{k} {v}" for k, v in info["freshness"].items() if v))
    emit([{**c, "facts": json.dumps(c["facts"], ensure_ascii=False)} for c in info["checks"]], fmt, "Latest checks")


@catalog_app.command("search")
def catalog_search(term: str, fmt: FormatOption = Format.table) -> None:
    """Search datasets, columns and the glossary in Korean or English."""
    from catalog.search import search

    emit(search(term), fmt, f"Matches for {term!r}")


@catalog_app.command("dictionary")
def catalog_dictionary(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the HTML pages")] = Path("data/dictionary"),
) -> None:
    """Write the bilingual data dictionary (static HTML, one page per dataset) from the contracts."""
    from catalog.dictionary import build_dictionary

    pages = build_dictionary(out_dir)
    out.print(f"wrote {len(pages)} pages; open {out_dir / 'index.html'}")


@catalog_app.command("lineage")
def catalog_lineage(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the HTML reports")] = Path("data/lineage"),
) -> None:
    """Write the static column-lineage report, one page per mart (the Dagster UI's view is a paid feature)."""
    from catalog.lineage import render_reports
    from transforms.dbt_project import prepare_manifest

    prepare_manifest(Settings.from_env())
    pages = render_reports(out_dir)
    out.print(f"wrote {len(pages)} pages; open {out_dir / 'index.html'}")


@catalog_app.command("dbt-sync")
def catalog_dbt_sync(check: Annotated[bool, typer.Option(help="Only report drift; exit 1 if any")] = False) -> None:
    """Regenerate the dbt model/seed YAML (enforced contracts, tests) from the data contracts."""
    from catalog.dbt_sync import generated_files, sync

    if check:
        drift = [str(p) for p, text in generated_files(DBT_PROJECT_DIR).items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        for path in drift:
            err.print(f"out of date: {path}")
        raise typer.Exit(1 if drift else 0)
    for path in sync(DBT_PROJECT_DIR):
        out.print(f"wrote {path}")


@app.command()
def sql(query: str, fmt: FormatOption = Format.table) -> None:
    """Query the analyst database: marts only, read-only, no external access, configuration locked."""
    import duckdb

    from governance.analyst import analyst_connection

    try:
        con = analyst_connection(Settings.from_env())
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    except (duckdb.Error, FileNotFoundError) as exc:
        fail(str(exc))
    emit(rows, fmt)


@app.command()
def export(
    pilot: Annotated[str, typer.Argument(help="Pilot id, e.g. daycare_food_scanner")],
    purpose: Annotated[str, typer.Option(help="A purpose code registered for the pilot")],
    reason: Annotated[str, typer.Option(help="Why this export is needed (recorded in the access log)")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the Parquet files and manifest.json")],
    fmt: FormatOption = Format.table,
) -> None:
    """Export a pilot's release as Parquet + manifest.json; every export and refusal is access-logged."""
    from governance.export import ExportRefused, export_release

    try:
        with progress(f"Exporting {pilot}"):
            manifest = export_release(Settings.from_env(), pilot, purpose, reason, out_dir)
    except ExportRefused as exc:
        fail(f"export refused: {exc}")
    if fmt is Format.json:
        typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
    else:
        emit([{"table": n, "rows": t["rows"], "file": t["file"], "sha256": t["sha256"][:16]} for n, t in manifest["tables"].items()],
             fmt, f"Exported to {out_dir}")


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 3000) -> None:
    """Start the Dagster UI for stewards, read-only, on 127.0.0.1."""
    from orchestration.runner import dagster_instance

    settings = Settings.from_env()
    dagster_instance(settings)  # sets DAGSTER_HOME so the UI shows the main job's runs
    webserver = Path(sys.executable).with_name("dagster-webserver")
    out.print(f"Dagster UI (read-only): http://127.0.0.1:{port}")
    subprocess.run([str(webserver), "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port), "--read-only"],
                   cwd=PROJECT_ROOT, check=False)


@app.command()
def generate(
    scale: Annotated[float, typer.Option(help="Scale factor; 1 ≈ one year of Gangseo-sized operations")] = 1.0,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory (one folder per source)")] = Path("generated"),
    days: Annotated[int, typer.Option(help="Calendar days of meals, calls and sensor readings")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed (fixed for reproducible files)")] = 20261125,
    dirty_rate: Annotated[float, typer.Option(help="Share of rows made invalid on purpose")] = 0.002,
    sample: Annotated[bool, typer.Option("--sample", help="Write the committed sample set (each domain at its sample size)")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Write synthetic source files in their real formats (fixed seed)."""
    from synthetic.samples import generate_all, generate_samples

    with progress(f"Generating into {out_dir}"):
        counts = generate_samples(out_dir) if sample else generate_all(out_dir, scale, days, seed, dirty_rate)
    emit([{"file": name, "rows": rows} for name, rows in counts.items()], fmt, f"Generated into {out_dir}")


@app.command("export-operational")
def export_operational_command(
    purpose: Annotated[str, typer.Option(help="Purpose code whose legal basis applies, e.g. WELLBEING_CALL_OPERATIONS")] = "",
    role: Annotated[str, typer.Option(help="Your role under the operational agreement, e.g. welfare_officer")] = "",
    reason: Annotated[str, typer.Option(help="Why (recorded in the access log)")] = "",
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the call feed (identified data)")] = Path("exports/operational"),
    fmt: FormatOption = Format.table,
) -> None:
    """Identified call feed for the well-being call service (restricted; needs a legal basis and a role; access-logged)."""
    from governance.export import ExportRefused, export_operational

    try:
        manifest = export_operational(Settings.from_env(), purpose, role, reason, out_dir)
    except ExportRefused as exc:
        fail(f"operational export refused: {exc}")
    if fmt is Format.json:
        typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
    else:
        emit([{k: manifest[k] for k in ("file", "rows", "purpose", "role")} | {"agreement": manifest["agreement"]["id"]}],
             fmt, f"Operational export to {out_dir} (identified: handle as restricted)")


audit_app = typer.Typer(help="Access log: monthly review and integrity check.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


class ReportFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@audit_app.command("report")
def audit_report(
    month: Annotated[str, typer.Option(help="Month to review, YYYY-MM")],
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="table, json or markdown")] = ReportFormat.table,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the report to this file instead")] = None,
) -> None:
    """Monthly access-log review: who exported what, refusals, unusual activity, destructions, chain state."""
    from governance.audit import monthly_report, report_markdown

    try:
        report = monthly_report(Settings.from_env(), month)
    except ValueError as exc:
        fail(f"--month must be YYYY-MM: {exc}")
    if fmt is ReportFormat.table and out_file is None:
        emit([report["totals"]], Format.table, f"Access log {month}")
        for section in ("by_account", "exports", "refusals", "unusual"):
            emit(report[section], Format.table, section)
        log = report["access_log"]
        out.print(f"chain {'verified' if log['chain_ok'] else '[red]BROKEN[/red]'}: {log['rows']} rows, head {log['head_seq']}")
        return
    text = report_markdown(report) if fmt is ReportFormat.markdown else json.dumps(report, ensure_ascii=False, indent=2, default=str)
    if out_file is None:
        typer.echo(text)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
        out.print(f"wrote {out_file}")


@audit_app.command("verify")
def audit_verify(fmt: FormatOption = Format.table) -> None:
    """Recompute the access log's hash chain and compare it with every retained snapshot; exit 1 if broken."""
    from governance.audit import access_log_head

    check = access_log_head(Settings.from_env())
    emit([{"rows": check.rows, "head_seq": check.head_seq, "head_hash": check.head_hash, "ok": check.ok,
           "unchained_rows": check.unchained_rows, "snapshots_checked": check.snapshots_checked,
           "problems": check.problems}], fmt, "Access log")
    if not check.ok:
        raise typer.Exit(1)


@app.command()
def purge(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge processing periods as of this date (YYYY-MM-DD; default today)")] = None,
    subject: Annotated[list[str] | None, typer.Option("--subject", help="Destroy this pseudonym whatever its age (repeatable)")] = None,
    purpose: Annotated[str | None, typer.Option(help="Only datasets of this purpose code")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be destroyed")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Destroy pseudonymized data past its processing period (verified DuckLake purge) and record it."""
    import datetime as dt

    from governance.export import Requester
    from governance.purge import PurgeFailed, purge as run_purge

    requester = Requester.current()
    day = None if subject else (dt.date.fromisoformat(as_of) if as_of else dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date())
    try:
        with progress("Purging"):
            record = run_purge(Settings.from_env(), as_of=day, subjects=subject, purpose=purpose,
                               operator=(requester.account, requester.host), dry_run=dry_run)
    except PurgeFailed as exc:
        fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        return
    emit([{"table": t, **info} for t, info in record["scope"]["tables"].items()], fmt, f"Purge: {record['result']}")
    if "verification" in record:
        v = record["verification"]
        out.print(f"verified: {v['parquet_files_scanned']} Parquet files, {v['catalog_tables_scanned']} catalog tables, "
                  f"{v['snapshots_checked']} snapshots; {v['expired_snapshots_unreachable']} expired snapshots unreachable")


@app.command("fetch")
def fetch_command(
    source: Annotated[str, typer.Argument(help="Source id fed by an API (cctv, stores, commerce_sales, …)")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable: a query filter "
                                                    "(searchYearCd=2025066) or a Seoul path segment (STDR_YYQU_CD=20244)")] = None,
    service: Annotated[str | None, typer.Option(help="Only this service of the source (e.g. tn_pubr_public_cctv_api)")] = None,
    inbox: Annotated[Path | None, typer.Option(help="Inbox folder (default: LAKEHOUSE_INBOX)")] = None,
    base_url: Annotated[str | None, typer.Option(help="Another host for the API (a mirror, a test server)")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Fetch every page of SOURCE's API, verbatim, into <inbox>/<source>/. Keys come from the environment:
    LAKEHOUSE_DATA_GO_KR_SERVICE_KEY (data.go.kr, KOROAD, 소상공인) and LAKEHOUSE_SEOUL_OPEN_API_KEY."""
    from connectors import ConnectorError
    from connectors import fetch as fetch_source

    # Never the committed samples by default: real data must not land among them.
    folder = inbox or (Path(os.environ["LAKEHOUSE_INBOX"]) if os.environ.get("LAKEHOUSE_INBOX") else None)
    if folder is None:
        fail("pass --inbox or set LAKEHOUSE_INBOX (the default inbox is the committed samples)")
    params = {}
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"--param {item!r}: expected NAME=VALUE")
        params[name] = value
    try:
        with progress(f"Fetching {source}"):
            summary = fetch_source(source, folder, service=service, base_url=base_url, **params)
    except KeyError as exc:
        fail(str(exc.args[0]))
    except ConnectorError as exc:
        fail(str(exc))
    result = summary.as_json()
    if fmt is Format.json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        emit([{**result, "files": len(summary.files)}], fmt, "Fetch")


if __name__ == "__main__":
    app()
