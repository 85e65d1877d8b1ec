"""bench/corpus/score.py: score lint findings against the replay's ground
truth (see README.md, "How a finding is judged"), and write the report.

report(results) takes the records bench/corpus/run wrote (one per project)
and returns the markdown report.
"""
import re
from collections import OrderedDict, defaultdict

MODES = ["AccessShareLock", "RowShareLock", "RowExclusiveLock",
         "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock",
         "ExclusiveLock", "AccessExclusiveLock"]
SHARE = 5           # ShareLock and stronger block writes (or reads) while held
AEL = 8
TABLE_KINDS = ("r", "p", "m", "v")
ALL_MISSES = False      # list every missed statement, not a few files (run --all-misses)
KEY_PRINCIPLE = True    # rows picked by key are no scan (README.md); False: as before

# The lock/rewrite/data-loss rules, by the claim ground truth can check.
CATEGORY = OrderedDict([
    ("rewrite", ["adding-field-with-default", "adding-serial-column",
                 "changing-column-type", "ban-table-rewrite"]),
    ("data-loss", ["ban-drop-column", "ban-drop-table", "ban-drop-schema",
                   "ban-drop-database", "ban-truncate", "ban-truncate-cascade"]),
    ("scan", ["require-concurrent-index-creation", "constraint-missing-not-valid",
              "adding-foreign-key-constraint", "adding-not-nullable-field",
              "disallowed-unique-constraint", "adding-serial-primary-key-field",
              "adding-exclusion-constraint", "ban-alter-domain-with-add-constraint",
              "unbatched-backfill"]),
    ("lock", ["require-concurrent-index-deletion", "require-concurrent-reindex",
              "require-concurrent-partition-detach", "require-concurrent-refresh",
              "adding-required-field", "ban-drop-not-null", "ban-reassign-owned",
              "renaming-column", "renaming-table"]),
    ("held", ["exclusive-lock-held-across-statements"]),
    ("lock-timeout", ["require-lock-timeout"]),
    ("statement-timeout", ["require-statement-timeout"]),
])
RULE_CATEGORY = {r: c for c, rules in CATEGORY.items() for r in rules}
CORE = {"rewrite", "data-loss", "scan", "lock", "held"}
# a documented lock for the statements that cannot run in a transaction
# block, where the backend's own locks cannot be read before the commit
CONCURRENT = re.compile(r"^(CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX)\b.*\bCONCURRENTLY\b",
                        re.I | re.S)


TOKEN = re.compile(r"""\s+|--[^\n]*|/\*.*?\*/|(?P<t>"(?:[^"]|"")*"|[Ee]?'(?:[^']|'')*'|"""
                   r"""\d+(?:\.\d+)?|::|[A-Za-z_][A-Za-z0-9_$]*|<>|!=|<=|>=|\S)""", re.S)


def tokens(sql):
    return [m.group("t") for m in TOKEN.finditer(sql) if m.group("t")]


def ident(tok):
    """an identifier's name as the catalog spells it, or None"""
    if tok.startswith('"'):
        return tok[1:-1].replace('""', '"')
    return tok.lower() if re.match(r"[A-Za-z_]", tok) else None


def constant(toks, i):
    """the index after a constant (a literal, possibly negative or cast) at
    toks[i], or None"""
    if i < len(toks) and toks[i] == "-":
        i += 1
    if i >= len(toks) or not (toks[i][0] in "'0123456789" or toks[i][:2] in ("E'", "e'") or
                              toks[i].upper() in ("TRUE", "FALSE")):
        return None
    i += 1
    while i < len(toks) and toks[i] == "::":
        i += 1
        while i < len(toks) and (ident(toks[i]) or toks[i] in ".[]") and \
                toks[i].upper() not in ("AND", "OR", "RETURNING"):
            i += 1
        if i < len(toks) and toks[i] == "(":
            i = toks.index(")", i) + 1 if ")" in toks[i:] else len(toks)
    return i


