CREATE TABLE "supervision_state" (
	"rule" text PRIMARY KEY NOT NULL,
	"evaluated_seq" bigint NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL
);
