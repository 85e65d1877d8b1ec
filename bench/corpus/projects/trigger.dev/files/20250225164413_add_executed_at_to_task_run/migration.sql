-- AlterTable
ALTER TABLE
  "TaskRun"
ADD
  COLUMN "executedAt" TIMESTAMP(3);