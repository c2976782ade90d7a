CREATE TABLE "access_grant" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dataset" text NOT NULL,
	"fields" text[] NOT NULL,
	"requester" text NOT NULL,
	"purpose" text NOT NULL,
	"term_days" integer NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_reason" text,
	"expires_at" timestamp with time zone,
	"revoked_by" text,
	"revoked_at" timestamp with time zone,
	"revoke_reason" text,
	CONSTRAINT "access_grant_status" CHECK ("access_grant"."status" in ('PENDING', 'APPROVED', 'REFUSED', 'REVOKED')),
	CONSTRAINT "access_grant_term" CHECK ("access_grant"."term_days" between 1 and 3660)
);
--> statement-breakpoint
ALTER TABLE "access_grant" ADD CONSTRAINT "access_grant_requester_principal_code_fk" FOREIGN KEY ("requester") REFERENCES "public"."principal"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_grant_requester" ON "access_grant" USING btree ("requester","status");--> statement-breakpoint
CREATE INDEX "access_grant_dataset" ON "access_grant" USING btree ("dataset","status");