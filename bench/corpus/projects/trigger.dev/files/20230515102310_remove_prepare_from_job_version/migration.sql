/*
  Warnings:

  - You are about to drop the column `prepare` on the `JobVersion` table. All the data in the column will be lost.

*/
-- AlterTable
ALTER TABLE "JobVersion" DROP COLUMN "prepare";