def fixed_column(term):
    """col = constant, constant = col, col IN (constants): the column"""
    while len(term) > 2 and term[0] == "(" and term[-1] == ")":
        term = term[1:-1]
    col = 0
    while col + 2 < len(term) and term[col + 1] == ".":
        col += 2
    if col + 1 < len(term) and ident(term[col]) and term[col + 1] == "=" and \
            constant(term, col + 2) == len(term):
        return ident(term[col])
    if col + 2 < len(term) and ident(term[col]) and term[col + 1].upper() == "IN" and \
            term[col + 2] == "(" and term[-1] == ")":
        i = col + 3
        while i is not None and i < len(term) - 1:
            i = constant(term, i)
            if i is not None and term[i] in (",", ")"):
                i += 1 if term[i] == "," else 0
            else:
                i = None
        return ident(term[col]) if i == len(term) - 1 else None
    n = constant(term, 0)
    if n is not None and n + 1 < len(term) and term[n] == "=" and ident(term[-1]) and \
            all(ident(t) or t == "." for t in term[n + 1:]):
        return ident(term[-1])
    return None


def keyed_target(sql, keys):
    """the table an UPDATE or DELETE picks its rows of by a unique key:
    every column of one of its unique keys (recorded from the catalog)
    fixed by equality to constants in the WHERE clause, with no FROM or
    USING (README.md, "rows picked by key"); else None"""
    t = tokens(sql)
    up = [x.upper() for x in t]
    if not t or up[0] not in ("UPDATE", "DELETE") or "WHERE" not in up:
        return None
    name = 2 if up[0] == "DELETE" else 1
    if up[0] == "DELETE" and up[1] != "FROM":
        return None
    if name < len(t) and up[name] == "ONLY":
        name += 1
    while name + 2 < len(t) and t[name + 1] == ".":
        name += 2
    target = ident(t[name]) if name < len(t) else None
    depth, terms = 0, None
    for x, u in zip(t, up):
        depth += (x == "(") - (x == ")")
        if depth == 0 and terms is None:
            if u == "USING" or (u == "FROM" and up[0] == "UPDATE"):
                return None         # a join picks the rows
            if u == "WHERE":
                terms = [[]]
            continue
        if depth == 0 and u in ("RETURNING", ";"):
            break
        if depth == 0 and u == "OR":
            return None
        if terms is not None:
            if depth == 0 and u == "AND":
                terms.append([])
            else:
                terms[-1].append(x)
    if terms is None:           # the WHERE of a subquery only
        return None
    fixed = {fixed_column(term) for term in terms} - {None}
    for rel, ks in (keys or {}).items():
        if ident(rel.split(".", 1)[1]) == target and any(set(k) <= fixed for k in ks):
            return rel
    return None


def strength(mode):
    return MODES.index(mode) + 1 if mode in MODES else 0


def strip_comments(sql):
    return re.sub(r"^(\s*(--[^\n]*\n|/\*.*?\*/))*\s*", "", sql, flags=re.S)


class Truth:
    """what one statement did to the relations that existed when its file
    started; None fields were not observable"""

    def __init__(self, g, sql):
        self.g = g
        self.sql = strip_comments(sql)
        self.failed = g["sqlstate"] is not None or g["how"] == "transaction-control"
        self.truncate = bool(re.match(r"TRUNCATE\b", self.sql, re.I))
        locks = g["locks"]
        self.documented = False
        if locks is None and g["how"] == "direct" and CONCURRENT.match(self.sql):
            locks = {t: {"mode": "ShareUpdateExclusiveLock", "kind": "r"}
                     for t in g["indexed"] + g["rebuilt"]}
            self.documented = True
        self.table_locks = None if locks is None else {
            n: strength(v["mode"]) for n, v in locks.items() if v["kind"] in TABLE_KINDS}
        self.max_lock = None if self.table_locks is None else max(self.table_locks.values(),
                                                                  default=0)
        self.rewritten = [] if self.truncate else g["rewritten"]
        self.rebuilt = g["rebuilt"]
        self.loss = g["dropped_tables"] + g["dropped_columns"] + \
            (g["rewritten"] if self.truncate else [])
        # a row picked by key is no scan, whatever the empty table's plan
        self.keyed = keyed_target(self.sql, g.get("keys")) if KEY_PRINCIPLE else None
        if self.keyed and g["scanned"]:
            g = dict(g, scanned=[r for r in g["scanned"] if r != self.keyed])
            self.g = g
        scanned = set(g["scanned"] or []) | set(g["indexed"])
        self.slow = bool(self.rewritten or self.rebuilt or scanned)
        self.blocking_scan = [] if self.table_locks is None else sorted(
            t for t in scanned if self.table_locks.get(t, 0) >= SHARE)
        self.scan_known = g["scanned"] is not None or bool(g["indexed"])
        self.ael = [] if self.table_locks is None else sorted(
            t for t, m in self.table_locks.items() if m == AEL)


