#!/usr/bin/env python3
"""No circular imports inside a crate: data flows one way between a crate's modules.

Each source file is a module. A file that names another module's item (`use crate::a::b`,
`crate::a::b::f()`, `super::x`, a sibling path) depends on the file that defines that module. A child
naming its ancestors (a `mod.rs` holding what its children share) is how Rust modules nest and is not
counted; any other cycle fails the check and is printed, so shared pieces move down into a module both
sides use.
"""

import re
import sys
from pathlib import Path

ROOTS = ["api/src", "crates/domain/src", "crates/import/src", "crates/ingest/src", "crates/store/src", "crates/synth/src"]
PATH = re.compile(r"\b(crate|super|self)((?:::\w+)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)((?:::\w+)*)::\{([^;]*)\};", re.S)


def module_of(root: Path, file: Path) -> tuple:
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def test_modules_removed(text: str) -> str:
    """Drops `#[cfg(test)] mod tests { … }` blocks: unit tests may use anything."""
    out, index = [], 0
    for match in re.finditer(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text):
        if match.start() < index:
            continue
        out.append(text[index : match.start()])
        depth, position = 1, match.end()
        while depth and position < len(text):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            position += 1
        index = position
    out.append(text[index:])
    return "".join(out)


def paths(text: str):
    """Every `crate::…`, `super::…` and `self::…` path, with `use x::{a, b::c}` groups expanded."""
    for match in USE_GROUP.finditer(text):
        base, prefix, group = match.group(1), match.group(2), match.group(3)
        for item in re.split(r"[,{}]", group):
            item = item.strip().split(" as ")[0].strip()
            if item and item != "self":
                yield base, [p for p in (prefix + "::" + item).split("::") if p]
            elif item == "self":
                yield base, [p for p in prefix.split("::") if p]
    for match in PATH.finditer(text):
        yield match.group(1), [p for p in match.group(2).split("::") if p]


def resolve(modules: set, here: tuple, base: str, parts: list):
    if base == "crate":
        start = ()
    elif base == "self":
        start = here
    else:  # super
        start = here[:-1]
        while parts and parts[0] == "super":
            start, parts = start[:-1], parts[1:]
    candidate = start
    for part in parts:
        if candidate + (part,) in modules:
            candidate = candidate + (part,)
        else:
            break
    return candidate


def main() -> int:
    status = 0
    for root_text in ROOTS:
        root = Path(root_text)
        files = {module_of(root, f): f for f in root.rglob("*.rs")}
        modules = set(files)
        edges = {m: set() for m in modules}
        for module, file in files.items():
            text = test_modules_removed(strip_comments(file.read_text()))
            for base, parts in paths(text):
                target = resolve(modules, module, base, parts)
                if target == module or module[: len(target)] == target:
                    continue  # itself, or an ancestor
                edges[module].add(target)
        for cycle in cycles(edges):
            status = 1
            names = [root_text + ":" + ("::".join(m) or "crate") for m in cycle]
            print("modules in a cycle: " + ", ".join(names))
    if status == 0:
        print("module cycles: none in " + ", ".join(ROOTS))
    return status


def cycles(edges: dict):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in edges:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


if __name__ == "__main__":
    sys.exit(main())
