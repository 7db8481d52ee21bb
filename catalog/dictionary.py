"""A static bilingual (KO/EN) data dictionary generated from the contracts: an index and one page per dataset.

Pages are self-contained (inline CSS, no scripts, no external URLs) so they can be served from a file share
or attached to a review. Every value from a contract or register is escaped: contracts are data. The output
depends only on the contracts and registers (no timestamps), so a rebuild is byte-identical.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from catalog.contracts import Column, Contract, ContractError, Table, load_contracts
from catalog.registry import CATALOG_DIR, glossary, pilots, purposes
from catalog.search import upstream

PROJECT_ROOT = CATALOG_DIR.parent

# Index order of layers, with their Korean labels; a layer not listed here sorts after them.
LAYERS = {
    "source": "원천",
    "raw": "원시",
    "staging": "정제",
    "mart": "마트",
    "release": "배포",
    "reference": "참조",
}

# An id becomes a file name: refuse anything that could leave out_dir or need URL encoding.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")

_CSS = """
body{font-family:system-ui,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;margin:2rem auto;
max-width:80rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}code{font-size:.85em;word-break:break-all}
dl{display:grid;grid-template-columns:14rem 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
.bi{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.bi>div{border-left:3px solid #ccc;padding-left:.75rem}
.synthetic{display:inline-block;background:#fff3cd;border:1px solid #e0b400;padding:.1rem .5rem;font-weight:600}
.tier{white-space:nowrap;font-weight:600}.tier-identified,.tier-identified-sensitive{color:#b00020}
.tier-sensitive-pseudonymized,.tier-pseudonymized{color:#8a4b00}.flag{display:block;white-space:nowrap}
.flag-direct{color:#b00020;font-weight:600}
"""


def _escape(value: object) -> str:
    """Text or attribute-safe HTML for any value; None is empty."""
    return "" if value is None else html.escape(str(value), quote=True)


def _page_name(contract_id: str) -> str:
    if not _SAFE_ID.match(contract_id) or contract_id == "index":
        raise ContractError(f"contract id {contract_id!r} cannot be a file name")
    return f"{contract_id}.html"


def _link(contract_id: str, known: Mapping[str, Contract]) -> str:
    """A link to a dataset's page, or plain text when no contract has that id (no dangling links)."""
    if contract_id not in known:
        return f"<code>{_escape(contract_id)}</code>"
    return f'<a href="{_escape(_page_name(contract_id))}"><code>{_escape(contract_id)}</code></a>'


def _links(ids: Iterable[str], known: Mapping[str, Contract]) -> str:
    return ", ".join(_link(i, known) for i in ids) or "—"


def _purpose_link(code: object) -> str:
    """A link to the purpose's row in the index register, or plain text for an unregistered code."""
    text = f"<code>{_escape(code)}</code>"
    if not (isinstance(code, str) and code in purposes()):
        return text
    return f'<a href="index.html#purpose-{_escape(code)}">{text}</a>'


def _tier(tier: str) -> str:
    return f'<span class="tier tier-{_escape(tier)}">{_escape(tier)}</span>'


def _synthetic_mark(contract: Contract) -> str:
    return '<span class="synthetic">합성 데이터 / synthetic</span>' if contract.synthetic else ""


def _html(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """An HTML table from already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _definitions(items: Iterable[tuple[str, str]]) -> str:
    """A <dl> from (label, already-escaped value) pairs."""
    return "<dl>\n" + "\n".join(f"<dt>{label}</dt><dd>{value or '—'}</dd>" for label, value in items) + "\n</dl>"


def _contract_file(contract: Contract) -> str:
    # Relative to the project so the output does not depend on where the checkout lives.
    if contract.path is None:
        return ""
    path = contract.path.resolve()
    return path.relative_to(PROJECT_ROOT).as_posix() if path.is_relative_to(PROJECT_ROOT) else path.name


def _flags(column: Column) -> str:
    flags = [
        ("flag-direct", "직접식별자 / direct identifier", column.direct_identifier),
        ("flag-quasi", "준식별자 / quasi-identifier", column.quasi_identifier),
        ("flag-sensitive", "민감정보 / sensitive", column.sensitive),
        ("flag-pk", "기본키 / primary key", column.primary_key),
    ]
    return "".join(f'<span class="flag {css}">{label}</span>' for css, label, on in flags if on)


def _rules(column: Column) -> str:
    """Valid values, range and pattern, when the contract states them."""
    parts = []
    if column.valid_values:
        parts.append("값 / values: " + ", ".join(f"<code>{_escape(v)}</code>" for v in column.valid_values))
    if column.minimum is not None or column.maximum is not None:
        low = _escape(column.minimum) if column.minimum is not None else "…"
        high = _escape(column.maximum) if column.maximum is not None else "…"
        parts.append(f"범위 / range: {low} – {high}")
    if column.pattern:
        parts.append(f"패턴 / pattern: <code>{_escape(column.pattern)}</code>")
    return "<br>".join(parts)


def _columns_section(table: Table) -> str:
    headers = ("컬럼 / column", "한글명", "유형 / type", "필수 / required", "등급 / tier", "구분 / flags",
               "설명 (EN)", "설명 (KO)", "값·범위·패턴 / values, range, pattern")
    rows = [
        (f"<code>{_escape(c.name)}</code>", _escape(c.name_ko), f"<code>{_escape(c.physical_type)}</code>",
         "예 / yes" if c.required else "", _tier(c.tier), _flags(c), _escape(c.description),
         _escape(c.description_ko), _rules(c))
        for c in table.columns
    ]
    rules = "".join(
        f"<li><code>{_escape(r.left)} {_escape(r.op)} {_escape(r.right)}</code> ({_escape(r.name)})</li>"
        for r in table.pair_rules
    )
    return (
        f"<h3><code>{_escape(table.physical_name)}</code> — {_escape(table.name_ko)}</h3>\n"
        f"<p>{_escape(table.description)}</p>\n{_table(headers, rows)}"
        + (f"\n<p>행 규칙 / row rules:</p><ul>{rules}</ul>" if rules else "")
    )


def _dataset_page(contract: Contract, known: Mapping[str, Contract], lineage: Mapping[str, list[str]],
                  dependants: Mapping[str, list[str]]) -> str:
    custom = contract.custom
    terms = "".join(
        f'<li><a href="index.html#term-{n}">{_escape(t["term_ko"])} / {_escape(t["term_en"])}</a></li>'
        for n, t in enumerate(glossary(), 1) if contract.id in (t.get("datasets") or [])
    )
    facts = _definitions([
        ("영역 / domain", _escape(contract.domain)),
        ("계층 / layer", _escape(contract.layer)),
        ("등급 / tier", _tier(contract.tier)),
        ("목적 / purpose", _escape(contract.purpose)),
        ("목적 코드 / purpose code", _purpose_link(custom.get("purpose_code"))),
        ("이용 제한 / limitations", _escape(contract.limitations)),
        ("법적 근거 / legal basis", _escape(custom.get("legal_basis"))),
        ("가명처리 수준 / pseudonymization", _escape(custom.get("pseudonymization_level"))),
        ("익명화 단계 / anonymising step", _escape(custom.get("anonymising_step"))),
        ("보존기간 / retention", _escape(contract.retention)),
        ("소유자 / owners", _escape(", ".join(contract.owners))),
        ("관리자 / steward", _escape(contract.steward)),
        ("계약 버전 / contract version", _escape(contract.version)),
        ("계약 파일 / contract file", f"<code>{_escape(_contract_file(contract))}</code>"),
        ("합성 데이터 / synthetic", _synthetic_mark(contract) or "아니오 / no"),
        ("상류 / upstream", _links(lineage[contract.id], known)),
        ("하류 / downstream", _links(dependants[contract.id], known)),
    ])
    body = "\n".join([
        '<p><a href="index.html">← 데이터 사전 / Data dictionary</a></p>',
        f"<h1>{_escape(contract.name)} <code>{_escape(contract.id)}</code></h1>",
        f"<p>{_synthetic_mark(contract)}</p>" if contract.synthetic else "",
        '<div class="bi">',
        f"<div><h2>설명</h2><p>{_escape(contract.description_ko) or '—'}</p></div>",
        f"<div><h2>Description</h2><p>{_escape(contract.description) or '—'}</p></div>",
        "</div>",
        "<h2>거버넌스 / Governance</h2>",
        facts,
        f"<h2>용어 / Glossary terms</h2><ul>{terms}</ul>" if terms else "",
        "<h2>컬럼 / Columns</h2>",
        *(_columns_section(t) for t in contract.tables),
    ])
    return _html(f"{contract.name} — {contract.id}", body)


def _layer_order(layer: str) -> tuple[int, str]:
    return (list(LAYERS).index(layer) if layer in LAYERS else len(LAYERS), layer)


def _datasets_section(known: Mapping[str, Contract]) -> str:
    headers = ("데이터셋 / dataset", "이름 / name", "등급 / tier", "소유자 / owners", "목적 코드 / purpose code",
               "비고 / note")
    parts = []
    for domain in sorted({c.domain for c in known.values()}):
        parts.append(f"<h3>{_escape(domain) or '—'}</h3>")
        in_domain = [c for c in known.values() if c.domain == domain]
        for layer in sorted({c.layer for c in in_domain}, key=_layer_order):
            rows = [
                (_link(c.id, known), _escape(c.name), _tier(c.tier), _escape(", ".join(c.owners)),
                 _purpose_link(c.custom.get("purpose_code")), _synthetic_mark(c))
                for c in sorted(in_domain, key=lambda c: c.id) if c.layer == layer
            ]
            label = f"{LAYERS[layer]} / {layer}" if layer in LAYERS else layer
            parts.append(f"<h4>{_escape(label)}</h4>\n{_table(headers, rows)}")
    return "\n".join(parts)


def _glossary_section(known: Mapping[str, Contract]) -> str:
    headers = ("용어", "term", "정의 / definition", "데이터셋 / datasets")
    rows = [
        (f'<span id="term-{n}">{_escape(t["term_ko"])}</span>', _escape(t["term_en"]),
         _escape(t.get("definition")), _links(t.get("datasets") or [], known))
        for n, t in enumerate(glossary(), 1)
    ]
    return _table(headers, rows)


def _pilot_names(code: str) -> str:
    return ", ".join(f"{p.name_ko} / {p.name_en}" for p in pilots().values() if code in p.purposes)


def _purposes_section(known: Mapping[str, Contract]) -> str:
    headers = ("코드 / code", "목적", "purpose", "법적 근거 / legal basis", "시범사업 / pilots", "데이터셋 / datasets")
    rows = [
        (f'<code id="purpose-{_escape(p.code)}">{_escape(p.code)}</code>', _escape(p.purpose_ko),
         _escape(p.purpose_en), _escape(p.legal_basis), _escape(_pilot_names(p.code)) or "—",
         _links(sorted(c.id for c in known.values() if c.custom.get("purpose_code") == p.code), known))
        for p in purposes().values()
    ]
    return _table(headers, rows)


def _index_page(known: Mapping[str, Contract]) -> str:
    body = "\n".join([
        "<h1>데이터 사전 / Data dictionary</h1>",
        "<p>AI 강서 데이터 레이크하우스 데이터 계약에서 생성 / Generated from the lakehouse data contracts.</p>",
        "<h2>데이터셋 / Datasets</h2>", _datasets_section(known),
        "<h2>용어집 / Glossary</h2>", _glossary_section(known),
        "<h2>목적 등록부 / Purpose register</h2>", _purposes_section(known),
    ])
    return _html("데이터 사전 / Data dictionary", body)


def build_dictionary(out_dir: Path, contracts: Mapping[str, Contract] | None = None) -> list[Path]:
    """Write index.html and one `<contract id>.html` per contract into out_dir; returns the files written."""
    known = dict(sorted((contracts if contracts is not None else load_contracts()).items()))
    lineage = {cid: upstream(c) for cid, c in known.items()}
    # The same relation as catalog.search.downstream, inverted once.
    dependants = {cid: sorted(other for other, ups in lineage.items() if cid in ups) for cid in known}
    pages = {"index.html": _index_page(known)}
    pages |= {_page_name(cid): _dataset_page(c, known, lineage, dependants) for cid, c in known.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