def judge_timeout(cat, rest):
    """the timeout rules are reported once per script, at the first statement
    that needs the setting: they hold for the rest of the file.  rest: the
    statements from here on, each with the strongest lock earlier statements
    of the file took on an existing table (held until commit in the file's
    transaction, which the replay's own commits lose)"""
    seen = [(u, h) for u, h in rest if u is not None and not u.failed and u.max_lock is not None]
    if cat == "lock-timeout":
        if any(u.max_lock >= SHARE for u, h in seen):
            return "confirmed"
        why = "no lock that queues readers or writers on an existing table from here on"
    else:
        if any(u.rewritten or u.rebuilt or u.blocking_scan or (u.slow and h >= SHARE)
               for u, h in seen):
            return "confirmed"
        why = "nothing slow under a lock that blocks writes from here on"
    return "contradicted: " + why if seen else "unverifiable: locks not observable"


def judge(f, t, held_before, rule_lock, rest):
    """'confirmed', 'contradicted: why' or 'unverifiable: why'"""
    cat = RULE_CATEGORY[f["rule"]]
    if cat in ("lock-timeout", "statement-timeout"):
        return judge_timeout(cat, rest)
    if t is None:
        return "unverifiable: statement not run"
    if t.failed:
        return "unverifiable: statement failed on replay"
    claim = strength(f["lock"] or rule_lock or "")
    if cat == "rewrite":
        if t.rewritten or (not f["rewrites"] and t.rebuilt):
            return "confirmed"
        return "contradicted: no relfilenode changed" if not t.rebuilt else \
            "contradicted: indexes rebuilt, table not rewritten"
    if cat == "data-loss":
        return "confirmed" if t.loss else "contradicted: nothing existing dropped"
    if cat == "held":
        # the finding names the lock held from before: at least as strong,
        # and blocking writes, on an existing table
        if not t.slow:
            return "contradicted: nothing slow (scan, rewrite, index build) in this statement"
        return "confirmed" if held_before >= max(claim, SHARE) else \
            "contradicted: no lock as strong as claimed on an existing table held from before"
    if t.max_lock is None:
        return "unverifiable: locks not observable (statement ran outside a transaction block)"
    if cat == "scan":
        if not t.scan_known:
            return "unverifiable: scans not observable"
        if not (set(t.g["scanned"] or []) | set(t.g["indexed"])):
            return "contradicted: no existing table scanned"
    if t.max_lock >= claim:
        return "confirmed"
    return "contradicted: claimed %s, took %s" % (
        MODES[claim - 1] if claim else "a lock",
        MODES[t.max_lock - 1] if t.max_lock else "no lock on an existing table")


def events(t, ael_before):
    """the ground-truth hazards of a statement: (kind, relations)"""
    if t is None or t.failed:
        return []
    ev = []
    if t.rewritten:
        ev.append(("rewrite", t.rewritten))
    if t.rebuilt:
        ev.append(("index rebuild", t.rebuilt))
    if t.loss:
        ev.append(("data loss", t.loss))
    if t.blocking_scan:
        ev.append(("scan under a write-blocking lock", t.blocking_scan))
    if t.slow and ael_before:
        ev.append(("slow while ACCESS EXCLUSIVE is held", sorted(ael_before)))
    if t.ael:
        ev.append(("ACCESS EXCLUSIVE lock", t.ael))
    return ev


def sets_lock_timeout(sql):
    """a SET [LOCAL] lock_timeout (or set_config) to a non-zero value"""
    s = strip_comments(sql)
    if re.match(r"SET\s+(LOCAL\s+|SESSION\s+)?lock_timeout\b", s, re.I):
        return not re.search(r"(=|\bTO\b)\s*'?0'?\s*;?\s*$", s, re.I)
    return bool(re.search(r"set_config\s*\(\s*'lock_timeout'\s*,\s*'[1-9]", s, re.I))


def short(sql, n=160):
    s = " ".join(strip_comments(sql).split())
    return s if len(s) <= n else s[:n - 3] + "..."


