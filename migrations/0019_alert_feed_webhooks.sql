CREATE SEQUENCE "public"."alert_change_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "alert_webhook" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"principal" text NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	"delivered_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_webhook_delivery" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"webhook_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"change_seq" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text NOT NULL,
	"response_code" integer,
	"error" text,
	"duration_ms" integer NOT NULL,
	CONSTRAINT "alert_webhook_delivery_status" CHECK ("alert_webhook_delivery"."status" in ('DELIVERED', 'FAILED', 'GAVE_UP', 'SKIPPED'))
);
--> statement-breakpoint
ALTER TABLE "alert" ADD COLUMN "change_seq" bigint DEFAULT nextval('alert_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_webhook_delivery" ADD CONSTRAINT "alert_webhook_delivery_webhook_id_alert_webhook_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."alert_webhook"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_webhook_delivery" ADD CONSTRAINT "alert_webhook_delivery_alert_id_alert_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alert"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_webhook_principal" ON "alert_webhook" USING btree ("principal");--> statement-breakpoint
CREATE INDEX "alert_webhook_delivery_webhook" ON "alert_webhook_delivery" USING btree ("webhook_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_feed_position" ON "alert" USING btree ("change_seq");