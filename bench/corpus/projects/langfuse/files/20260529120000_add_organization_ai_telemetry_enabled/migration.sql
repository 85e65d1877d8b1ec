ALTER TABLE "organizations" ADD COLUMN "ai_telemetry_enabled" BOOLEAN NOT NULL DEFAULT true;
