-- README.md's and docs/cli.md's example migration
ALTER TABLE customers ADD COLUMN email text;
