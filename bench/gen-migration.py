#!/usr/bin/env python3
"""Generate a deterministic PostgreSQL migration script for the benchmark.

    gen-migration.py --statements N [--seed S] [--schema FILE] > migration.sql

The script is a long run of small "migrations", the way a project's
migration history reads when concatenated: CREATE TABLE with assorted column
types, ALTER TABLE ADD COLUMN with constant and volatile defaults, CREATE
INDEX (plain, unique, partial, GIN, CONCURRENTLY), ADD CONSTRAINT (foreign
keys, CHECK, UNIQUE, NOT VALID + VALIDATE), SET NOT NULL, DROP COLUMN,
column type changes, UPDATE backfills, COMMENT ON, enum types, trigger
functions, with SET lock_timeout / BEGIN / COMMIT around most of them and
"--" comments between them.  It has exactly N statements.

--pad-to BYTES appends "--" comment lines until the file has about that
many bytes: a control with more text but no more statements.

--schema FILE also writes the tables the migration assumes already exist
(the same for every N and seed), so a linter that reads the live catalog
has something to find.  Same seed, same output: byte for byte.
"""
import argparse
import random
import sys

WORDS = ["account", "order", "invoice", "payment", "customer", "product",
         "shipment", "session", "event", "audit", "profile", "address",
         "subscription", "coupon", "review", "message", "ticket", "report",
         "warehouse", "supplier"]
COLWORDS = ["status", "note", "amount", "email", "label", "score", "flag",
            "region", "source", "external_ref", "payload", "tags", "weight",
            "expires_at", "last_seen", "priority", "currency", "ip", "digest",
            "quantity"]

# (SQL type, constant default, volatile default or None)
TYPES = [
    ("bigint", "0", "(random() * 1000)::bigint"),
    ("integer", "0", None),
    ("smallint", "1", None),
    ("text", "''", "md5(random()::text)"),
    ("varchar(64)", "'n/a'", None),
    ("char(2)", "'xx'", None),
    ("boolean", "false", None),
    ("timestamptz", "'2024-01-01 00:00:00+00'", "clock_timestamp()"),
    ("timestamp", "'2024-01-01 00:00:00'", None),
    ("date", "'2024-01-01'", None),
    ("numeric(12,2)", "0.00", None),
    ("double precision", "0", "random()"),
    ("jsonb", "'{}'::jsonb", None),
    ("json", "'{}'", None),
    ("uuid", None, "gen_random_uuid()"),
    ("inet", None, None),
    ("bytea", None, None),
    ("text[]", "'{}'", None),
]

N_EXISTING = 200          # tables in the pre-existing schema


