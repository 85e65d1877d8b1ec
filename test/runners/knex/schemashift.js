// schemashift from knex migrations: apply() and the procedures commit
// between their steps, so a migration that uses them exports
// config = { transaction: false } (each statement then runs in autocommit
// mode). The migration's file name is its id in schemashift's ledger.
const path = require('path');

const migrationId = (file) => path.basename(file, '.js');

// pg keeps the server's hint apart from the message, and knex does not
// print it: the hint says what to do next (schemashift.reset() for an
// edited migration), so it goes into the message.
const withHint = (err) => {
  if (err.hint) err.message += `\nHINT:  ${err.hint}`;
  throw err;
};

// Run the script through schemashift.apply().
exports.apply = (knex, file, script) =>
  knex.raw('CALL schemashift.apply(?, ?)', [script, migrationId(file)]).catch(withHint);

// Undo the migration with these statements, then record the revert in the
// ledger, so that the next migrate:latest runs the migration again.
exports.revert = async (knex, file, statements) => {
  for (const statement of statements) {
    await knex.raw(statement);
  }
  await knex.raw("SELECT schemashift.mark_reverted(?, 'knex migrate:down')", [migrationId(file)]);
};
