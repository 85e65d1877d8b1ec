-- AlterTable
ALTER TABLE "Endpoint" ADD COLUMN     "deployHookIdentifier" TEXT;
