#!/usr/bin/env python3
"""Where struct module lies in a module's memory, for real modules.

Reads the ELF section headers of kernel modules (.ko files, or a Debian
linux-image .deb holding them) and lays out each module's core as Linux 2.6.29's
load_module() and layout_sections() did (kernel/module.c):

  - .modinfo and __versions lose SHF_ALLOC; the per-CPU section (.data.percpu,
    .data..percpu) gets its own allocation; with CONFIG_KALLSYMS .symtab and
    .strtab gain SHF_ALLOC (kept for decoding);
  - SHF_ALLOC sections not named .init* go to the core in four passes, each in
    section-header order: executable code, read-only data, writable data, small
    data (none on x86); each aligned to its sh_addralign (get_offset()).

The struct module of the module is its .gnu.linkonce.this_module section: its
offset in the core is where the kernel put struct module. Writes one CSV line
per module:

  module,core_size,core_text_size,this_module_offset,this_module_size,this_module_align

The lab draws module layouts from this file (bench/loops/module_layout.h): text and
read-only data before struct module, the rest of the core after it.

Usage: scripts/module_layout.py SOURCE.deb|DIR [--out FILE] [--label TEXT]
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
SHT_NOBITS = 8
MASKS = [(SHF_EXECINSTR | SHF_ALLOC, 0), (SHF_ALLOC, SHF_WRITE), (SHF_WRITE | SHF_ALLOC, 0)]


class LayoutError(Exception):
    pass


def sections(path):
    """[(name, flags, size, align)] of an ELF64 little-endian relocatable file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise LayoutError(f"{path}: not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    heads = []
    for i in range(shnum):
        name, typ, flags, _addr, off, size, _link, _info, align, _ent = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        heads.append((name, typ, flags, off, size, align))
    stroff = heads[shstrndx][3]

    def name_of(n):
        end = data.index(b"\0", stroff + n)
        return data[stroff + n:end].decode("ascii", "replace")

    return [(name_of(h[0]), h[2], h[4], h[5]) for h in heads]


def layout(secs):
    """The 2.6.29 core layout: (core_size, core_text_size, {section name: offset})."""
    flags = []
    for name, fl, _size, _align in secs:
        if name in (".modinfo", "__versions") or name.startswith(".data.percpu") \
                or name.startswith(".data..percpu"):
            fl &= ~SHF_ALLOC
        if name in (".symtab", ".strtab"):
            fl |= SHF_ALLOC
        flags.append(fl)
    placed, size, text = {}, 0, 0
    for m, (want, refuse) in enumerate(MASKS):
        for i, (name, _fl, ssize, align) in enumerate(secs):
            fl = flags[i]
            if (fl & want) != want or (fl & refuse) or i in placed or name.startswith(".init"):
                continue
            a = align or 1
            off = (size + a - 1) // a * a
            placed[i] = off
            size = off + ssize
        if m == 0:
            text = size
    return size, text, {secs[i][0]: off for i, off in placed.items()}


def module_row(path):
    secs = sections(path)
    core, text, offs = layout(secs)
    this = [s for s in secs if s[0] == ".gnu.linkonce.this_module"]
    if not this or ".gnu.linkonce.this_module" not in offs:
        raise LayoutError(f"{path}: no .gnu.linkonce.this_module section")
    name = os.path.basename(path)[:-3]
    return (name, core, text, offs[".gnu.linkonce.this_module"], this[0][2], this[0][3] or 1)


def ko_files(root):
    for d, _dirs, files in os.walk(root):
        for f in sorted(files):
            if f.endswith(".ko"):
                yield os.path.join(d, f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a linux-image .deb or a folder of .ko files")
    ap.add_argument("--out", help="CSV file (default: stdout)")
    ap.add_argument("--label", default=None, help="what the modules are, for the header")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.source
        if args.source.endswith(".deb"):
            if subprocess.run(["dpkg-deb", "-x", args.source, tmp]).returncode != 0:
                print(f"module_layout: cannot unpack '{args.source}' (accepted: a .deb that "
                      "dpkg-deb can read, or a folder of .ko files)", file=sys.stderr)
                return 2
            root = tmp
        elif not os.path.isdir(args.source):
            print(f"module_layout: '{args.source}' is neither a .deb nor a folder "
                  "(accepted: a linux-image .deb or a folder of .ko files)", file=sys.stderr)
            return 2
        rows, bad = [], 0
        for path in ko_files(root):
            try:
                rows.append(module_row(path))
            except (LayoutError, OSError, struct.error, ValueError) as e:
                print(f"module_layout: skipped {e}", file=sys.stderr)
                bad += 1
    if not rows:
        print(f"module_layout: no .ko file in '{args.source}'", file=sys.stderr)
        return 2
    rows.sort()
    label = args.label or os.path.basename(args.source.rstrip("/"))
    lines = [f"# modules: {label} ({len(rows)} modules, {bad} skipped)",
             "# layout: Linux 2.6.29 load_module()/layout_sections(), x86-64 (scripts/module_layout.py)",
             "module,core_size,core_text_size,this_module_offset,this_module_size,this_module_align"]
    lines += [",".join(str(x) for x in r) for r in rows]
    text = "\n".join(lines) + "\n"
    if args.out:
        tmp_out = args.out + ".tmp"
        with open(tmp_out, "w") as f:
            f.write(text)
        os.replace(tmp_out, args.out)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