class Table:
    def __init__(self, name, existing):
        self.name = name
        self.existing = existing
        self.cols = {"id": "bigint"}      # column -> type
        self.indexes = []                 # (name, columns, unique, partial)
        self.pending = []                 # NOT VALID constraints to validate
        self.referenced = False           # some foreign key points here


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.tables = []
        self.seq = 0
        self.enums = []

    def uid(self):
        self.seq += 1
        return self.seq

    def coltype(self):
        return self.r.choice(TYPES)

    def new_colname(self, t):
        while True:
            c = "%s_%d" % (self.r.choice(COLWORDS), self.r.randrange(1000))
            if c not in t.cols:
                return c

    def pick_table(self):
        return self.r.choice(self.tables)

    def pick_col(self, t):
        cols = [c for c in t.cols if c != "id"]
        return self.r.choice(cols) if cols else None

    # --- the pre-existing schema ---------------------------------------

    def existing_schema(self):
        out = []
        r = random.Random(1)              # independent of --seed: fixed schema
        for i in range(N_EXISTING):
            t = Table("%s_%d" % (WORDS[i % len(WORDS)], i), True)
            cols = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
            for _ in range(r.randrange(3, 8)):
                typ = r.choice(TYPES)[0]
                c = "%s_%d" % (r.choice(COLWORDS), r.randrange(1000))
                if c in t.cols:
                    continue
                t.cols[c] = typ
                cols.append("%s %s" % (c, typ))
            out.append("CREATE TABLE %s (%s);" % (t.name, ", ".join(cols)))
            self.tables.append(t)
        return out

    # --- statements ----------------------------------------------------

    def create_table(self):
        r = self.r
        t = Table("%s_v%d" % (r.choice(WORDS), self.uid()), False)
        cols = [r.choice(["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                          "id bigserial PRIMARY KEY",
                          "id serial PRIMARY KEY",
                          "id uuid PRIMARY KEY DEFAULT gen_random_uuid()"])]
        if cols[0].startswith("id uuid"):
            t.cols["id"] = "uuid"
        for _ in range(r.randrange(3, 11)):
            typ, const, vol = self.coltype()
            c = self.new_colname(t)
            t.cols[c] = typ
            d = c + " " + typ
            if const is not None and r.random() < 0.4:
                d += " NOT NULL DEFAULT " + const
            elif r.random() < 0.15:
                d += " NOT NULL"
            cols.append(d)
        if r.random() < 0.5 and self.tables:
            ref = self.pick_table()
            ref.referenced = True
            c = "%s_id" % ref.name
            t.cols[c] = ref.cols["id"]
            cols.append("%s %s REFERENCES %s (id) ON DELETE CASCADE"
                        % (c, ref.cols["id"], ref.name))
        cols.append("created_at timestamptz NOT NULL DEFAULT now()")
        t.cols["created_at"] = "timestamptz"
        ine = "IF NOT EXISTS " if r.random() < 0.3 else ""
        self.tables.append(t)
        return ["CREATE TABLE %s%s (\n    %s\n);" % (ine, t.name, ",\n    ".join(cols))]

    def add_column(self):
        r = self.r
        t = self.pick_table()
        typ, const, vol = self.coltype()
        c = self.new_colname(t)
        t.cols[c] = typ
        s = "ALTER TABLE %s ADD COLUMN %s%s %s" % (
            t.name, "IF NOT EXISTS " if r.random() < 0.3 else "", c, typ)
        x = r.random()
        if vol is not None and x < 0.2:
            s += " DEFAULT " + vol
        elif const is not None and x < 0.7:
            s += " DEFAULT " + const
            if r.random() < 0.5:
                s += " NOT NULL"
        elif x > 0.95:
            s += " NOT NULL"
        return [s + ";"]

    def create_index(self, concurrently):
        r = self.r
        t = self.pick_table()
        cols = [c for c in t.cols if c != "id" and t.cols[c] != "json"]
        if not cols:
            return self.add_column()
        c = r.choice(cols)
        name = "%s_%s_idx%d" % (t.name[:20], c[:20], self.uid())
        conc = "CONCURRENTLY " if concurrently else ""
        ine = "IF NOT EXISTS " if r.random() < 0.5 else ""
        if t.cols[c] in ("jsonb", "text[]"):
            t.indexes.append((name, [c], False, False))
            return ["CREATE INDEX %s%s%s ON %s USING gin (%s);"
                    % (conc, ine, name, t.name, c)]
        ic = [c]
        plain = [x for x in cols if x != c and t.cols[x] not in ("jsonb", "text[]")]
        if plain and r.random() < 0.3:
            ic.append(r.choice(plain))
        unique = r.random() < 0.15
        partial = "created_at" in t.cols and r.random() < 0.2
        t.indexes.append((name, ic, unique, partial))
        return ["CREATE %sINDEX %s%s%s ON %s (%s)%s;"
                % ("UNIQUE " if unique else "", conc, ine, name, t.name, ", ".join(ic),
                   " WHERE created_at > '2024-01-01'" if partial else "")]

    def add_constraint(self):
        r = self.r
        t = self.pick_table()
        x = r.random()
        cname = "%s_c%d" % (t.name[:40], self.uid())
        if x < 0.4:
            ref = self.pick_table()
            c = "%s_ref%d" % (ref.name[:30], self.uid())
            t.cols[c] = ref.cols["id"]
            ref.referenced = True
            out = ["ALTER TABLE %s ADD COLUMN %s %s;" % (t.name, c, ref.cols["id"])]
            nv = r.random() < 0.6
            out.append("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (id)%s;"
                       % (t.name, cname, c, ref.name, " NOT VALID" if nv else ""))
            if nv:
                t.pending.append((cname, c))
            return out
        c = self.pick_col(t)
        if c is None:
            return self.add_column()
        if x < 0.75:
            nv = r.random() < 0.6
            if nv:
                t.pending.append((cname, c))
            return ["ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL)%s;"
                    % (t.name, cname, c, " NOT VALID" if nv else "")]
        uniq = [i for i in t.indexes if i[2] and not i[3]]
        if x < 0.9 and uniq:
            t.indexes.remove(uniq[0])
            return ["ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s;"
                    % (t.name, cname, uniq[0][0])]
        if t.cols[c] in ("json", "jsonb", "text[]"):
            return self.set_not_null()
        return ["ALTER TABLE %s ADD CONSTRAINT %s UNIQUE (%s);" % (t.name, cname, c)]

    def validate(self):
        ts = [t for t in self.tables if t.pending]
        if not ts:
            return self.add_constraint()
        t = self.r.choice(ts)
        return ["ALTER TABLE %s VALIDATE CONSTRAINT %s;" % (t.name, t.pending.pop(0)[0])]

    def set_not_null(self):
        t = self.pick_table()
        c = self.pick_col(t)
        if c is None:
            return self.add_column()
        return ["ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;" % (t.name, c)]

    def defaults(self):
        r = self.r
        t = self.pick_table()
        c = self.pick_col(t)
        if c is None:
            return self.add_column()
        if r.random() < 0.3:
            return ["ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;" % (t.name, c)]
        const = [ty for ty in TYPES if ty[0] == t.cols[c]]
        d = const[0][1] if const and const[0][1] is not None else "NULL"
        return ["ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;" % (t.name, c, d)]

    def change_type(self):
        t = self.pick_table()
        cs = [c for c, ty in t.cols.items() if ty in ("integer", "varchar(64)", "smallint")]
        if not cs:
            return self.set_not_null()
        c = self.r.choice(cs)
        new = {"integer": "bigint", "smallint": "integer", "varchar(64)": "text"}[t.cols[c]]
        t.cols[c] = new
        return ["ALTER TABLE %s ALTER COLUMN %s TYPE %s;" % (t.name, c, new)]

    def drop_column(self):
        t = self.pick_table()
        c = self.pick_col(t)
        if c is None or c == "created_at":
            return self.add_column()
        del t.cols[c]
        t.indexes = [i for i in t.indexes if c not in i[1]]    # dropped with it
        t.pending = [p for p in t.pending if p[1] != c]         # so are these
        ie = "IF EXISTS " if self.r.random() < 0.4 else ""
        return ["ALTER TABLE %s DROP COLUMN %s%s;" % (t.name, ie, c)]

    def rename(self):
        t = self.pick_table()
        c = self.pick_col(t)
        if c is None or c == "created_at":
            return self.add_column()
        n = self.new_colname(t)
        t.cols[n] = t.cols.pop(c)
        t.pending = [(p[0], n if p[1] == c else p[1]) for p in t.pending]
        t.indexes = [(i[0], [n if x == c else x for x in i[1]], i[2], i[3])
                     for i in t.indexes]
        return ["ALTER TABLE %s RENAME COLUMN %s TO %s;" % (t.name, c, n)]

    def update(self):
        r = self.r
        t = self.pick_table()
        c = self.pick_col(t)
        if c is None:
            return self.add_column()
        typ = t.cols[c]
        const = [ty[1] for ty in TYPES if ty[0] == typ]
        v = const[0] if const and const[0] is not None else "NULL"
        if r.random() < 0.6:
            lo = r.randrange(0, 1000000, 1000)
            return ["UPDATE %s SET %s = %s WHERE id >= %d AND id < %d;"
                    % (t.name, c, v, lo, lo + 1000)] if typ != "uuid" and t.cols["id"] != "uuid" \
                else ["UPDATE %s SET %s = %s WHERE %s IS NULL;" % (t.name, c, v, c)]
        return ["UPDATE %s SET %s = %s WHERE %s IS NULL;" % (t.name, c, v, c)]

    def comment(self):
        r = self.r
        t = self.pick_table()
        c = self.pick_col(t)
        txt = "%s of the %s, see ticket #%d" % (r.choice(COLWORDS), t.name, r.randrange(10000))
        if c is None or r.random() < 0.3:
            return ["COMMENT ON TABLE %s IS '%s';" % (t.name, txt)]
        return ["COMMENT ON COLUMN %s.%s IS '%s';" % (t.name, c, txt.replace("'", "''"))]

    def enum(self):
        r = self.r
        if self.enums and r.random() < 0.6:
            e = r.choice(self.enums)
            return ["ALTER TYPE %s ADD VALUE IF NOT EXISTS 'v%d'%s;"
                    % (e, self.uid(), " AFTER 'new'" if r.random() < 0.5 else "")]
        e = "%s_state%d" % (r.choice(WORDS), self.uid())
        self.enums.append(e)
        return ["CREATE TYPE %s AS ENUM ('new', 'active', 'closed');" % e]

    def trigger(self):
        t = self.pick_table()
        f = "%s_touch%d" % (t.name[:30], self.uid())
        return ["CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n    NEW.created_at := now();  -- keep it fresh; a ';' here is not a statement end\n"
                "    RETURN NEW;\nEND\n$$;" % f,
                "CREATE TRIGGER %s BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s();"
                % (f, t.name, f)]

    def drop(self):
        r = self.r
        if r.random() < 0.7:
            ts = [t for t in self.tables if t.indexes]
            if ts:
                t = r.choice(ts)
                return ["DROP INDEX CONCURRENTLY IF EXISTS %s;" % t.indexes.pop()[0]]
        ts = [t for t in self.tables if not t.existing and not t.referenced]
        if not ts or len(self.tables) < 50:
            return self.add_column()
        t = r.choice(ts)
        self.tables.remove(t)
        return ["DROP TABLE IF EXISTS %s;" % t.name]

    # (weight, generator, allowed in a transaction)
    KINDS = [
        (8, "create_table", True), (18, "add_column", True),
        (6, "index_tx", True), (6, "index_conc", False),
        (8, "add_constraint", True), (3, "validate", True),
        (5, "set_not_null", True), (4, "defaults", True),
        (3, "change_type", True), (4, "drop_column", True),
        (1, "rename", True), (9, "update", True), (9, "comment", True),
        (1, "enum", True), (1, "trigger", True), (2, "drop", False),
    ]

    def body_stmt(self, in_tx):
        kinds = [k for k in self.KINDS if k[2] or not in_tx]
        name = self.r.choices([k[1] for k in kinds], [k[0] for k in kinds])[0]
        if name == "index_tx":
            return self.create_index(False)
        if name == "index_conc":
            return self.create_index(True)
        return getattr(self, name)()

    def migration(self, budget):
        """One migration of at most budget statements (and a comment)."""
        r = self.r
        self.nmig = getattr(self, "nmig", 0) + 1
        mid = self.nmig
        head = ["-- migration %05d: %s" % (mid, r.choice(
            ["add %s columns" % r.choice(WORDS), "backfill", "new indexes",
             "constraints", "cleanup", "schema changes for " + r.choice(WORDS)]))]
        in_tx = budget >= 6 and r.random() < 0.7
        stmts = []
        if r.random() < 0.8 and budget >= 4:
            stmts += ["SET lock_timeout = '2s';", "SET statement_timeout = '30s';"]
        if in_tx:
            stmts.insert(0, "BEGIN;")
        want = r.randrange(2, 15)
        while want > 0:
            s = self.body_stmt(in_tx)
            if len(stmts) + len(s) + (1 if in_tx else 0) > budget:
                break
            stmts += s
            want -= 1
        if in_tx:
            stmts.append("COMMIT;")
        if len(stmts) == 0:            # budget too small for anything above
            stmts = ["COMMENT ON TABLE %s IS 'end';" % self.pick_table().name]
        return head + stmts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--statements", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--schema", help="also write the pre-existing tables here")
    ap.add_argument("--pad-to", type=int, default=0, metavar="BYTES",
                    help="pad with comment lines to about BYTES bytes")
    a = ap.parse_args()

    g = Gen(a.seed)
    schema = g.existing_schema()
    if a.schema:
        with open(a.schema, "w") as f:
            f.write("\n".join(schema) + "\n")

    parts = ["-- schemashift benchmark migration: %d statements, seed %d\n"
             % (a.statements, a.seed)]
    left = a.statements
    while left > 0:
        lines = g.migration(left)
        left -= len(lines) - 1         # the head is a comment, not a statement
        parts.append("\n".join(lines) + "\n\n")
    assert left == 0
    text = "".join(parts)
    pad = "-- padding: " + "x" * 67 + "\n"   # 80 bytes, ASCII
    if a.pad_to > len(text):
        text += pad * ((a.pad_to - len(text)) // len(pad))
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
