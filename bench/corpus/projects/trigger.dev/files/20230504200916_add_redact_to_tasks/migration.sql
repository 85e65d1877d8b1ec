-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "redact" JSONB;
