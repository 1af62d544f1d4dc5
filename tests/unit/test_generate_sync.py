"""The async-to-sync generator, on a small tree that exercises each unasync pitfall."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAIRS = (("pkg/_async", "pkg/_sync"),)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_sync", ROOT / "scripts/generate_sync.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_sync", module)
    spec.loader.exec_module(module)
    return module


gen = load_generator()

CLIENT = '''
"""The client; see ``AsyncThing`` and ``fetch_async``."""
import httpx

from .._async.helpers import helper_async
from .._concurrency import sleep_async


class AsyncThing(httpx.AsyncClient):
    """A client; ``as_async`` keeps its name."""

    @property
    def as_async(self) -> "AsyncThing":
        return self

    async def __aenter__(self) -> "AsyncThing":
        return self


async def fetch_async(client: AsyncThing) -> str:
    # wait a little, then call helper_async
    await sleep_async(0)
    await client.aclose()
    label = f"{fetch_async.__name__}:{helper_async.__name__}"
    return label + "AsyncApexJob" + "fetch_async"


async def ping_async(client: AsyncThing) -> None:
    async with client:
        await fetch_async(client)
'''

HELPERS = """
async def helper_async() -> int:
    return 1
"""

CONCURRENCY = """
async def sleep_async(seconds: float) -> None: ...
def sleep(seconds: float) -> None: ...
"""


def make_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return tmp_path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path,
        {
            "pkg/_async/client.py": CLIENT,
            "pkg/_async/helpers.py": HELPERS,
            "src/sf_toolkit/_concurrency.py": CONCURRENCY,
        },
    )


@pytest.fixture
def client_twin(tree: Path) -> str:
    return str(gen.generate(tree, PAIRS).outputs[Path("pkg/_sync/client.py")])


def test_banner_names_the_source(client_twin: str) -> None:
    """Every generated file starts with a banner naming its source and the command."""
    assert client_twin.startswith(
        "# Generated from pkg/_async/client.py by scripts/generate_sync.py.\n"
        "# Do not edit: change the async source and regenerate.\n"
    )


def test_defined_names_lose_their_marker(client_twin: str) -> None:
    """`AsyncX` becomes `X` and `x_async` becomes `x`, never unasync's `SyncX`."""
    assert "class Thing(httpx.Client):" in client_twin
    assert "def fetch(client: Thing) -> str:" in client_twin
    assert "def ping(client: Thing) -> None:" in client_twin
    assert "SyncThing" not in client_twin


def test_async_syntax_is_removed(client_twin: str) -> None:
    """`async def`, `await`, `async with` and `__aenter__` become their sync forms."""
    assert "with client:" in client_twin
    assert "fetch(client)" in client_twin
    assert "def __enter__(self)" in client_twin
    assert "await" not in client_twin.split("\n", 2)[2]


def test_httpx_and_concurrency_pairs_are_renamed(client_twin: str) -> None:
    """httpx's `aclose` and our `sleep_async` map to their sync twins."""
    assert "client.close()" in client_twin
    assert "sleep(0)" in client_twin
    assert "from .._concurrency import sleep\n" in client_twin


def test_import_paths_are_rewritten(client_twin: str) -> None:
    """`_async` in an import path becomes `_sync`."""
    assert "from .._sync.helpers import helper\n" in client_twin


def test_excluded_name_is_left_alone(client_twin: str) -> None:
    """`as_async` is not a twin and keeps its name."""
    assert 'def as_async(self) -> "Thing":' in client_twin


def test_sobject_name_literal_is_kept(client_twin: str) -> None:
    """A string equal to an allowed sObject name (`AsyncApexJob`) is not renamed."""
    assert '"AsyncApexJob"' in client_twin


def test_string_equal_to_a_renamed_name_is_renamed(client_twin: str) -> None:
    """A string literal naming a renamed function follows the rename (so `__all__` stays true)."""
    assert '+ "fetch"' in client_twin


def test_docstrings_comments_and_fstrings_are_rewritten(client_twin: str) -> None:
    """Docstrings, comments and f-string expressions follow the same table."""
    assert '"""The client; see ``Thing`` and ``fetch``."""' in client_twin
    assert "# wait a little, then call helper\n" in client_twin
    assert 'f"{fetch.__name__}:{helper.__name__}"' in client_twin


def test_unknown_async_name_is_refused(tmp_path: Path) -> None:
    """An `Async` name from elsewhere without a rule stops the run instead of becoming `Sync...`."""
    make_tree(tmp_path, {"pkg/_async/a.py": "from lib import AsyncWidget\nx = AsyncWidget\n"})
    with pytest.raises(
        gen.GenerationError, match=r"pkg/_async/a.py:1: no rename rule for 'AsyncWidget'"
    ):
        gen.generate(tmp_path, PAIRS)


