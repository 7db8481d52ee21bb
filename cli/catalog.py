"""`lakehouse catalog …` (contracts, glossary, dictionary, lineage, dbt YAML) and `lakehouse purposes`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, err, fail, out
from lake.settings import DBT_PROJECT_DIR, Settings

commands = typer.Typer()
catalog_commands = typer.Typer(help="Data contracts, glossary and the catalog.", no_args_is_help=True)
commands.add_typer(catalog_commands, name="catalog")


@commands.command()
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


@catalog_commands.command("list")
def catalog_list(fmt: FormatOption = Format.table) -> None:
    """Every dataset with its layer, tier, owners and, for marts, the analyst audiences that may query it."""
    from catalog.contracts import load_contracts
    from catalog.search import summary

    emit([{**summary(c), "audiences": list(c.audiences)} for c in load_contracts().values()], fmt, "Datasets")


@catalog_commands.command("show")
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


@catalog_commands.command("search")
def catalog_search(term: str, fmt: FormatOption = Format.table) -> None:
    """Search datasets, columns and the glossary in Korean or English."""
    from catalog.search import search

    emit(search(term), fmt, f"Matches for {term!r}")


@catalog_commands.command("dictionary")
def catalog_dictionary(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the HTML pages")] = Path("data/dictionary"),
) -> None:
    """Write the bilingual data dictionary (static HTML, one page per dataset) from the contracts."""
    from catalog.dictionary import build_dictionary

    pages = build_dictionary(out_dir)
    out.print(f"wrote {len(pages)} pages; open {out_dir / 'index.html'}")


@catalog_commands.command("lineage")
def catalog_lineage(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the HTML reports")] = Path("data/lineage"),
) -> None:
    """Write the static column-lineage report, one page per mart (the Dagster UI's view is a paid feature)."""
    from catalog.lineage import render_reports
    from transforms.dbt_project import prepare_manifest

    prepare_manifest(Settings.from_env())
    pages = render_reports(out_dir)
    out.print(f"wrote {len(pages)} pages; open {out_dir / 'index.html'}")


@catalog_commands.command("dbt-sync")
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

