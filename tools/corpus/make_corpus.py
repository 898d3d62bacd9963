#!/usr/bin/env python3
"""Generate the xinfang sample archive corpus/ and corpus/truth.jsonl (fictional 清溪县).

Deterministic: all choices come from one seeded random.Random.  Real tools make every file:
LibreOffice (PDF, xls, ods), Chromium (PDF), reportlab (PDF), PIL + Tesseract (OCR text, scans),
openpyxl (xlsx).  Intermediate files go to $CORPUS_BUILD (default /work/scratch/corpus-build).

Usage:  python3 tools/corpus/make_corpus.py            # build everything, then self-check
        python3 tools/corpus/make_corpus.py --check    # only run the self-check
"""
from __future__ import annotations

import csv
from decimal import Decimal
import datetime as dt
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pools as P  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
BUILD = Path(os.environ.get("CORPUS_BUILD", "/work/scratch/corpus-build"))
SEED = 20250305
rng = random.Random(SEED)

FONT_DIR = "/usr/share/fonts/opentype/noto/"
OCR_FONTS = [(FONT_DIR + "NotoSerifCJK-Regular.ttc", 2), (FONT_DIR + "NotoSansCJK-Regular.ttc", 2),
             ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0)]

# ------------------------------------------------------------------ ID numbers
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHK = "10X98765432"


def check_char(s17: str) -> str:
    return CHK[sum(int(a) * w for a, w in zip(s17, W)) % 11]


def id_valid(s: str) -> bool:
    return len(s) == 18 and s[:17].isdigit() and check_char(s[:17]) == s[17]


OTHER_REGIONS = ["410222", "410223", "411521", "411525", "410721", "411321", "410526"]


class Person:
    def __init__(self, pid, name, sex, birth, tws, vil, grp, region="411528", want_x=False, legacy=False):
        self.pid, self.name, self.sex, self.birth = pid, name, sex, birth
        self.tws, self.vil, self.grp = tws, vil, grp
        ymd = birth.strftime("%Y%m%d")
        seq = rng.randrange(10, 999)
        for _ in range(2000):
            seq = (seq + 1) % 1000
            if (seq % 2 == 1) != (sex == "男"):
                continue
            s17 = region + ymd + f"{seq:03d}"
            c = check_char(s17)
            if want_x and c != "X":
                continue
            break
        self.id18 = s17 + c
        self.id15 = region + ymd[2:] + f"{seq:03d}" if legacy else None
        self.phones = [(dt.date(2000, 1, 1), mobile())]

    def phone_at(self, d):
        p = self.phones[0][1]
        for start, ph in self.phones:
            if d >= start:
                p = ph
        return p

    def bad_id(self):
        s = list(self.id18)
        r = random.Random(self.pid)
        while True:
            i = r.randrange(6, 17)
            old = s[i]
            s[i] = str((int(old) + r.randrange(1, 9)) % 10)
            cand = "".join(s)
            if not id_valid(cand):
                return cand
            s[i] = old


MOBILE_PREFIX = ["138", "139", "137", "135", "136", "150", "152", "158", "159", "182", "187", "188", "133",
                 "153", "180", "189", "177", "199", "186", "155", "156", "132", "131", "166", "183"]


def mobile():
    return rng.choice(MOBILE_PREFIX) + "".join(str(rng.randrange(10)) for _ in range(8))


def landline():
    return "0377-6" + "".join(str(rng.randrange(10)) for _ in range(6))


def show_phone(p, r):
    if p.startswith("0"):
        return r.choice([p, p, p.replace("-", "—"), "(0377)" + p[5:], "0377 " + p[5:]])
    return r.choice([p, p, p, p[:3] + " " + p[3:7] + " " + p[7:], p[:3] + "-" + p[3:7] + "-" + p[7:]])


# ------------------------------------------------------------------ places and people
TWS = {t: vs for t, _, vs in P.TOWNSHIPS}
ALIASES = {t: a for t, a, _ in P.TOWNSHIPS}
PEOPLE: list[Person] = []
USED_NAMES: set[str] = set(n for n, _ in P.OFFICIALS) | set(P.GHOSTWRITERS) | set(n for n, _ in P.LAWYERS)


def rand_name(sex):
    for _ in range(1000):
        n = rng.choice(P.SURNAMES) + rng.choice(P.MALE_GIVEN if sex == "男" else P.FEMALE_GIVEN)
        if n not in USED_NAMES:
            return n
    raise RuntimeError("name pool exhausted")


def new_person(name=None, sex=None, by=None, tws=None, vil=None, region=None, want_x=False, legacy=None):
    sex = sex or rng.choice(["男", "男", "女"])
    name = name or rand_name(sex)
    USED_NAMES.add(name)
    by = by or rng.randrange(1945, 1996)
    birth = dt.date(by, rng.randrange(1, 13), rng.randrange(1, 29))
    tws = tws or rng.choice(list(TWS))
    vil = vil or rng.choice(TWS[tws])
    if region is None:
        region = "411528" if rng.random() < 0.88 else rng.choice(OTHER_REGIONS)
    if legacy is None:
        legacy = by < 1965 and rng.random() < 0.25
    p = Person(f"P{len(PEOPLE) + 1:03d}", name, sex, birth, tws, vil, rng.randrange(1, 9), region, want_x, legacy)
    PEOPLE.append(p)
    return p


# ------------------------------------------------------------------ dates
CN_DIG = "〇一二三四五六七八九"


