-- AlterTable
ALTER TABLE "Task" ALTER COLUMN "displayKey" DROP NOT NULL;
