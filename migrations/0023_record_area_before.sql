CREATE TABLE "record_area_before" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dataset" text NOT NULL,
	"field" text NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"area" "polygon" NOT NULL
);
--> statement-breakpoint
CREATE INDEX "record_area_before_seq" ON "record_area_before" USING btree ("dataset","change_seq");