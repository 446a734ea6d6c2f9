"""The code's layers: imports run one way, from the pages down to a small core, and never in a circle.

From the bottom: the core (accounts, mail, settings and shared helpers in ``innopraksis``), then the models
and services of ``orgs``, of ``students`` and of ``feedback``; the access rules; every app's views; and on
top the pages that gather everything (``innopraksis.overview``, the demo data, the URL configuration).
Every import counts, also one made inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("innopraksis", "orgs", "students", "feedback")
CORE, ORGS, STUDENTS, FEEDBACK, ACCESS, VIEWS, TOP = range(7)
LAYER_NAMES = ["core", "orgs", "students", "feedback", "access", "views", "top"]
APP_LAYERS = {"innopraksis": CORE, "orgs": ORGS, "students": STUDENTS, "feedback": FEEDBACK}

ACCESS_MODULES = {"innopraksis.access", "innopraksis.backends", "innopraksis.context_processors"}
# Pages that show what an app holds, and the admin's; the forms of the sign-in pages, which use the access rules;
# and how signing in by password or Feide proceeds (innopraksis.signin), which accepts invitations.
VIEW_MODULES = {"urls", "views", "admin", "templatetags.portal", "signin"}


def layer_of(module: str) -> int:
    app, _, rest = module.partition(".")
    if module == "innopraksis.urls" or module.startswith(("innopraksis.overview", "innopraksis.management")):
        return TOP
    if rest in VIEW_MODULES or rest.endswith("_views") or module == "innopraksis.forms":
        return VIEWS
    if module in ACCESS_MODULES:
        return ACCESS
    return APP_LAYERS[app]


def project_modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            found[".".join(parts)] = path
    return found


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports, wherever in the file the import stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from feedback import flags`` imports the module feedback.flags; ``from x.models import Y`` x.models.
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            names = [name for name in names if name in modules][:1] or [node.module]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {module: imports_of(path, modules) - {module} for module, path in modules.items()}


def test_every_module_has_a_layer():
    for module in project_modules():
        assert layer_of(module) in range(len(LAYER_NAMES)), module


def test_imports_run_from_higher_layers_to_lower_ones():
    wrong = [
        f"{module} ({LAYER_NAMES[layer_of(module)]}) imports {imported} ({LAYER_NAMES[layer_of(imported)]})"
        for module, imported_modules in graph().items()
        for imported in imported_modules
        if layer_of(imported) > layer_of(module)
    ]
    assert wrong == []


def test_an_app_uses_another_through_its_models_and_services_never_its_views():
    wrong = [
        f"{module} imports {imported}"
        for module, imported_modules in graph().items()
        for imported in imported_modules
        if layer_of(imported) == VIEWS
        and imported.partition(".")[0] != module.partition(".")[0]
        and module != "innopraksis.urls"
    ]
    assert wrong == []


def test_there_is_no_import_cycle():
    edges = graph()
    cycles = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(edges[module]):
            if state.get(imported) == "open":
                cycles.append(" → ".join([*path[path.index(imported) :], imported]))
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []
