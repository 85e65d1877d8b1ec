-- DropIndex
DROP INDEX "traces_project_id_external_id_key";
