ALTER TABLE workers ADD COLUMN max_active_tasks int default 0;
