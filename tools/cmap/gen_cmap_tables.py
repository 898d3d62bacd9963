#!/usr/bin/env python3
"""Generate xinfang's compact CJK CMap tables (data/cmap/*.bin) from Adobe's CMap resources.

Why: PDFs written with CID fonts and no /ToUnicode map (xdvipdfmx/LaTeX, old Acrobat
Distiller output, reportlab's STSong-Light with GBK codes) can only be turned into text by
mapping codes → CIDs through a predefined CMap (GBK-EUC-H, B5pc-H, ...) and CIDs → Unicode
through the font's character collection (Adobe-GB1, Adobe-CNS1, ...), as poppler does.

Source: Debian's `poppler-data` package, /usr/share/poppler/cMap/<collection>/. Only Adobe's own
CMap files are read (BSD-3-Clause, see data/cmap/LICENSE-Adobe-CMaps.txt); poppler's GPL
`cidToUnicode/` files are never used.

Output, one file per character collection, all integers little-endian:

    b"XFCM1\\n"
    u32 n_runs, then n_runs × (u16 cid_start, u16 len, u32 unicode_start)
        CID → Unicode: CIDs cid_start .. cid_start+len-1 map to consecutive code points.
        Sorted by cid_start. Only the first code point of a multi-code-point value is kept
        (Adobe appends variation selectors U+FE00.. to some entries).
    u16 n_cmaps, then per CMap:
        u8 name_len, name (ASCII)
        u8 n_codespaces, then n × (u8 nbytes, u32 lo, u32 hi)   (bytes big-endian packed)
        u32 n_ranges, then n × (u8 nbytes, u32 lo, u32 hi, u16 cid)  sorted by (nbytes, lo)
    `usecmap` is flattened; vertical (-V) CMaps are left out: the reader maps a -V name to its
    -H table (same characters, only some CIDs differ in glyph form). Uni* CMaps are left out:
    their codes are Unicode already and the reader decodes them directly.

Run:  python3 tools/cmap/gen_cmap_tables.py [/usr/share/poppler/cMap] [data/cmap]
"""
import os
import re
import struct
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/poppler/cMap"
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "cmap")

# Character collection → the code → CID CMaps worth carrying for Chinese archives (and the
# main legacy encodings of the Japanese and Korean collections, whose fonts turn up too).
# A CMap given as (name, base) is stored as its differences from `base` (GBK2K-H = GBK-EUC-H plus
# the GB 18030 four-byte codes). Near-identical variants (GBKp-EUC-H, GBTpc-EUC-H, ETenms-B5-H,
# 90msp-RKSJ-H, ...) are not stored: the reader maps their names to the table listed here.
COLLECTIONS = {
    "Adobe-GB1": ["GB-EUC-H", "GBpc-EUC-H", "GBK-EUC-H", ("GBK2K-H", "GBK-EUC-H"), "GBT-EUC-H",
                  "GB-H"],
    "Adobe-CNS1": ["B5pc-H", "ETen-B5-H", "HKscs-B5-H", "CNS-EUC-H"],
    "Adobe-Japan1": ["90ms-RKSJ-H", "EUC-H"],
    "Adobe-Korea1": ["KSCms-UHC-H", "KSC-EUC-H"],
}

TOKEN = re.compile(rb"<[0-9A-Fa-f\s]*>|/[^\s/<>\[\]()]+|\[|\]|[^\s<>\[\]/]+")


def tokens(path):
    data = open(path, "rb").read()
    data = b"\n".join(line.split(b"%", 1)[0] for line in data.split(b"\n"))
    return [t for t in TOKEN.findall(data)]


def hexbytes(tok):
    h = re.sub(rb"\s", b"", tok[1:-1])
    return bytes.fromhex(h.decode())


def first_code_point(b):
    """UTF-16BE bytes → first code point (surrogate pairs joined)."""
    if len(b) < 2:
        return None
    u = (b[0] << 8) | b[1]
    if 0xD800 <= u < 0xDC00 and len(b) >= 4:
        lo = (b[2] << 8) | b[3]
        return 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
    return u


