# schemashift from Active Record migrations: apply() and the procedures
# commit between their steps, so a migration that uses them says
# disable_ddl_transaction! (each statement then runs in autocommit mode).
# The migration's version is its id in schemashift's ledger.
module SchemashiftMigration
  # Run the script through schemashift.apply().
  def schemashift_apply(script)
    execute "CALL schemashift.apply(#{connection.quote(script)}, #{connection.quote(version.to_s)})"
  end

  # Undo the migration with these statements, then record the revert in the
  # ledger, so that the next db:migrate runs the migration again.
  def schemashift_revert(*statements)
    statements.each { |statement| execute statement }
    execute "SELECT schemashift.mark_reverted(#{connection.quote(version.to_s)}, 'rails db:rollback')"
  end
end
