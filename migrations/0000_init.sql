CREATE TABLE "api_key" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"principal_code" text NOT NULL,
	"name" text,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_key_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "principal" (
	"code" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	CONSTRAINT "principal_kind" CHECK ("principal"."kind" in ('DEPARTMENT', 'DISTRICT', 'AUDITOR'))
);
--> statement-breakpoint
CREATE TABLE "closed_enterprise" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "closed_enterprise_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"credit_code" text NOT NULL,
	"name" text NOT NULL,
	"industry_code" text,
	"industry_name" text,
	"district" text NOT NULL,
	"address" text,
	"site_location" "point",
	"site_boundary" "polygon",
	"closed_on" date NOT NULL,
	"closure_type" text NOT NULL,
	"discharge_permit_revoked" boolean,
	"legal_representative" text,
	"legal_representative_phone" text
);
--> statement-breakpoint
CREATE TABLE "construction_permit" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "construction_permit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"permit_no" text NOT NULL,
	"project_name" text NOT NULL,
	"parcel_code" text,
	"district" text NOT NULL,
	"address" text,
	"builder" text,
	"builder_credit_code" text,
	"issued_on" date NOT NULL,
	"floor_area_m2" double precision,
	"contact_person" text,
	"contact_phone" text
);
--> statement-breakpoint
CREATE TABLE "contaminated_site" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "contaminated_site_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"site_code" text NOT NULL,
	"name" text NOT NULL,
	"district" text NOT NULL,
	"boundary" "polygon" NOT NULL,
	"area_m2" double precision,
	"pollutants" text[],
	"status" text NOT NULL,
	"listed_on" date NOT NULL,
	"removed_on" date,
	"planned_use" text
);
--> statement-breakpoint
CREATE TABLE "farmland_class" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "farmland_class_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"parcel_code" text NOT NULL,
	"quality_class" text NOT NULL,
	"district" text NOT NULL,
	"town" text,
	"area_mu" double precision NOT NULL,
	"measures" text,
	"classified_on" date,
	"boundary" "polygon"
);
--> statement-breakpoint
CREATE TABLE "fertiliser_use" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fertiliser_use_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"source_id" text NOT NULL,
	"year" integer NOT NULL,
	"period" text NOT NULL,
	"district" text NOT NULL,
	"town" text,
	"land_category" text NOT NULL,
	"crop" text,
	"fertiliser_type" text NOT NULL,
	"amount_kg" double precision NOT NULL,
	"pure_amount_kg" double precision,
	"area_mu" double precision
);
--> statement-breakpoint
CREATE TABLE "irrigation_well" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "irrigation_well_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"well_code" text NOT NULL,
	"district" text NOT NULL,
	"town" text,
	"location" "point" NOT NULL,
	"depth_m" double precision,
	"irrigated_area_mu" double precision,
	"water_source" text,
	"last_tested_on" date,
	"last_test_result" text
);
--> statement-breakpoint
CREATE TABLE "key_supervised_unit" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "key_supervised_unit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"credit_code" text NOT NULL,
	"listed_year" integer NOT NULL,
	"name" text NOT NULL,
	"industry_code" text,
	"industry_name" text,
	"district" text NOT NULL,
	"hidden_danger_check_done" boolean,
	"self_monitoring_done" boolean,
	"anomalies" text
);
--> statement-breakpoint
CREATE TABLE "land_right_change" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "land_right_change_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"parcel_code" text NOT NULL,
	"event_no" text NOT NULL,
	"credit_code" text NOT NULL,
	"enterprise_name" text NOT NULL,
	"district" text NOT NULL,
	"change_type" text NOT NULL,
	"effective_on" date NOT NULL,
	"new_use" text,
	"boundary" "polygon"
);
--> statement-breakpoint
CREATE TABLE "land_use_change" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "land_use_change_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"parcel_code" text NOT NULL,
	"district" text NOT NULL,
	"address" text,
	"boundary" "polygon" NOT NULL,
	"area_m2" double precision NOT NULL,
	"original_use" text,
	"planned_use" text NOT NULL,
	"planning_permit_no" text,
	"permit_date" date,
	"right_holder" text,
	"right_holder_contact" text
);
--> statement-breakpoint
CREATE TABLE "pesticide_use" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pesticide_use_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"source_id" text NOT NULL,
	"year" integer NOT NULL,
	"period" text NOT NULL,
	"district" text NOT NULL,
	"town" text,
	"land_category" text NOT NULL,
	"crop" text,
	"product" text,
	"active_ingredient" text,
	"toxicity_class" text,
	"amount_kg" double precision NOT NULL,
	"area_mu" double precision,
	"applicator_name" text,
	"applicator_phone" text
);
--> statement-breakpoint
CREATE TABLE "priority_plot" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "priority_plot_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"plot_code" text NOT NULL,
	"source_credit_code" text,
	"name" text,
	"district" text NOT NULL,
	"boundary" "polygon",
	"reason" text,
	"listed_on" date NOT NULL,
	"investigation_status" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "site_screening" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "site_screening_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"credit_code" text NOT NULL,
	"enterprise_name" text NOT NULL,
	"district" text NOT NULL,
	"risk_level" text NOT NULL,
	"screened_on" date NOT NULL,
	"follow_up" text
);
--> statement-breakpoint
CREATE TABLE "soil_monitoring" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "soil_monitoring_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"point_code" text NOT NULL,
	"sampled_on" date NOT NULL,
	"district" text NOT NULL,
	"town" text,
	"location" "point" NOT NULL,
	"land_category" text NOT NULL,
	"ph" double precision,
	"cadmium" double precision,
	"mercury" double precision,
	"arsenic" double precision,
	"lead" double precision,
	"chromium" double precision,
	"copper" double precision,
	"nickel" double precision,
	"zinc" double precision
);
--> statement-breakpoint
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_principal_code_principal_code_fk" FOREIGN KEY ("principal_code") REFERENCES "public"."principal"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_key_principal" ON "api_key" USING btree ("principal_code");--> statement-breakpoint
CREATE UNIQUE INDEX "closed_enterprise_natural_key" ON "closed_enterprise" USING btree ("credit_code");--> statement-breakpoint
CREATE INDEX "closed_enterprise_last_changed" ON "closed_enterprise" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "closed_enterprise_industry_code" ON "closed_enterprise" USING btree ("industry_code","id");--> statement-breakpoint
CREATE INDEX "closed_enterprise_district" ON "closed_enterprise" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "closed_enterprise_site_location_gist" ON "closed_enterprise" USING gist ("site_location");--> statement-breakpoint
CREATE INDEX "closed_enterprise_site_boundary_gist" ON "closed_enterprise" USING gist ("site_boundary");--> statement-breakpoint
CREATE INDEX "closed_enterprise_closed_on" ON "closed_enterprise" USING btree ("closed_on","id");--> statement-breakpoint
CREATE INDEX "closed_enterprise_closure_type" ON "closed_enterprise" USING btree ("closure_type","id");--> statement-breakpoint
CREATE INDEX "closed_enterprise_discharge_permit_revoked" ON "closed_enterprise" USING btree ("discharge_permit_revoked","id");--> statement-breakpoint
CREATE UNIQUE INDEX "construction_permit_natural_key" ON "construction_permit" USING btree ("permit_no");--> statement-breakpoint
CREATE INDEX "construction_permit_last_changed" ON "construction_permit" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "construction_permit_parcel_code" ON "construction_permit" USING btree ("parcel_code","id");--> statement-breakpoint
CREATE INDEX "construction_permit_district" ON "construction_permit" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "construction_permit_builder_credit_code" ON "construction_permit" USING btree ("builder_credit_code","id");--> statement-breakpoint
CREATE INDEX "construction_permit_issued_on" ON "construction_permit" USING btree ("issued_on","id");--> statement-breakpoint
CREATE UNIQUE INDEX "contaminated_site_natural_key" ON "contaminated_site" USING btree ("site_code");--> statement-breakpoint
CREATE INDEX "contaminated_site_last_changed" ON "contaminated_site" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "contaminated_site_district" ON "contaminated_site" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "contaminated_site_boundary_gist" ON "contaminated_site" USING gist ("boundary");--> statement-breakpoint
CREATE INDEX "contaminated_site_status" ON "contaminated_site" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "contaminated_site_listed_on" ON "contaminated_site" USING btree ("listed_on","id");--> statement-breakpoint
CREATE INDEX "contaminated_site_removed_on" ON "contaminated_site" USING btree ("removed_on","id");--> statement-breakpoint
CREATE INDEX "contaminated_site_planned_use" ON "contaminated_site" USING btree ("planned_use","id");--> statement-breakpoint
CREATE UNIQUE INDEX "farmland_class_natural_key" ON "farmland_class" USING btree ("parcel_code");--> statement-breakpoint
CREATE INDEX "farmland_class_last_changed" ON "farmland_class" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "farmland_class_quality_class" ON "farmland_class" USING btree ("quality_class","id");--> statement-breakpoint
CREATE INDEX "farmland_class_district" ON "farmland_class" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "farmland_class_town" ON "farmland_class" USING btree ("town","id");--> statement-breakpoint
CREATE INDEX "farmland_class_classified_on" ON "farmland_class" USING btree ("classified_on","id");--> statement-breakpoint
CREATE INDEX "farmland_class_boundary_gist" ON "farmland_class" USING gist ("boundary");--> statement-breakpoint
CREATE UNIQUE INDEX "fertiliser_use_natural_key" ON "fertiliser_use" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_last_changed" ON "fertiliser_use" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_year" ON "fertiliser_use" USING btree ("year","id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_period" ON "fertiliser_use" USING btree ("period","id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_district" ON "fertiliser_use" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_town" ON "fertiliser_use" USING btree ("town","id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_land_category" ON "fertiliser_use" USING btree ("land_category","id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_crop" ON "fertiliser_use" USING btree ("crop","id");--> statement-breakpoint
CREATE INDEX "fertiliser_use_fertiliser_type" ON "fertiliser_use" USING btree ("fertiliser_type","id");--> statement-breakpoint
CREATE UNIQUE INDEX "irrigation_well_natural_key" ON "irrigation_well" USING btree ("well_code");--> statement-breakpoint
CREATE INDEX "irrigation_well_last_changed" ON "irrigation_well" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "irrigation_well_district" ON "irrigation_well" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "irrigation_well_town" ON "irrigation_well" USING btree ("town","id");--> statement-breakpoint
CREATE INDEX "irrigation_well_location_gist" ON "irrigation_well" USING gist ("location");--> statement-breakpoint
CREATE INDEX "irrigation_well_water_source" ON "irrigation_well" USING btree ("water_source","id");--> statement-breakpoint
CREATE INDEX "irrigation_well_last_tested_on" ON "irrigation_well" USING btree ("last_tested_on","id");--> statement-breakpoint
CREATE INDEX "irrigation_well_last_test_result" ON "irrigation_well" USING btree ("last_test_result","id");--> statement-breakpoint
CREATE UNIQUE INDEX "key_supervised_unit_natural_key" ON "key_supervised_unit" USING btree ("credit_code","listed_year");--> statement-breakpoint
CREATE INDEX "key_supervised_unit_last_changed" ON "key_supervised_unit" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "key_supervised_unit_industry_code" ON "key_supervised_unit" USING btree ("industry_code","id");--> statement-breakpoint
CREATE INDEX "key_supervised_unit_district" ON "key_supervised_unit" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "key_supervised_unit_hidden_danger_check_done" ON "key_supervised_unit" USING btree ("hidden_danger_check_done","id");--> statement-breakpoint
CREATE INDEX "key_supervised_unit_self_monitoring_done" ON "key_supervised_unit" USING btree ("self_monitoring_done","id");--> statement-breakpoint
CREATE UNIQUE INDEX "land_right_change_natural_key" ON "land_right_change" USING btree ("parcel_code","event_no");--> statement-breakpoint
CREATE INDEX "land_right_change_last_changed" ON "land_right_change" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "land_right_change_credit_code" ON "land_right_change" USING btree ("credit_code","id");--> statement-breakpoint
CREATE INDEX "land_right_change_district" ON "land_right_change" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "land_right_change_change_type" ON "land_right_change" USING btree ("change_type","id");--> statement-breakpoint
CREATE INDEX "land_right_change_effective_on" ON "land_right_change" USING btree ("effective_on","id");--> statement-breakpoint
CREATE INDEX "land_right_change_new_use" ON "land_right_change" USING btree ("new_use","id");--> statement-breakpoint
CREATE INDEX "land_right_change_boundary_gist" ON "land_right_change" USING gist ("boundary");--> statement-breakpoint
CREATE UNIQUE INDEX "land_use_change_natural_key" ON "land_use_change" USING btree ("parcel_code");--> statement-breakpoint
CREATE INDEX "land_use_change_last_changed" ON "land_use_change" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "land_use_change_district" ON "land_use_change" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "land_use_change_boundary_gist" ON "land_use_change" USING gist ("boundary");--> statement-breakpoint
CREATE INDEX "land_use_change_original_use" ON "land_use_change" USING btree ("original_use","id");--> statement-breakpoint
CREATE INDEX "land_use_change_planned_use" ON "land_use_change" USING btree ("planned_use","id");--> statement-breakpoint
CREATE INDEX "land_use_change_planning_permit_no" ON "land_use_change" USING btree ("planning_permit_no","id");--> statement-breakpoint
CREATE INDEX "land_use_change_permit_date" ON "land_use_change" USING btree ("permit_date","id");--> statement-breakpoint
CREATE UNIQUE INDEX "pesticide_use_natural_key" ON "pesticide_use" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "pesticide_use_last_changed" ON "pesticide_use" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_year" ON "pesticide_use" USING btree ("year","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_period" ON "pesticide_use" USING btree ("period","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_district" ON "pesticide_use" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_town" ON "pesticide_use" USING btree ("town","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_land_category" ON "pesticide_use" USING btree ("land_category","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_crop" ON "pesticide_use" USING btree ("crop","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_active_ingredient" ON "pesticide_use" USING btree ("active_ingredient","id");--> statement-breakpoint
CREATE INDEX "pesticide_use_toxicity_class" ON "pesticide_use" USING btree ("toxicity_class","id");--> statement-breakpoint
CREATE UNIQUE INDEX "priority_plot_natural_key" ON "priority_plot" USING btree ("plot_code");--> statement-breakpoint
CREATE INDEX "priority_plot_last_changed" ON "priority_plot" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "priority_plot_source_credit_code" ON "priority_plot" USING btree ("source_credit_code","id");--> statement-breakpoint
CREATE INDEX "priority_plot_district" ON "priority_plot" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "priority_plot_boundary_gist" ON "priority_plot" USING gist ("boundary");--> statement-breakpoint
CREATE INDEX "priority_plot_listed_on" ON "priority_plot" USING btree ("listed_on","id");--> statement-breakpoint
CREATE INDEX "priority_plot_investigation_status" ON "priority_plot" USING btree ("investigation_status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "site_screening_natural_key" ON "site_screening" USING btree ("credit_code");--> statement-breakpoint
CREATE INDEX "site_screening_last_changed" ON "site_screening" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "site_screening_district" ON "site_screening" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "site_screening_risk_level" ON "site_screening" USING btree ("risk_level","id");--> statement-breakpoint
CREATE INDEX "site_screening_screened_on" ON "site_screening" USING btree ("screened_on","id");--> statement-breakpoint
CREATE UNIQUE INDEX "soil_monitoring_natural_key" ON "soil_monitoring" USING btree ("point_code","sampled_on");--> statement-breakpoint
CREATE INDEX "soil_monitoring_last_changed" ON "soil_monitoring" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_district" ON "soil_monitoring" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_town" ON "soil_monitoring" USING btree ("town","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_location_gist" ON "soil_monitoring" USING gist ("location");--> statement-breakpoint
CREATE INDEX "soil_monitoring_land_category" ON "soil_monitoring" USING btree ("land_category","id");