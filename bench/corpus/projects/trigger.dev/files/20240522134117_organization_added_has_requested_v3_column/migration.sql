-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "hasRequestedV3" BOOLEAN NOT NULL DEFAULT false;
