--
-- A setting out of its range is refused by the server.  Since 18 the
-- server's message gives the bounds with their unit: the alternative
-- expected file settings_range_1.out holds that wording.
--
SET schemashift.lock_timeout = -1;
SHOW schemashift.lock_timeout;
