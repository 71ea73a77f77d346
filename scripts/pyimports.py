"""The third-party Python modules a lab script needs, traced through the lab's own modules.

Usage (standard library only, so that any Python 3 can run it):
  pyimports.py [--check] [--optional] [--path DIR]... ENTRY...
ENTRY: a script (scripts/perf_stat.py), a folder (every .py under it), '-m MODULE' as pyrun
is given it (a module of the lab, -m rbresults.report, is traced from its file; any other,
-m pytest, is itself a need), or '-c' (a command line: needs nothing).  A script's own
imports of the lab's modules (files and packages beside it, the package rbresults among
them) are followed, and so are the imports of a package module: its package's __init__.py
and the modules it names (rbresults.report needs what rbresults.why needs, and a module
that imports no plotting code does not need matplotlib).  --path DIR adds a folder whose
modules count as the lab's (the tests import the package from scripts/ that way).

Prints one line per module: 'NAME' (--check: 'NAME missing' for each this interpreter
cannot import).  Imports inside a try block that has a handler are optional (the script
copes without them) and are left out unless --optional.  Exit 0; with --check, 1 when a
module is missing; 2 on bad input.
"""
import ast
import importlib.util
import os
import sys


def parse_args(argv):
    check = optional = False
    entries, paths = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--check":
            check = True
        elif a == "--optional":
            optional = True
        elif a == "--path":
            if i + 1 >= len(argv) or not os.path.isdir(argv[i + 1]):
                raise ValueError("'--path' needs a folder")
            paths.append(os.path.abspath(argv[i + 1]))
            i += 1
        elif a == "-m":
            if i + 1 >= len(argv):
                raise ValueError("'-m' needs a module name")
            entries.append(("module", argv[i + 1]))
            i += 1
        elif a == "-c":
            entries.append(("command", None))
        elif os.path.isdir(a):
            entries.append(("dir", a))
        elif os.path.isfile(a):
            entries.append(("file", a))
        else:
            raise ValueError("'%s' is not a script, a folder, '-m MODULE' or '-c'" % a)
        i += 1
    if not entries:
        raise ValueError("no entry given (a script, a folder, '-m MODULE' or '-c')")
    return check, optional, entries, paths


def guarded(tree):
    """Ids of the nodes inside a try block that has a handler."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and node.handlers:
            for sub in node.body:
                out.update(id(n) for n in ast.walk(sub))
    return out


def imported_names(path, optional):
    """Top-level module names a file imports (absolute imports only), and the dotted names."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return []
    skip = set() if optional else guarded(tree)
    names = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names.extend(node.module + "." + a.name for a in node.names)
    return names


def local_file(name, roots, main=False):
    """The lab file a dotted module name resolves to inside one of roots, or None (main: a
    package's __main__.py, as python -m runs it)."""
    parts = name.split(".")
    for root in roots:
        base = os.path.join(root, *parts)
        inits = ("__main__.py",) if main else ("__init__.py",)
        for cand in (base + ".py",) + tuple(os.path.join(base, i) for i in inits):
            if os.path.isfile(cand):
                return cand
    return None


def package_inits(name, roots):
    """The __init__.py of each package above a dotted name (importing a.b.c runs a's and
    a.b's), as far as they are the lab's."""
    parts = name.split(".")
    out = []
    for i in range(1, len(parts)):
        f = local_file(".".join(parts[:i]), roots)
        if f and f.endswith("__init__.py"):
            out.append(f)
    return out


def search_roots(path):
    """Where the module at path finds the lab's modules: a script beside itself; a module of
    a package in the folder above its top package (as sys.path holds it)."""
    d = os.path.dirname(path)
    if not os.path.isfile(os.path.join(d, "__init__.py")):
        return [d]
    while os.path.isfile(os.path.join(d, "__init__.py")):
        d = os.path.dirname(d)
    return [d]


def needs(entries, optional, paths=()):
    files = []
    for kind, value in entries:
        if kind == "file":
            files.append(value)
        elif kind == "dir":
            for root, _, names in os.walk(value):
                files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".py"))
    mods = set()
    for kind, value in entries:
        if kind != "module":
            continue
        local = local_file(value, paths, main=True)
        if local:
            files.append(local)
            files.extend(package_inits(value, paths))
        else:
            mods.add(value.split(".")[0])
    seen = set()
    while files:
        path = os.path.abspath(files.pop())
        if path in seen:
            continue
        seen.add(path)
        roots = search_roots(path) + list(paths)
        for name in imported_names(path, optional):
            local = local_file(name, roots)
            if local:
                files.append(local)
                files.extend(package_inits(name, roots))
                continue
            top = name.split(".")[0]
            if local_file(top, roots) or top in sys.stdlib_module_names:
                continue
            mods.add(top)
    return sorted(mods)


def importable(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def main(argv):
    try:
        check, optional, entries, paths = parse_args(argv)
    except ValueError as e:
        print("pyimports: %s" % e, file=sys.stderr)
        return 2
    missing = 0
    for name in needs(entries, optional, paths):
        if not check:
            print(name)
        elif not importable(name):
            print(name, "missing")
            missing += 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
