-- CreateIndex
CREATE INDEX "observations_project_id_idx" ON "observations"("project_id");
