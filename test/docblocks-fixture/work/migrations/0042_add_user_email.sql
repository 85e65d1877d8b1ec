-- docs/apply.md's example migration
ALTER TABLE users ADD COLUMN email_verified boolean;
