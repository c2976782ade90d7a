ALTER TABLE "alert" ADD COLUMN "digest" text;--> statement-breakpoint
ALTER TABLE "supervision_state" ADD COLUMN "full_evaluated_at" timestamp with time zone;