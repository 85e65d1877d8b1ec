-- DropIndex
DROP INDEX CONCURRENTLY IF EXISTS "observation_media_project_id_observation_id_idx";
