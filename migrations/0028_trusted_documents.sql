CREATE TABLE "trusted_document" (
	"principal_code" text NOT NULL,
	"id" text NOT NULL,
	"operation_name" text NOT NULL,
	"operation_type" text NOT NULL,
	"body" text NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trusted_document_principal_code_id_pk" PRIMARY KEY("principal_code","id"),
	CONSTRAINT "trusted_document_id" CHECK ("trusted_document"."id" = encode(sha256(convert_to("trusted_document"."body", 'UTF8')), 'hex')),
	CONSTRAINT "trusted_document_type" CHECK ("trusted_document"."operation_type" in ('query', 'mutation'))
);
--> statement-breakpoint
ALTER TABLE "api_key" ADD COLUMN "documents_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "trusted_document" ADD CONSTRAINT "trusted_document_principal_code_principal_code_fk" FOREIGN KEY ("principal_code") REFERENCES "public"."principal"("code") ON DELETE no action ON UPDATE no action;