@pytest.mark.parametrize(
    ("source", "word"),
    [
        ("import asyncio\n\nasync def f() -> None:\n    await asyncio.sleep(1)\n", "asyncio"),
        ("import anyio\n", "anyio"),
        ('x = f"{await g()}"\n', "await"),
    ],
)
def test_async_leftovers_are_refused(tmp_path: Path, source: str, word: str) -> None:
    """Output that would still say asyncio/anyio/await is refused, naming the file and line."""
    make_tree(tmp_path, {"pkg/_async/a.py": source})
    with pytest.raises(gen.GenerationError, match=rf"pkg/_sync/a.py:\d+: .*'{word}'"):
        gen.generate(tmp_path, PAIRS)


def test_concurrency_pair_needs_its_twin(tmp_path: Path) -> None:
    """A `_concurrency` async member without a hand-written twin is an error."""
    make_tree(
        tmp_path,
        {
            "pkg/_async/a.py": "x = 1\n",
            "src/sf_toolkit/_concurrency.py": "async def nap_async() -> None: ...\n",
        },
    )
    with pytest.raises(gen.GenerationError, match="nap_async but not its sync twin nap"):
        gen.generate(tmp_path, PAIRS)


def test_unused_explicit_renames_are_refused(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Explicit rename entries that matched nothing are listed, and the run fails."""
    generation = gen.generate(tree, PAIRS)
    assert "aclose" not in generation.unused_renames
    assert "aiter_raw" in generation.unused_renames
    assert gen.main(["--check", "--root", str(tree)]) == 2
    assert "rename entry 'aiter_raw' matched nothing" in capsys.readouterr().err


def test_written_twin_is_a_readable_package(tree: Path) -> None:
    """The generated directory gets ordinary permissions, not the private ones of a temp dir."""
    gen.write(tree, gen.generate(tree, PAIRS), PAIRS)
    assert (tree / "pkg/_sync").stat().st_mode & 0o777 == 0o755


def test_write_removes_orphans_and_check_detects_drift(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Writing drops twins whose source is gone; `--check` fails with a diff on any drift."""
    orphan = tree / "pkg/_sync/gone.py"
    orphan.parent.mkdir(parents=True)
    orphan.write_text("x = 1\n")
    gen.write(tree, gen.generate(tree, PAIRS), PAIRS)
    assert not orphan.exists()
    assert (tree / "pkg/_sync/helpers.py").exists()
    assert gen.diff(tree, gen.generate(tree, PAIRS), PAIRS) == ""

    twin = tree / "pkg/_sync/helpers.py"
    twin.write_text(twin.read_text() + "# hand edit\n")
    changes = gen.diff(tree, gen.generate(tree, PAIRS), PAIRS)
    assert "-# hand edit" in changes
    assert "a/pkg/_sync/helpers.py" in changes

    gen.write(tree, gen.generate(tree, PAIRS), PAIRS)
    assert gen.diff(tree, gen.generate(tree, PAIRS), PAIRS) == ""


def test_output_is_deterministic(tree: Path) -> None:
    """Two runs produce byte-identical output."""
    assert gen.generate(tree, PAIRS).outputs == gen.generate(tree, PAIRS).outputs


def test_repository_twin_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    """The committed `_sync` trees match what the generator produces (`--check`)."""
    assert gen.main(["--check"]) == 0, capsys.readouterr().out


def test_python_312_fstring_tokens_are_folded_like_311() -> None:
    """3.12's FSTRING_START..END tokens fold into one STRING token, as 3.11 tokenizes them."""
    import tokenize_rt

    def tok(name: str, src: str) -> tokenize_rt.Token:
        return tokenize_rt.Token(name, src, line=1, utf8_byte_offset=0)

    split = [
        tok("NAME", "x"),
        tok("OP", "="),
        tok("FSTRING_START", 'f"'),
        tok("FSTRING_MIDDLE", "id="),
        tok("OP", "{"),
        tok("NAME", "fetch_async"),
        tok("OP", "}"),
        tok("FSTRING_END", '"'),
        tok("NEWLINE", "\n"),
    ]
    merged = gen._merge_fstrings(split)
    assert [(t.name, t.src) for t in merged] == [
        ("NAME", "x"),
        ("OP", "="),
        ("STRING", 'f"id={fetch_async}"'),
        ("NEWLINE", "\n"),
    ]


def test_nested_fstrings_fold_into_the_outer_string() -> None:
    """An f-string nested in another (legal on 3.12) stays inside the outer STRING token."""
    import tokenize_rt

    def tok(name: str, src: str) -> tokenize_rt.Token:
        return tokenize_rt.Token(name, src, line=1, utf8_byte_offset=0)

    split = [
        tok("FSTRING_START", 'f"'),
        tok("OP", "{"),
        tok("FSTRING_START", "f'"),
        tok("FSTRING_MIDDLE", "a"),
        tok("FSTRING_END", "'"),
        tok("OP", "}"),
        tok("FSTRING_END", '"'),
    ]
    assert [(t.name, t.src) for t in gen._merge_fstrings(split)] == [("STRING", "f\"{f'a'}\"")]
