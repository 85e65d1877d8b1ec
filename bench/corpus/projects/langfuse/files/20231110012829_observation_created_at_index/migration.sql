-- CreateIndex
CREATE INDEX "observations_created_at_idx" ON "observations"("created_at");
