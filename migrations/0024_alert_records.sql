CREATE TABLE "alert_record" (
	"rule" text NOT NULL,
	"record" text NOT NULL,
	"alert_id" uuid NOT NULL,
	CONSTRAINT "alert_record_pkey" PRIMARY KEY("rule","record","alert_id")
);
--> statement-breakpoint
-- The records of the alerts raised before this table, as evaluate.ts writes them for new ones.
INSERT INTO "alert_record" ("rule", "record", "alert_id")
SELECT a."rule", (e->>'dataset') || (e->'key')::text, a."id"
FROM "alert" a, jsonb_array_elements(a."evidence") e
ON CONFLICT DO NOTHING;
