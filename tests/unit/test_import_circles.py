"""No import circles between our modules (`make imports` and `make test` run this).

A circle (a imports b, which imports a, maybe through others) hides which module is
the lower one; a function-level import that only dodges it at load time still counts,
as does one under `TYPE_CHECKING`. Break a circle by moving the shared piece down into
a module both can import, or by handing the lower module what it needs (a Protocol,
a callback) instead of importing the upper one.
"""

from __future__ import annotations

import grimp

PACKAGES = ("gateway", "simulators")


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each strongly connected group of two or more modules, as one circle through them."""
    modules = graph.modules
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(start: str) -> None:
        # Tarjan's algorithm, iterative: the import graph is deep enough for recursion limits.
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in modules:
                    continue
                if target not in order:
                    order[target] = low[target] = len(order)
                    stack.append(target)
                    on_stack.add(target)
                    targets = sorted(graph.find_modules_directly_imported_by(target))
                    work.append((target, iter(targets)))
                    break
                if target in on_stack:
                    low[node] = min(low[node], order[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == order[node]:
                    group: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for module in sorted(modules):
        if module not in order:
            visit(module)
    return [_one_circle(graph, group) for group in groups]


def _one_circle(graph: grimp.ImportGraph, group: set[str]) -> list[str]:
    """A shortest way round: from the group's first module to a module it imports and back."""
    first = min(group)
    best: list[str] | None = None
    for nxt in sorted(graph.find_modules_directly_imported_by(first) & group):
        back = graph.find_shortest_chain(importer=nxt, imported=first)
        if back is not None and (best is None or len(back) + 1 < len(best)):
            best = [first, *back]
    assert best is not None  # a strongly connected group always has a way round
    return best


def test_no_import_circles() -> None:
    graph = grimp.build_graph(*PACKAGES)
    circles = _circles(graph)
    described = "\n".join("  " + " -> ".join(circle) for circle in circles)
    assert not circles, (
        f"import circles between our modules (each line goes round once):\n{described}\n"
        "Move the shared piece into a lower module both import, or pass what the lower "
        "module needs in (see this test's docstring)."
    )


def test_a_circle_is_found_and_named() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    graph.add_import(importer="pkg.d", imported="pkg.a")  # into the circle, not part of it
    assert _circles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
