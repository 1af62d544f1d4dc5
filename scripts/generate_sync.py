#!/usr/bin/env python3
"""
Generate the synchronous twin of every ``_async`` package with unasync.

    python scripts/generate_sync.py           # write src/sf_toolkit/_sync and tests/_sync
    python scripts/generate_sync.py --check   # exit 1 with a diff if the committed twin is stale

What it guarantees, on top of unasync's token rewriting:

* the rename table is built from the names the ``_async`` trees define (``AsyncX -> X``,
  ``x_async -> x``), the pairs of ``_concurrency.py`` and a short explicit list (httpx);
  names that end in ``_async`` without a twin (``as_async``) are excluded by name;
* a name that looks async but has no rule stops the run, instead of unasync's silent
  ``AsyncFoo -> SyncFoo``;
* ``_async`` import paths, comments and docstrings are rewritten by the same table;
* f-strings are handled the same on every Python (3.12 splits them into several tokens);
* every output carries a banner, is sorted and formatted by the pinned ruff, and is refused if
  it still says ``async``, ``await``, ``anyio``, ``asyncio`` or an unknown ``Async`` name;
* explicit renames that match nothing stop the run, so the table never goes stale;
* files whose source is gone are removed, and the tree is written atomically.
"""

from __future__ import annotations

import argparse
import difflib
import io
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import tokenize_rt
import unasync

ROOT = Path(__file__).resolve().parent.parent

#: (source, destination) directory pairs, relative to the repository root.
PAIRS: tuple[tuple[str, str], ...] = (
    ("src/sf_toolkit/_async", "src/sf_toolkit/_sync"),
    ("tests/_async", "tests/_sync"),
)

#: Hand-written pairs whose async members ``_async`` code calls.
CONCURRENCY_MODULE = "src/sf_toolkit/_concurrency.py"

#: Renames that cannot be derived from our own definitions.
EXPLICIT_RENAMES: dict[str, str] = {
    # httpx's own pairs (add more as the code starts using them: aiter_lines, ...)
    "AsyncClient": "Client",
    "aclose": "close",
    "aread": "read",
    "aiter_raw": "iter_raw",
    "AsyncHTTPTransport": "HTTPTransport",
    # import paths: ``from .._async.client import ...``
    "_async": "_sync",
    # the fake org's transports
    "async_transport": "transport",
}

#: Names that end in ``_async`` (or start with ``Async``) without being twins: left as they are.
EXCLUDED_NAMES: frozenset[str] = frozenset({"as_async", "as_sync"})

#: ``Async`` names that are not ours to rename, such as Salesforce sObjects.
ALLOWED_ASYNC_NAMES: frozenset[str] = frozenset({"AsyncApexJob"})

BANNER = (
    "# Generated from {source} by scripts/generate_sync.py.\n"
    "# Do not edit: change the async source and regenerate.\n"
)

_ASYNC_CLASS = re.compile(r"Async[A-Z]\w*")
_ASYNC_FUNC = re.compile(r"\w+_async")
_FORBIDDEN = re.compile(r"\b(async|await|anyio|asyncio)\b")
_ASYNC_WORD = re.compile(r"\bAsync[A-Za-z0-9_]*")


class GenerationError(Exception):
    """The async source cannot be turned into a correct sync twin."""


@dataclass
class Generation:
    """The outcome of one run: every output file's text and what the table did not use."""

    outputs: dict[Path, str] = field(default_factory=dict)
    """Destination path (relative to the root) -> generated text."""
    unused_renames: list[str] = field(default_factory=list)


# -- the rename table ------------------------------------------------------------------------


