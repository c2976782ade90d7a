CREATE TABLE "cursor_secret" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"secret" text NOT NULL,
	"numeric_horizon" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cursor_secret_single" CHECK ("cursor_secret"."id")
);
--> statement-breakpoint
-- The secret: 256 bits hashed from two random UUIDs (gen_random_uuid draws from pg_strong_random). The
-- horizon: the last change sequence given out so far, in numeric change cursors (src/sync/changes.ts).
INSERT INTO "cursor_secret" ("secret", "numeric_horizon")
SELECT encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'),
       (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM hub_change_seq);
