-- AlterTable
ALTER TABLE "TaskSchedule"
ADD COLUMN "lastRunTriggeredAt" TIMESTAMP(3);