def parse_cmap(coll_dir, name, seen=None):
    """→ (codespaces [(n, lo, hi)], ranges [(n, lo, hi, cid)]) with usecmap flattened."""
    seen = seen or set()
    if name in seen:
        return [], []
    seen.add(name)
    toks = tokens(os.path.join(coll_dir, name))
    spaces, ranges = [], []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == b"usecmap" and i > 0 and toks[i - 1].startswith(b"/"):
            s, r = parse_cmap(coll_dir, toks[i - 1][1:].decode(), seen)
            spaces += s
            ranges = r + ranges
        elif t == b"begincodespacerange":
            i += 1
            while toks[i] != b"endcodespacerange":
                lo, hi = hexbytes(toks[i]), hexbytes(toks[i + 1])
                spaces.append((len(lo), int.from_bytes(lo, "big"), int.from_bytes(hi, "big")))
                i += 2
        elif t == b"begincidrange":
            i += 1
            while toks[i] != b"endcidrange":
                lo, hi, cid = hexbytes(toks[i]), hexbytes(toks[i + 1]), int(toks[i + 2])
                ranges.append((len(lo), int.from_bytes(lo, "big"), int.from_bytes(hi, "big"), cid))
                i += 3
        elif t == b"begincidchar":
            i += 1
            while toks[i] != b"endcidchar":
                c, cid = hexbytes(toks[i]), int(toks[i + 1])
                v = int.from_bytes(c, "big")
                ranges.append((len(c), v, v, cid))
                i += 2
        i += 1
    return spaces, ranges


def flatten(ranges):
    """Later definitions win (usecmap parent first): resolve overlaps code by code when needed."""
    table = {}
    for n, lo, hi, cid in ranges:
        if hi - lo > 0x20000:
            raise SystemExit(f"range too large: {n} {lo:x} {hi:x}")
        for k in range(hi - lo + 1):
            table[(n, lo + k)] = cid + k
    out = []
    for (n, code) in sorted(table):
        cid = table[(n, code)]
        if out and out[-1][0] == n and out[-1][2] + 1 == code and \
                out[-1][3] + (out[-1][2] - out[-1][1]) + 1 == cid:
            out[-1][2] = code
        else:
            out.append([n, code, code, cid])
    return out


def parse_ucs2(path):
    """Adobe-*-UCS2: CID → UTF-16BE via bfchar / bfrange. → {cid: code point}."""
    toks = tokens(path)
    m = {}
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == b"beginbfchar":
            i += 1
            while toks[i] != b"endbfchar":
                cid = int.from_bytes(hexbytes(toks[i]), "big")
                cp = first_code_point(hexbytes(toks[i + 1]))
                if cp is not None:
                    m[cid] = cp
                i += 2
        elif t == b"beginbfrange":
            i += 1
            while toks[i] != b"endbfrange":
                lo = int.from_bytes(hexbytes(toks[i]), "big")
                hi = int.from_bytes(hexbytes(toks[i + 1]), "big")
                dst = toks[i + 2]
                if dst == b"[":
                    j = i + 3
                    k = lo
                    while toks[j] != b"]":
                        cp = first_code_point(hexbytes(toks[j]))
                        if cp is not None:
                            m[k] = cp
                        k += 1
                        j += 1
                    i = j + 1
                    continue
                start = first_code_point(hexbytes(dst))
                for k in range(hi - lo + 1):
                    m[lo + k] = start + k
                i += 3
        else:
            i += 1
            continue
        i += 1
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    for coll, cmaps in COLLECTIONS.items():
        d = os.path.join(SRC, coll)
        cid2u = parse_ucs2(os.path.join(d, coll + "-UCS2"))
        cid2u = {c: u for c, u in cid2u.items() if u != 0xFFFD}
        n_cids = max(cid2u) + 1
        out = bytearray(b"XFCM2\n")
        out += struct.pack("<H", n_cids)
        extra = []
        for cid in range(n_cids):
            u = cid2u.get(cid, 0)
            if u > 0xFFFF:
                extra.append((cid, u))
                u = 0
            out += struct.pack("<H", u)
        out += struct.pack("<H", len(extra))
        for cid, u in extra:
            out += struct.pack("<HI", cid, u)
        out += struct.pack("<H", len(cmaps))
        total_ranges = 0
        for entry in cmaps:
            name, base = entry if isinstance(entry, tuple) else (entry, "")
            spaces, ranges = parse_cmap(d, name)
            spaces = sorted(set(spaces))
            flat = flatten(ranges)
            if base:
                base_set = {tuple(r) for r in flatten(parse_cmap(d, base)[1])}
                flat = [r for r in flat if tuple(r) not in base_set]
            total_ranges += len(flat)
            out += struct.pack("<B", len(name)) + name.encode()
            out += struct.pack("<B", len(base)) + base.encode()
            out += struct.pack("<B", len(spaces))
            for n, lo, hi in spaces:
                out += struct.pack("<BII", n, lo, hi)
            out += struct.pack("<I", len(flat))
            for n, lo, hi, cid in flat:
                out += struct.pack("<BIIH", n, lo, hi, cid)
        path = os.path.join(OUT, coll + ".bin")
        with open(path, "wb") as f:
            f.write(out)
        print(f"{coll}: {len(cid2u)} CIDs ({len(extra)} outside the BMP), {len(cmaps)} CMaps "
              f"({total_ranges} ranges) → {path} ({len(out)} bytes)")


if __name__ == "__main__":
    main()
