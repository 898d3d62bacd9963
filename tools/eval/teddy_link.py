#!/usr/bin/env python3
"""Evaluate xinfang's linking on the real online-message ledger teddy2020c (留言用户 as truth).

Why: the 留言用户 column is a pseudonymous user id of an online petition platform; 178 users wrote
2-10 messages. With the column, xinfang should group each user's messages (the account is an
identity key); with the column hidden, the messages carry no names, ID or phone numbers, so
petitioner links should (nearly) vanish and only near-duplicate letters remain — whose precision
is judged by whether the copies come from one user.

Reads the sheet from ../shared at run time (never copy the real data into the repository), ingests
it twice with the release binary (as is, and a copy in /tmp without the 留言用户 column), and prints
the figures. Usage (from the repository root, after `cargo build --release`):

    python3 tools/eval/teddy_link.py [--no-ingest] [--json]
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys

import openpyxl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHEET = os.path.join(ROOT, "..", "shared", "data", "real", "sheets",
                     "teddy2020c-messages-with-replies.xlsx")
BIN = os.path.join(ROOT, "target", "release", "xinfang")
USER_COL = "留言用户"


def run(args, capture=True):
    r = subprocess.run([BIN] + args, capture_output=capture, text=True)
    if r.returncode != 0:
        sys.exit(f"xinfang {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r.stdout


def read_sheet(path):
    """(header, rows) of the first sheet, rows as lists, spreadsheet row number = index + 2."""
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


def hide_user_column(src, dst):
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    for c in range(1, ws.max_column + 1):
        if ws.cell(1, c).value == USER_COL:
            ws.delete_cols(c)
            break
    else:
        sys.exit(f"{src}: no {USER_COL} column")
    wb.save(dst)


def ingest(sheet, index, do_ingest):
    if do_ingest:
        shutil.rmtree(index, ignore_errors=True)
        run(["ingest", sheet, "--index", index, "--json"])
    groups = [json.loads(l) for l in run(["repeats", "--index", index, "--json"]).splitlines() if l.strip()]
    records = [json.loads(l) for l in run(["export", "--index", index]).splitlines() if l.strip()]
    return groups, records


def pairs_of(clusters):
    out = set()
    for c in clusters:
        c = sorted(c)
        for i in range(len(c)):
            for j in range(i + 1, len(c)):
                out.add((c[i], c[j]))
    return out


def prf(truth, pred):
    tp, pp = pairs_of(truth), pairs_of(pred)
    inter = len(tp & pp)
    p = inter / len(pp) if pp else 1.0
    r = inter / len(tp) if tp else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "true_pairs": len(tp), "predicted_pairs": len(pp)}


def bcubed(truth_of, pred_of):
    tc = collections.defaultdict(set)
    pc = collections.defaultdict(set)
    for k, v in truth_of.items():
        tc[v].add(k)
    for k, v in pred_of.items():
        pc[v].add(k)
    ps, rs = [], []
    for k in truth_of:
        t, p = tc[truth_of[k]], pc[pred_of[k]]
        inter = len(t & p)
        ps.append(inter / len(p))
        rs.append(inter / len(t))
    p, r = sum(ps) / len(ps), sum(rs) / len(rs)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def clusters(label_of):
    m = collections.defaultdict(list)
    for k, v in label_of.items():
        m[v].append(k)
    return list(m.values())


def user_of_records(records, users_by_row):
    out = {}
    for r in records:
        row = (r.get("source") or {}).get("row")
        if row is not None and 0 <= row - 2 < len(users_by_row):
            out[r["id"]] = users_by_row[row - 2]
    return out


def petitioner_eval(records, user_of):
    ids = [r["id"] for r in records if r["id"] in user_of]
    pred_of = {r["id"]: r.get("petitioner_id") or ("self:" + r["id"]) for r in records if r["id"] in user_of}
    truth_of = {i: user_of[i] for i in ids}
    return {
        "records": len(ids),
        "records_with_petitioner_id": sum(1 for r in records if r.get("petitioner_id")),
        "records_with_account": sum(1 for r in records if any(p.get("account") for p in r.get("petitioners", []))),
        "pairwise": prf(clusters(truth_of), clusters(pred_of)),
        "bcubed": bcubed(truth_of, pred_of),
    }


def duplicate_eval(groups, records, user_of, examples=3):
    by_id = {r["id"]: r for r in records}
    dups = [g for g in groups if g["kind"] == "duplicate"]
    sizes = collections.Counter(len(g["records"]) for g in dups)
    same_pairs = total_pairs = 0
    same_groups = 0
    for g in dups:
        us = [user_of.get(x) for x in g["records"]]
        if len(set(us)) == 1:
            same_groups += 1
        for a, b in pairs_of([g["records"]]):
            total_pairs += 1
            same_pairs += user_of.get(a) == user_of.get(b)
    ex = []
    for g in sorted(dups, key=lambda g: -len(g["records"]))[:examples]:
        ex.append({
            "id": g["id"],
            "size": len(g["records"]),
            "similarity": [round(e["similarity"], 3) for e in g["evidence"]],
            "exact": [e["exact"] for e in g["evidence"]],
            "users": [user_of.get(x) for x in g["records"]],
            "rows": [(by_id.get(x, {}).get("source") or {}).get("row") for x in g["records"]],
            "titles": [(by_id.get(x, {}).get("title") or "")[:40] for x in g["records"]],
        })
    return {
        "groups": len(dups),
        "records_in_groups": sum(len(g["records"]) for g in dups),
        "sizes": dict(sorted(sizes.items())),
        "groups_all_one_user": same_groups,
        "pairs_same_user": same_pairs,
        "pairs_total": total_pairs,
        "examples": ex,
    }


def petitioner_groups_eval(groups, user_of):
    pg = [g for g in groups if g["kind"] == "petitioner"]
    pure = sum(1 for g in pg if len({user_of.get(x) for x in g["records"]}) == 1)
    agree = collections.Counter(a for g in pg for e in g.get("evidence", []) for a in e["agreeing"])
    return {"groups": len(pg), "records": sum(len(g["records"]) for g in pg), "pure_groups": pure,
            "agreeing_fields": dict(agree)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-ingest", action="store_true", help="reuse /tmp/teddy-link and /tmp/teddy-hidden")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    header, rows = read_sheet(SHEET)
    ucol = header.index(USER_COL)
    users_by_row = [str(r[ucol]).strip() if r[ucol] is not None else None for r in rows]
    per_user = collections.Counter(u for u in users_by_row if u)
    hidden_sheet = "/tmp/teddy2020c-messages-no-user.xlsx"
    if not a.no_ingest:
        hide_user_column(SHEET, hidden_sheet)
    out = {"rows": len(rows), "users": len(per_user),
           "users_with_2plus": sum(1 for c in per_user.values() if c >= 2),
           "messages_of_repeat_users": sum(c for c in per_user.values() if c >= 2)}

    groups, records = ingest(SHEET, "/tmp/teddy-link", not a.no_ingest)
    user_of = user_of_records(records, users_by_row)
    out["with_user"] = {"petitioners": petitioner_eval(records, user_of),
                        "petitioner_groups": petitioner_groups_eval(groups, user_of),
                        "duplicates": duplicate_eval(groups, records, user_of)}

    hgroups, hrecords = ingest(hidden_sheet, "/tmp/teddy-hidden", not a.no_ingest)
    huser_of = user_of_records(hrecords, users_by_row)
    out["hidden"] = {"petitioners": petitioner_eval(hrecords, huser_of),
                     "petitioner_groups": petitioner_groups_eval(hgroups, huser_of),
                     "duplicates": duplicate_eval(hgroups, hrecords, huser_of)}
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    print(f"rows {out['rows']}, users {out['users']}, users with 2+ messages {out['users_with_2plus']} "
          f"({out['messages_of_repeat_users']} messages)")
    for mode in ("with_user", "hidden"):
        m = out[mode]
        p, b = m["petitioners"]["pairwise"], m["petitioners"]["bcubed"]
        print(f"\n== {mode}: {m['petitioners']['records']} records, "
              f"{m['petitioners']['records_with_account']} with an account, "
              f"{m['petitioners']['records_with_petitioner_id']} with a petitioner id")
        print(f"petitioners vs 留言用户: pairwise P {p['precision']:.4f} R {p['recall']:.4f} F1 {p['f1']:.4f} "
              f"({p['true_pairs']} true pairs, {p['predicted_pairs']} predicted); "
              f"B-cubed P {b['precision']:.4f} R {b['recall']:.4f} F1 {b['f1']:.4f}")
        g = m["petitioner_groups"]
        print(f"petitioner groups (2+ records): {g['groups']} ({g['records']} records), "
              f"{g['pure_groups']} of one user; link evidence fields {g['agreeing_fields']}")
        d = m["duplicates"]
        print(f"duplicate groups: {d['groups']} ({d['records_in_groups']} records), sizes {d['sizes']}; "
              f"{d['groups_all_one_user']} groups of one user; pairs by the same user "
              f"{d['pairs_same_user']}/{d['pairs_total']}")
        for e in d["examples"]:
            print(f"  {e['id']} size {e['size']} sim {e['similarity']} exact {e['exact']} rows {e['rows']} "
                  f"users {e['users']}")
            for t in e["titles"]:
                print(f"      {t}")


if __name__ == "__main__":
    main()
