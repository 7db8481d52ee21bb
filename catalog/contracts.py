"""Data contracts: one ODCS v3 YAML per dataset, the single place a column is described.

Everything else reads this module: loaders validate rows against `Column` rules, Dagster metadata,
dbt model YAML and GX suites are derived from `Contract`. The YAML is validated against the
`open-data-contract-standard` pydantic model (extra keys forbidden), so it stays real ODCS.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from open_data_contract_standard.model import OpenDataContractStandard

from catalog.yaml_files import read_yaml
from catalog.registry import audiences

CONTRACTS_DIR = Path(__file__).parent / "contracts"

# Lowest to highest (governance.md §2).
TIERS = (
    "public",
    "internal",
    "pseudonymized",
    "sensitive-pseudonymized",
    "identified",
    "identified-sensitive",
)
IDENTIFIED_TIERS = {"identified", "identified-sensitive"}
# From this tier up a mart is person- or household-level pseudonymized data: it is in no analyst
# database, whatever its contract says, and leaves the lake only through a purpose-bound export.
EXPORT_ONLY_TIER = "sensitive-pseudonymized"

# Layer → DuckLake schema (zone). Sources are external: they have no schema in the lake.
LAYER_SCHEMAS = {
    "raw": "raw_identified",
    "staging": "staging_pseudonymized",
    "mart": "curated_marts",
    "release": "release",
    "reference": "reference",
}

REQUIRED_CUSTOM_PROPERTIES = (
    "legal_basis",
    "purpose_code",
    "pseudonymization_level",
    "k_min",
    "l_min",
    "t_max",
    "small_cell_min",
    "additional_info_location",
    "destruction_method",
)

_PAIR_RULE = re.compile(r"^\s*(\w+)\s*(>=|>|<=|<)\s*(\w+)\s*$")


class ContractError(ValueError):
    """A contract file is not valid ODCS or breaks a project rule."""


def _props(items: list[Any] | None) -> dict[str, Any]:
    return {p.property: p.value for p in items or []}


def tier_rank(tier: str) -> int:
    return TIERS.index(tier)


@dataclass(frozen=True)
class Column:
    name: str
    name_ko: str
    physical_type: str
    required: bool
    description: str
    description_ko: str
    tier: str
    quasi_identifier: bool = False
    sensitive: bool = False
    direct_identifier: bool = False
    primary_key: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    valid_values: tuple[str, ...] = ()
    source_names: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()  # `contract.column` refs (ODCS transformSourceObjects)


@dataclass(frozen=True)
class PairRule:
    """A row rule `a OP b` between two columns (ODCS custom quality, engine `lakehouse`)."""

    name: str
    left: str
    op: str
    right: str


@dataclass(frozen=True)
class Table:
    name: str
    physical_name: str
    name_ko: str
    description: str
    columns: tuple[Column, ...]
    pair_rules: tuple[PairRule, ...] = ()
    gx_sample_rows: int | None = None  # raw tables: the most rows GX validates per run (a seeded sample)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.primary_key)


@dataclass(frozen=True)
class Contract:
    id: str
    version: str
    name: str
    domain: str
    layer: str
    description: str
    description_ko: str
    purpose: str
    limitations: str
    owners: tuple[str, ...]
    steward: str
    tables: tuple[Table, ...]
    synthetic: bool
    custom: dict[str, Any] = field(default_factory=dict)
    retention: str = ""
    path: Path | None = None

    @property
    def table(self) -> Table:
        """The one table of a single-table contract."""
        if len(self.tables) != 1:
            raise ContractError(f"{self.id}: has {len(self.tables)} tables, expected one")
        return self.tables[0]

    @property
    def tier(self) -> str:
        """The dataset's tier: the highest tier of its columns (governance.md §2)."""
        return max((c.tier for t in self.tables for c in t.columns), key=tier_rank)

    @property
    def schema(self) -> str | None:
        return LAYER_SCHEMAS.get(self.layer)

    @property
    def small_cell_min(self) -> int:
        return int(self.custom["small_cell_min"])

    @property
    def anonymising_step(self) -> str | None:
        return self.custom.get("anonymising_step")

    @property
    def audiences(self) -> tuple[str, ...]:
        """The analyst audiences (catalog/audiences.yaml) that may query this mart."""
        return tuple(self.custom.get("audiences") or ())

    @property
    def export_only(self) -> bool:
        return tier_rank(self.tier) >= tier_rank(EXPORT_ONLY_TIER)


_BLANK = Column("", "", "VARCHAR", False, "", "", "")


