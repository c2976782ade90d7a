CREATE SEQUENCE "public"."hub_change_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "sync_batch" (
	"dataset" text NOT NULL,
	"batch_key" text NOT NULL,
	"publisher" text NOT NULL,
	"mode" text NOT NULL,
	"result" jsonb NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_batch_dataset_batch_key_pk" PRIMARY KEY("dataset","batch_key")
);
--> statement-breakpoint
ALTER TABLE "closed_enterprise" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "construction_permit" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "contaminated_site" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "farmland_class" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "fertiliser_use" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "irrigation_well" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "key_supervised_unit" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "land_right_change" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "land_use_change" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "pesticide_use" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "priority_plot" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "site_screening" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "soil_monitoring" ADD COLUMN "change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL;--> statement-breakpoint
CREATE INDEX "sync_batch_applied" ON "sync_batch" USING btree ("dataset","applied_at");--> statement-breakpoint
CREATE UNIQUE INDEX "closed_enterprise_change_seq" ON "closed_enterprise" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "construction_permit_change_seq" ON "construction_permit" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "contaminated_site_change_seq" ON "contaminated_site" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "farmland_class_change_seq" ON "farmland_class" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "fertiliser_use_change_seq" ON "fertiliser_use" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "irrigation_well_change_seq" ON "irrigation_well" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "key_supervised_unit_change_seq" ON "key_supervised_unit" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "land_right_change_change_seq" ON "land_right_change" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "land_use_change_change_seq" ON "land_use_change" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "pesticide_use_change_seq" ON "pesticide_use" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "priority_plot_change_seq" ON "priority_plot" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "site_screening_change_seq" ON "site_screening" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "soil_monitoring_change_seq" ON "soil_monitoring" USING btree ("change_seq");