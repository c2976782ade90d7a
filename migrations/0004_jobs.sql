CREATE TABLE "dataset_freshness" (
	"dataset" text PRIMARY KEY NOT NULL,
	"last_published_at" timestamp with time zone,
	"stale" boolean NOT NULL,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pull_state" (
	"name" text PRIMARY KEY NOT NULL,
	"remote_url" text NOT NULL,
	"dataset" text NOT NULL,
	"cursor" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_grant" ADD COLUMN "expired_noted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "access_grant" ADD COLUMN "overdue_flagged_at" timestamp with time zone;