def cn_num(n):
    if n < 10:
        return CN_DIG[n]
    if n < 20:
        return "十" + (CN_DIG[n % 10] if n % 10 else "")
    return CN_DIG[n // 10] + "十" + (CN_DIG[n % 10] if n % 10 else "")


def fmt_date(d, style):
    if style == 0:
        return f"{d.year}年{d.month}月{d.day}日"
    if style == 1:
        return "".join(CN_DIG[int(c)] for c in str(d.year)) + f"年{cn_num(d.month)}月{cn_num(d.day)}日"
    if style == 2:
        return f"{d.year}.{d.month}.{d.day}"
    if style == 3:
        return f"{d.year}/{d.month}/{d.day}"
    if style == 4:
        return d.isoformat()
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def rand_date(y0=2021, y1=2025):
    start = dt.date(y0, 1, 4)
    end = dt.date(y1, 12, 28) if y1 < 2025 else dt.date(2025, 9, 30)
    return start + dt.timedelta(days=rng.randrange((end - start).days))


# ------------------------------------------------------------------ letters
class Letter:
    """One letter to render; truth is derived from it after rendering."""

    def __init__(self, signers, date, level, matter, **kw):
        self.signers = signers  # list of (Person, shown_name, id_kind)
        self.date, self.level, self.matter = date, level, matter
        self.joint = kw.get("joint", len(signers) > 1)
        self.stated = kw.get("stated")  # headcount stated in the body (None: count signers)
        self.risk = kw.get("risk")  # "pos" | "neg" | None
        self.fwd = kw.get("fwd")  # None or level of the cover note's sender chain
        self.dup = kw.get("dup")
        self.channel = kw.get("channel")
        self.nth = kw.get("nth", 1)
        self.long = kw.get("long", False)
        self.r = random.Random(rng.random())
        self.parts = None
        self.text = None
        self.title = None
        self.fname = kw.get("fname")
        self.lawyer = kw.get("lawyer", False)
        self.ghost = kw.get("ghost", False)
        self.phone_shown = True
        self.shown_phones = {}

    def copy(self, **kw):
        c = Letter.__new__(Letter)
        c.__dict__.update(self.__dict__)
        c.parts = dict(self.parts) if self.parts else None
        c.shown_phones = dict(self.shown_phones)
        c.__dict__.update(kw)
        return c


def fill(t, ctx):
    return t.format_map(ctx)


def make_ctx(L):
    r = L.r
    p = L.signers[0][0]
    off, off2 = r.sample(P.OFFICIALS, 2)
    y_event = max(2008, L.date.year - r.randrange(1, 6))
    ctx = dict(
        t=p.tws, v=p.vil, g=p.grp, hw=r.choice(P.HIGHWAYS[:2]) if r.random() < 0.8 else r.choice(P.HIGHWAYS),
        mu=r.choice(["1.2", "2.3", "3.5", "0.8", "4.1", "2.7", "1.6"]), std=r.choice(["4.6", "5.2", "3.9", "4.8"]),
        paid=r.choice(["2.1", "3.2", "2.8", "1.9"]), y=y_event, left=r.randrange(2, 9), fam=r.randrange(3, 8),
        area=r.randrange(90, 260), n2=r.randrange(2, 6), price=r.choice([1150, 1320, 980, 1460]),
        short=r.randrange(12, 40), ent=r.choice(P.ENTERPRISES), staff=r.choice([46, 312, 580, 127, 86, 23]),
        o2=off2[0], o=off[0], title=off[1], comp=r.choice([300, 450, 520, 600]),
        fund=r.choice([5000, 8000, 12000, 20000]), ry=r.randrange(1998, 2016), ill=r.choice(P.ILLS),
        med=r.choice(["3万多", "2万余", "5万多", "1.8万", "8000多"]), site=r.choice(P.SITES),
        boss=r.choice(["老孙", "姓余的包工头", "刘某", "许某某"]), wage=r.choice([18600, 32000, 9500, 45200, 26800]),
        yrs=r.randrange(8, 30), gap=r.randrange(2, 9), def_=r.choice(P.SURNAMES) + r.choice(["某", "某某"]),
        money=r.choice([86000, 150000, 42000, 230000]), m=r.randrange(1, 13), ey=r.randrange(1962, 1985),
        sy=r.randrange(3, 7), dy=r.randrange(1966, 1990), rent=r.choice([300, 450, 500]),
        estate=r.choice(P.ESTATES), polluter=r.choice(P.POLLUTERS), dis=r.choice(P.DISABILITY),
        py=L.date.year - 1, nth=P_NTH[min(L.nth, 5)], hh=0, n=0,
    )
    # facts that belong to the person's story stay the same across all their letters and rows
    st = random.Random(p.pid + L.matter)
    ctx.update(
        hw=st.choice(P.HIGHWAYS[:2]) if st.random() < 0.8 else st.choice(P.HIGHWAYS), ent=st.choice(P.ENTERPRISES),
        mu=st.choice(["1.2", "2.3", "3.5", "0.8", "4.1", "2.7", "1.6"]), std=st.choice(["4.6", "5.2", "3.9", "4.8"]),
        paid=st.choice(["2.1", "3.2", "2.8", "1.9"]), y=st.randrange(2012, 2021), area=st.randrange(90, 260),
        site=st.choice(P.SITES), estate=st.choice(P.ESTATES), polluter=st.choice(P.POLLUTERS),
        staff=st.choice([46, 312, 580, 127, 86, 23]), money=st.choice([86000, 150000, 42000, 230000]),
        def_=st.choice(P.SURNAMES) + st.choice(["某", "某某"]), ey=st.randrange(1962, 1985), dy=st.randrange(1966, 1990),
        sy=st.randrange(3, 7), wage=st.choice([18600, 32000, 9500, 45200, 26800]), ry=st.randrange(1998, 2016),
        ill=st.choice(P.ILLS), fam=st.randrange(3, 8))
    if L.matter == "land_highway":
        ctx["y"] = st.randrange(2018, 2021)
    if L.matter == "enterprise_bankrupt" and p.name == "吴淑芬":
        ctx.update(ent="清溪县棉纺厂", staff=580)
    return ctx


P_NTH = ["", "一", "二", "三", "四", "五"]
SEX_WORD = {"男": "男", "女": "女"}


def address(p, r, style=None):
    style = style if style is not None else r.choice(["full", "full", "prov", "short", "grp", "grp", "tws"])
    if style == "full":
        return f"清溪县{p.tws}{p.vil}{p.grp}组", True
    if style == "prov":
        return f"河南省南川市清溪县{p.tws}{p.vil}", True
    if style == "short":
        alias = ALIASES[p.tws]
        t = r.choice(alias) if alias and r.random() < 0.4 else p.tws
        return f"{t}{p.vil}", True
    if style == "grp":
        return f"{p.tws}{p.vil}{p.grp}组", True
    return f"清溪县{p.tws}", False


def salute_of(r, a):
    """Salutation line for addressee a, without doubled politeness words."""
    fmts = P.SALUTE_FMT
    if a.startswith("尊敬的"):
        fmts = [f for f in fmts if not f.startswith(("尊敬的", "致"))]
    if a.endswith(("书记", "信箱", "领导", "领导同志")):
        fmts = [f for f in fmts if "领导" not in f]
    return r.choice(fmts).format(a=a)


def compose(L):
    """Render L into parts: cover, title, salute, body, sig.  Fills L.parts and L.title."""
    r = L.r
    m = P.MATTERS[L.matter]
    ctx = make_ctx(L)
    lead = L.signers[0][0]
    addr, has_village = address(lead, r)
    if not has_village:
        ctx["v"] = "我们村"
    level = L.level
    # title
    titles = [t for t in m["titles"] if "联名" not in t] if not L.joint else m["titles"]
    title = fill(r.choice(titles), ctx) if r.random() < 0.62 else None
    if title and "我们村" in title:
        title = None
    # salutation
    a = fill(r.choice(P.ADDRESSEES[level]), ctx)
    salute = salute_of(r, a)
    # intro
    body = []
    id_in_intro = phone_in_intro = False
    name0, idk0 = L.signers[0][1], L.signers[0][2]
    idtxt = id_text(lead, idk0)
    ph = lead.phone_at(L.date)
    L.phone_shown = L.joint or r.random() > 0.1
    if not L.joint:
        if idtxt and L.phone_shown and r.random() < 0.3:
            body.append(fill(r.choice(P.INTRO_SINGLE_BLOCK), dict(ctx, name=name0, sex=lead.sex, by=lead.birth.year,
                                                                   bm=lead.birth.month, age=L.date.year - lead.birth.year,
                                                                   addr=addr, id=idtxt, phone=show_phone(ph, r))))
            id_in_intro = phone_in_intro = True
        else:
            s = fill(r.choice(P.INTRO_SINGLE), dict(ctx, name=name0, sex=lead.sex, by=lead.birth.year,
                                                     bm=lead.birth.month, age=L.date.year - lead.birth.year, addr=addr))
            if idtxt and r.random() < 0.5:
                s = s.rstrip("。") + "，" + r.choice(P.ID_PHRASES).format(id=idtxt).strip("（）") + "。"
                id_in_intro = True
            if L.phone_shown and r.random() < 0.4:
                s = s.rstrip("。") + "，" + r.choice(P.PHONE_PHRASES).format(phone=show_phone(ph, r)) + "。"
                phone_in_intro = True
            body.append(s)
    else:
        n = L.stated
        if n:
            hh = max(2, n // r.choice([3, 4])) if n > 6 else n
            ctx.update(n=n, hh=hh)
            tmpl = r.choice(P.INTRO_JOINT_COUNTED[:3] + P.INTRO_JOINT_COUNTED[5:]) if L.matter.startswith(("land", "environment", "rural", "transport")) else (
                P.INTRO_JOINT_COUNTED[3] if L.matter.startswith(("enterprise", "retiree", "reform", "wage", "social")) else
                P.INTRO_JOINT_COUNTED[4] if L.matter.startswith("veterans") else P.INTRO_JOINT_COUNTED[1])
        else:
            tmpl = r.choice(P.INTRO_JOINT_UNCOUNTED[:2]) if not L.matter.startswith(("enterprise", "retiree", "reform")) else P.INTRO_JOINT_UNCOUNTED[2]
        body.append(fill(tmpl, dict(ctx, addr=addr)))
    # facts
    facts = list(m["facts"])
    k = len(facts) if L.long else min(len(facts), r.randrange(3, 6))
    idx = sorted(r.sample(range(len(facts)), k))
    fact_s = [fill(facts[i], ctx) for i in idx]
    if r.random() < 0.45:
        fact_s.insert(r.randrange(1, len(fact_s) + 1), fill(r.choice(P.OFFICIAL_FMT), ctx))
    paras = []
    cut = r.randrange(1, len(fact_s) + 1)
    paras.append("".join(fact_s[:cut]))
    if fact_s[cut:]:
        paras.append("".join(fact_s[cut:]))
    if L.nth > 1 or r.random() < 0.5:
        hs = [h for h in P.HISTORY if ("第{nth}次" in h) == (L.nth > 1)] if r.random() < 0.7 else P.HISTORY
        paras.append(fill(r.choice(hs), ctx))
    if L.long:
        paras.append("为了说明情况，我把这些年的经过再详细说一说。" + "".join(fill(h, ctx) for h in P.HISTORY[:6] if "第{nth}" not in h))
        paras.append("附：相关情况说明。" + "".join(fill(f, ctx) for f in reversed(m["facts"])))
    if r.random() < 0.25:
        paras.append(r.choice(P.VC_PHONE_FMT).format(p=landline()))
    lawyer = None
    if L.matter.startswith("legal") and r.random() < 0.5 or L.lawyer:
        lw = r.choice(P.LAWYERS)
        lawyer = r.choice(P.LAWYER_FMT).format(l=lw[0], f=lw[1], p=mobile())
    if L.risk:
        paras.append(fill(r.choice(P.RISK_POS if L.risk == "pos" else P.RISK_NEG), ctx))
    dem = r.sample(m["demands"], min(len(m["demands"]), r.randrange(1, 3)))
    dem_s = [fill(x, ctx) for x in dem]
    if r.random() < 0.5:
        paras.append("为此，我们请求：\n" + "\n".join(f"{i + 1}、{d}" for i, d in enumerate(dem_s)) if len(dem_s) > 1
                     else "特请求：" + dem_s[0])
    else:
        paras.append("".join(dem_s) + r.choice(P.DEMAND_GENERIC))
    if lawyer and r.random() < 0.5:
        paras.append(lawyer)
        lawyer = None
    body += paras
    closing = r.choice(P.CLOSINGS)
    # signature block
    dstyle = r.choice([0, 0, 0, 1, 1, 2, 3, 4, 5])
    dtext = fmt_date(L.date, dstyle)
    sig = sig_block(L, id_in_intro, phone_in_intro, dtext)
    if lawyer:
        sig += "\n" + lawyer
    if L.ghost or (not L.joint and lead.birth.year < 1960 and r.random() < 0.35):
        sig += "\n" + r.choice(P.GHOST_FMT).format(g=r.choice(P.GHOSTWRITERS))
    cover = make_cover(L, ctx) if L.fwd else ""
    L.title = title
    L.parts = dict(cover=cover, title=title or "", salute=salute, body=body, closing=closing, sig=sig,
                   indent=r.choice(["    ", "　　", "  ", ""]))
    assemble(L)


def id_text(p, kind):
    if kind == "18":
        return p.id18
    if kind == "15":
        return p.id15
    if kind == "bad":
        return p.bad_id()
    return None


def id_status(kind):
    return {"18": "valid", "15": "legacy", "bad": "invalid"}.get(kind)


def sig_block(L, id_in_intro, phone_in_intro, dtext):
    r = L.r
    lines = []
    if not L.joint:
        p, name, idk = L.signers[0]
        lab = r.choice(P.SIGN_LABELS)
        lines.append(f"{lab}{name}")
        idt = id_text(p, idk)
        if idt and not id_in_intro:
            lines.append(r.choice(["身份证号：", "身份证号码：", "身份证：", "证件号："]) + idt)
        if not phone_in_intro and L.phone_shown:
            lines.append(r.choice(P.PHONE_PHRASES).format(phone=show_phone(p.phone_at(L.date), r)))
        lines.append(dtext)
        return "\n".join(lines)
    lines.append(r.choice(P.JOINT_SIGN_HEADS))
    table = r.random() < 0.5
    lead_phone_once = r.random() < 0.5
    for i, (p, name, idk) in enumerate(L.signers):
        idt = id_text(p, idk)
        ph = p.phone_at(L.date) if (i == 0 or (not lead_phone_once and r.random() < 0.5)) else None
        L.shown_phones[i] = ph
        if table:
            cells = [f"{i + 1}.", name, idt or "", show_phone(ph, r) if ph else ""]
            lines.append("  ".join(c for c in cells if c))
        else:
            s = name
            if idt:
                s += f"（{idt}）"
            if ph:
                s += f" 电话{show_phone(ph, r)}"
            lines.append(s)
    lines.append(dtext)
    return "\n".join(lines)


def make_cover(L, ctx):
    r = L.r
    src_level = L.level
    src = P.LEVEL_BUREAU[src_level]
    dst = "清溪县信访局" if src_level != "national" or r.random() < 0.5 else "河南省信访局"
    if src_level == "province" and r.random() < 0.4:
        dst = "南川市信访局"
    L.cover_date = L.date + dt.timedelta(days=r.randrange(6, 45))
    code = r.choice(["豫信转〔{y}〕{n}号", "南信交〔{y}〕{n}号", "国信转字（{y}）第{n}号", "编号：{y}-{n}"]).format(
        y=L.cover_date.year, n=r.randrange(100, 9999))
    extra = r.choice(["同志", "等人", ""]) if L.joint else r.choice(["同志", ""])
    return fill(r.choice(P.COVER_FMT), dict(src=src, dst=dst, kind=r.choice(P.COVER_KINDS), code=code,
                                           name=L.signers[0][1], extra=extra, topic=P.MATTERS[L.matter]["topic"],
                                           cd=fmt_date(L.cover_date, r.choice([0, 1, 4])), days=r.choice([30, 60])))


def assemble(L):
    p = L.parts
    ind = p["indent"]
    out = []
    if p["cover"]:
        out.append(p["cover"])
        out.append("—" * 20 + "\n")
    if p["title"]:
        out.append(p["title"] + "\n")
    out.append(p["salute"])
    for para in p["body"]:
        out.append("\n".join(ind + ln if i == 0 else ln for i, ln in enumerate(para.split("\n"))))
    out.append(ind + p["closing"] if "\n" not in p["closing"] else p["closing"].replace("此致", ind + "此致"))
    out.append("")
    out.append(p["sig"])
    L.text = "\n".join(out) + "\n"


def retype(text, r):
    """Small changes of a re-typed copy: punctuation, a few words, spacing."""
    reps = [("，", ","), ("：", ":"), ("恳请", "请"), ("领导", "领导同志"), ("我们", "我们"), ("。\n", "。\n\n"),
            ("反映", "反应"), ("至今", "到现在"), ("一直", "始终")]
    for a, b in r.sample(reps, 4):
        text = text.replace(a, b, r.randrange(1, 4))
    return text


def retype_parts(c, r):
    c.parts["body"] = [retype(b, r) for b in c.parts["body"]]
    c.parts["salute"] = retype(c.parts["salute"], r)
    c.parts["indent"] = r.choice(["    ", "　　", ""])
    assemble(c)


# ------------------------------------------------------------------ storylines
LETTERS: list[Letter] = []
LEDGER: list[dict] = []


def sgn(p, idk=None, name=None, r=None):
    r = r or rng
    if idk is None:
        idk = r.choices(["18", "none", "bad", "15"], [60, 35, 3, 6 if p.id15 else 0])[0]
    if idk == "15" and not p.id15:
        idk = "18"
    return (p, name or p.name, idk)


def add_letter(signers, date, level, matter, **kw):
    L = Letter(signers, date, level, matter, **kw)
    LETTERS.append(L)
    return L


def add_row(p, date, matter, **kw):
    row = dict(person=p, name=kw.get("name", p.name), idk=kw.get("idk") or rng.choices(["18", "none", "15", "bad"],
               [70, 22, 6 if p.id15 else 0, 2])[0], date=date, matter=matter, headcount=kw.get("headcount", 1),
               risk=kw.get("risk"), phone_shown=kw.get("phone", True), file=kw.get("file"))
    if row["idk"] == "15" and not p.id15:
        row["idk"] = "18"
    LEDGER.append(row)
    return row


def d(s):
    return dt.date.fromisoformat(s)


def co_signers(lead, n, same_village=True, idk_mix=True):
    out = []
    for _ in range(n):
        p = new_person(tws=lead.tws if same_village else None, vil=lead.vil if same_village else None)
        out.append(p)
    return out


def build_storylines():
    # 1 张建国: highway land, escalating county -> city -> province -> national, OCR-like variant 张健国
    zjg = new_person("张建国", "男", 1962, "孙营乡", "前楼村")
    add_letter([sgn(zjg, "18")], d("2021-04-12"), "county", "land_highway", nth=1)
    add_letter([sgn(zjg, "none", "张健国")], d("2021-11-03"), "city", "land_highway", nth=2, risk="neg")
    add_row(zjg, d("2022-03-15"), "land_highway", idk="18")
    add_letter([sgn(zjg, "18")], d("2023-02-20"), "province", "land_highway", nth=3, fwd=True, channel="pdf-lo")
    add_letter([sgn(zjg, "none")], d("2024-06-08"), "national", "land_highway", nth=4, fwd=True, risk="pos")
    # 2/3 李国强 twice, both in a 王庄村 (different townships) - different people
    lgq1 = new_person("李国强", "男", 1958, "孙营乡", "王庄村")
    add_letter([sgn(lgq1, "18")], d("2021-09-17"), "county", "land_highway")
    add_letter([sgn(lgq1, "none")], d("2022-08-02"), "county", "land_highway", nth=2)
    add_letter([sgn(lgq1, "18")], d("2023-05-30"), "city", "land_highway", nth=3, channel="ocr")
    lgq2 = new_person("李国强", "男", 1950, "杨集乡", "王庄村", legacy=True)
    add_letter([sgn(lgq2, "15")], d("2021-06-21"), "county", "veterans_subsidy")
    add_row(lgq2, d("2023-08-09"), "veterans_subsidy", idk="18")
    add_letter([sgn(lgq2, "18")], d("2024-03-11"), "province", "veterans_subsidy", nth=3, fwd=True)
    # 4/5 王秀兰 x2 (same name, different villages)
    wxl1 = new_person("王秀兰", "女", 1966, "白沙镇", "河湾村")
    add_letter([sgn(wxl1, "18")], d("2022-05-09"), "county", "welfare")
    add_row(wxl1, d("2023-03-02"), "welfare")
    wxl2 = new_person("王秀兰", "女", 1971, "青龙镇", "古城村")
    add_letter([sgn(wxl2, "none")], d("2022-07-14"), "county", "legal_enforce")
    add_letter([sgn(wxl2, "18")], d("2023-10-26"), "city", "legal_enforce", nth=2, channel="chromium")
    add_row(wxl2, d("2024-05-07"), "legal_enforce")
    # 6/7 刘德胜 (father) and 刘海涛 (son): one family phone
    lds = new_person("刘德胜", "男", 1948, "朱砂镇", "铁炉村", legacy=True)
    lht = new_person("刘海涛", "男", 1976, "朱砂镇", "铁炉村")
    fam = landline()
    lds.phones = [(dt.date(2000, 1, 1), fam)]
    lht.phones = [(dt.date(2000, 1, 1), fam), (dt.date(2024, 1, 1), mobile())]
    add_letter([sgn(lds, "15")], d("2021-12-06"), "county", "retiree_medical", ghost=True)
    add_letter([sgn(lds, "18")], d("2022-10-18"), "city", "retiree_medical", nth=2)
    add_row(lds, d("2023-06-19"), "retiree_medical", idk="none")
    add_letter([sgn(lht, "18")], d("2023-01-09"), "county", "wage_arrears")
    # 刘海涛 joint wage letter with co-workers (photocopy dup with different signers)
    mates = co_signers(lht, 9, same_village=False)
    L = add_letter([sgn(lht, "18")] + [sgn(p) for p in mates[:6]], d("2024-01-22"), "county", "wage_arrears",
                   stated=None, dup="photocopy-A", nth=2)
    L2 = [sgn(lht, "18")] + [sgn(p) for p in mates[3:9]]
    PHOTOCOPIES.append((L, L2))
    # 8 陈玉梅: phone changed in 2023
    cym = new_person("陈玉梅", "女", 1969, "清河街道", "文昌社区")
    cym.phones.append((dt.date(2023, 3, 1), mobile()))
    add_letter([sgn(cym, "18")], d("2021-08-23"), "county", "urban_cert")
    add_letter([sgn(cym, "none")], d("2022-09-05"), "city", "urban_cert", nth=2, dup="resend")
    add_letter([sgn(cym, "18")], d("2023-07-17"), "county", "urban_cert", nth=3)
    # 9 赵长林: legal police, legacy id then 18, variant 赵常林
    zcl = new_person("赵长林", "男", 1955, "四所楼镇", "何营村", legacy=True)
    add_letter([sgn(zcl, "15")], d("2021-03-08"), "county", "legal_police")
    add_letter([sgn(zcl, "none", "赵常林")], d("2021-10-14"), "city", "legal_police", nth=2, channel="ocr")
    add_letter([sgn(zcl, "18")], d("2022-06-28"), "province", "legal_police", nth=3, risk="pos")
    add_row(zcl, d("2022-11-30"), "legal_police", idk="18", risk="pos")
    # 10 孙桂英: reform staff, leads a joint letter
    sgy = new_person("孙桂英", "女", 1963, "城关镇", "马庄村")
    add_letter([sgn(sgy, "18")], d("2022-02-16"), "county", "reform_staff")
    staff = co_signers(sgy, 6, same_village=False)
    add_letter([sgn(sgy, "none")] + [sgn(p) for p in staff], d("2023-04-10"), "city", "reform_staff", stated=None,
               nth=2, channel="reportlab")
    # 11 周振军: veterans combat, X check id
    zzj = new_person("周振军", "男", 1964, "马集镇", "谢营村", want_x=True)
    add_letter([sgn(zzj, "18")], d("2021-07-29"), "county", "veterans_combat")
    add_letter([sgn(zzj, "18")], d("2022-12-12"), "province", "veterans_combat", nth=2, dup="resend")
    add_row(zzj, d("2024-08-20"), "veterans_combat", idk="18")
    # 12 吴淑芬: cotton mill bankruptcy, joint letters
    wsf = new_person("吴淑芬", "女", 1958, "白沙镇", "沙岗村", want_x=True)
    workers = co_signers(wsf, 10, same_village=False)
    add_letter([sgn(wsf, "18")], d("2021-05-18"), "county", "enterprise_bankrupt", channel="ocr")
    add_letter([sgn(wsf, "18")] + [sgn(p) for p in workers[:7]], d("2022-04-06"), "city", "enterprise_bankrupt",
               stated=312, nth=2, channel="chromium")
    L = add_letter([sgn(wsf, "none")] + [sgn(p) for p in workers[2:10]], d("2023-09-15"), "province",
                   "enterprise_bankrupt", stated=None, nth=3, risk="neg", dup="photocopy-B")
    PHOTOCOPIES.append((L, [sgn(wsf, "none")] + [sgn(p) for p in workers[:5]]))
    # 13 郑保国: officials, ghost-written
    zbg = new_person("郑保国", "男", 1953, "龙王店乡", "陈庄村", legacy=True)
    add_letter([sgn(zbg, "15")], d("2021-02-25"), "county", "officials", ghost=True)
    add_letter([sgn(zbg, "none")], d("2022-01-19"), "city", "officials", nth=2, ghost=True, channel="pdf-lo")
    add_letter([sgn(zbg, "18")], d("2023-03-28"), "national", "officials", nth=3, ghost=True, fwd=True, channel="ocr")
    # 14 黄玉成: environment, joint
    hyc = new_person("黄玉成", "男", 1967, "长岭镇", "竹园村")
    nb = co_signers(hyc, 7)
    add_letter([sgn(hyc, "18")] + [sgn(p) for p in nb], d("2022-06-13"), "county", "environment", stated=46,
               dup="resend")
    add_letter([sgn(hyc, "none")], d("2023-08-21"), "city", "environment", nth=2, risk="pos")
    # 15 杨红旗 rural contract
    yhq = new_person("杨红旗", "男", 1961, "丰乐乡", "槐树村")
    add_letter([sgn(yhq, "18")], d("2022-03-22"), "county", "rural_contract", channel="reportlab")
    add_letter([sgn(yhq, "bad")], d("2023-11-07"), "county", "rural_contract", nth=2)
    # 16 马金山 legal judgment with lawyer
    mjs = new_person("马金山", "男", 1972, "高店乡", "吴湾村")
    add_letter([sgn(mjs, "18")], d("2021-10-08"), "county", "legal_judgment", lawyer=True)
    add_letter([sgn(mjs, "18")], d("2022-11-21"), "city", "legal_judgment", nth=2, lawyer=True, channel="chromium")
    add_row(mjs, d("2023-12-04"), "legal_judgment")
    add_letter([sgn(mjs, "none")], d("2024-10-15"), "province", "legal_judgment", nth=4, lawyer=True, long=True,
               channel="reportlab")
    # 17 何素珍 retirees
    hsz = new_person("何素珍", "女", 1956, "清河街道", "鼓楼社区")
    add_letter([sgn(hsz, "18")], d("2023-04-24"), "county", "retiree_medical", dup="retype")
    add_row(hsz, d("2024-02-26"), "retiree_medical")
    # 18 冯天明 transport
    ftm = new_person("冯天明", "男", 1980, "南湖乡", "渔场村")
    add_letter([sgn(ftm, "18")], d("2024-04-02"), "county", "transport")
    add_row(ftm, d("2025-03-18"), "transport")
    # 19 韩春花 / 韩春华 land demolition
    hch = new_person("韩春花", "女", 1975, "杨集乡", "董寨村")
    add_letter([sgn(hch, "18")], d("2022-08-30"), "county", "land_demolition")
    add_letter([sgn(hch, "none", "韩春华")], d("2023-06-12"), "city", "land_demolition", nth=2, channel="ocr")
    add_row(hch, d("2024-09-10"), "land_demolition", name="韩春花")
    # 20 许进才 distillery restructuring
    xjc = new_person("许进才", "男", 1957, "四所楼镇", "双庙村")
    add_letter([sgn(xjc, "18")], d("2021-11-29"), "county", "enterprise_restructure")
    add_letter([sgn(xjc, "18")], d("2022-09-27"), "city", "enterprise_restructure", nth=2, channel="pdf-lo")
    add_letter([sgn(xjc, "none")], d("2024-01-15"), "national", "enterprise_restructure", nth=3, fwd=True,
               risk="neg", channel="chromium")
    # 21 罗新民 demolition
    lxm = new_person("罗新民", "男", 1968, "青龙镇", "宋集村")
    add_letter([sgn(lxm, "18")], d("2023-02-07"), "county", "land_demolition", dup="retype")
    add_letter([sgn(lxm, "18")], d("2024-07-23"), "city", "land_demolition", nth=2, risk="pos")
    # 22 曹翠萍 health
    ccp = new_person("曹翠萍", "女", 1970, "马集镇", "马集社区")
    add_letter([sgn(ccp, "18")], d("2024-05-20"), "county", "health", channel="reportlab")
    add_letter([sgn(ccp, "none")], d("2025-02-13"), "city", "health", nth=2)
    # 23 谢广义 old veterans, joint
    xgy = new_person("谢广义", "男", 1949, "城关镇", "十里铺村", legacy=True)
    vets = [new_person(sex="男", by=rng.randrange(1945, 1955)) for _ in range(5)]
    add_letter([sgn(xgy, "15")], d("2021-06-01"), "county", "veterans_subsidy", ghost=True)
    add_letter([sgn(xgy, "15")] + [sgn(p) for p in vets], d("2022-07-25"), "province", "veterans_subsidy",
               stated=6, nth=2, fwd=True, channel="pdf-lo")
    add_row(xgy, d("2023-11-13"), "veterans_subsidy", headcount=6, name="谢广义等6人")
    # 24 邓学文 social insurance
    dxw = new_person("邓学文", "男", 1965, "朱砂镇", "红石岗村")
    add_letter([sgn(dxw, "18")], d("2022-10-10"), "county", "social_insurance", channel="ocr")
    add_letter([sgn(dxw, "18")], d("2024-03-25"), "city", "social_insurance", nth=2, dup="pdfocr")
    # 25 蒋庆华 highway, joint village letter
    jqh = new_person("蒋庆华", "男", 1960, "白沙镇", "蒋庄村")
    vill = co_signers(jqh, 11)
    add_letter([sgn(jqh, "18")] + [sgn(p) for p in vill[:8]], d("2021-08-09"), "county", "land_highway",
               stated=68, risk="neg", channel="ocr")
    add_letter([sgn(jqh, "18")] + [sgn(p) for p in vill[4:11]], d("2022-05-16"), "city", "land_highway",
               stated=None, nth=2, risk="pos")
    add_letter([sgn(jqh, "none")], d("2023-12-18"), "province", "land_highway", nth=3, fwd=True)
    return zjg


PHOTOCOPIES: list = []

MATTER_WEIGHTS = {"land_highway": 14, "land_demolition": 7, "enterprise_bankrupt": 7, "enterprise_restructure": 5,
                  "retiree_medical": 6, "wage_arrears": 7, "reform_staff": 4, "social_insurance": 3,
                  "legal_enforce": 4, "legal_police": 4, "legal_judgment": 3, "veterans_subsidy": 4,
                  "veterans_combat": 2, "rural_contract": 3, "rural_housing": 2, "urban_cert": 3, "urban_illegal": 2,
                  "environment": 4, "officials": 4, "welfare": 4, "education": 2, "health": 2, "transport": 2,
                  "commerce": 1, "other": 1}


def pick_matter():
    ks = list(MATTER_WEIGHTS)
    return rng.choices(ks, [MATTER_WEIGHTS[k] for k in ks])[0]


def build_singles(n_letters, n_joint):
    for i in range(n_letters):
        mt = pick_matter()
        p = new_person(by=rng.randrange(1942, 1996))
        lvl = rng.choices(["county", "city", "province", "national"], [62, 22, 11, 5])[0]
        fwd = lvl != "county" and rng.random() < 0.5
        risk = rng.choices([None, "pos", "neg"], [70, 14, 16])[0]
        add_letter([sgn(p)], rand_date(), lvl, mt, fwd=fwd, risk=risk)
    for i in range(n_joint):
        mt = rng.choice(["land_highway", "land_demolition", "environment", "enterprise_bankrupt", "wage_arrears",
                         "rural_contract", "officials", "transport", "retiree_medical"])
        lead = new_person()
        same = not mt.startswith(("enterprise", "wage", "retiree"))
        others = co_signers(lead, rng.randrange(3, 9), same_village=same)
        stated = rng.choice([None, None, rng.randrange(12, 90)])
        lvl = rng.choices(["county", "city", "province", "national"], [55, 25, 15, 5])[0]
        add_letter([sgn(lead)] + [sgn(p) for p in others], rand_date(), lvl, mt, stated=stated,
                   risk=rng.choices([None, "pos", "neg"], [60, 20, 20])[0], fwd=lvl != "county" and rng.random() < 0.4)
    # a couple of small joint letters (2-4 people): not collective
    for i in range(3):
        lead = new_person()
        fam = co_signers(lead, rng.randrange(1, 4))
        add_letter([sgn(lead)] + [sgn(p) for p in fam], rand_date(), "county",
                   rng.choice(["rural_housing", "urban_illegal", "land_demolition"]))


def make_duplicates():
    """Expand letters marked with dup kinds into duplicate groups; returns the list of all letters."""
    out = []
    gno = 0
    for L in list(LETTERS):
        compose(L)
        if not L.dup:
            out.append(L)
            continue
        gno += 1
        g = f"D{gno:02d}"
        kind = L.dup
        L.dup = g
        out.append(L)
        if kind == "resend":  # same letter to county and to the next level
            other = {"county": "city", "city": "county", "province": "city", "national": "province"}[L.level]
            c = L.copy(level=other, fwd=None)
            c.parts["cover"] = ""
            c.parts["salute"] = salute_of(L.r, L.r.choice(
                [a for a in P.ADDRESSEES[other] if "{t}" not in a]))
            assemble(c)
            out.append(c)
        elif kind == "retype":
            c = L.copy()
            retype_parts(c, random.Random(gno))
            out.append(c)
        elif kind.startswith("photocopy"):
            alt = next(a for a, b in PHOTOCOPIES if a is L)
            signers = next(b for a, b in PHOTOCOPIES if a is L)
            c = L.copy(signers=signers, shown_phones={})
            dline = L.parts["sig"].rsplit("\n", 1)[1]
            c.parts["sig"] = sig_block(c, False, False, dline)
            assemble(c)
            out.append(c)
            del alt
        elif kind == "pdfocr":
            L.channel = "pdf-lo"
            c = L.copy(channel="ocr")
            out.append(c)
    # extra duplicate groups among single letters so that there are ~10 groups
    extras = [x for x in out if not x.dup and not x.joint and x.channel is None and x.level == "county"]
    for k, L in enumerate(extras[:4]):
        gno += 1
        g = f"D{gno:02d}"
        L.dup = g
        if k % 2 == 0:
            c = L.copy(level="city")
            c.parts["salute"] = salute_of(L.r, L.r.choice(P.ADDRESSEES["city"]))
            assemble(c)
        else:
            c = L.copy()
            retype_parts(c, random.Random(gno))
        out.append(c)
    # a forwarded copy: letter sent to the province came back down, the county also got it directly
    fw = [x for x in out if not x.dup and x.level == "county" and not x.fwd and x.channel is None and not x.joint]
    L = fw[5]
    gno += 1
    L.dup = f"D{gno:02d}"
    c = L.copy(level="province", fwd=True)
    c.parts["salute"] = salute_of(L.r, "河南省信访局")
    c.parts["cover"] = make_cover(c, {})
    assemble(c)
    out.append(c)
    return out


# ------------------------------------------------------------------ channels
TEXT_ENC = [("utf8", "utf-8", 40), ("utf8bom", "utf-8-sig", 14), ("gbk", "gbk", 16), ("gb18030", "gb18030", 8),
            ("utf16le", "utf-16le", 12), ("utf16be", "utf-16be", 10)]


def assign_channels(letters):
    want = {"ocr": 30, "pdf-lo": 10, "chromium": 10, "reportlab": 10, "scan": 2}
    have = {k: sum(1 for L in letters if L.channel == k) for k in want}
    free = [L for L in letters if L.channel is None]
    rng.shuffle(free)
    # the long letters go to PDF / scan
    for k, n in want.items():
        while have[k] < n and free:
            L = free.pop()
            L.channel = k
            have[k] += 1
    for L in free:
        L.channel = "text"
    # one long chromium letter (multi-page)
    ch = [L for L in letters if L.channel == "chromium" and not L.dup]
    ch[0].long = True
    compose_keep_dup(ch[0])


def compose_keep_dup(L):
    dup = L.dup
    compose(L)
    L.dup = dup


# ------------------------------------------------------------------ writers
def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {r.stderr[-800:]}")
    return r


def html_of(L, font):
    import html as h
    parts = []
    for block in L.text.split("\n"):
        parts.append(f"<p>{h.escape(block) or '&nbsp;'}</p>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{h.escape(L.title or '来信')}</title>"
            f"<style>body{{font-family:'{font}';font-size:14pt;line-height:1.7;margin:2cm;}}"
            f"p{{margin:0;white-space:pre-wrap;}}</style></head><body>{''.join(parts)}</body></html>")


def wrap_lines(text, measure, width):
    out = []
    for para in text.split("\n"):
        if not para:
            out.append("")
            continue
        cur = ""
        for ch in para:
            if measure(cur + ch) > width:
                out.append(cur)
                cur = ch
            else:
                cur += ch
        out.append(cur)
    return out


def render_pages(L, r):
    from PIL import Image, ImageDraw, ImageFont, ImageFilter
    path, idx = r.choice(OCR_FONTS)
    size = r.randrange(38, 48)
    font = ImageFont.truetype(path, size, index=idx)
    Wd, Ht, mg = 2480, 3508, 230
    lines = wrap_lines(L.text, font.getlength, Wd - 2 * mg)
    lh = int(size * r.uniform(1.55, 1.85))
    per = (Ht - 2 * mg) // lh
    pages = []
    for s in range(0, len(lines), per):
        bg = r.randrange(235, 256)
        im = Image.new("L", (Wd, Ht), bg)
        dr = ImageDraw.Draw(im)
        y = mg
        ink = r.randrange(0, 60)
        for ln in lines[s:s + per]:
            dr.text((mg + r.randrange(-3, 4), y), ln, font=font, fill=ink)
            y += lh
        for _ in range(r.randrange(100, 1500)):  # specks and dust
            x0, y0 = r.randrange(Wd), r.randrange(Ht)
            rad = r.choice([1, 1, 2, 3])
            dr.ellipse((x0, y0, x0 + rad, y0 + rad), fill=r.randrange(0, 120))
        noise = r.random()
        if noise < 0.35:  # fax-like low resolution
            f = r.uniform(0.45, 0.65)
            im = im.resize((int(Wd * f), int(Ht * f)), Image.BILINEAR).resize((Wd, Ht), Image.BILINEAR)
        if r.random() < 0.5:
            im = im.filter(ImageFilter.GaussianBlur(r.uniform(0.6, 1.6)))
        im = im.rotate(r.uniform(-1.3, 1.3), resample=Image.BICUBIC, fillcolor=bg, expand=False)
        if r.random() < 0.4:
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=r.randrange(18, 45))
            im = Image.open(io.BytesIO(buf.getvalue())).convert("L")
        pages.append(im)
    return pages


def reportlab_pdf(L, out, encrypt=None):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(out), pagesize=A4, encrypt=encrypt, invariant=1)
    c.setTitle(L.title or "来信")
    size = 12
    wd, ht = A4
    lines = wrap_lines(L.text, lambda s: pdfmetrics.stringWidth(s, "STSong-Light", size), wd - 144)
    y = ht - 72
    c.setFont("STSong-Light", size)
    for ln in lines:
        if y < 72:
            c.showPage()
            c.setFont("STSong-Light", size)
            y = ht - 72
        c.drawString(72, y, ln)
        y -= size * 1.8
    c.save()


