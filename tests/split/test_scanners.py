"""Import scanners: realistic small sources resolved against repository layouts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wtorch.split import ChangedFile, Edge, find_edges
from wtorch.split.scanners import build_layout, scan
from wtorch.split.scanners._text import mask
from wtorch.split.scanners.rust import expand_use


def imports(
    path: str, text: str, paths: Iterable[str], *, texts: Mapping[str, str] | None = None, go_module: str | None = None
) -> set[str]:
    layout = build_layout({*paths, path}, {path: text, **(texts or {})}, go_module=go_module)
    return scan(path, text, layout)


# --- masking -------------------------------------------------------------------------------


def test_mask_keeps_lines_and_literal_bodies() -> None:
    masked = mask('s = "a // b" /* x\ny */ t = `c`\n', "js")
    assert masked.code.count("\n") == 2
    assert masked.literals == ("a // b", "c")
    assert "//" not in masked.code and "x" not in masked.code.replace("\x02", "")


def test_mask_unterminated_quote_spoils_one_line_only() -> None:
    masked = mask("const re = /[\"']/;\nimport x from './x';\n", "js")
    assert "./x" in masked.literals


# --- Python --------------------------------------------------------------------------------

PY_LAYOUT = [
    "src/shop/__init__.py",
    "src/shop/models.py",
    "src/shop/cart/__init__.py",
    "src/shop/cart/totals.py",
    "src/shop/util.py",
    "tests/test_models.py",
    "tests/helpers.py",
    "tools/lint.py",
]


def test_python_src_layout_absolute_imports() -> None:
    text = "import shop.models\nfrom shop.cart import totals\nfrom shop import util as u, models\nimport os, sys\n"
    assert imports("tests/test_models.py", text, PY_LAYOUT) == {
        "src/shop/models.py",
        "src/shop/cart/totals.py",
        "src/shop/util.py",
    }


def test_python_from_import_of_a_name_targets_the_module() -> None:
    text = "from shop.cart.totals import Total, round_cents\nfrom shop.cart import Cart\n"
    assert imports("src/shop/util.py", text, PY_LAYOUT) == {"src/shop/cart/totals.py", "src/shop/cart/__init__.py"}


def test_python_relative_imports() -> None:
    text = "from . import models\nfrom .util import slug\nfrom .cart import (\n    totals,  # the sums\n)\n"
    assert imports("src/shop/views.py", text, PY_LAYOUT) == {
        "src/shop/models.py",
        "src/shop/util.py",
        "src/shop/cart/totals.py",
    }
    nested = "from ..models import Item\nfrom . import totals\n"
    assert imports("src/shop/cart/discounts.py", nested, PY_LAYOUT) == {"src/shop/models.py", "src/shop/cart/totals.py"}


def test_python_script_directory_and_multiline_statements() -> None:
    text = "import helpers; import json\nfrom shop.cart import \\\n    totals\n"
    assert imports("tests/test_models.py", text, PY_LAYOUT) == {"tests/helpers.py", "src/shop/cart/totals.py"}


def test_python_ignores_comments_docstrings_and_strings() -> None:
    text = '''"""Usage:

    import shop.models
    from shop import util
"""
# import shop.cart
SQL = "from shop import util"
x = 1  # from shop.cart import totals
'''
    assert imports("tools/lint.py", text, PY_LAYOUT) == set()


def test_python_crlf_and_byte_order_mark() -> None:
    text = "\ufeffimport shop.util\r\nfrom shop.cart import \\\r\n    totals\r\n"
    assert imports("tools/lint.py", text, PY_LAYOUT) == {"src/shop/util.py", "src/shop/cart/totals.py"}


def test_python_top_level_package_root_found_in_paths() -> None:
    paths = ["lib/acme/__init__.py", "lib/acme/core.py", "app/main.py"]
    assert imports("app/main.py", "from acme.core import run\n", paths) == {"lib/acme/core.py"}


# --- Go ------------------------------------------------------------------------------------

GO_PATHS = [
    "go.mod",
    "internal/store/store.go",
    "internal/store/cache.go",
    "internal/store/store_test.go",
    "cmd/api/main.go",
    "pkg/log/log.go",
]


def test_go_grouped_and_single_imports_resolve_through_go_mod() -> None:
    text = """package main

import "example.com/shop/pkg/log"

import (
\t"fmt"
\tst "example.com/shop/internal/store"
\t// "example.com/shop/internal/old"
)

