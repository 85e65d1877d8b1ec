-- AlterTable
ALTER TABLE "WorkerDeployment"
ADD COLUMN "git" JSONB;