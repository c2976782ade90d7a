ALTER TABLE "alert_webhook" ADD COLUMN "previous_secret" text;--> statement-breakpoint
ALTER TABLE "alert_webhook" ADD COLUMN "previous_secret_until" timestamp with time zone;