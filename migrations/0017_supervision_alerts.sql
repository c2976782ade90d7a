CREATE TABLE "alert" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rule" text NOT NULL,
	"identity" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"district" text,
	"measure_kind" text,
	"measure_value" double precision,
	"severity" text NOT NULL,
	"state" text DEFAULT 'OPEN' NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_reason" text,
	"reopened_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "alert_identity" UNIQUE("rule","identity"),
	CONSTRAINT "alert_state" CHECK ("alert"."state" in ('OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED')),
	CONSTRAINT "alert_severity" CHECK ("alert"."severity" in ('HIGH', 'MEDIUM', 'LOW'))
);
--> statement-breakpoint
CREATE TABLE "alert_event" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"alert_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"event" text NOT NULL,
	"principal" text,
	"note" text,
	CONSTRAINT "alert_event_kind" CHECK ("alert_event"."event" in ('OPENED', 'RESOLVED', 'REOPENED', 'ACKNOWLEDGED', 'DISMISSED', 'COMMENTED'))
);
--> statement-breakpoint
ALTER TABLE "alert_event" ADD CONSTRAINT "alert_event_alert_id_alert_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alert"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_rule_state" ON "alert" USING btree ("rule","state","last_seen_at");--> statement-breakpoint
CREATE INDEX "alert_district_state" ON "alert" USING btree ("district","state");--> statement-breakpoint
CREATE INDEX "alert_event_alert" ON "alert_event" USING btree ("alert_id","id");