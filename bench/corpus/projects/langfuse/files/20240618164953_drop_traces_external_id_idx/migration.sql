-- DropIndex
DROP INDEX CONCURRENTLY IF EXISTS "traces_external_id_idx";
