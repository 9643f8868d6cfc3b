"""``refractor kb ...``: query, validate, compile and export the knowledge base.

Thin shell: each command parses its options, calls one :mod:`refractor.kb` function and
renders the result as a rich table (or JSON with ``--json``). Errors propagate to
:func:`refractor.cli.main`, which maps them to exit codes.
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from refractor.cli._settings import KB_HELP, OLD_KB_HELP, kb_settings
from refractor.errors import InputError, KnowledgeBaseError

app = typer.Typer(
    help="Query, validate, compile and export the knowledge base (KB).",
    no_args_is_help=True,
)

_JSON = typer.Option(False, "--json", help="Print machine-readable JSON instead of a table.")


class ExportFormat(str, Enum):
    json = "json"
    tsv = "tsv"


@app.callback()
def _group(
    ctx: typer.Context,
    kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP, readable=False),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", hidden=True, readable=False, help=OLD_KB_HELP),
) -> None:
    """Query, validate, compile and export the knowledge base (KB)."""
    ctx.obj = {"settings": kb_settings(kb, data_dir)}


def _load(ctx: typer.Context):
    from refractor.kb import KnowledgeBase

    return KnowledgeBase.load(settings=ctx.obj["settings"])


def _console():
    from rich.console import Console

    return Console(width=max(120, Console().width), soft_wrap=False)


def _echo_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False) + "\n")


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    for i, col in enumerate(columns):
        table.add_column(col, no_wrap=(i == 0 or col == "id"), overflow="fold")
    for row in rows:  # Text: KB content is never parsed as rich markup ("[exon10]")
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    console = _console()
    console.print(Text(title, style="bold"))  # a separate line: table titles wrap to table width
    console.print(table)


def _cite_line(c: dict[str, Any], fmt) -> str:
    """``pmid:24869598: PMID 24869598 · doi:… (Woyach JA et al., N Engl J Med, 2014)``; a source
    without PMID/DOI prints its URL or its id and label once."""
    if not (c.get("pmid") or c.get("doi")):
        return fmt(c)  # already names the URL, or the source id and its label
    label = f" ({c['label']})" if c.get("label") else ""
    return f"{c['source']}: {fmt(c)}{label}"


def _short(text: Any, n: int = 70) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------- commands
@app.command()
def stats(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """Counts per kind, KB version and content hash, coverage gaps, evidence levels."""
    st = _load(ctx).stats()
    if as_json:
        _echo_json(st)
        return
    _table(f"{st['name']} {st['version']} (content hash {st['content_hash']})", ["kind", "entries"],
           [[k, n] for k, n in st["counts"].items()] + [["scoring rules", st["scoring_rules"]]])
    _table("evidence items by level", ["level", "items"], [[k, n] for k, n in st["evidence_levels"].items()])
    if st["ambiguous_ids"]:
        _table("ids used by more than one kind (use --kind with show)", ["id"], [[i] for i in st["ambiguous_ids"]])
    gaps = st["coverage_gaps"]
    _table("coverage gaps (allowed, but worth filling)", ["gap", "count", "mechanisms"],
           [[k.replace("_", " "), len(v), ", ".join(v)] for k, v in gaps.items()])


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="Kind to list: agents, genes, diseases, mechanisms, biomarkers, "
                               "strategies, evidence, sources, neosubstrates, claims, trials, "
                               "contradictions, model_systems."),
    as_json: bool = _JSON,
) -> None:
    """List every entry of one KIND (id and name)."""
    items = _load(ctx).items(kind)
    if as_json:
        _echo_json(items)
        return
    _table(f"{kind} ({len(items)})", ["id", "name"], [[i["id"], _short(i["name"], 100)] for i in items])


@app.command()
def show(
    ctx: typer.Context,
    id: str = typer.Argument(..., help="Id of any entry (agent slug, gene symbol, disease code, ...)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Look only in this kind."),
    as_json: bool = _JSON,
) -> None:
    """Show one entry with all its fields, the PMID / DOI of every source it cites, and linked ids."""
    from refractor.kb._cite import citations_in, format_citation

    kb = _load(ctx)
    id = kb.canonical_id(id, kind)  # brand names, development codes, abbreviations
    item = kb.item(id, kind)
    related = kb.related(id, kind)
    cites = citations_in(kb, item)
    if as_json:
        _echo_json({"item": item, "related": related, "citations": cites})
        return
    rows = [[k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)] for k, v in item.items()
            if v not in (None, [], {})]
    rows += [["cites", _cite_line(c, format_citation)] for c in cites]
    rows += [[f"→ {k}", ", ".join(v)] for k, v in related.items() if v]
    _table(f"{item['kind']}: {item['id']}", ["field", "value"], rows)


@app.command()
def search(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Words to find (every word must match; prefixes match)."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Most hits to show."),
    as_json: bool = _JSON,
) -> None:
    """Full-text search over every KB entry."""
    hits = _load(ctx).search(text, limit=limit)
    if as_json:
        _echo_json(hits.to_dict(orient="records"))
        return
    _table(f"{len(hits)} hit(s) for {text!r}", ["kind", "id", "name", "snippet"],
           [[r.kind, r.id, _short(r.name, 50), _short(r.snippet, 80)] for r in hits.itertuples()])


@app.command()
def mechanisms(
    ctx: typer.Context,
    agent: str = typer.Option(..., "--agent", help="Agent id, name, code or agent class (e.g. imid)."),
    disease: Optional[str] = typer.Option(None, "--disease", help="Disease code (matches parents and sub-states)."),
    as_json: bool = _JSON,
) -> None:
    """Resistance/sensitivity mechanisms that affect an agent (optionally in one disease)."""
    kb = _load(ctx)
    found = kb.mechanisms_for_agent(agent, disease=disease)
    if as_json:
        _echo_json([kb.item(m.id, "mechanisms") for m in found])
        return
    where = f" in {disease}" if disease else ""
    _table(f"{len(found)} mechanism(s) for {agent}{where}", ["id", "name", "category", "effect", "evidence level"],
           [[m.id, _short(m.name), m.category, m.effect, m.evidence_level.value] for m in found])


@app.command()
def strategies(
    ctx: typer.Context,
    mechanism: str = typer.Option(..., "--mechanism", help="Mechanism id."),
    as_json: bool = _JSON,
) -> None:
    """Strategies that address a mechanism (strongest evidence first; harmful ones flagged, last)."""
    kb = _load(ctx)
    found = kb.strategies_for_mechanism(mechanism)
    if as_json:
        _echo_json([kb.item(s.id, "strategies") for s in found])
        return
    _table(f"{len(found)} strateg(ies) for {mechanism}", ["id", "name", "kind", "evidence level", "harmful"],
           [[s.id, _short(s.name), s.kind, s.evidence_level.value, "HARMFUL" if s.harmful else ""] for s in found])


@app.command()
def evidence(
    ctx: typer.Context,
    id: str = typer.Argument(..., help="Subject id (mechanism, biomarker, strategy, agent, disease ...) "
                             "or an evidence id."),
    as_json: bool = _JSON,
) -> None:
    """Evidence items about an entry, strongest level first, each with its PMID / DOI."""
    from refractor.kb._cite import citation, format_citation

    kb = _load(ctx)
    found = kb.evidence_for(id)
    if as_json:
        _echo_json([{**kb.item(e.id, "evidence"), "citation": citation(kb, e.source)} for e in found])
        return
    _table(f"{len(found)} evidence item(s) for {id}",
           ["id", "significance", "direction", "level", "PMID / DOI", "statement"],
           [[e.id, e.significance.value, e.direction.value, e.level.value,
             format_citation(citation(kb, e.source)), _short(e.statement, 90)] for e in found])


@app.command()
def export(
    ctx: typer.Context,
    fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f", case_sensitive=False,
                                     help="json: one document; tsv: one table per kind."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="File (json; default stdout) or directory (tsv; required)."),
) -> None:
    """Export the whole KB (schema refractor.kb-export; see docs/schemas/kb-export.schema.json)."""
    from refractor.kb._export import export_json_text, write_export

    kb = _load(ctx)
    if output is None:
        if fmt is ExportFormat.tsv:
            raise InputError("a TSV export writes one file per kind: name a directory with -o DIR",
                             column="--output")
        sys.stdout.write(export_json_text(kb))
        return
    written = write_export(kb, fmt.value, output)
    typer.echo(f"wrote {len(written)} file(s) to {output}", err=True)


@app.command()
def validate(
    ctx: typer.Context,
    kb: Optional[Path] = typer.Option(None, "--kb", readable=False,
                                      help="Validate this KB folder (default: the KB in use)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", hidden=True, readable=False, help=OLD_KB_HELP),
    as_json: bool = _JSON,
) -> None:
    """Check every KB file; print every problem (file:line, entry, field, message); exit 3 if any."""
    from refractor.kb import validate as run

    problems = run(kb or data_dir, settings=ctx.obj["settings"])
    if as_json:
        _echo_json([p.__dict__ for p in problems])
    if problems:
        raise KnowledgeBaseError(f"{len(problems)} problem(s) in the knowledge base",
                                 [] if as_json else problems)
    if not as_json:
        typer.echo("ok: no problems found")


@app.command()
def build(ctx: typer.Context) -> None:
    """Validate and compile the KB into its SQLite cache; print the database path."""
    kb = _load(ctx)
    typer.echo(str(kb.database()))


@app.command()
def schema(
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write here instead of stdout."),
) -> None:
    """Print (or write) the JSON Schema of the JSON export."""
    from refractor.kb._export import export_schema_text

    text = export_schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
