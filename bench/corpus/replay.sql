-- bench/corpus/replay.sql: the recording side of the corpus replay, loaded
-- into each project's throw-away database before its first migration file.
--
-- bench.lint_file() lints a file against the schema built so far and
-- remembers which relations existed when the file started ("old": the ones
-- a production database would hold rows in).  bench.exec() runs one
-- statement inside the caller's transaction and records what it did to the
-- old relations: relfilenodes that changed (rewrites, index rebuilds),
-- relations and columns that vanished (data loss), sequential and index
-- scans counted by the statistics system, indexes built on them, and the
-- relation locks the backend holds right after the statement, before the
-- commit.  A statement that refuses to run inside a transaction block or a
-- function (CREATE INDEX CONCURRENTLY, VACUUM...) is left to the driver,
-- which runs it directly between bench.before() and bench.after(): its
-- relfilenodes and dropped objects are recorded, its locks and scans are
-- not observable that way.

CREATE SCHEMA bench;

CREATE TABLE bench.files (
    file_no int PRIMARY KEY,
    path text NOT NULL,
    statements int,
    lint_error text,
    lint_ms numeric);

CREATE TABLE bench.stmts (
    file_no int,
    statement int,
    line int,
    col int,
    sql text,
    PRIMARY KEY (file_no, statement));

CREATE TABLE bench.findings (
    file_no int,
    statement int,
    line int,
    col int,
    rule text,
    level text,
    object text,
    lock text,
    rewrites boolean,
    message text);

-- the relations that existed when the current file started
CREATE TABLE bench.old_rels (relid oid PRIMARY KEY);

-- ground truth, one row per statement run
CREATE TABLE bench.gt (
    file_no int,
    statement int,
    how text,               -- in-transaction, direct, transaction-control
    sqlstate text,          -- NULL when the statement succeeded
    error text,
    locks jsonb,            -- {"schema.rel": {"mode": "AccessExclusiveLock", "kind": "r"}, ...}:
                            -- strongest lock per old relation (and index of one); NULL when not observable
    rewritten text[],       -- old tables whose relfilenode changed
    rebuilt text[],         -- indexes of old tables rebuilt (same oid, new relfilenode; or
                            -- dropped and recreated under the same name) without a rewrite of their table
    dropped_tables text[],  -- old tables and partitioned tables gone
    dropped_columns text[], -- columns of old tables gone
    scanned text[],         -- old tables scanned (seq or index scans); NULL when not observable
    indexed text[],         -- old tables that got a new index
    keys jsonb,             -- {"schema.rel": [["col", ...], ...]}: the unique keys (unique
                            -- indexes without predicate or expression, the primary key) of
                            -- each scanned table, for score.py's rows picked by key
    PRIMARY KEY (file_no, statement));

CREATE TYPE bench.rel AS (
    relid oid, name text, relkind "char", relfilenode oid, indrelid oid, scans bigint);
CREATE TYPE bench.col AS (attrelid oid, attnum int2, name text);

-- pending snapshot of a statement the driver runs directly
CREATE TABLE bench.pending (rels bench.rel[], cols bench.col[]);

CREATE FUNCTION bench.rels() RETURNS bench.rel[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(pg_catalog.array_agg(ROW(c.oid,
               pg_catalog.format('%I.%I', n.nspname, c.relname), c.relkind,
               c.relfilenode, i.indrelid,
               pg_catalog.pg_stat_get_xact_numscans(c.oid))::bench.rel), '{}')
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    LEFT JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) c.oid
    WHERE c.oid IN (SELECT relid FROM bench.old_rels)
       OR i.indrelid IN (SELECT relid FROM bench.old_rels)
$$;

CREATE FUNCTION bench.cols() RETURNS bench.col[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(pg_catalog.array_agg(ROW(a.attrelid, a.attnum,
               pg_catalog.format('%I.%I.%I', n.nspname, c.relname, a.attname))::bench.col), '{}')
    FROM bench.old_rels o
    JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) o.relid
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid
    WHERE c.relkind IN ('r', 'p') AND a.attnum OPERATOR(pg_catalog.>) 0
      AND NOT a.attisdropped
$$;

