"""GX expectation suites derived from contract rules: one suite per contract table, nothing hand-written."""

from __future__ import annotations

import great_expectations as gx
from great_expectations import expectations as gxe

from catalog.contracts import Column, Table

# Contract code lists are text (as the source writes them); GX compares them with the typed column.
_NUMERIC = {"INTEGER": int, "BIGINT": int, "DOUBLE": float}


def _value_set(column: Column) -> list:
    as_type = _NUMERIC.get(column.physical_type)
    return [as_type(v) for v in column.valid_values] if as_type else list(column.valid_values)


def expectations_for(table: Table) -> list:
    found: list = [gxe.ExpectTableColumnsToMatchSet(column_set=[c.name for c in table.columns], exact_match=False)]
    for c in table.columns:
        if c.required:
            found.append(gxe.ExpectColumnValuesToNotBeNull(column=c.name))
        if c.valid_values:
            found.append(gxe.ExpectColumnValuesToBeInSet(column=c.name, value_set=_value_set(c)))
        if c.minimum is not None or c.maximum is not None:
            found.append(gxe.ExpectColumnValuesToBeBetween(column=c.name, min_value=c.minimum, max_value=c.maximum))
        if c.pattern and c.physical_type == "VARCHAR":
            found.append(gxe.ExpectColumnValuesToMatchRegex(column=c.name, regex=c.pattern))
        if c.unique:
            found.append(gxe.ExpectColumnValuesToBeUnique(column=c.name))
    if len(table.primary_key) > 1:
        found.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(table.primary_key)))
    for rule in table.pair_rules:
        if rule.op in (">=", ">"):
            found.append(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=rule.left, column_B=rule.right, or_equal=rule.op == ">=", ignore_row_if="either_value_is_missing"))
        else:
            found.append(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=rule.right, column_B=rule.left, or_equal=rule.op == "<=", ignore_row_if="either_value_is_missing"))
    return found


def suite_for(table: Table) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=f"{table.name}__contract", expectations=expectations_for(table))