def score_project(data, rule_locks):
    stmts = {(s["file_no"], s["statement"]): s for s in data["stmts"]}
    gts = {(g["file_no"], g["statement"]): g for g in data["gt"]}
    paths = {f["file_no"]: f["path"] for f in data["files"]}
    truth, held, held_max = {}, {}, {}
    lock_timeout_at = {}        # file -> first statement that sets it or is told to
    for f in data["files"]:
        ael = set()
        strongest = 0           # the strongest lock taken so far on an old table
        for s in range(1, (f["statements"] or 0) + 1):
            if sets_lock_timeout(stmts[(f["file_no"], s)]["sql"]):
                lock_timeout_at.setdefault(f["file_no"], s)
            g = gts.get((f["file_no"], s))
            t = Truth(g, stmts[(f["file_no"], s)]["sql"]) if g else None
            truth[(f["file_no"], s)] = t
            held[(f["file_no"], s)] = set(ael)
            held_max[(f["file_no"], s)] = strongest
            if t and not t.failed:
                ael |= set(t.ael)
                strongest = max(strongest, t.max_lock or 0)
    by_stmt = defaultdict(list)
    verdicts = []
    for x in data["findings"]:
        key = (x["file_no"], x["statement"])
        by_stmt[key].append(x)
        if x["rule"] not in RULE_CATEGORY:
            continue
        if x["rule"] == "require-lock-timeout":
            lock_timeout_at[key[0]] = min(key[1], lock_timeout_at.get(key[0], key[1]))
        rest = [(t, held_max[k]) for k, t in truth.items() if k[0] == key[0] and k[1] >= key[1]]
        v = judge(x, truth.get(key), held_max.get(key, 0), rule_locks.get(x["rule"]), rest)
        verdicts.append((x, v, key))
    ev_rows = []
    for key, t in truth.items():
        ev = events(t, held[key])
        if not ev:
            continue
        cats = {RULE_CATEGORY.get(x["rule"]) for x in by_stmt.get(key, [])}
        core = [k for k in ev if k[0] != "ACCESS EXCLUSIVE lock"]
        timeout = lock_timeout_at.get(key[0], key[1] + 1) <= key[1]
        ev_rows.append({"key": key, "events": ev, "core": core,
                        "core_covered": bool(cats & CORE),
                        "any_covered": bool(cats & CORE) or timeout})
    return {"verdicts": verdicts, "events": ev_rows, "stmts": stmts, "paths": paths,
            "truth": truth, "findings": data["findings"]}


def pr(verdicts, events, cats, core_only):
    v = [x for x in verdicts if RULE_CATEGORY[x[0]["rule"]] in cats]
    c = sum(1 for x in v if x[1] == "confirmed")
    k = sum(1 for x in v if x[1].startswith("contradicted"))
    ev = [e for e in events if (e["core"] if core_only else True)]
    hit = sum(1 for e in ev if e["core_covered" if core_only else "any_covered"])
    p = 100.0 * c / (c + k) if c + k else float("nan")
    r = 100.0 * hit / len(ev) if ev else float("nan")
    return c, k, p, hit, len(ev), r


def summary_section(scored):
    out = ["| project | tool | files | statements | run in a transaction / directly / "
           "transaction control / failed | findings | lint errors | lint time | replay time |",
           "|---|---|---|---|---|---|---|---|---|"]
    for d, _ in scored:
        hows = defaultdict(int)
        for g in d["gt"]:
            hows["failed" if g["sqlstate"] else g["how"]] += 1
        out.append("| %s | %s | %d | %d | %d / %d / %d / %d | %d | %d | %.1f s | %.0f s |" % (
            d["project"]["name"], d["project"]["tool"], len(d["files"]), len(d["stmts"]),
            hows["in-transaction"], hows["direct"], hows["transaction-control"],
            hows["failed"], len(d["findings"]),
            sum(1 for f in d["files"] if f["lint_error"]),
            sum(float(f["lint_ms"] or 0) for f in d["files"]) / 1000, d["seconds"]))
    return out + ["", "Total replay time: %.0f s." % sum(d["seconds"] for d, _ in scored), ""]


def precision_section(scored):
    out = ["## Precision and recall", "",
           "*core* = the lock, rewrite and data-loss rules (categories rewrite, data-loss, "
           "scan, lock, held below); its recall counts the statements with a rewrite, index "
           "rebuild, data loss, write-blocking scan or slow step under a held ACCESS "
           "EXCLUSIVE lock. *core + lock timeout* adds `require-lock-timeout`, and its recall "
           "also counts every ACCESS EXCLUSIVE lock on an existing table.", "",
           "| project | core precision | core recall | core + lock timeout precision | "
           "core + lock timeout recall |", "|---|---|---|---|---|"]
    rows = [(d["project"]["name"], s["verdicts"], s["events"]) for d, s in scored]
    rows.append(("**all**", [v for _, s in scored for v in s["verdicts"]],
                 [e for _, s in scored for e in s["events"]]))
    for name, v, e in rows:
        a = pr(v, e, CORE, True)
        b = pr(v, e, CORE | {"lock-timeout"}, False)
        out.append("| %s | %.1f%% (%d/%d) | %.1f%% (%d/%d) | %.1f%% (%d/%d) | %.1f%% (%d/%d) |" % (
            name, a[2], a[0], a[0] + a[1], a[5], a[3], a[4],
            b[2], b[0], b[0] + b[1], b[5], b[3], b[4]))
    return out + [""]


