DROP INDEX "basic_farmland_parcel_code_trgm";--> statement-breakpoint
DROP INDEX "basic_farmland_town_trgm";--> statement-breakpoint
DROP INDEX "basic_farmland_designation_doc_no_trgm";--> statement-breakpoint
DROP INDEX "closed_enterprise_name_trgm";--> statement-breakpoint
DROP INDEX "closed_enterprise_industry_name_trgm";--> statement-breakpoint
DROP INDEX "closed_enterprise_address_trgm";--> statement-breakpoint
DROP INDEX "construction_permit_project_name_trgm";--> statement-breakpoint
DROP INDEX "construction_permit_address_trgm";--> statement-breakpoint
DROP INDEX "construction_permit_builder_trgm";--> statement-breakpoint
DROP INDEX "contaminated_site_site_code_trgm";--> statement-breakpoint
DROP INDEX "contaminated_site_name_trgm";--> statement-breakpoint
DROP INDEX "contaminated_site_planned_use_trgm";--> statement-breakpoint
DROP INDEX "demolition_filing_filing_no_trgm";--> statement-breakpoint
DROP INDEX "farmland_class_parcel_code_trgm";--> statement-breakpoint
DROP INDEX "farmland_class_town_trgm";--> statement-breakpoint
DROP INDEX "farmland_class_measures_trgm";--> statement-breakpoint
DROP INDEX "fertiliser_use_town_trgm";--> statement-breakpoint
DROP INDEX "fertiliser_use_crop_trgm";--> statement-breakpoint
DROP INDEX "groundwater_monitoring_well_code_trgm";--> statement-breakpoint
DROP INDEX "irrigation_well_well_code_trgm";--> statement-breakpoint
DROP INDEX "irrigation_well_town_trgm";--> statement-breakpoint
DROP INDEX "key_supervised_unit_name_trgm";--> statement-breakpoint
DROP INDEX "key_supervised_unit_industry_name_trgm";--> statement-breakpoint
DROP INDEX "key_supervised_unit_anomalies_trgm";--> statement-breakpoint
DROP INDEX "key_unit_inspection_finding_no_trgm";--> statement-breakpoint
DROP INDEX "key_unit_inspection_facility_trgm";--> statement-breakpoint
DROP INDEX "key_unit_inspection_description_trgm";--> statement-breakpoint
DROP INDEX "key_unit_self_monitoring_point_code_trgm";--> statement-breakpoint
DROP INDEX "land_right_change_enterprise_name_trgm";--> statement-breakpoint
DROP INDEX "land_right_change_new_use_trgm";--> statement-breakpoint
DROP INDEX "land_use_change_parcel_code_trgm";--> statement-breakpoint
DROP INDEX "land_use_change_address_trgm";--> statement-breakpoint
DROP INDEX "land_use_change_original_use_trgm";--> statement-breakpoint
DROP INDEX "land_use_change_right_holder_trgm";--> statement-breakpoint
DROP INDEX "pesticide_use_town_trgm";--> statement-breakpoint
DROP INDEX "pesticide_use_crop_trgm";--> statement-breakpoint
DROP INDEX "pesticide_use_product_trgm";--> statement-breakpoint
DROP INDEX "pesticide_use_active_ingredient_trgm";--> statement-breakpoint
DROP INDEX "priority_plot_plot_code_trgm";--> statement-breakpoint
DROP INDEX "priority_plot_name_trgm";--> statement-breakpoint
DROP INDEX "priority_plot_reason_trgm";--> statement-breakpoint
DROP INDEX "produce_monitoring_sample_code_trgm";--> statement-breakpoint
DROP INDEX "produce_monitoring_crop_trgm";--> statement-breakpoint
DROP INDEX "produce_monitoring_town_trgm";--> statement-breakpoint
DROP INDEX "remediation_stage_plot_code_trgm";--> statement-breakpoint
DROP INDEX "remediation_stage_review_no_trgm";--> statement-breakpoint
DROP INDEX "remediation_stage_filing_no_trgm";--> statement-breakpoint
DROP INDEX "remediation_stage_reviewing_body_trgm";--> statement-breakpoint
DROP INDEX "safe_use_measure_parcel_code_trgm";--> statement-breakpoint
DROP INDEX "site_screening_enterprise_name_trgm";--> statement-breakpoint
DROP INDEX "site_screening_follow_up_trgm";--> statement-breakpoint
DROP INDEX "soil_monitoring_point_code_trgm";--> statement-breakpoint
DROP INDEX "soil_monitoring_town_trgm";--> statement-breakpoint
DROP INDEX "soil_monitoring_network_point_code_trgm";--> statement-breakpoint
DROP INDEX "undeveloped_land_plot_code_trgm";--> statement-breakpoint
DROP INDEX "undeveloped_land_reason_trgm";--> statement-breakpoint
CREATE INDEX "basic_farmland_parcel_code_trgm" ON "basic_farmland" USING gin (lower("parcel_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "basic_farmland_town_trgm" ON "basic_farmland" USING gin (lower("town") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "basic_farmland_designation_doc_no_trgm" ON "basic_farmland" USING gin (lower("designation_doc_no") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "closed_enterprise_name_trgm" ON "closed_enterprise" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "closed_enterprise_industry_name_trgm" ON "closed_enterprise" USING gin (lower("industry_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "closed_enterprise_address_trgm" ON "closed_enterprise" USING gin (lower("address") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "construction_permit_project_name_trgm" ON "construction_permit" USING gin (lower("project_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "construction_permit_address_trgm" ON "construction_permit" USING gin (lower("address") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "construction_permit_builder_trgm" ON "construction_permit" USING gin (lower("builder") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contaminated_site_site_code_trgm" ON "contaminated_site" USING gin (lower("site_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contaminated_site_name_trgm" ON "contaminated_site" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contaminated_site_planned_use_trgm" ON "contaminated_site" USING gin (lower("planned_use") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "demolition_filing_filing_no_trgm" ON "demolition_filing" USING gin (lower("filing_no") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "farmland_class_parcel_code_trgm" ON "farmland_class" USING gin (lower("parcel_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "farmland_class_town_trgm" ON "farmland_class" USING gin (lower("town") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "farmland_class_measures_trgm" ON "farmland_class" USING gin (lower("measures") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "fertiliser_use_town_trgm" ON "fertiliser_use" USING gin (lower("town") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "fertiliser_use_crop_trgm" ON "fertiliser_use" USING gin (lower("crop") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "groundwater_monitoring_well_code_trgm" ON "groundwater_monitoring" USING gin (lower("well_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "irrigation_well_well_code_trgm" ON "irrigation_well" USING gin (lower("well_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "irrigation_well_town_trgm" ON "irrigation_well" USING gin (lower("town") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "key_supervised_unit_name_trgm" ON "key_supervised_unit" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "key_supervised_unit_industry_name_trgm" ON "key_supervised_unit" USING gin (lower("industry_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "key_supervised_unit_anomalies_trgm" ON "key_supervised_unit" USING gin (lower("anomalies") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "key_unit_inspection_finding_no_trgm" ON "key_unit_inspection" USING gin (lower("finding_no") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "key_unit_inspection_facility_trgm" ON "key_unit_inspection" USING gin (lower("facility") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "key_unit_inspection_description_trgm" ON "key_unit_inspection" USING gin (lower("description") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "key_unit_self_monitoring_point_code_trgm" ON "key_unit_self_monitoring" USING gin (lower("point_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "land_right_change_enterprise_name_trgm" ON "land_right_change" USING gin (lower("enterprise_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "land_right_change_new_use_trgm" ON "land_right_change" USING gin (lower("new_use") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "land_use_change_parcel_code_trgm" ON "land_use_change" USING gin (lower("parcel_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "land_use_change_address_trgm" ON "land_use_change" USING gin (lower("address") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "land_use_change_original_use_trgm" ON "land_use_change" USING gin (lower("original_use") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "land_use_change_right_holder_trgm" ON "land_use_change" USING gin (lower("right_holder") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "pesticide_use_town_trgm" ON "pesticide_use" USING gin (lower("town") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "pesticide_use_crop_trgm" ON "pesticide_use" USING gin (lower("crop") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "pesticide_use_product_trgm" ON "pesticide_use" USING gin (lower("product") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "pesticide_use_active_ingredient_trgm" ON "pesticide_use" USING gin (lower("active_ingredient") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "priority_plot_plot_code_trgm" ON "priority_plot" USING gin (lower("plot_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "priority_plot_name_trgm" ON "priority_plot" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "priority_plot_reason_trgm" ON "priority_plot" USING gin (lower("reason") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "produce_monitoring_sample_code_trgm" ON "produce_monitoring" USING gin (lower("sample_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "produce_monitoring_crop_trgm" ON "produce_monitoring" USING gin (lower("crop") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "produce_monitoring_town_trgm" ON "produce_monitoring" USING gin (lower("town") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "remediation_stage_plot_code_trgm" ON "remediation_stage" USING gin (lower("plot_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "remediation_stage_review_no_trgm" ON "remediation_stage" USING gin (lower("review_no") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "remediation_stage_filing_no_trgm" ON "remediation_stage" USING gin (lower("filing_no") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "remediation_stage_reviewing_body_trgm" ON "remediation_stage" USING gin (lower("reviewing_body") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "safe_use_measure_parcel_code_trgm" ON "safe_use_measure" USING gin (lower("parcel_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "site_screening_enterprise_name_trgm" ON "site_screening" USING gin (lower("enterprise_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "site_screening_follow_up_trgm" ON "site_screening" USING gin (lower("follow_up") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "soil_monitoring_point_code_trgm" ON "soil_monitoring" USING gin (lower("point_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "soil_monitoring_town_trgm" ON "soil_monitoring" USING gin (lower("town") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "soil_monitoring_network_point_code_trgm" ON "soil_monitoring_network" USING gin (lower("point_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "undeveloped_land_plot_code_trgm" ON "undeveloped_land" USING gin (lower("plot_code") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "undeveloped_land_reason_trgm" ON "undeveloped_land" USING gin (lower("reason") gin_trgm_ops);