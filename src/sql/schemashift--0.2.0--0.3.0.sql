/* schemashift 0.2.0 -> 0.3.0 (ALTER EXTENSION schemashift UPDATE) */

\echo Use "ALTER EXTENSION schemashift UPDATE TO '0.3.0'" to load this file. \quit

-- Every row of 0.2.0 stays.  Columns new in 0.3.0 are added at the end of
-- their tables, where schemashift--0.3.0.sql also puts them, so that an
-- updated installation and a fresh one have the same objects; functions
-- whose signature changes are dropped and created again here.
