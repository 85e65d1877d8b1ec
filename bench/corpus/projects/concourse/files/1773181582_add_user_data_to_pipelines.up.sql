ALTER TABLE pipelines ADD COLUMN user_data text;