-- what the statement between the two snapshots did to the old relations
CREATE FUNCTION bench.record(f int, s int, how text, b bench.rel[], bc bench.col[],
                             observe boolean, state text, err text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    a bench.rel[] := bench.rels();
    ac bench.col[] := bench.cols();
BEGIN
    INSERT INTO bench.gt
    SELECT f, s, how, state, err,
        CASE WHEN observe THEN (
            SELECT coalesce(pg_catalog.jsonb_object_agg(name,
                       pg_catalog.jsonb_build_object('mode', mode, 'kind', relkind)), '{}')
            FROM (SELECT DISTINCT ON (r.name) r.name, r.relkind, l.mode
                  FROM pg_catalog.pg_locks l
                  JOIN pg_catalog.unnest(b) r ON r.relid OPERATOR(pg_catalog.=) l.relation
                  WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
                    AND l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted
                  ORDER BY r.name, pg_catalog.array_position(ARRAY['AccessShareLock',
                      'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock',
                      'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock',
                      'AccessExclusiveLock'], l.mode) DESC) m) END,
        ARRAY(SELECT x.name FROM pg_catalog.unnest(b) x JOIN pg_catalog.unnest(a) y USING (relid)
              WHERE x.relkind IN ('r', 'm')
                AND x.relfilenode OPERATOR(pg_catalog.<>) y.relfilenode ORDER BY 1),
        -- a rebuilt index keeps its oid (REINDEX) or its name (ALTER COLUMN TYPE
        -- drops and recreates the indexes on the column: a new index, not an
        -- existing one renamed, as ADD PRIMARY KEY USING INDEX does)
        ARRAY(SELECT x.name FROM pg_catalog.unnest(b) x
              JOIN pg_catalog.unnest(a) y
                ON y.relid OPERATOR(pg_catalog.=) x.relid
                   AND y.relfilenode OPERATOR(pg_catalog.<>) x.relfilenode
                OR y.relid NOT IN (SELECT relid FROM pg_catalog.unnest(b))
                   AND y.name OPERATOR(pg_catalog.=) x.name
                   AND y.indrelid OPERATOR(pg_catalog.=) x.indrelid
              JOIN pg_catalog.unnest(b) tb ON tb.relid OPERATOR(pg_catalog.=) x.indrelid
              JOIN pg_catalog.unnest(a) ta ON ta.relid OPERATOR(pg_catalog.=) x.indrelid
              WHERE x.relkind OPERATOR(pg_catalog.=) 'i'
                AND tb.relfilenode OPERATOR(pg_catalog.=) ta.relfilenode ORDER BY 1),
        ARRAY(SELECT x.name FROM pg_catalog.unnest(b) x
              WHERE x.relkind IN ('r', 'p')
                AND x.relid NOT IN (SELECT relid FROM pg_catalog.unnest(a)) ORDER BY 1),
        ARRAY(SELECT x.name FROM pg_catalog.unnest(bc) x
              WHERE (x.attrelid, x.attnum) NOT IN (SELECT attrelid, attnum FROM pg_catalog.unnest(ac))
                AND x.attrelid IN (SELECT relid FROM pg_catalog.unnest(a)) ORDER BY 1),
        CASE WHEN observe THEN ARRAY(
            SELECT DISTINCT t.name
            FROM pg_catalog.unnest(b) x JOIN pg_catalog.unnest(a) y USING (relid)
            JOIN pg_catalog.unnest(b) t
              ON t.relid OPERATOR(pg_catalog.=) coalesce(x.indrelid, x.relid)
            WHERE y.scans OPERATOR(pg_catalog.>) x.scans ORDER BY 1) END,
        ARRAY(SELECT DISTINCT t.name
              FROM pg_catalog.unnest(a) y JOIN pg_catalog.unnest(b) t
                ON t.relid OPERATOR(pg_catalog.=) y.indrelid
              WHERE y.relid NOT IN (SELECT relid FROM pg_catalog.unnest(b))
              ORDER BY 1);
    UPDATE bench.gt g SET keys = (
        SELECT pg_catalog.jsonb_object_agg(t.name, coalesce((
            SELECT pg_catalog.jsonb_agg(ARRAY(
                       SELECT a.attname::text
                       FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY k(att, n)
                       JOIN pg_catalog.pg_attribute a
                         ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
                        AND a.attnum OPERATOR(pg_catalog.=) k.att
                       WHERE k.n OPERATOR(pg_catalog.<=) i.indnkeyatts ORDER BY k.n))
            FROM pg_catalog.pg_index i
            WHERE i.indrelid OPERATOR(pg_catalog.=) t.relid AND i.indisunique AND i.indisvalid
              AND i.indpred IS NULL AND i.indexprs IS NULL), '[]'))
        FROM pg_catalog.unnest(b) t
        WHERE t.name OPERATOR(pg_catalog.=) ANY (g.scanned))
    WHERE g.file_no OPERATOR(pg_catalog.=) f AND g.statement OPERATOR(pg_catalog.=) s
      AND g.scanned OPERATOR(pg_catalog.<>) '{}';
END
$$;

-- lint a file against the schema so far; remember its statements and the
-- relations that exist now
-- in_tx: 'always' (the tool wraps each file in a transaction), 'never', or
-- 'multi-statement' (the tool sends the file as one query string: PostgreSQL
-- runs a string of several statements as one implicit transaction, which
-- the file's own BEGIN, if it has one, turns into its explicit one)
CREATE FUNCTION bench.lint_file(f int, p text, script text, in_tx text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    TRUNCATE bench.old_rels;
    INSERT INTO bench.old_rels
    SELECT c.oid FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'bench', 'schemashift')
      AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
      AND c.relkind IN ('r', 'p', 'm', 'v', 'i', 'I');
    INSERT INTO bench.files VALUES (f, p, NULL, NULL, NULL);
    INSERT INTO bench.stmts SELECT f, x.statement, x.line, x.col, x.sql
    FROM schemashift.statements(script) x;
    UPDATE bench.files SET statements = (SELECT count(*) FROM bench.stmts WHERE file_no OPERATOR(pg_catalog.=) f)
    WHERE file_no OPERATOR(pg_catalog.=) f;
    t0 := pg_catalog.clock_timestamp();
    BEGIN
        INSERT INTO bench.findings
        SELECT f, l.statement, l.line, l.col, l.rule, l.level, l.object, l.lock, l.rewrites, l.message
        FROM schemashift.lint(script, in_tx OPERATOR(pg_catalog.=) 'always'
                OR (in_tx OPERATOR(pg_catalog.=) 'multi-statement'
                    AND (SELECT statements FROM bench.files WHERE file_no OPERATOR(pg_catalog.=) f)
                        OPERATOR(pg_catalog.>) 1
                    AND NOT EXISTS (SELECT FROM bench.stmts
                                    WHERE file_no OPERATOR(pg_catalog.=) f
                                      AND sql OPERATOR(pg_catalog.~*) '^(BEGIN|START\s+TRANSACTION)\y'))) l;
    EXCEPTION WHEN OTHERS THEN
        UPDATE bench.files SET lint_error = SQLERRM WHERE file_no OPERATOR(pg_catalog.=) f;
    END;
    UPDATE bench.files
    SET lint_ms = pg_catalog.round((EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t0) OPERATOR(pg_catalog.*) 1000)::numeric, 1)
    WHERE file_no OPERATOR(pg_catalog.=) f;
END
$$;

-- run one statement in the caller's transaction and record it; true when it
-- must be run directly instead (it refused a transaction block or function)
CREATE FUNCTION bench.exec(f int, s int, q text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    b bench.rel[] := bench.rels();
    bc bench.col[] := bench.cols();
    state text;
    err text;
BEGIN
    BEGIN
        EXECUTE q;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, err = MESSAGE_TEXT;
    END;
    IF state OPERATOR(pg_catalog.=) '25001' THEN
        RETURN true;
    ELSIF state OPERATOR(pg_catalog.=) '0A000' AND err LIKE '%transaction commands%' THEN
        PERFORM bench.record(f, s, 'transaction-control', b, bc, false, NULL, NULL);
    ELSE
        PERFORM bench.record(f, s, 'in-transaction', b, bc, state IS NULL, state, err);
    END IF;
    RETURN false;
END
$$;

CREATE FUNCTION bench.before() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM bench.pending;
    INSERT INTO bench.pending SELECT bench.rels(), bench.cols();
$$;

CREATE FUNCTION bench.after(f int, s int, failed boolean, state text, err text) RETURNS void
LANGUAGE sql AS $$
    SELECT bench.record(f, s, 'direct', p.rels, p.cols, false,
                        CASE WHEN failed THEN state END, CASE WHEN failed THEN err END)
    FROM bench.pending p;
$$;