def _defined_names(source: str) -> Iterable[str]:
    """Yield the names a module defines with ``def``/``async def``/``class``."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for previous, token in itertools.pairwise(tokens):
        is_definition = previous.type == tokenize.NAME and previous.string in {"def", "class"}
        if is_definition and token.type == tokenize.NAME:
            yield token.string


def _twin_name(name: str) -> str | None:
    if name in EXCLUDED_NAMES or name in ALLOWED_ASYNC_NAMES:
        return None
    if _ASYNC_CLASS.fullmatch(name):
        return name[len("Async") :]
    if _ASYNC_FUNC.fullmatch(name):
        return name[: -len("_async")]
    return None


def build_rename_table(
    sources: Iterable[str], concurrency_source: str | None = None
) -> dict[str, str]:
    """
    Build the full table: derived names, ``_concurrency`` pairs, explicit entries.

    Raises:
        GenerationError: If a ``_concurrency`` name has no hand-written twin, or if a rename
            target is itself renamed (the table must be applied in one pass).
    """
    table: dict[str, str] = {}
    for source in sources:
        for name in _defined_names(source):
            twin = _twin_name(name)
            if twin:
                table[name] = twin
    if concurrency_source is not None:
        defined = set(_defined_names(concurrency_source))
        for name in sorted(defined):
            twin = _twin_name(name)
            if twin is None:
                continue
            if twin not in defined:
                raise GenerationError(
                    f"{CONCURRENCY_MODULE} defines {name} but not its sync twin {twin}"
                )
            table[name] = twin
    table.update(EXPLICIT_RENAMES)
    for name in ALLOWED_ASYNC_NAMES | EXCLUDED_NAMES:
        table[name] = name
    chained = sorted(target for name, target in table.items() if target in table and name != target)
    if chained:
        raise GenerationError(f"rename targets are themselves renamed: {', '.join(chained)}")
    return table


# -- one file --------------------------------------------------------------------------------


def _merge_fstrings(tokens: list[tokenize_rt.Token]) -> list[tokenize_rt.Token]:
    """Fold Python 3.12's FSTRING_START..FSTRING_END runs into one STRING token, as on 3.11."""
    merged: list[tokenize_rt.Token] = []
    depth = 0
    parts: list[str] = []
    start: tokenize_rt.Token | None = None
    for token in tokens:
        if token.name == "FSTRING_START":
            if depth == 0:
                start, parts = token, []
            depth += 1
        if depth:
            parts.append(token.src)
            if token.name == "FSTRING_END":
                depth -= 1
                if depth == 0 and start is not None:
                    merged.append(start._replace(name="STRING", src="".join(parts)))
            continue
        merged.append(token)
    return merged


def _check_names(tokens: list[tokenize_rt.Token], table: Mapping[str, str], where: str) -> None:
    known = set(table) | set(unasync._ASYNC_TO_SYNC)
    for token in tokens:
        if token.name != "NAME" or token.src in known:
            continue
        if _ASYNC_CLASS.fullmatch(token.src) or _ASYNC_FUNC.fullmatch(token.src):
            raise GenerationError(
                f"{where}:{token.line}: no rename rule for {token.src!r}; define its twin in the "
                "_async tree, or add it to EXPLICIT_RENAMES, EXCLUDED_NAMES or ALLOWED_ASYNC_NAMES "
                "in scripts/generate_sync.py"
            )


def _rewrite_text(text: str, pattern: re.Pattern[str], table: Mapping[str, str]) -> str:
    return pattern.sub(lambda match: table[match.group(0)], text)


def _ruff(args: list[str], text: str, filename: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", filename, "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise GenerationError(f"ruff {args[0]} failed on {filename}:\n{completed.stderr}")
    return completed.stdout


def _validate(text: str, where: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("# Generated from ", "# Do not edit:")):
            continue
        for match in _FORBIDDEN.finditer(line):
            raise GenerationError(
                f"{where}:{number}: generated code still says {match.group(0)!r}: {line.strip()}"
            )
        for match in _ASYNC_WORD.finditer(line):
            if match.group(0) not in ALLOWED_ASYNC_NAMES:
                raise GenerationError(
                    f"{where}:{number}: generated code still names {match.group(0)!r}: "
                    f"{line.strip()}"
                )


def unasync_source(
    source: str,
    table: Mapping[str, str],
    *,
    source_name: str,
    dest_name: str,
    used: set[str] | None = None,
) -> str:
    """
    Return the sync twin of one module's source text.

    Raises:
        GenerationError: If the source uses an async-looking name without a rule, or if the
            output still contains async constructs.
    """
    tokens = _merge_fstrings(tokenize_rt.src_to_tokens(source))
    _check_names(tokens, table, source_name)
    rule = unasync.Rule("/_async/", "/_sync/", additional_replacements=dict(table))
    words = {**unasync._ASYNC_TO_SYNC, **table}
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words, key=len)[::-1])) + r")\b")
    if used is not None:
        for token in tokens:
            if token.name == "NAME" and token.src in table:
                used.add(token.src)
            elif token.name in {"STRING", "COMMENT"}:
                used.update(pattern.findall(token.src))
    out: list[tokenize_rt.Token] = []
    for token in rule._unasync_tokens(tokens):
        if token.name in {"STRING", "COMMENT"}:
            token = token._replace(src=_rewrite_text(token.src, pattern, words))
        out.append(token)
    text = BANNER.format(source=source_name) + tokenize_rt.tokens_to_src(out)
    text = _ruff(["check", "--select", "I", "--fix", "--exit-zero", "--quiet"], text, dest_name)
    text = _ruff(["format", "--quiet"], text, dest_name)
    _validate(text, dest_name)
    return text


