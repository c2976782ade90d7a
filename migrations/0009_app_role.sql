-- The role the hub writes with (等保 2.0: audit records protected against deletion and change).
--
-- Until now the hub ran its statements as the user it logs in with, which owns the tables: an owner may
-- disable the audit log's triggers and then change or delete records. From now on, on a PostgreSQL server,
-- the hub's connections run as jingtu_app (src/db/connection.ts sets the role when each connection
-- starts): it reads and writes the datasets and the hub's tables, but of the audit log it may only read and
-- append, and it owns nothing, so it can neither disable a trigger nor alter a table. Migrations still run
-- as the login user. The chain's statement triggers and the retention purge run as the owner (SECURITY
-- DEFINER), each doing only what it is written to do.
-- Created here when missing (that needs CREATEROLE); an administrator may have created it beforehand.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jingtu_app') THEN
    CREATE ROLE jingtu_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object THEN NULL; -- another database's migration created it meanwhile
END
$$;
--> statement-breakpoint
-- The login user must be allowed to take the role (a superuser always is).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'jingtu_app', 'MEMBER') THEN
    EXECUTE format('GRANT jingtu_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
-- pg-boss keeps its jobs in a schema of its own, which it creates when it first starts (as jingtu_app).
DO $$
BEGIN
  EXECUTE format('GRANT CREATE, TEMPORARY ON DATABASE %I TO jingtu_app', current_database());
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO jingtu_app;
--> statement-breakpoint
-- /readyz compares the migrations applied with the hub's own (src/db/migrate.ts).
GRANT USAGE ON SCHEMA drizzle TO jingtu_app;
--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA drizzle TO jingtu_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO jingtu_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO jingtu_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO jingtu_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO jingtu_app;
--> statement-breakpoint
-- The audit log: read and append only. Its head row is the chain triggers' alone.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM jingtu_app;
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_head FROM jingtu_app;
--> statement-breakpoint
ALTER FUNCTION audit_chain_lock() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION audit_chain_advance() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
-- Retention (src/audit/chain.ts): the longest run of oldest records past the retention period, never one
-- younger than 6 months (the delete trigger of 0006 refuses those and moves the chain's anchor).
CREATE FUNCTION audit_purge(retention_days integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  removed bigint;
BEGIN
  DELETE FROM audit_log
  WHERE seq < coalesce((SELECT min(seq) FROM audit_log WHERE at >= now() - make_interval(days => retention_days)),
                       (SELECT max(seq) + 1 FROM audit_log));
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION audit_purge(integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_purge(integer) TO jingtu_app;
