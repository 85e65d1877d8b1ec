-- AlterTable
ALTER TABLE "GitHubAppAuthorizationAttempt" ADD COLUMN     "templateId" TEXT;