var doc = `import "example.com/shop/cmd/tool"`
"""
    found = imports("cmd/api/main.go", text, GO_PATHS, texts={"go.mod": "module example.com/shop\n\ngo 1.22\n"})
    assert found == {
        "pkg/log/log.go",
        "internal/store/store.go",
        "internal/store/cache.go",
        "internal/store/store_test.go",
    }


def test_go_nested_module_wins_over_its_parent() -> None:
    paths = [*GO_PATHS, "tools/go.mod", "tools/gen/gen.go"]
    texts = {"go.mod": "module example.com/shop\n", "tools/go.mod": 'module "example.com/shop/tools"\n'}
    text = 'package main\nimport "example.com/shop/tools/gen"\n'
    assert imports("tools/main.go", text, paths, texts=texts) == {"tools/gen/gen.go"}


def test_go_module_argument_and_unknown_modules() -> None:
    text = 'package x\nimport (\n  "github.com/other/lib"\n  _ "example.com/shop/pkg/log"\n)\n'
    assert imports("a/x.go", text, GO_PATHS, go_module="example.com/shop") == {"pkg/log/log.go"}


# --- JavaScript / TypeScript ----------------------------------------------------------------

TS_PATHS = [
    "web/src/api/index.ts",
    "web/src/api/client.ts",
    "web/src/ui/Button.tsx",
    "web/src/util.js",
    "web/src/types.d.ts",
    "web/src/legacy.cjs",
    "web/src/app.ts",
]


def test_ts_extensions_index_and_all_import_forms() -> None:
    text = """import { get } from './api';
import type { Props } from "./types";
export * from './ui/Button';
import './util.js';
const legacy = require('./legacy.cjs');
const lazy = () => import('./api/client');
import React from 'react';
"""
    assert imports("web/src/app.ts", text, TS_PATHS) == {
        "web/src/api/index.ts",
        "web/src/types.d.ts",
        "web/src/ui/Button.tsx",
        "web/src/util.js",
        "web/src/legacy.cjs",
        "web/src/api/client.ts",
    }


def test_ts_esm_js_specifier_names_the_ts_source() -> None:
    assert imports("web/src/ui/Button.tsx", "import { c } from '../api/client.js'\n", TS_PATHS) == {
        "web/src/api/client.ts"
    }


def test_js_comments_and_strings_are_not_imports() -> None:
    text = """// import x from './util'
/* export * from './api' */
const s = "import y from './legacy.cjs'";
const t = `require('./ui/Button')`;
"""
    assert imports("web/src/app.ts", text, TS_PATHS) == set()


# --- Java ----------------------------------------------------------------------------------

JAVA_PATHS = [
    "core/src/main/java/com/acme/shop/Cart.java",
    "core/src/main/java/com/acme/shop/Item.java",
    "core/src/main/java/com/acme/shop/util/Money.java",
    "core/src/test/java/com/acme/shop/CartTest.java",
]


def test_java_imports_against_source_roots() -> None:
    text = """package com.acme.shop;

import com.acme.shop.util.Money;
import com.acme.shop.Item.Kind;
import static com.acme.shop.util.Money.ZERO;
import java.util.List;
// import com.acme.shop.Removed;
"""
    assert imports("core/src/main/java/com/acme/shop/Cart.java", text, JAVA_PATHS) == {
        "core/src/main/java/com/acme/shop/util/Money.java",
        "core/src/main/java/com/acme/shop/Item.java",
    }


def test_java_wildcard_import() -> None:
    text = "package com.acme.shop;\nimport com.acme.shop.*;\n"
    found = imports("core/src/test/java/com/acme/shop/CartTest.java", text, JAVA_PATHS)
    assert found == {"core/src/main/java/com/acme/shop/Cart.java", "core/src/main/java/com/acme/shop/Item.java"}


def test_kotlin_imports_without_semicolons() -> None:
    text = "package com.acme.shop\n\nimport com.acme.shop.util.Money as Cash\nimport com.acme.shop.Item\n"
    assert imports("core/src/main/java/com/acme/shop/Basket.kt", text, JAVA_PATHS) == {
        "core/src/main/java/com/acme/shop/util/Money.java",
        "core/src/main/java/com/acme/shop/Item.java",
    }


# --- Rust ----------------------------------------------------------------------------------

RUST_PATHS = [
    "Cargo.toml",
    "src/lib.rs",
    "src/store.rs",
    "src/store/cache.rs",
    "src/net/mod.rs",
    "src/net/http.rs",
    "tests/api.rs",
    "crates/wire-format/Cargo.toml",
    "crates/wire-format/src/lib.rs",
    "crates/wire-format/src/frame.rs",
]


def test_rust_mod_declarations() -> None:
    text = "pub mod store;\nmod net;\n#[cfg(test)]\nmod tests {\n}\n// mod gone;\n"
    assert imports("src/lib.rs", text, RUST_PATHS) == {"src/store.rs", "src/net/mod.rs"}
    assert imports("src/store.rs", "mod cache;\n", RUST_PATHS) == {"src/store/cache.rs"}
    assert imports("src/net/mod.rs", "pub mod http;\n", RUST_PATHS) == {"src/net/http.rs"}


def test_rust_use_crate_super_and_workspace_crates() -> None:
    text = """use crate::store::{cache::Entry, Store};
