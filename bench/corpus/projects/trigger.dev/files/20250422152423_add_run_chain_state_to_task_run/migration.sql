-- AlterTable
ALTER TABLE "TaskRun" ADD COLUMN     "runChainState" JSONB;
