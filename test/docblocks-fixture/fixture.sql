-- The database every docs/*.md and README.md file's blocks run in (a copy
-- each, made by test/docblocks): the tables the examples name, with a few
-- rows.  Keep it small and plain; a block that needs more says so in its
-- own SQL.
CREATE TABLE customers (id bigint PRIMARY KEY, name text);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 20) g;

CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id bigint,
    total numeric(12, 2),
    total_cents bigint,
    deleted_at timestamptz,
    qty integer DEFAULT 1
);
INSERT INTO orders SELECT g, 1 + g % 20, g * 1.5, NULL, NULL FROM generate_series(1, 500) g;
-- two orphans: check_constraint_data() has something to report
INSERT INTO orders VALUES (501, 99, 1, NULL, NULL), (502, 99, 1, NULL, NULL);

CREATE TABLE users (
    id bigint PRIMARY KEY,
    email text,
    email_normalized text,
    legacy_flag boolean,
    legacy boolean,
    a integer,
    note text
);
-- big enough for the rules about big tables (unbatched-backfill: 10000 rows)
INSERT INTO users SELECT g, 'user' || g || '@example.com', NULL, false, false, g, NULL
  FROM generate_series(1, 20000) g;
CREATE INDEX users_email_idx ON users (email);

CREATE TABLE accounts (id bigint PRIMARY KEY, email text, balance numeric NOT NULL DEFAULT 0);
INSERT INTO accounts SELECT g, 'a' || g || '@example.com', g FROM generate_series(1, 20) g;
CREATE TABLE emails (id bigint PRIMARY KEY, user_id bigint, address text);
CREATE TABLE items (id bigint NOT NULL, name text);
CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint);
CREATE TABLE recipe (id bigint PRIMARY KEY, name text);
CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tstzrange);
CREATE TABLE audit_events (id bigint PRIMARY KEY, at timestamptz);
INSERT INTO audit_events VALUES (1, now());
CREATE TABLE events (at timestamptz NOT NULL, payload jsonb) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements (at timestamptz NOT NULL, value float8) PARTITION BY RANGE (at);
CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE MATERIALIZED VIEW sales_summary AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
CREATE UNIQUE INDEX sales_summary_customer_id ON sales_summary (customer_id);
CREATE DOMAIN positive_int AS integer;
-- a column of the domain: a constraint added to it checks existing rows
CREATE TABLE payments (id bigint PRIMARY KEY, amount positive_int);
INSERT INTO payments VALUES (1, 5);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
-- roles are the instance's: made once, with the first copy of this database
CREATE ROLE app_old;
CREATE ROLE app_new;
CREATE TABLE old_reports (id bigint PRIMARY KEY);
ALTER TABLE old_reports OWNER TO app_old;
CREATE SCHEMA reporting;
CREATE TABLE reporting.daily (day date PRIMARY KEY);