NAME_STYLES = ["{date}_{name}.txt", "{name}来信.txt", "来信_{n:04d}.txt", "{date}{name}反映材料.txt",
               "信访件{n:04d}_{name}.txt", "{name}-{date}.txt"]


def file_stem(L, n, r):
    st = r.choice(NAME_STYLES)
    name = L.signers[0][1] + ("等" if L.joint else "")
    return st.format(date=L.date.isoformat(), name=name, n=n).rsplit(".", 1)[0]


def write_letters(letters):
    for sub in ["letters", "ocr", "pdf", "ledgers", "broken"]:
        (CORPUS / sub).mkdir(parents=True, exist_ok=True)
    used = set()
    lo_html, scans, ocr_jobs = [], [], []
    fr = random.Random(SEED + 1)

    def unique(p):
        base, ext = os.path.splitext(p)
        k = 2
        while p in used:
            p = f"{base}_{k}{ext}"
            k += 1
        used.add(p)
        return p

    enc_names = [e[0] for e in TEXT_ENC]
    enc_w = [e[2] for e in TEXT_ENC]
    for n, L in enumerate(letters, 1):
        stem = file_stem(L, n, fr)
        if L.channel == "text":
            enc = fr.choices(enc_names, enc_w)[0]
            codec = dict((a, b) for a, b, _ in TEXT_ENC)[enc]
            txt = L.text.replace("\n", "\r\n") if fr.random() < 0.3 else L.text
            try:
                data = txt.encode(codec)
            except UnicodeEncodeError:
                enc, data = "gb18030", txt.encode("gb18030")
            if codec in ("utf-16le", "utf-16be"):
                data = (b"\xff\xfe" if codec == "utf-16le" else b"\xfe\xff") + data
            sub = {"utf8": "utf8", "utf8bom": "utf8", "gbk": "gbk", "gb18030": "gbk"}.get(enc, "utf16")
            rel = unique(f"corpus/letters/{sub}/{stem}.txt")
            (ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
            (ROOT / rel).write_bytes(data)
            L.path, L.fmt, L.encoding = rel, "text", enc
        elif L.channel == "ocr":
            rel = unique(f"corpus/ocr/来信扫描_{n:04d}.txt")
            L.path, L.fmt = rel, "ocr"
            ocr_jobs.append(L)
        elif L.channel == "scan":
            rel = unique(f"corpus/pdf/scanned/扫描件_{n:04d}.pdf")
            L.path, L.fmt = rel, "ocr"
            scans.append(L)
        elif L.channel == "pdf-lo":
            rel = unique(f"corpus/pdf/libreoffice/{stem}.pdf")
            L.path, L.fmt = rel, "pdf"
            lo_html.append(L)
        elif L.channel == "chromium":
            rel = unique(f"corpus/pdf/chromium/{stem}.pdf")
            L.path, L.fmt = rel, "pdf"
            src = BUILD / "chromium" / (Path(rel).stem + ".html")
            src.parent.mkdir(parents=True, exist_ok=True)
            src.write_text(html_of(L, fr.choice(["Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei"])),
                           "utf-8")
            (ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
            prof = tempfile.mkdtemp(dir=BUILD)
            run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={prof}", "--no-pdf-header-footer", f"--print-to-pdf={ROOT / rel}", str(src)],
                timeout=120)
            shutil.rmtree(prof, ignore_errors=True)
        elif L.channel == "reportlab":
            rel = unique(f"corpus/pdf/reportlab/{stem}.pdf")
            L.path, L.fmt = rel, "pdf"
            (ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
            reportlab_pdf(L, ROOT / rel)
    # LibreOffice: one batch conversion of HTML -> PDF
    if lo_html:
        hdir = BUILD / "lo-html"
        shutil.rmtree(hdir, ignore_errors=True)
        hdir.mkdir(parents=True)
        for L in lo_html:
            (hdir / (Path(L.path).stem + ".html")).write_text(html_of(L, fr.choice(
                ["Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei"])), "utf-8")
        out = ROOT / "corpus/pdf/libreoffice"
        out.mkdir(parents=True, exist_ok=True)
        soffice(["--infilter=HTML (StarWriter)", "--convert-to", "pdf", "--outdir", str(out)]
                + sorted(str(p) for p in hdir.glob("*.html")))
    # page images for OCR and scans
    img_dir = BUILD / "ocr-img"
    shutil.rmtree(img_dir, ignore_errors=True)
    img_dir.mkdir(parents=True)
    jobs = []
    (BUILD / "ocr-intended").mkdir(parents=True, exist_ok=True)
    for L in ocr_jobs + scans:
        (BUILD / "ocr-intended" / (Path(L.path).stem + ".txt")).write_text(L.text, "utf-8")
    for L in ocr_jobs:
        pages = render_pages(L, random.Random(L.path))
        names = []
        for i, im in enumerate(pages):
            f = img_dir / f"{Path(L.path).stem}_p{i + 1}.png"
            im.save(f)
            names.append(str(f))
        lst = img_dir / f"{Path(L.path).stem}.lst"
        lst.write_text("\n".join(names) + "\n")
        jobs.append((L, lst))
    for L in scans:
        pages = render_pages(L, random.Random(L.path))
        (ROOT / L.path).parent.mkdir(parents=True, exist_ok=True)
        pages[0].save(ROOT / L.path, "PDF", resolution=300.0, save_all=True, append_images=pages[1:])

    def ocr(job):
        L, lst = job
        base = BUILD / "ocr-out" / Path(L.path).stem
        base.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        run(["tesseract", str(lst), str(base), "-l", "chi_sim"], env=env, timeout=600)
        shutil.copyfile(str(base) + ".txt", ROOT / L.path)

    with ThreadPoolExecutor(2) as ex:
        list(ex.map(ocr, jobs))


def soffice(args):
    prof = (BUILD / "lo-profile").as_uri()
    run(["soffice", f"-env:UserInstallation={prof}", "--headless", "--norestore"] + args, timeout=600)


# ------------------------------------------------------------------ ledgers
LABELS = [  # one label set per ledger file
    {"land": "征地拆迁", "enterprise": "企业改制", "labor": "劳动和社会保障", "legal": "涉法涉诉", "veterans": "退役军人",
     "rural": "农村农业", "urban": "城乡建设", "environment": "环境保护", "officials": "纪检监察", "welfare": "民政",
     "education": "教育", "health": "卫生健康", "transport": "交通运输", "commerce": "商贸", "other": "其他"},
    {"land": "国土资源", "enterprise": "企业改制", "labor": "劳动社保", "legal": "政法", "veterans": "优抚安置",
     "rural": "农业农村", "urban": "城乡建设", "environment": "生态环境", "officials": "干部作风", "welfare": "民政救助",
     "education": "教育文体", "health": "卫生", "transport": "交通", "commerce": "市场监管", "other": "其他"},
    {"land": "征地补偿", "enterprise": "国企改制", "labor": "劳动保障", "legal": "涉法涉诉", "veterans": "军队转业复员",
     "rural": "三农", "urban": "住房城建", "environment": "环保", "officials": "党纪政纪", "welfare": "社会救助",
     "education": "教育", "health": "医疗卫生", "transport": "交通运输", "commerce": "商贸流通", "other": "其他"},
]

LEDGER_FILES = [
    # name, year, kind, headers, label set, date mode, sheets
    dict(name="信访登记台账2023.xlsx", year=2023, kind="xlsx", labels=0, date="excel",
         headers=["序号", "信访人", "身份证号码", "联系电话", "住址", "信访日期", "反映问题", "问题类别", "人数", "办理结果", "经办人"],
         sheets=[("2023年1-6月", 16, "title"), ("2023年7-12月", 16, "title"), ("集体访", 6, "title2")]),
    dict(name="信访登记表2024.xlsx", year=2024, kind="xlsx", labels=1, date="text",
         headers=["编号", "来信人", "证件号", "电话", "家庭住址", "来信时间", "主要诉求", "分类", "人数", "答复意见", "备注"],
         sheets=[("Sheet1", 22, None)]),
    dict(name="2022年来访登记.xls", year=2022, kind="xls", labels=2, date="excel",
         headers=["来访人", "身份证号", "联系电话", "地址", "登记日期", "信访事项", "类别", "来访人数", "处理结果", "接待人"],
         sheets=[("来访登记", 14, "title")]),
    dict(name="网上信访导出_2025.ods", year=2025, kind="ods", labels=0, date="text-iso",
         headers=["姓名", "证件号", "电话", "住址", "登记日期", "信访事项", "问题类别", "人数", "办理结果", "信访渠道"],
         sheets=[("网上信访", 12, None)]),
    dict(name="12345热线转办台账_2024.csv", year=2024, kind="csv-gbk", labels=1, date="text",
         headers=["工单号", "来电人", "联系电话", "地址", "登记日期", "反映问题", "分类", "人数", "答复意见"],
         sheets=[(None, 10, None)]),
    dict(name="信访台账_2021.csv", year=2021, kind="csv-utf8", labels=2, date="text-cn",
         headers=["信访人", "身份证号码", "联系电话", "住址", "信访日期", "反映问题", "问题类别", "人数", "办理结果", "经办人"],
         sheets=[(None, 12, None)]),
]

CLERKS = ["李娜", "王磊", "张敏", "刘洋", "陈静"]  # 经办人 column: not petitioners


def ledger_address(p, r):
    s = r.choice(["full", "grp", "short", "tws", "prov"])
    return address(p, r, s)


def build_ledgers():
    fr = random.Random(SEED + 2)
    by_year = {}
    for row in LEDGER:
        by_year.setdefault(row["date"].year, []).append(row)
    truth = []
    for spec in LEDGER_FILES:
        year = spec["year"]
        need = sum(s[1] for s in spec["sheets"])
        mine = [r_ for r_ in by_year.get(year, []) if r_.get("file") in (None, spec["name"])]
        for r_ in mine:
            by_year[year].remove(r_)
        rows = mine[:need]
        while len(rows) < need:
            mt = pick_matter()
            p = new_person()
            hc = 1
            name = p.name
            if fr.random() < 0.15:
                hc = fr.randrange(5, 40)
                name = f"{p.name}等{hc}人"
            day = dt.date(year, 1, 3) + dt.timedelta(days=fr.randrange(0, 360 if year < 2025 else 170))
            rows.append(add_row(p, day, mt, headcount=hc, name=name,
                                risk="pos" if fr.random() < 0.05 else None, phone=fr.random() < 0.9))
        rows.sort(key=lambda x: x["date"])
        labels = LABELS[spec["labels"]]
        # split rows over sheets by order (first half-year, second half-year, collective)
        sheets = []
        if spec["name"].startswith("信访登记台账2023"):
            coll = [x for x in rows if x["headcount"] >= 5][:6]
            rest = [x for x in rows if x not in coll]
            while len(coll) < 6:
                x = rest.pop()
                if x["headcount"] == 1 and x["name"] == x["person"].name:
                    x["headcount"] = fr.randrange(5, 30)
                    x["name"] = f"{x['name']}等{x['headcount']}人"
                coll.append(x)
            h1 = [x for x in rest if x["date"].month <= 6]
            h2 = [x for x in rest if x["date"].month > 6]
            sheets = [(spec["sheets"][0], h1), (spec["sheets"][1], h2), (spec["sheets"][2], coll)]
        else:
            sheets = [(spec["sheets"][0], rows)]
        truth += write_ledger(spec, sheets, labels, fr)
    return truth


def cell_values(spec, row, labels, fr, seq):
    p = row["person"]
    r = random.Random(p.pid + row["date"].isoformat())
    idt = id_text(p, row["idk"]) or ""
    ph = p.phone_at(row["date"]) if row["phone_shown"] else ""
    addr, has_v = ledger_address(p, r)
    m = P.MATTERS[row["matter"]]
    L = Letter([(p, p.name, None)], row["date"], "county", row["matter"])
    ctx = make_ctx(L)
    if not has_v:
        ctx["v"] = "本村"
    summary = fill(r.choice(m["ledger"]), ctx)
    if row["risk"] == "pos":
        summary += r.choice(["，扬言到县政府门口喝农药", "，称不解决就进京上访", "，情绪激动，扬言堵路"])
    elif r.random() < 0.08:
        summary += "，表示不会采取过激行为"
    mode = spec["date"]
    dv = row["date"]
    if mode == "text":
        dv = fmt_date(row["date"], r.choice([0, 2, 3, 5]))
    elif mode == "text-iso":
        dv = row["date"].isoformat()
    elif mode == "text-cn":
        dv = fmt_date(row["date"], r.choice([0, 5]))
    vals = {}
    for h in spec["headers"]:
        if h in ("序号", "编号"):
            vals[h] = seq
        elif h == "工单号":
            vals[h] = f"QX{row['date'].strftime('%Y%m%d')}{r.randrange(1000, 9999)}"
        elif h in ("信访人", "来信人", "来访人", "姓名", "来电人"):
            vals[h] = row["name"]
        elif h in ("身份证号码", "证件号", "身份证号"):
            vals[h] = idt
        elif h in ("联系电话", "电话"):
            vals[h] = ph
        elif h in ("住址", "家庭住址", "地址"):
            vals[h] = addr
        elif h in ("信访日期", "来信时间", "登记日期"):
            vals[h] = dv
        elif h in ("反映问题", "主要诉求", "信访事项"):
            vals[h] = summary
        elif h in ("问题类别", "分类", "类别"):
            vals[h] = labels[m["cat"]]
        elif h in ("人数", "来访人数"):
            vals[h] = row["headcount"]
        elif h in ("办理结果", "答复意见", "处理结果"):
            vals[h] = r.choice(P.LEDGER_RESULTS)
        elif h in ("经办人", "接待人"):
            vals[h] = r.choice(CLERKS)
        elif h == "备注":
            vals[h] = r.choice(P.LEDGER_NOTES)
        elif h == "信访渠道":
            vals[h] = r.choice(["网上信访", "手机APP", "12345转办", "领导信箱"])
    row["_addr"] = addr
    return vals


def ledger_truth(spec_path, sheet, rownum, row, headers):
    p = row["person"]
    addr = row["_addr"]
    tws = p.tws if p.tws in addr or any(a in addr for a in ALIASES[p.tws]) else None
    vil = p.vil if p.vil in addr else None
    m = P.MATTERS[row["matter"]]
    idk = row["idk"]
    idn = row.get("_id_override") or id_text(p, idk)
    st = "invalid" if row.get("_id_override") else id_status(idk)
    if not any(h in headers for h in ("身份证号码", "证件号", "身份证号")):
        idn = st = None
    name = row["name"].split("等")[0] if "等" in row["name"] and row["name"].endswith("人") else row["name"]
    hc = row["headcount"]
    return dict(path=spec_path, format="sheet", sheet=sheet, row=rownum,
                petitioners=[dict(name=name, id_number=idn, id_status=st,
                                  phone=p.phone_at(row["date"]) if row["phone_shown"] else None)],
                date=row["date"].isoformat(), headcount=hc, county="清溪县" if tws else None, township=tws,
                village=vil, addressee_level="county", title=None, category=m["cat"], secondary=list(m["sec"]),
                collective=hc >= 5, skip_level=False, risk=row["risk"] == "pos",
                law_related=m["cat"] == "legal" or "legal" in m["sec"], forwarded=False, person_ids=[p.pid],
                duplicate_group=None)


def write_ledger(spec, sheets, labels, fr):
    import openpyxl
    from openpyxl.styles import Alignment, Font
    truth = []
    rel_final = f"corpus/ledgers/{spec['name']}"
    (ROOT / "corpus/ledgers").mkdir(parents=True, exist_ok=True)
    if spec["kind"].startswith("csv"):
        (sheet_spec, rows), = sheets
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(spec["headers"])
        for i, row in enumerate(rows):
            vals = cell_values(spec, row, labels, fr, i + 1)
            w.writerow([vals[h] for h in spec["headers"]])
            truth.append(ledger_truth(rel_final, None, i + 2, row, spec["headers"]))
        enc = "gbk" if spec["kind"] == "csv-gbk" else "utf-8"
        (ROOT / rel_final).write_bytes(buf.getvalue().encode(enc))
        return truth
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    damaged_done = False
    for (sname, _n, title), rows in sheets:
        ws = wb.create_sheet(sname)
        r0 = 1
        ncol = len(spec["headers"])
        if title:
            ws.cell(1, 1, f"清溪县信访局{spec['year']}年信访登记台账" + ("（集体访）" if title == "title2" else ""))
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
            ws.cell(1, 1).font = Font(bold=True, size=16)
            ws.cell(1, 1).alignment = Alignment(horizontal="center")
            r0 = 2
            if title == "title2":
                ws.cell(2, 1, f"填报单位：清溪县信访局    填报时间：{spec['year'] + 1}年1月5日")
                ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
                r0 = 3
        for j, h in enumerate(spec["headers"], 1):
            ws.cell(r0, j, h).font = Font(bold=True)
        rn = r0 + 1
        for i, row in enumerate(rows):
            if i and i % 7 == 0 and fr.random() < 0.6:
                rn += 1  # blank row
            vals = cell_values(spec, row, labels, fr, i + 1)
            for j, h in enumerate(spec["headers"], 1):
                v = vals[h]
                c = ws.cell(rn, j)
                if isinstance(v, dt.date):
                    c.value = v
                    c.number_format = fr.choice(["yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "yyyy/m/d"])
                elif h in ("身份证号码", "证件号", "身份证号") and v:
                    if spec["name"] == "信访登记表2024.xlsx" and not damaged_done and row["idk"] == "18" and i > 4 and v.isdigit():
                        # stored as a number by a careless clerk: 15 significant digits survive
                        num = float(f"{float(v):.15g}")
                        # what a spreadsheet shows with format "0": 15 significant digits, then zeros
                        shown = str(int(Decimal(f"{num:.15g}")))
                        if not id_valid(shown):
                            c.value = num
                            c.number_format = "0"
                            row["_id_override"] = shown
                            damaged_done = True
                            truth.append(ledger_truth(rel_final, sname, rn, row, spec["headers"]))
                            continue
                    c.value = str(v)
                    c.number_format = "@"
                else:
                    c.value = v if v != "" else None
            if not (truth and truth[-1]["row"] == rn and truth[-1]["sheet"] == sname):
                truth.append(ledger_truth(rel_final, sname, rn, row, spec["headers"]))
            rn += 1
        widths = [6, 10, 21, 14, 26, 12, 36, 10, 6, 14, 8]
        for j in range(ncol):
            ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width = widths[j % len(widths)]
    if spec["kind"] == "xlsx":
        wb.save(ROOT / rel_final)
    else:
        src = BUILD / "ledgers" / (Path(spec["name"]).stem + ".xlsx")
        src.parent.mkdir(parents=True, exist_ok=True)
        wb.save(src)
        fmt = "xls:MS Excel 97" if spec["kind"] == "xls" else "ods"
        soffice(["--convert-to", fmt, "--outdir", str(ROOT / "corpus/ledgers"), str(src)])
    return truth


# ------------------------------------------------------------------ truth for letters
def letter_truth(L):
    text = L.text
    lead = L.signers[0][0]
    tws = lead.tws if (lead.tws in text or any(a in text for a in ALIASES[lead.tws])) else None
    vil = lead.vil if (tws and lead.vil in text) else None
    pets = []
    for i, (p, name, idk) in enumerate(L.signers):
        if L.joint:
            ph = L.shown_phones.get(i)
        else:
            ph = p.phone_at(L.date) if L.phone_shown else None
        pets.append(dict(name=name, id_number=id_text(p, idk), id_status=id_status(idk), phone=ph))
    hc = L.stated or len(L.signers)
    m = P.MATTERS[L.matter]
    sec = list(m["sec"])
    if L.matter == "land_highway" and ("截留" in text or "村支书" in text or "包村干部" in text):
        sec.append("officials")
    if L.matter.startswith("legal_police") and "宅基地" in text:
        sec.append("rural")
    return dict(path=L.path, format=L.fmt, sheet=None, row=None, petitioners=pets, date=L.date.isoformat(),
                headcount=hc, county="清溪县" if tws else None,
                township=tws, village=vil, addressee_level=L.level, title=L.title, category=m["cat"],
                secondary=sorted(set(sec) - {m["cat"]}), collective=hc >= 5, skip_level=L.level != "county",
                risk=L.risk == "pos", law_related=m["cat"] == "legal" or "legal" in sec, forwarded=bool(L.fwd),
                person_ids=[s[0].pid for s in L.signers], duplicate_group=L.dup)


# ------------------------------------------------------------------ broken files
def make_broken():
    b = CORPUS / "broken"
    b.mkdir(parents=True, exist_ok=True)
    src = sorted((CORPUS / "pdf/chromium").glob("*.pdf"))[0].read_bytes()
    (b / "来信_截断.pdf").write_bytes(src[: len(src) // 2])
    dummy = Letter([(PEOPLE[0], "某某", None)], dt.date(2024, 1, 1), "county", "other")
    dummy.text = "加密文件：此信访件已加密。\n清溪县信访局\n"
    dummy.title = "加密件"
    reportlab_pdf(dummy, b / "加密来信.pdf", encrypt="secret")
    (b / "空白来信.txt").write_bytes(b"")
    (b / "乱码文件.txt").write_bytes(random.Random(7).randbytes(4096))
    png = sorted((BUILD / "ocr-img").glob("*.png"))[0]
    from PIL import Image
    im = Image.open(png)
    im.thumbnail((600, 800))
    im.save(b / "扫描图片.pdf.tmp.png")
    os.replace(b / "扫描图片.pdf.tmp.png", b / "扫描图片.pdf")  # a PNG with a .pdf name
    xl = (CORPUS / "ledgers/信访登记表2024.xlsx").read_bytes()
    (b / "台账_损坏.xlsx").write_bytes(xl[: len(xl) * 2 // 5])


# ------------------------------------------------------------------ main
def build():
    BUILD.mkdir(parents=True, exist_ok=True)
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir()
    write_gazetteer()
    build_storylines()
    build_singles(38, 9)
    letters = make_duplicates()
    assign_channels(letters)
    letters.sort(key=lambda L: (L.date, L.signers[0][0].pid))
    write_letters(letters)
    ledger_rows = build_ledgers()
    make_broken()
    truth = [letter_truth(L) for L in letters] + ledger_rows
    with open(CORPUS / "truth.jsonl", "w", encoding="utf-8") as f:
        for t in truth:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    write_readme(truth)


def write_gazetteer():
    lines = ["# data/gazetteer.toml — the fictional county of the sample corpus (tools/corpus/make_corpus.py).",
             "# Village names are unique within the county except 王庄村 (孙营乡 and 杨集乡), on purpose.",
             f'province = "{P.PROVINCE}"', f'city = "{P.CITY}"', f'county = "{P.COUNTY}"',
             'county_aliases = ["清溪"]', ""]
    for name, aliases, vs in P.TOWNSHIPS:
        lines.append("[[township]]")
        lines.append(f'name = "{name}"')
        if aliases:
            lines.append("aliases = [" + ", ".join(f'"{a}"' for a in aliases) + "]")
        lines.append("villages = [" + ", ".join(f'"{v}"' for v in vs) + "]")
        lines.append("")
    (ROOT / "data").mkdir(exist_ok=True)
    (ROOT / "data/gazetteer.toml").write_text("\n".join(lines), "utf-8")


def write_readme(truth):
    from collections import Counter
    fm = Counter(t["format"] for t in truth)
    cat = Counter(t["category"] for t in truth)
    files = Counter(str(Path(t["path"]).parent) for t in truth)
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    txt = f"""# corpus/ — sample petition archive of the fictional 河南省南川市清溪县

Generated by `tools/corpus/make_corpus.py` (seed {SEED}); do not edit by hand, re-run the generator
(see `tools/corpus/README.md`). Everything here is fiction: people, ID numbers, phones, enterprises.
The county, its townships and villages are listed in `data/gazetteer.toml`.

## Layout

| path | what | made by |
|---|---|---|
| letters/utf8/ | typed letters, UTF-8 (some with BOM, some CRLF) | Python |
| letters/gbk/ | typed letters, GBK or GB18030 | Python |
| letters/utf16/ | typed letters, UTF-16LE/BE with BOM | Python |
| ocr/ | letters rendered to 300 dpi page images with noise, recognised by `tesseract -l chi_sim`; the .txt is Tesseract's output unchanged | PIL + Tesseract |
| pdf/libreoffice/ | letters as HTML converted by `soffice --headless --convert-to pdf` | LibreOffice |
| pdf/chromium/ | letters as HTML printed by `chromium --headless --print-to-pdf` (one multi-page) | Chromium |
| pdf/reportlab/ | letters drawn with the STSong-Light CID font (one multi-page) | reportlab |
| pdf/scanned/ | image-only PDFs (no text layer): format `ocr` in truth | PIL |
| ledgers/ | 信访登记台账: xlsx (openpyxl; several sheets, merged title cells, blank rows, Excel and text dates, one ID damaged by being stored as a number), xls and ods (LibreOffice from openpyxl xlsx), CSV in GBK and UTF-8 | openpyxl, LibreOffice |
| broken/ | files that must be reported, not crash the reader: truncated PDF, encrypted PDF, empty .txt, random bytes .txt, PNG named .pdf, truncated .xlsx. No truth records. | |

Records in truth: {len(truth)} — per format: {dict(sorted(fm.items()))}.
Per category: {dict(sorted(cat.items()))}.
Per directory: {dict(sorted(files.items()))}.
Total size: {size / 1e6:.1f} MB.

## truth.jsonl

One JSON object per expected record (a letter file, or one ledger data row):

- `path` — relative to the repository root; `format` — `text` | `ocr` | `pdf` | `sheet` (a scanned PDF is `ocr`).
- `sheet`, `row` — sheet name (null for CSV) and 1-based row as a spreadsheet program shows it; null for letters.
- `petitioners` — list of `{{name, id_number, id_status, phone}}` in order of appearance: the signer of a single
  letter, every co-signer of a joint letter. `name` is as written in that record (a variant such as 张健国 for
  张建国 stays as written; a ledger name "李某等15人" gives `name` 李某 and `headcount` 15). `id_status` is
  `valid` (18 chars, check char correct), `legacy` (15 digits), `invalid` (fails the check: typo, or the
  ledger ID stored as a number) or null when no ID is written. `phone` is the petitioner's own phone
  (normalised: 11 digits, or `0377-6123456`); village-committee and lawyer phones are never listed.
- `date` — the petitioner's own date (the signature date; for forwarded letters NOT the cover note's date;
  for ledgers the registration date).
- `headcount` — people the petition speaks for: the number stated in the body ("全体46名村民", "共312人",
  "XX户YY人" gives YY) or else the number of signers; ledger 人数 column.
- `county`, `township`, `village` — the petitioner's place as written (gazetteer names; an alias such as
  城关/清河办事处 resolves to the township). `county` is 清溪县 whenever a township is written even if the
  county is omitted; null fields are not stated.
- `addressee_level` — level of the ORIGINAL addressee (`county`|`city`|`province`|`national`), not the level
  of a cover note; ledger rows are `county`.
- `title` — the letter's own title line, or null. Cover-note titles (转送单/交办单) are not titles.
- `category`, `secondary` — codes: land enterprise legal labor veterans rural urban environment officials
  welfare education health transport commerce other.
- `collective` (headcount ≥ 5), `skip_level` (addressed above the county), `risk` (a real threat of
  self-harm, road blocking, besieging, going to Beijing; negated or reported non-threats are NOT risk),
  `law_related` (category or secondary is legal), `forwarded` (a 转送单/交办单 cover note sits on top).
- `person_ids` — aligned with `petitioners`; the same real person has the same id everywhere (two
  different people called 王秀兰 or 李国强 have different ids; father and son sharing one phone too).
- `duplicate_group` — shared by all copies of one letter (re-sent to another level, re-typed, photocopied
  and signed by different people, PDF + OCR), null otherwise.
"""
    (CORPUS / "README.md").write_text(txt, "utf-8")


# ------------------------------------------------------------------ self-check
def self_check():
    from collections import Counter
    ok = True
    truth = [json.loads(x) for x in (CORPUS / "truth.jsonl").read_text("utf-8").splitlines()]
    keys = ["path", "format", "sheet", "row", "petitioners", "date", "headcount", "county", "township", "village",
            "addressee_level", "title", "category", "secondary", "collective", "skip_level", "risk", "law_related",
            "forwarded", "person_ids", "duplicate_group"]
    seen_paths = set()
    for t in truth:
        if list(t) != keys:
            print("BAD KEYS", t["path"]); ok = False
        if not (ROOT / t["path"]).exists():
            print("MISSING", t["path"]); ok = False
        for p in t["petitioners"]:
            s, n = p["id_status"], p["id_number"]
            if s == "valid" and not id_valid(n):
                print("valid ID fails check", n); ok = False
            if s == "invalid" and id_valid(n):
                print("invalid ID passes check", n); ok = False
            if s == "legacy" and not (len(n) == 15 and n.isdigit()):
                print("bad legacy", n); ok = False
        if len(t["person_ids"]) != len(t["petitioners"]):
            print("person_ids misaligned", t["path"]); ok = False
        if t["format"] != "sheet":
            if t["path"] in seen_paths:
                print("two letter truths for one file", t["path"]); ok = False
            seen_paths.add(t["path"])
    # PDFs carry Chinese text (except scans)
    for pdf in sorted((CORPUS / "pdf").rglob("*.pdf")):
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        han = sum(1 for c in out if "\u4e00" <= c <= "\u9fff")
        if "scanned" in pdf.parts:
            if han:
                print("scan has a text layer?", pdf); ok = False
        elif han < 80:
            print("PDF without Chinese text:", pdf, han); ok = False
    # every truth letter PDF: petitioner name present in the text layer
    for t in truth:
        if t["format"] == "pdf":
            out = subprocess.run(["pdftotext", str(ROOT / t["path"]), "-"], capture_output=True, text=True).stdout
            if t["petitioners"][0]["name"] not in out.replace(" ", ""):
                print("name not found in PDF text", t["path"]); ok = False
    # OCR files: made by tesseract (byte-identical to the build output)
    ocr_files = sorted((CORPUS / "ocr").glob("*.txt"))
    for f in ocr_files:
        b = BUILD / "ocr-out" / f.name
        if not b.exists() or b.read_bytes() != f.read_bytes():
            print("OCR file is not the Tesseract output:", f); ok = False
    # OCR quality: similarity of the Han characters of Tesseract's output to the intended letter
    import difflib
    sims = []
    for f in ocr_files:
        want = (BUILD / "ocr-intended" / f.name)
        if want.exists():
            a = [c for c in want.read_text("utf-8") if "\u4e00" <= c <= "\u9fff"]
            b = [c for c in f.read_text("utf-8") if "\u4e00" <= c <= "\u9fff"]
            sims.append(difflib.SequenceMatcher(None, a, b, autojunk=False).ratio())
    if sims:
        sims.sort()
        print(f"OCR Han-character similarity to the intended text: min {sims[0]:.2f}, median "
              f"{sims[len(sims) // 2]:.2f}, max {sims[-1]:.2f}")
    # names and ID numbers that survived OCR intact
    surv = Counter()
    for t in truth:
        if t["format"] == "ocr" and t["path"].endswith(".txt"):
            raw = (ROOT / t["path"]).read_text("utf-8").replace(" ", "")
            for p in t["petitioners"]:
                surv["names"] += 1
                surv["names_ok"] += p["name"] in raw
                if p["id_number"]:
                    surv["ids"] += 1
                    surv["ids_ok"] += p["id_number"] in raw
    print("OCR survival:", dict(surv))
    ledgers = [p for p in (CORPUS / "ledgers").iterdir()]
    fm = Counter(t["format"] for t in truth)
    cat = Counter(t["category"] for t in truth)
    pages = Counter()
    for pdf in sorted((CORPUS / "pdf").rglob("*.pdf")):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        n = int(next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), "0"))
        pages[n] += 1
    people = Counter(pid for t in truth for pid in t["person_ids"])
    repeat = sum(1 for c in people.values() if c >= 2)
    print(f"records: {len(truth)}  per format: {dict(fm)}")
    print(f"per category: {dict(sorted(cat.items(), key=lambda x: -x[1]))}")
    print(f"ledger files: {[p.name for p in ledgers]}; sheet rows: {fm['sheet']}")
    print(f"PDF page counts: {dict(pages)}; OCR files: {len(ocr_files)}")
    print(f"persons: {len(people)}; persons in >=2 records: {repeat}")
    print("flags:", {k: sum(1 for t in truth if t[k]) for k in ["collective", "skip_level", "risk", "law_related",
                                                               "forwarded"]})
    print("duplicate groups:", len({t['duplicate_group'] for t in truth if t['duplicate_group']}))
    print("id_status:", Counter(p["id_status"] for t in truth for p in t["petitioners"]))
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"corpus size: {size / 1e6:.1f} MB")
    print("SELF-CHECK", "OK" if ok else "FAILED")
    return ok


if __name__ == "__main__":
    if "--check" not in sys.argv:
        build()
    sys.exit(0 if self_check() else 1)
