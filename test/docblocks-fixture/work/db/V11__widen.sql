-- widening a varchar is free for the table db/applied made
ALTER TABLE widgets ALTER COLUMN name TYPE varchar(200);
