// knex's configuration: the pg driver, the database libpq's environment
// names (PGHOST, PGPORT, PGDATABASE, PGUSER), the migrations in migrations/.
module.exports = {
  client: 'pg',
  connection: {},
  migrations: { directory: './migrations' },
};