def _column(raw: Any, inherited: Column | None) -> Column:
    """A column; what it leaves out is inherited from its first transformSourceObjects column."""
    custom = _props(raw.customProperties)
    options = raw.logicalTypeOptions or {}
    base = inherited or _BLANK
    # Value rules (range, pattern, code list) belong to the type: a column that redeclares it starts afresh.
    rules = _BLANK if raw.physicalType else base
    return Column(
        name=raw.name,
        name_ko=raw.businessName or base.name_ko,
        physical_type=(raw.physicalType or base.physical_type).upper(),
        required=bool(raw.required),
        description=raw.description or base.description,
        description_ko=custom.get("description_ko", base.description_ko),
        tier=raw.classification or "",
        quasi_identifier=bool(custom.get("quasi_identifier", base.quasi_identifier)),
        sensitive=bool(custom.get("sensitive", base.sensitive)),
        direct_identifier=bool(custom.get("direct_identifier", False)),
        primary_key=bool(raw.primaryKey),
        unique=bool(raw.unique),
        minimum=options.get("minimum", rules.minimum),
        maximum=options.get("maximum", rules.maximum),
        pattern=options.get("pattern", rules.pattern),
        valid_values=tuple(str(e.value) for e in raw.enum or []) or rules.valid_values,
        source_names=tuple(s.synonym for s in raw.synonyms or []),
        derived_from=tuple(raw.transformSourceObjects or []),
    )


def _pair_rules(quality: list[Any] | None) -> tuple[PairRule, ...]:
    rules = []
    for q in quality or []:
        if q.type == "custom" and q.engine == "lakehouse":
            match = _PAIR_RULE.match(str(q.implementation))
            if not match:
                raise ContractError(f"quality rule {q.name!r}: cannot read {q.implementation!r}")
            rules.append(PairRule(q.name or "", *match.groups()))
    return tuple(rules)


def _gx_sample_rows(quality: list[Any] | None) -> int | None:
    """The `gx_sample_rows` quality entry (engine great_expectations): how many landed rows GX samples."""
    sizes = [q.implementation for q in quality or [] if q.engine == "great_expectations" and q.name == "gx_sample_rows"]
    if sizes and not str(sizes[0]).isdigit():
        raise ContractError(f"quality gx_sample_rows: expected a whole number of rows, got {sizes[0]!r}")
    return int(sizes[0]) if sizes else None


def _owners(doc: OpenDataContractStandard) -> tuple[tuple[str, ...], str]:
    members = doc.team.members if doc.team and not isinstance(doc.team, list) else doc.team or []
    owners = tuple(m.username for m in members if m.role == "owner")
    steward = next((m.username for m in members if m.role == "steward"), "")
    return owners, steward


def _read(path: Path) -> OpenDataContractStandard:
    try:
        return OpenDataContractStandard.model_validate(read_yaml(path))
    except Exception as exc:  # pydantic's message names the field; keep it and add the file
        raise ContractError(f"{path}: not a valid ODCS contract: {exc}") from exc


class _Resolver:
    """Builds contracts in dependency order: a column may inherit from `contract.column`,
    and a release's tables are its marts' tables (`release_of`)."""

    def __init__(self, docs: dict[str, tuple[Path, OpenDataContractStandard]]):
        self.docs = docs
        self.built: dict[str, Contract] = {}

    def contract(self, contract_id: str) -> Contract:
        if contract_id not in self.built:
            if contract_id not in self.docs:
                raise ContractError(f"unknown contract {contract_id!r}")
            self.built[contract_id] = self._build(*self.docs[contract_id])
        return self.built[contract_id]

    def _inherited(self, raw: Any) -> Column | None:
        for ref in raw.transformSourceObjects or []:
            contract_id, _, column = ref.partition(".")
            source = self.contract(contract_id)
            for table in source.tables:
                if any(c.name == column for c in table.columns):
                    return table.column(column)
            raise ContractError(f"{ref}: no such column")
        return None

    def _tables(self, doc: OpenDataContractStandard, custom: dict[str, Any]) -> tuple[Table, ...]:
        if custom.get("release_of"):
            schema = LAYER_SCHEMAS["release"]
            return tuple(
                replace(t, physical_name=f"{schema}.{t.name}")
                for mart in custom["release_of"]
                for t in self.contract(mart).tables
            )
        return tuple(
            Table(
                name=obj.name,
                physical_name=obj.physicalName or obj.name,
                name_ko=obj.businessName or "",
                description=obj.description or "",
                columns=tuple(_column(p, self._inherited(p)) for p in obj.properties or []),
                pair_rules=_pair_rules(obj.quality),
                gx_sample_rows=_gx_sample_rows(obj.quality),
            )
            for obj in doc.schema_ or []
        )

    def _build(self, path: Path, doc: OpenDataContractStandard) -> Contract:
        custom = _props(doc.customProperties)
        description = doc.description
        desc_custom = _props(description.customProperties if description else None)
        owners, steward = _owners(doc)
        retention = next(
            (f"{s.value} {s.unit}" for s in doc.slaProperties or [] if s.property == "retention"), ""
        )
        return Contract(
            id=doc.id,
            version=doc.version,
            name=doc.name or doc.id,
            domain=doc.domain or "",
            layer=str(custom.get("layer", "")),
            description=(description.usage or "") if description else "",
            description_ko=str(desc_custom.get("usage_ko", "")),
            purpose=(description.purpose or "") if description else "",
            limitations=(description.limitations or "") if description else "",
            owners=owners,
            steward=steward,
            tables=self._tables(doc, custom),
            synthetic="synthetic" in (doc.tags or []),
            custom=custom,
            retention=retention,
            path=path,
        )


