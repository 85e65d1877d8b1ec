-- Drops, truncates, domains, enums, duplicate columns, backfills, identifiers.
CREATE TABLE big (id bigint PRIMARY KEY, v text);
-- big enough for unbatched-backfill by its size, analysed or not
INSERT INTO big SELECT g, 'v' FROM generate_series(1, 30000) g;
CREATE TABLE small (id bigint PRIMARY KEY, v text);
INSERT INTO small SELECT g, 'x' FROM generate_series(1, 10) g;
ANALYZE small;

SELECT stmt, rule, object FROM lr($$
DROP TABLE big;
DROP TABLE IF EXISTS big, small;
DROP SCHEMA reporting CASCADE;
DROP DATABASE shop;
TRUNCATE big;
TRUNCATE big, small CASCADE;
$$);
-- dropping or truncating what the script created is fine
SELECT count(*) FROM lr($$
CREATE TABLE tmp_work (id bigint);
TRUNCATE tmp_work;
DROP TABLE tmp_work;
$$);

SELECT stmt, rule FROM lr($$
CREATE DOMAIN pos AS int CHECK (VALUE > 0);
CREATE DOMAIN plain AS text;
ALTER DOMAIN plain ADD CONSTRAINT nonempty CHECK (VALUE <> '');
ALTER DOMAIN plain SET NOT NULL;
ALTER TYPE mood ADD VALUE 'meh';
ALTER TYPE mood ADD VALUE 'fine' AFTER 'ok';
ALTER TYPE mood RENAME VALUE 'ok' TO 'okay';
$$, extra => 'prefer-bigint-over-int=off');

-- columns named twice fail; different fields of one column do not
SELECT stmt, rule, object FROM lr($$
UPDATE big SET v = 'a', v = 'b' WHERE id = 1;
UPDATE big SET (v, id) = ('a', 1), v = 'c' WHERE id = 1;
INSERT INTO big (id, id) VALUES (1, 2);
CREATE TABLE dup (a int, a text);
CREATE VIEW dupv AS SELECT 1, 2;
CREATE VIEW okv AS SELECT 1 AS a, 2 AS b;
SELECT 1 AS a, 2 AS a INTO dupz;
UPDATE big SET v = 'x' WHERE id = 2;
$$, extra => 'prefer-bigint-over-int=off, unbatched-backfill=off');

-- whole-table UPDATE/DELETE on a table that is not known to be small
SELECT stmt, rule, object FROM lr($$
UPDATE big SET v = lower(v);
UPDATE big SET v = 'x' WHERE v IS NULL;
UPDATE big SET v = 'x' WHERE id = 42;
DELETE FROM big WHERE id IN (1, 2, 3);
DELETE FROM big;
UPDATE small SET v = upper(v);
UPDATE big SET v = 'x' WHERE id BETWEEN 1 AND 5000;
UPDATE big SET v = 'x' WHERE id >= 1 AND id < 5000;
$$);

-- identifiers the server would truncate (measured before the scanner truncates them)
SELECT stmt, col, rule, level FROM lr($$
CREATE TABLE a_table_name_that_is_far_too_long_to_be_kept_by_postgresql_as_is (id bigint);
CREATE TABLE exactly_sixty_three_bytes_long_name_xxxxxxxxxxxxxxxxxxxxxxxxxxx (id bigint);
CREATE TABLE "quoted ""name"" that is also far too long to be kept by the server" (id bigint);
$$);
