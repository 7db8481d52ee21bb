"""Column-level lineage of the dbt models, parsed from their SQL with sqlglot (DuckDB dialect).

Dagster OSS stores `dagster/column_lineage` but only its paid UI draws it, so the product also renders
a static page per mart: output column → the source columns it is computed from, with the contract's
Korean and English names and tiers. Everything here is a pure function of SQL, the dbt manifest and the
contracts: no dbt run and no lake are needed.

A column's lineage is every upstream column its expression reads, through CTEs, subqueries and joins,
including CASE conditions and window PARTITION/ORDER columns (a suppressed count depends on the column
that decides the suppression). Functions sqlglot does not know, like the `pseudonymize()` UDF, pass
their column arguments through. A constant, or `count(*)`, has no upstream column.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage as sqlglot_lineage

from catalog.contracts import Contract, get_contract, load_contracts

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
COMPILED_DIR = DBT_PROJECT_DIR / "target" / "compiled"
# Parsing lineage is most of what loading the definitions costs (~0.1 s a model), so results are kept
# here, keyed by the SQL, the schema and sqlglot's version: a pure cache, rebuilt when missing or unreadable.
LINEAGE_CACHE = DBT_PROJECT_DIR / "target" / "column_lineage.cache.json"

# Columns the ingest adds to every raw table (orchestration/ingest.py META_COLUMNS; a test keeps the two
# equal). Staging models `select *` from raw tables, so the star must expand to these as well.
RAW_META_COLUMNS = {"_landing_sha256": "VARCHAR", "_row_number": "BIGINT", "_loaded_at": "TIMESTAMP"}

Lineage = dict[str, list[tuple[str, str]]]


class LineageError(ValueError):
    """A model's SQL cannot be rendered or a column cannot be traced to a table."""


# --- SQL → lineage -------------------------------------------------------------------------------


def column_lineage(sql: str, schema: Mapping[str, Mapping[str, str]], dialect: str = "duckdb") -> Lineage:
    """For each output column of a SELECT, the sorted (`schema.table`, column) pairs it derives from.

    `schema` maps `schema.table` (or `db.schema.table`) to {column: type}; it lets sqlglot expand `*`
    and attribute unqualified columns in joins. Tables in the SQL are `lake.<schema>.<table>`.
    """
    nodes = sqlglot_lineage(None, sql, _nested(schema), dialect=dialect)
    result: Lineage = {}
    for name, node in nodes.items():
        deps = set()
        for leaf in node.walk():
            if isinstance(leaf.expression, exp.Placeholder):  # sqlglot found no table for the column
                raise LineageError(f"{name}: cannot trace {leaf.name!r} to a table")
            if isinstance(leaf.expression, exp.Table) and leaf.expression.name:  # not a table function (range)
                # A leaf's name is the column as written (`alias.col`, maybe quoted): parse, don't split.
                column = sqlglot.parse_one(leaf.name, dialect=dialect).name
                deps.add((f"{leaf.expression.db}.{leaf.expression.name}", column))
        result[name] = sorted(deps)
    return result


