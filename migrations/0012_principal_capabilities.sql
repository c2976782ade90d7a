ALTER TABLE "principal" ADD COLUMN "capabilities" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "principal" ADD CONSTRAINT "principal_capabilities" CHECK ("principal"."capabilities" <@ array['readAllFields', 'seeAllGrants', 'revokeAnyGrant', 'readAudit', 'verifyAudit', 'seeAllFreshness', 'seeAllAlerts', 'actOnAllAlerts']::text[]);--> statement-breakpoint
-- Capabilities are data, like the principals (src/access/capabilities.ts): the auditor reads and verifies
-- everything; the ecology bureau, which runs the hub and follows up publishers and alerts, reads the audit
-- trail, every dataset's freshness and every alert, and acts on any alert.
UPDATE "principal" SET "capabilities" = ARRAY['readAllFields', 'seeAllGrants', 'revokeAnyGrant', 'readAudit', 'verifyAudit', 'seeAllFreshness', 'seeAllAlerts']::text[] WHERE "code" = 'AUDITOR';
--> statement-breakpoint
UPDATE "principal" SET "capabilities" = ARRAY['readAudit', 'seeAllFreshness', 'seeAllAlerts', 'actOnAllAlerts']::text[] WHERE "code" = 'ECOLOGY';
