-- AlterTable
ALTER TABLE "TaskRun" ADD COLUMN     "environmentType" "RuntimeEnvironmentType",
ADD COLUMN     "organizationId" TEXT;