def rule_section(scored):
    out = ["## Per rule", "",
           "| category | rule | findings | confirmed | contradicted | unverifiable | precision |",
           "|---|---|---|---|---|---|---|"]
    all_v = [v for _, s in scored for v in s["verdicts"]]
    for cat, rules in CATEGORY.items():
        for r in rules:
            v = [x for x in all_v if x[0]["rule"] == r]
            if not v:
                continue
            c = sum(1 for x in v if x[1] == "confirmed")
            k = sum(1 for x in v if x[1].startswith("contradicted"))
            out.append("| %s | `%s` | %d | %d | %d | %d | %s |" % (
                cat, r, len(v), c, k, len(v) - c - k,
                "%.1f%%" % (100.0 * c / (c + k)) if c + k else "—"))
    other = defaultdict(int)
    for _, s in scored:
        for x in s["findings"]:
            if x["rule"] not in RULE_CATEGORY:
                other[x["rule"]] += 1
    return out + ["", "Other rules (not judged by ground truth): " + ", ".join(
        "`%s` %d" % kv for kv in sorted(other.items(), key=lambda kv: -kv[1])) + ".", ""]


def where(d, s, key):
    return "%s %s statement %d" % (d["project"]["name"], s["paths"][key[0]], key[1])


def contradicted_section(scored):
    out = ["## Contradicted findings, by rule and reason", ""]
    groups = defaultdict(list)
    for d, s in scored:
        for x, v, key in s["verdicts"]:
            if v.startswith("contradicted"):
                groups[(x["rule"], v[len("contradicted: "):])].append((d, s, key))
    for (rule, why), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        d, s, key = items[0]
        out.append("- `%s` (%d): %s. E.g. %s: `%s`" % (
            rule, len(items), why, where(d, s, key), short(s["stmts"][key]["sql"])))
    return out + [""]


def miss_section(scored):
    """the statements with a hazard and no finding, a few files each"""
    out = ["## Misses, by hazard", "",
           "Statements whose ground truth shows the hazard and that got no finding of the "
           "family (core; the ACCESS EXCLUSIVE row: core + lock timeout); " +
           ("all of them." if ALL_MISSES else "one example a file, six files at most."), ""]
    miss = defaultdict(list)
    for d, s in scored:
        for e in s["events"]:
            for kind, rels in e["events"]:
                covered = e["any_covered"] if kind == "ACCESS EXCLUSIVE lock" else e["core_covered"]
                if not covered:
                    miss[kind].append((d, s, e["key"], rels))
    for kind, items in sorted(miss.items(), key=lambda kv: -len(kv[1])):
        out.append("- %s (%d statements)" % (kind, len(items)))
        files = set()
        for d, s, key, rels in items:
            if not ALL_MISSES and ((d["project"]["name"], key[0]) in files or len(files) >= 6):
                continue
            files.add((d["project"]["name"], key[0]))
            out.append("  - %s (%s): `%s`" % (where(d, s, key), ", ".join(rels[:3]),
                                              short(s["stmts"][key]["sql"])))
    return out + [""]


def failed_section(scored):
    failed = [(d, g) for d, _ in scored for g in d["gt"] if g["sqlstate"]]
    out = ["## Statements that failed on replay (%d)" % len(failed), ""]
    for d, g in failed[:15]:
        out.append("- %s file %d statement %d: %s %s" % (
            d["project"]["name"], g["file_no"], g["statement"], g["sqlstate"],
            (g["error"] or "").splitlines()[0][:150] if g["error"] else ""))
    if len(failed) > 15:
        out.append("- ... and %d more" % (len(failed) - 15))
    return out


def report(results):
    rule_locks = results[0]["rules"] if results else {}
    scored = [(d, score_project(d, rule_locks)) for d in results]
    out = ["# schemashift lint on real migration histories", "",
           "Produced by `bench/corpus/run` (see README.md for the method).", ""]
    for section in (summary_section, precision_section, rule_section,
                    contradicted_section, miss_section, failed_section):
        out += section(scored)
    return "\n".join(out) + "\n"