# -- whole trees -----------------------------------------------------------------------------


def generate(root: Path = ROOT, pairs: Iterable[tuple[str, str]] = PAIRS) -> Generation:
    """Generate every twin in memory; nothing is written."""
    pairs = list(pairs)
    sources: dict[Path, str] = {}
    for source_dir, _ in pairs:
        for path in sorted((root / source_dir).rglob("*.py")):
            sources[path] = path.read_text(encoding="utf-8")
    concurrency = root / CONCURRENCY_MODULE
    table = build_rename_table(
        sources.values(),
        concurrency.read_text(encoding="utf-8") if concurrency.exists() else None,
    )
    used: set[str] = set()
    result = Generation()
    for source_dir, dest_dir in pairs:
        for path in sorted((root / source_dir).rglob("*.py")):
            relative = path.relative_to(root / source_dir)
            dest = Path(dest_dir) / relative
            result.outputs[dest] = unasync_source(
                sources[path],
                table,
                source_name=path.relative_to(root).as_posix(),
                dest_name=dest.as_posix(),
                used=used,
            )
    result.unused_renames = sorted(
        name for name in EXPLICIT_RENAMES if name not in used and name != "_async"
    )
    return result


def _existing(root: Path, dest_dir: str) -> dict[Path, str]:
    base = root / dest_dir
    return {
        path.relative_to(root): path.read_text(encoding="utf-8")
        for path in sorted(base.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def diff(root: Path, generation: Generation, pairs: Iterable[tuple[str, str]] = PAIRS) -> str:
    """A unified diff from the committed twin to what would be generated; empty if equal."""
    committed: dict[Path, str] = {}
    for _, dest_dir in pairs:
        committed.update(_existing(root, dest_dir))
    chunks: list[str] = []
    for path in sorted(set(committed) | set(generation.outputs)):
        old = committed.get(path, "")
        new = generation.outputs.get(path, "")
        if old != new:
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=f"a/{path.as_posix()}" if path in committed else "/dev/null",
                    tofile=f"b/{path.as_posix()}" if path in generation.outputs else "/dev/null",
                )
            )
    return "".join(chunks)


def write(root: Path, generation: Generation, pairs: Iterable[tuple[str, str]] = PAIRS) -> None:
    """Replace each destination tree atomically; orphaned files disappear with the old tree."""
    for _, dest_dir in pairs:
        dest = root / dest_dir
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; the twin is an ordinary package
        for path, text in generation.outputs.items():
            if Path(dest_dir) in path.parents:
                target = staging / path.relative_to(dest_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        retired = dest.with_name(f".{dest.name}-old")
        shutil.rmtree(retired, ignore_errors=True)
        if dest.exists():
            dest.rename(retired)
        staging.rename(dest)
        shutil.rmtree(retired, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 with a diff if the committed sync twin is out of date",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        generation = generate(args.root)
    except GenerationError as exc:
        print(f"generate_sync: {exc}", file=sys.stderr)
        return 2
    if generation.unused_renames:
        for name in generation.unused_renames:
            print(f"generate_sync: rename entry {name!r} matched nothing", file=sys.stderr)
        print(
            "generate_sync: remove unused entries from EXPLICIT_RENAMES, so the table says what "
            "the code really needs",
            file=sys.stderr,
        )
        return 2
    count = len(generation.outputs)
    if args.check:
        changes = diff(args.root, generation)
        if changes:
            sys.stdout.write(changes)
            print(
                "generate_sync: the sync twin is out of date; run `python scripts/generate_sync.py`"
                " and commit the result",
                file=sys.stderr,
            )
            return 1
        print(f"generate_sync: {count} generated files are up to date")
        return 0
    write(args.root, generation)
    print(f"generate_sync: wrote {count} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