@functools.cache
def load_contracts(directory: Path = CONTRACTS_DIR) -> dict[str, Contract]:
    """Every contract under `directory`, by id. Ids are unique."""
    docs: dict[str, tuple[Path, OpenDataContractStandard]] = {}
    for path in sorted(directory.rglob("*.yaml")):
        doc = _read(path)
        if doc.id in docs:
            raise ContractError(f"{path}: duplicate contract id {doc.id!r}")
        docs[doc.id] = (path, doc)
    resolver = _Resolver(docs)
    return {contract_id: resolver.contract(contract_id) for contract_id in docs}


def get_contract(contract_id: str) -> Contract:
    try:
        return load_contracts()[contract_id]
    except KeyError:
        raise ContractError(f"no contract with id {contract_id!r} under {CONTRACTS_DIR}") from None


def audience_problems(contract: Contract, audience_ids: set[str]) -> list[str]:
    """Every mart says which analyst audiences may query it: registered ones, and none if it is export-only."""
    declared = contract.custom.get("audiences")
    if contract.layer != "mart":
        return [] if declared is None else ["only marts have analyst audiences (custom property 'audiences')"]
    if not isinstance(declared, list):
        return ["missing custom property 'audiences': a list of audiences from catalog/audiences.yaml, or []"]
    problems = [f"audience {a!r} is not in catalog/audiences.yaml" for a in declared if a not in audience_ids]
    if len(set(declared)) != len(declared):
        problems.append("an audience is listed twice")
    if declared and contract.export_only:
        problems.append(f"tier {contract.tier} is person- or household-level pseudonymized data: it may leave only "
                        "through a purpose-bound export, so it can have no analyst audience (set audiences: [])")
    return problems


def contract_problems(contract: Contract, purpose_codes: set[str], audience_ids: set[str] | None = None) -> list[str]:
    """Project rules on top of ODCS: owners, tiers, required custom properties, registered purpose, audiences."""
    problems = audience_problems(contract, set(audiences()) if audience_ids is None else audience_ids)
    if not contract.owners:
        problems.append("no owner (team member with role 'owner')")
    if contract.layer not in (*LAYER_SCHEMAS, "source"):
        problems.append(f"unknown layer {contract.layer!r}")
    for key in REQUIRED_CUSTOM_PROPERTIES:
        if key not in contract.custom:
            problems.append(f"missing custom property {key!r}")
    if not contract.retention:
        problems.append("missing slaProperties retention")
    if contract.custom.get("purpose_code") not in purpose_codes:
        problems.append(f"purpose_code {contract.custom.get('purpose_code')!r} is not registered")
    if str(contract.custom.get("additional_info_location", "")).startswith(("data/", "/")):
        problems.append("additional_info_location must be a key-vault reference, never a path")
    for table in contract.tables:
        for column in table.columns:
            if column.tier not in TIERS:
                problems.append(f"{table.name}.{column.name}: tier {column.tier!r} is not one of {TIERS}")
            if not column.description or not column.name_ko:
                problems.append(f"{table.name}.{column.name}: needs a Korean name and a description")
        if contract.layer == "raw" and not table.gx_sample_rows:
            problems.append(f"{table.name}: a raw table needs a quality entry gx_sample_rows (engine great_expectations)")
    return problems