use super::http::Client;
use wire_format::frame::Frame;
use std::io;
const S: &str = "use crate::net;";
"""
    assert imports("src/net/http2.rs", text, RUST_PATHS) == {
        "src/store/cache.rs",
        "src/store.rs",
        "src/net/http.rs",
        "crates/wire-format/src/frame.rs",
    }


def test_rust_integration_test_is_a_crate_root() -> None:
    paths = [*RUST_PATHS, "tests/common/mod.rs"]
    assert imports("tests/api.rs", "mod common;\nuse crate::common::setup;\n", paths) == {"tests/common/mod.rs"}


def test_rust_use_tree_expansion() -> None:
    assert expand_use("crate::a::{self, b as c, d::{e, *}}") == [
        ["crate", "a"],
        ["crate", "a", "b"],
        ["crate", "a", "d", "e"],
        ["crate", "a", "d"],
    ]


# --- C / C++ -------------------------------------------------------------------------------

C_PATHS = ["include/acme/buf.h", "src/buf.c", "src/util.h", "src/util.cc", "third/zlib.h"]


def test_c_includes_relative_then_root_then_include_dir() -> None:
    text = '#include "util.h"\n#include <acme/buf.h>\n#include "third/zlib.h"\n#include <stdio.h>\n'
    assert imports("src/buf.c", text, C_PATHS) == {"src/util.h", "include/acme/buf.h", "third/zlib.h"}


def test_c_include_in_comment_or_string_is_ignored() -> None:
    text = '/* #include "util.h" */\n// #include "third/zlib.h"\nconst char *s = "#include \\"util.h\\"";\n'
    assert imports("src/buf.c", text, C_PATHS) == set()


# --- find_edges ----------------------------------------------------------------------------


def changed(path: str, status: str = "M", lines: int = 10, old_path: str | None = None) -> ChangedFile:
    return ChangedFile(path=path, status=status, lines=lines, old_path=old_path)


def test_find_edges_only_among_changed_files() -> None:
    files = [changed("src/shop/models.py"), changed("tests/test_models.py", "A")]
    edges = find_edges(
        files,
        new_text={
            "tests/test_models.py": "from shop import models, util\n",
            "src/shop/models.py": "import shop.util\n",
        },
        old_text={},
        repo_paths=frozenset(PY_LAYOUT),
    )
    assert edges == [Edge("tests/test_models.py", "src/shop/models.py", "imports")]


def test_deleted_file_goes_after_its_last_user() -> None:
    files = [changed("pkg/old.py", "D"), changed("pkg/user.py"), changed("pkg/other.py")]
    edges = find_edges(
        files,
        new_text={"pkg/user.py": "from pkg import new\n", "pkg/other.py": "x = 1\n"},
        old_text={"pkg/user.py": "from pkg import old\n", "pkg/old.py": "", "pkg/other.py": "import pkg.old\n"},
        repo_paths=frozenset({"pkg/__init__.py", "pkg/user.py", "pkg/new.py", "pkg/other.py"}),
    )
    assert edges == [
        Edge("pkg/old.py", "pkg/other.py", "deleted after last user"),
        Edge("pkg/old.py", "pkg/user.py", "deleted after last user"),
    ]


def test_deleted_file_goes_after_a_deleted_user() -> None:
    files = [changed("lib/a.h", "D"), changed("lib/a.c", "D"), changed("lib/b.c", "M")]
    old = {"lib/a.c": '#include "a.h"\n', "lib/b.c": '#include "b.h"\n', "lib/a.h": ""}
    edges = find_edges(
        files, new_text={"lib/b.c": "int b;\n"}, old_text=old, repo_paths=frozenset({"lib/b.c", "lib/b.h"})
    )
    assert edges == [Edge("lib/a.h", "lib/a.c", "deleted after last user")]


def test_rename_goes_with_the_importers_it_forces_to_change() -> None:
    files = [changed("app/new_name.ts", "R", 0, old_path="app/old_name.ts"), changed("app/main.ts")]
    edges = find_edges(
        files,
        new_text={"app/new_name.ts": "export const x = 1\n", "app/main.ts": "import {x} from './new_name'\n"},
        old_text={"app/main.ts": "import {x} from './old_name'\n", "app/old_name.ts": "export const x = 1\n"},
        repo_paths=frozenset({"app/new_name.ts", "app/main.ts"}),
    )
    assert edges == [
        Edge("app/main.ts", "app/new_name.ts", "imports"),
        Edge("app/new_name.ts", "app/main.ts", "moved after last user"),
    ]


def test_go_deleted_file_of_a_living_package_orders_nothing() -> None:
    files = [changed("store/old.go", "D"), changed("api/api.go"), changed("store/store.go")]
    old = {"api/api.go": 'package api\nimport "ex.com/m/store"\n', "store/old.go": "package store\n"}
    edges = find_edges(
        files,
        new_text={"api/api.go": 'package api\nimport "ex.com/m/store"\n'},
        old_text=old,
        repo_paths=frozenset({"api/api.go", "store/store.go"}),
        go_module="ex.com/m",
    )
    assert edges == [Edge("api/api.go", "store/store.go", "imports")]
