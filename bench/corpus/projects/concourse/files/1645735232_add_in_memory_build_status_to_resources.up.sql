ALTER TABLE resources
    ADD COLUMN in_memory_build_status build_status;