@functools.cache
def _lineage_cache() -> dict[str, Lineage]:
    try:
        return json.loads(LINEAGE_CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def cached_column_lineage(sql: str, schema: Mapping[str, Mapping[str, str]]) -> Lineage:
    """`column_lineage`, remembered across processes (errors are not remembered: they are raised again)."""
    key = hashlib.sha256(json.dumps([sql, schema, sqlglot.__version__], sort_keys=True).encode()).hexdigest()
    cache = _lineage_cache()
    if key not in cache:
        cache[key] = column_lineage(sql, schema)
        if LINEAGE_CACHE.parent.is_dir():
            partial = LINEAGE_CACHE.with_name(f".{LINEAGE_CACHE.name}.{os.getpid()}")
            partial.write_text(json.dumps(cache), encoding="utf-8")
            os.replace(partial, LINEAGE_CACHE)  # concurrent writers: the last whole file wins
    return {column: [tuple(pair) for pair in pairs] for column, pairs in cache[key].items()}


def _nested(schema: Mapping[str, Mapping[str, str]]) -> dict:
    """{'s.t': cols} or {'db.s.t': cols} → sqlglot's nested form {db: {s: {t: cols}}}, db default `lake`."""
    nested: dict = {}
    for name, columns in schema.items():
        parts = name.split(".")
        db, sch, table = parts if len(parts) == 3 else ("lake", *parts)
        nested.setdefault(db, {}).setdefault(sch, {})[table] = dict(columns)
    return nested


# --- dbt models ----------------------------------------------------------------------------------



def relation(node: Mapping[str, Any]) -> str:
    """`schema.table` as it exists in the lake (dbt: alias for models and seeds, identifier for sources)."""
    table = node.get("identifier") or node.get("alias") or node["name"]
    return f"{node['schema']}.{table}"


def parents(node: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The manifest nodes (models, seeds) and sources a node depends on."""
    found = []
    for parent_id in node.get("depends_on", {}).get("nodes", []):
        parent = manifest.get("nodes", {}).get(parent_id) or manifest.get("sources", {}).get(parent_id)
        if parent is not None:
            found.append(parent)
    return found


class _Constant(jinja2.Undefined):
    """Anything the project's Jinja does not define renders as 0: a constant with no lineage."""

    def __str__(self) -> str:
        return "0"


class _Config:
    """`config(...)` in a model renders nothing; `config.get('meta')` reads the node's config."""

    def __init__(self, node: Mapping[str, Any]):
        self._config = node.get("config", {})

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return ""

    def get(self, key: str, default: Any = None) -> Any:
        return self._config.get(key, default)


@functools.lru_cache(maxsize=2)
def _macro_environment(macros: str) -> jinja2.Environment:
    """One Jinja environment per set of project macros: they are compiled once, not with every model (compiling
    them took most of the time it takes to build the definitions' column lineage)."""
    return jinja2.Environment(undefined=_Constant, extensions=["jinja2.ext.do"],
                              loader=jinja2.DictLoader({"macros": macros}))


def render_model_sql(raw_sql: str, manifest_node: Mapping[str, Any], manifest: Mapping[str, Any]) -> str:
    """The model's SQL rendered here with plain Jinja, enough to parse lineage without `dbt compile`.

    `ref()`/`source()` become the parents' `database.schema.table` (from the manifest, so custom schemas
    and seeds' `reference` zone are right), `config.get('meta')` is the node's meta, the project's own
    macros (such as `latest_per_key`) are defined, and loops and `set` work as in dbt; anything else
    undefined (`var()`, other packages' macros) renders as the constant 0.
    """
    upstream = parents(manifest_node, manifest)
    name = manifest_node["name"]

    def located(parent: Mapping[str, Any]) -> str:
        return f"{parent['database']}.{relation(parent)}"

    def ref(*args: str) -> str:
        for parent in upstream:
            if parent["resource_type"] != "source" and parent["name"] == args[-1]:
                return located(parent)
        raise LineageError(f"{name}: ref({args[-1]!r}) is not among its manifest dependencies")

    def source(source_name: str, table: str) -> str:
        for parent in upstream:
            if parent["resource_type"] == "source" and [parent["source_name"], parent["name"]] == [source_name, table]:
                return located(parent)
        raise LineageError(f"{name}: source({source_name!r}, {table!r}) is not among its manifest dependencies")

    # The project's own macros (latest_per_key, ...) render as dbt would; other packages' do not.
    macros = "".join(m["macro_sql"] for m in manifest.get("macros", {}).values()
                     if m.get("package_name") == manifest_node.get("package_name")
                     and re.match(r"\{%-?\s*macro\b", m.get("macro_sql", "").lstrip()))  # not generic tests
    public = sorted(set(re.findall(r"\{%-?\s*macro\s+([A-Za-z]\w*)", macros)))  # a leading _ is not importable
    try:
        environment = _macro_environment(macros)
        imports = f"{{% from 'macros' import {', '.join(public)} with context %}}" if public else ""
        template = environment.from_string(imports + raw_sql)
        # is_incremental() false: an incremental model's lineage is that of its cold build
        return template.render(ref=ref, source=source, config=_Config(manifest_node), var=lambda n, d=0: d,
                               is_incremental=lambda: False)
    except jinja2.TemplateError as exc:
        raise LineageError(f"{name}: cannot render its Jinja without dbt ({exc})") from exc


def lineage_schema(manifest: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """`schema.table` → {column: type} for every relation a model can read.

    Models and seeds: the columns their (contract-generated) YAML declares. Sources (the raw zone): the
    contract whose physical name is the table, plus the ingest's meta columns.
    """
    schema: dict[str, dict[str, str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node["resource_type"] in ("model", "seed"):
            schema[relation(node)] = {c: v.get("data_type") or "UNKNOWN" for c, v in node["columns"].items()}
    tables = {t.physical_name: t for c in load_contracts().values() for t in c.tables}
    for source in manifest.get("sources", {}).values():
        table = tables.get(relation(source))
        columns = {c.name: c.physical_type for c in table.columns} if table else \
            {c: v.get("data_type") or "UNKNOWN" for c, v in source["columns"].items()}
        schema[relation(source)] = {**columns, **(RAW_META_COLUMNS if table else {})}
    return schema


def model_sql(manifest: Mapping[str, Any], unique_id: str, compiled_dir: Path | None = COMPILED_DIR) -> str:
    """The model's compiled SQL when it is known to be current, else its raw SQL rendered here.

    The manifest's `compiled_code` was written with the manifest itself. A file under target/compiled/
    is used only if written after the node was last parsed: after an edit it is stale.
    """
    node = manifest["nodes"][unique_id]
    if node.get("compiled_code"):
        return node["compiled_code"]
    if compiled_dir is not None:
        compiled = compiled_dir / node["package_name"] / node["original_file_path"]
        if compiled.is_file() and compiled.stat().st_mtime >= node.get("created_at", float("inf")):
            return compiled.read_text(encoding="utf-8")
    return render_model_sql(node["raw_code"], node, manifest)


def model_lineage(manifest: Mapping[str, Any], unique_id: str, compiled_dir: Path | None = COMPILED_DIR,
                  schema: Mapping[str, Mapping[str, str]] | None = None) -> Lineage:
    """Column lineage of one dbt model (see `column_lineage`)."""
    sql = model_sql(manifest, unique_id, compiled_dir)
    return cached_column_lineage(sql, schema if schema is not None else lineage_schema(manifest))


def dbt_model_lineage(manifest: Mapping[str, Any], compiled_dir: Path | None = COMPILED_DIR) -> dict[str, Lineage]:
    """Column lineage of every SQL model in the manifest, keyed `schema.model`."""
    schema = lineage_schema(manifest)
    return {
        relation(node): model_lineage(manifest, unique_id, compiled_dir, schema)
        for unique_id, node in sorted(manifest.get("nodes", {}).items())
        if node["resource_type"] == "model" and node.get("language", "sql") == "sql"
    }


# --- static report -------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .45rem;
text-align:left;vertical-align:top}th{background:#f2f4f7}code{font-size:.85em}.none{color:#777}
.tier{white-space:nowrap;font-weight:600}.warn{color:#b00020;font-weight:600}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _source_columns() -> dict[tuple[str, str], tuple[Contract, Any]]:
    """(`schema.table`, column) → (contract, column) for every contract column, to label upstream columns."""
    return {(t.physical_name, c.name): (contract, c)
            for contract in load_contracts().values() if contract.layer != "release"
            for t in contract.tables for c in t.columns}


def render_report(lineage_for_model: Lineage, out_path: Path, contract_id: str | None = None) -> Path:
    """One self-contained HTML page (no scripts, no network) for a model's column lineage.

    The contract (id defaults to the page's file name, as the model is named after it) supplies each
    column's Korean and English names and tier; upstream columns are labelled from their own contracts.
    """
    contract = get_contract(contract_id or out_path.stem)
    known = _source_columns()
    table = contract.table
    rows = []
    for column in table.columns:
        deps = lineage_for_model.get(column.name)
        if deps is None:
            cell = '<span class="warn">not in the model SQL / SQL에 없음</span>'
        elif not deps:
            cell = '<span class="none">— 상수 / constant</span>'
        else:
            cell = "<br>".join(
                f"<code>{_e(t)}.{_e(c)}</code> {_e(known[(t, c)][1].name_ko) if (t, c) in known else ''} "
                f'<span class="tier">[{_e(known[(t, c)][1].tier if (t, c) in known else "?")}]</span>'
                for t, c in deps)
        rows.append(f"<tr><td><code>{_e(column.name)}</code></td><td>{_e(column.name_ko)}</td>"
                    f"<td>{_e(column.description)}</td><td class=\"tier\">{_e(column.tier)}</td><td>{cell}</td></tr>")
    extra = sorted(set(lineage_for_model) - {c.name for c in table.columns})
    upstream: dict[str, list[str]] = {}
    for name, deps in lineage_for_model.items():
        for t, _ in deps:
            upstream.setdefault(t, []).append(name)
    tables = "".join(
        f"<li><code>{_e(t)}</code> ({_e(', '.join(sorted({known[k][0].id for k in known if k[0] == t})) or '?')}) "
        f"→ {_e(', '.join(cols))}</li>" for t, cols in sorted(upstream.items()))
    body = (
        f"<h1>{_e(contract.name)}</h1>\n"
        f"<p><code>{_e(table.physical_name)}</code> · tier <span class=\"tier\">{_e(contract.tier)}</span> · "
        f"contract <code>{_e(contract.id)}</code> v{_e(contract.version)} · <a href=\"index.html\">index</a></p>\n"
        "<h2>컬럼 계보 / Column lineage</h2>\n"
        "<table><tr><th>column</th><th>한글명</th><th>English</th><th>tier</th>"
        "<th>상위 컬럼 / upstream table.column [tier]</th></tr>\n" + "\n".join(rows) + "\n</table>\n"
        + (f'<p class="warn">In the SQL but not in the contract: {_e(", ".join(extra))}</p>\n' if extra else "")
        + f"<h2>상위 테이블 / Upstream tables</h2>\n<ul>{tables}</ul>\n"
        "<p class=\"none\">Parsed from the dbt model SQL with sqlglot (catalog/lineage.py). A column's upstream "
        "includes CASE conditions and window keys; a constant or count(*) has none.</p>"
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(_page(f"{contract.id} — column lineage", body), encoding="utf-8")
    return out_path


def render_reports(out_dir: Path, manifest: Mapping[str, Any] | None = None,
                   compiled_dir: Path | None = COMPILED_DIR) -> list[Path]:
    """A page per mart contract plus index.html; the manifest defaults to dbt_project/target/manifest.json
    (run `dbt parse`, or `transforms.dbt_project.prepare_manifest`, first)."""
    if manifest is None:
        if not MANIFEST.exists():
            raise LineageError(f"{MANIFEST} is missing: run `dbt parse` first")
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    lineage = dbt_model_lineage(manifest, compiled_dir)
    marts = sorted((c for c in load_contracts().values() if c.layer == "mart"), key=lambda c: c.id)
    pages = []
    for contract in marts:
        if contract.table.physical_name not in lineage:
            raise LineageError(f"{contract.id}: no dbt model {contract.table.physical_name} in the manifest")
        pages.append(render_report(lineage[contract.table.physical_name], out_dir / f"{contract.id}.html", contract.id))
    items = "".join(f'<li><a href="{_e(c.id)}.html">{_e(c.name)}</a> <code>{_e(c.table.physical_name)}</code></li>'
                    for c in marts)
    index = out_dir / "index.html"
    body = f"<h1>마트 컬럼 계보 / Mart column lineage</h1>\n<ul>{items}</ul>"
    index.write_text(_page("Column lineage — marts", body), encoding="utf-8")
    return [*pages, index]
