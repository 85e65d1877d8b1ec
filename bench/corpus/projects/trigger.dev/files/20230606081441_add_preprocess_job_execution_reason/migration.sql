-- AlterEnum
ALTER TYPE "JobRunExecutionReason" ADD VALUE 'PREPROCESS';
