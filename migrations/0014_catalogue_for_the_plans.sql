CREATE TABLE "standard_analyte" (
	"code" text PRIMARY KEY NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"cas" text,
	CONSTRAINT "standard_analyte_code" CHECK ("standard_analyte"."code" ~ '^[A-Za-z][A-Za-z0-9_]{0,39}$'),
	CONSTRAINT "standard_analyte_cas" CHECK ("standard_analyte"."cas" ~ '^[0-9]{2,7}-[0-9]{2}-[0-9]$')
);
--> statement-breakpoint
CREATE TABLE "standard_edition" (
	"standard" text NOT NULL,
	"edition" text NOT NULL,
	"title_zh" text NOT NULL,
	"title_en" text NOT NULL,
	"issuer_zh" text NOT NULL,
	"issuer_en" text NOT NULL,
	"effective_from" date NOT NULL,
	CONSTRAINT "standard_edition_standard_edition_pk" PRIMARY KEY("standard","edition"),
	CONSTRAINT "standard_edition_effective" UNIQUE("standard","effective_from"),
	CONSTRAINT "standard_edition_code" CHECK ("standard_edition"."standard" ~ '^GB(/T)? [0-9]+$' and "standard_edition"."edition" ~ '^[0-9]{4}$')
);
--> statement-breakpoint
CREATE TABLE "standard_value" (
	"standard" text NOT NULL,
	"edition" text NOT NULL,
	"analyte" text NOT NULL,
	"value_kind" text NOT NULL,
	"land_use" text,
	"ph_above" numeric(4, 2),
	"ph_up_to" numeric(4, 2),
	"produce" text,
	"groundwater_class" text,
	"value" numeric NOT NULL,
	"unit" text NOT NULL,
	"note_zh" text,
	"note_en" text,
	CONSTRAINT "standard_value_condition" UNIQUE NULLS NOT DISTINCT("standard","edition","analyte","value_kind","land_use","ph_above","ph_up_to","produce","groundwater_class"),
	CONSTRAINT "standard_value_kind" CHECK (value_kind in ('SCREENING', 'INTERVENTION', 'LIMIT', 'CLASS_LIMIT')),
	CONSTRAINT "standard_value_land_use" CHECK (land_use in ('PADDY', 'ORCHARD', 'OTHER_FARMLAND', 'CONSTRUCTION_FIRST', 'CONSTRUCTION_SECOND')),
	CONSTRAINT "standard_value_produce" CHECK (produce in ('RICE', 'WHEAT', 'MAIZE', 'VEGETABLE', 'LEAFY_VEGETABLE')),
	CONSTRAINT "standard_value_groundwater_class" CHECK (groundwater_class in ('I', 'II', 'III', 'IV', 'V')),
	CONSTRAINT "standard_value_unit" CHECK (unit in ('mg/kg', 'mg/L')),
	CONSTRAINT "standard_value_positive" CHECK ("standard_value"."value" > 0),
	CONSTRAINT "standard_value_ph" CHECK ("standard_value"."ph_above" between 0 and 14 and "standard_value"."ph_up_to" between 0 and 14 and "standard_value"."ph_above" < "standard_value"."ph_up_to"),
	CONSTRAINT "standard_value_conditions" CHECK (case "standard_value"."value_kind"
        when 'LIMIT' then "standard_value"."produce" is not null and "standard_value"."land_use" is null and "standard_value"."groundwater_class" is null
          and "standard_value"."ph_above" is null and "standard_value"."ph_up_to" is null
        when 'CLASS_LIMIT' then "standard_value"."groundwater_class" is not null and "standard_value"."land_use" is null and "standard_value"."produce" is null
          and "standard_value"."ph_above" is null and "standard_value"."ph_up_to" is null
        else "standard_value"."land_use" is not null and "standard_value"."produce" is null and "standard_value"."groundwater_class" is null end)
);
--> statement-breakpoint
CREATE TABLE "basic_farmland" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "basic_farmland_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"parcel_code" text NOT NULL,
	"district" text NOT NULL,
	"town" text,
	"boundary" "polygon" NOT NULL,
	"area_mu" numeric(15, 2) NOT NULL,
	"designated_on" date,
	"designation_doc_no" text
);
--> statement-breakpoint
CREATE TABLE "demolition_filing" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "demolition_filing_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"credit_code" text NOT NULL,
	"filing_no" text NOT NULL,
	"filed_on" date NOT NULL,
	"demolition_from" date,
	"demolition_to" date,
	"district" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "groundwater_monitoring" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "groundwater_monitoring_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"well_code" text NOT NULL,
	"sampled_on" date NOT NULL,
	"district" text NOT NULL,
	"location" "point" NOT NULL,
	"site_code" text,
	"credit_code" text,
	"well_depth_m" numeric(15, 1),
	"results" jsonb NOT NULL,
	"quality_class" text
);
--> statement-breakpoint
CREATE TABLE "key_unit_inspection" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "key_unit_inspection_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"credit_code" text NOT NULL,
	"finding_no" text NOT NULL,
	"found_on" date NOT NULL,
	"facility" text,
	"description" text,
	"rectify_by" date,
	"rectified_on" date,
	"district" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "key_unit_self_monitoring" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "key_unit_self_monitoring_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"credit_code" text NOT NULL,
	"sampled_on" date NOT NULL,
	"medium" text NOT NULL,
	"point_code" text NOT NULL,
	"district" text NOT NULL,
	"results" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "produce_monitoring" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "produce_monitoring_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"sample_code" text NOT NULL,
	"parcel_code" text NOT NULL,
	"crop" text NOT NULL,
	"produce_category" text NOT NULL,
	"sampled_on" date NOT NULL,
	"district" text NOT NULL,
	"town" text,
	"results" jsonb NOT NULL,
	"compliant" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "remediation_stage" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "remediation_stage_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"plot_code" text NOT NULL,
	"stage" text NOT NULL,
	"district" text NOT NULL,
	"started_on" date NOT NULL,
	"finished_on" date,
	"review_no" text,
	"filing_no" text,
	"reviewing_body" text,
	"risk_result" text,
	"measures_kept" text[]
);
--> statement-breakpoint
CREATE TABLE "safe_use_measure" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "safe_use_measure_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"parcel_code" text NOT NULL,
	"year" integer NOT NULL,
	"measure" text NOT NULL,
	"measure_kind" text NOT NULL,
	"area_mu" numeric(15, 2) NOT NULL,
	"effect_confirmed" boolean,
	"district" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "soil_monitoring_network" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "soil_monitoring_network_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"point_code" text NOT NULL,
	"sampled_on" date NOT NULL,
	"network_level" text NOT NULL,
	"land_type" text NOT NULL,
	"purpose" text NOT NULL,
	"credit_code" text,
	"district" text NOT NULL,
	"location" "point" NOT NULL,
	"ph" numeric(15, 2),
	"results" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "undeveloped_land" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "undeveloped_land_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"publisher" text NOT NULL,
	"source_record_id" text NOT NULL,
	"sync_batch" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"change_seq" bigint DEFAULT nextval('hub_change_seq') NOT NULL,
	"plot_code" text NOT NULL,
	"district" text NOT NULL,
	"boundary" "polygon" NOT NULL,
	"reason" text NOT NULL,
	"exceedances" jsonb,
	"control_measures" text[],
	"since" date NOT NULL,
	"until" date
);
--> statement-breakpoint
ALTER TABLE "construction_permit" ADD COLUMN "boundary" "polygon";--> statement-breakpoint
-- Rows published before forestry joined are all cultivated land (the dataset held 耕地 only).
ALTER TABLE "farmland_class" ADD COLUMN "land_category" text DEFAULT 'CULTIVATED' NOT NULL;--> statement-breakpoint
ALTER TABLE "farmland_class" ALTER COLUMN "land_category" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "key_supervised_unit" ADD COLUMN "site_boundary" "polygon";--> statement-breakpoint
ALTER TABLE "key_supervised_unit" ADD COLUMN "toxic_substances" text[];--> statement-breakpoint
ALTER TABLE "key_supervised_unit" ADD COLUMN "key_facilities" text[];--> statement-breakpoint
ALTER TABLE "standard_value" ADD CONSTRAINT "standard_value_analyte_standard_analyte_code_fk" FOREIGN KEY ("analyte") REFERENCES "public"."standard_analyte"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "standard_value" ADD CONSTRAINT "standard_value_edition" FOREIGN KEY ("standard","edition") REFERENCES "public"."standard_edition"("standard","edition") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "standard_value_lookup" ON "standard_value" USING btree ("analyte","standard","value_kind");--> statement-breakpoint
CREATE UNIQUE INDEX "basic_farmland_natural_key" ON "basic_farmland" USING btree ("parcel_code");--> statement-breakpoint
CREATE INDEX "basic_farmland_last_changed" ON "basic_farmland" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "basic_farmland_change_seq" ON "basic_farmland" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "basic_farmland_district" ON "basic_farmland" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "basic_farmland_town" ON "basic_farmland" USING btree ("town","id");--> statement-breakpoint
CREATE INDEX "basic_farmland_boundary_gist" ON "basic_farmland" USING gist ("boundary");--> statement-breakpoint
CREATE INDEX "basic_farmland_designated_on" ON "basic_farmland" USING btree ("designated_on","id");--> statement-breakpoint
CREATE INDEX "basic_farmland_designation_doc_no" ON "basic_farmland" USING btree ("designation_doc_no","id");--> statement-breakpoint
CREATE UNIQUE INDEX "demolition_filing_natural_key" ON "demolition_filing" USING btree ("credit_code","filing_no");--> statement-breakpoint
CREATE INDEX "demolition_filing_last_changed" ON "demolition_filing" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "demolition_filing_change_seq" ON "demolition_filing" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "demolition_filing_filed_on" ON "demolition_filing" USING btree ("filed_on","id");--> statement-breakpoint
CREATE INDEX "demolition_filing_demolition_from" ON "demolition_filing" USING btree ("demolition_from","id");--> statement-breakpoint
CREATE INDEX "demolition_filing_demolition_to" ON "demolition_filing" USING btree ("demolition_to","id");--> statement-breakpoint
CREATE INDEX "demolition_filing_district" ON "demolition_filing" USING btree ("district","id");--> statement-breakpoint
CREATE UNIQUE INDEX "groundwater_monitoring_natural_key" ON "groundwater_monitoring" USING btree ("well_code","sampled_on");--> statement-breakpoint
CREATE INDEX "groundwater_monitoring_last_changed" ON "groundwater_monitoring" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "groundwater_monitoring_change_seq" ON "groundwater_monitoring" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "groundwater_monitoring_district" ON "groundwater_monitoring" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "groundwater_monitoring_location_gist" ON "groundwater_monitoring" USING gist ("location");--> statement-breakpoint
CREATE INDEX "groundwater_monitoring_site_code" ON "groundwater_monitoring" USING btree ("site_code","id");--> statement-breakpoint
CREATE INDEX "groundwater_monitoring_credit_code" ON "groundwater_monitoring" USING btree ("credit_code","id");--> statement-breakpoint
CREATE INDEX "groundwater_monitoring_quality_class" ON "groundwater_monitoring" USING btree ("quality_class","id");--> statement-breakpoint
CREATE UNIQUE INDEX "key_unit_inspection_natural_key" ON "key_unit_inspection" USING btree ("credit_code","finding_no");--> statement-breakpoint
CREATE INDEX "key_unit_inspection_last_changed" ON "key_unit_inspection" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "key_unit_inspection_change_seq" ON "key_unit_inspection" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "key_unit_inspection_found_on" ON "key_unit_inspection" USING btree ("found_on","id");--> statement-breakpoint
CREATE INDEX "key_unit_inspection_rectify_by" ON "key_unit_inspection" USING btree ("rectify_by","id");--> statement-breakpoint
CREATE INDEX "key_unit_inspection_rectified_on" ON "key_unit_inspection" USING btree ("rectified_on","id");--> statement-breakpoint
CREATE INDEX "key_unit_inspection_district" ON "key_unit_inspection" USING btree ("district","id");--> statement-breakpoint
CREATE UNIQUE INDEX "key_unit_self_monitoring_natural_key" ON "key_unit_self_monitoring" USING btree ("credit_code","sampled_on","medium","point_code");--> statement-breakpoint
CREATE INDEX "key_unit_self_monitoring_last_changed" ON "key_unit_self_monitoring" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "key_unit_self_monitoring_change_seq" ON "key_unit_self_monitoring" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "key_unit_self_monitoring_district" ON "key_unit_self_monitoring" USING btree ("district","id");--> statement-breakpoint
CREATE UNIQUE INDEX "produce_monitoring_natural_key" ON "produce_monitoring" USING btree ("sample_code");--> statement-breakpoint
CREATE INDEX "produce_monitoring_last_changed" ON "produce_monitoring" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "produce_monitoring_change_seq" ON "produce_monitoring" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "produce_monitoring_parcel_code" ON "produce_monitoring" USING btree ("parcel_code","id");--> statement-breakpoint
CREATE INDEX "produce_monitoring_crop" ON "produce_monitoring" USING btree ("crop","id");--> statement-breakpoint
CREATE INDEX "produce_monitoring_produce_category" ON "produce_monitoring" USING btree ("produce_category","id");--> statement-breakpoint
CREATE INDEX "produce_monitoring_sampled_on" ON "produce_monitoring" USING btree ("sampled_on","id");--> statement-breakpoint
CREATE INDEX "produce_monitoring_district" ON "produce_monitoring" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "produce_monitoring_town" ON "produce_monitoring" USING btree ("town","id");--> statement-breakpoint
CREATE INDEX "produce_monitoring_compliant" ON "produce_monitoring" USING btree ("compliant","id");--> statement-breakpoint
CREATE UNIQUE INDEX "remediation_stage_natural_key" ON "remediation_stage" USING btree ("plot_code","stage");--> statement-breakpoint
CREATE INDEX "remediation_stage_last_changed" ON "remediation_stage" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "remediation_stage_change_seq" ON "remediation_stage" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "remediation_stage_district" ON "remediation_stage" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "remediation_stage_started_on" ON "remediation_stage" USING btree ("started_on","id");--> statement-breakpoint
CREATE INDEX "remediation_stage_finished_on" ON "remediation_stage" USING btree ("finished_on","id");--> statement-breakpoint
CREATE INDEX "remediation_stage_risk_result" ON "remediation_stage" USING btree ("risk_result","id");--> statement-breakpoint
CREATE INDEX "remediation_stage_stage_finished_on" ON "remediation_stage" USING btree ("stage","finished_on");--> statement-breakpoint
CREATE UNIQUE INDEX "safe_use_measure_natural_key" ON "safe_use_measure" USING btree ("parcel_code","year","measure");--> statement-breakpoint
CREATE INDEX "safe_use_measure_last_changed" ON "safe_use_measure" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "safe_use_measure_change_seq" ON "safe_use_measure" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "safe_use_measure_measure_kind" ON "safe_use_measure" USING btree ("measure_kind","id");--> statement-breakpoint
CREATE INDEX "safe_use_measure_effect_confirmed" ON "safe_use_measure" USING btree ("effect_confirmed","id");--> statement-breakpoint
CREATE INDEX "safe_use_measure_district" ON "safe_use_measure" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "safe_use_measure_district_year" ON "safe_use_measure" USING btree ("district","year");--> statement-breakpoint
CREATE UNIQUE INDEX "soil_monitoring_network_natural_key" ON "soil_monitoring_network" USING btree ("point_code","sampled_on");--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_last_changed" ON "soil_monitoring_network" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "soil_monitoring_network_change_seq" ON "soil_monitoring_network" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_network_level" ON "soil_monitoring_network" USING btree ("network_level","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_land_type" ON "soil_monitoring_network" USING btree ("land_type","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_purpose" ON "soil_monitoring_network" USING btree ("purpose","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_credit_code" ON "soil_monitoring_network" USING btree ("credit_code","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_district" ON "soil_monitoring_network" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_location_gist" ON "soil_monitoring_network" USING gist ("location");--> statement-breakpoint
CREATE UNIQUE INDEX "undeveloped_land_natural_key" ON "undeveloped_land" USING btree ("plot_code");--> statement-breakpoint
CREATE INDEX "undeveloped_land_last_changed" ON "undeveloped_land" USING btree ("last_changed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "undeveloped_land_change_seq" ON "undeveloped_land" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "undeveloped_land_district" ON "undeveloped_land" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "undeveloped_land_boundary_gist" ON "undeveloped_land" USING gist ("boundary");--> statement-breakpoint
CREATE INDEX "undeveloped_land_since" ON "undeveloped_land" USING btree ("since","id");--> statement-breakpoint
CREATE INDEX "undeveloped_land_until" ON "undeveloped_land" USING btree ("until","id");--> statement-breakpoint
CREATE INDEX "construction_permit_boundary_gist" ON "construction_permit" USING gist ("boundary");--> statement-breakpoint
CREATE INDEX "farmland_class_land_category" ON "farmland_class" USING btree ("land_category","id");--> statement-breakpoint
CREATE INDEX "key_supervised_unit_site_boundary_gist" ON "key_supervised_unit" USING gist ("site_boundary");