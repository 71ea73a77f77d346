"""The third-party Python modules a lab script needs, traced through the lab's own modules.

Usage (standard library only, so that any Python 3 can run it):
  pyimports.py [--check] [--optional] [--path DIR]... ENTRY...
ENTRY: a script (scripts/report.py), a folder (every .py under it), '-m MODULE' as pyrun
is given it, or '-c' (a command line: needs nothing).  A script's own imports of the lab's
modules (files and packages beside it, charts/ among them) are followed, so report.py
needs what why.py and the charts need, and a script that imports no plotting code does
not need matplotlib.  --path DIR adds a folder whose modules count as the lab's (the
tests import the scripts' modules that way).

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


def local_file(name, roots):
    """The lab file a dotted module name resolves to inside one of roots, or None."""
    parts = name.split(".")
    for root in roots:
        base = os.path.join(root, *parts)
        for cand in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(cand):
                return cand
    return None


def needs(entries, optional, paths=()):
    files = []
    for kind, value in entries:
        if kind == "file":
            files.append(value)
        elif kind == "dir":
            for root, _, names in os.walk(value):
                files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".py"))
    mods = {value.split(".")[0] for kind, value in entries if kind == "module"}
    seen = set()
    while files:
        path = os.path.abspath(files.pop())
        if path in seen:
            continue
        seen.add(path)
        # A lab script finds the lab's modules beside itself and in its folder's parents up
        # to scripts/ (the charts package imports 'charts.style' and 'why').
        roots = [os.path.dirname(path)]
        if os.path.isfile(os.path.join(roots[0], "__init__.py")):
            roots.append(os.path.dirname(roots[0]))
        roots.extend(paths)
        for name in imported_names(path, optional):
            local = local_file(name, roots)
            if local:
                files.append(local)
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
