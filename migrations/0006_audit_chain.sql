-- The audit trail's hash chain and its protection (see audit_log in src/db/hubTables.ts).
-- Every writer goes through these triggers, so the chain does not depend on the application's code.

-- A record's content as one canonical text: a JSON array (jsonb prints keys in a fixed order), the time in
-- microseconds since the epoch (independent of the session's time zone).
CREATE FUNCTION audit_canonical(r audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_array(r.seq, (extract(epoch FROM r.at) * 1000000)::bigint, r.event, r.principal,
    r.key_id, r.request_id, r.operation_name, r.document_hash, r.outcome, r.detail, r.prev_hash)::text
$$;
--> statement-breakpoint
CREATE FUNCTION audit_hash(r audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(audit_canonical(r), 'UTF8')), 'hex')
$$;
--> statement-breakpoint
INSERT INTO audit_chain_head (id, last_seq, last_hash, anchor_seq, anchor_hash)
VALUES (true, NULL, repeat('0', 64), NULL, repeat('0', 64));
--> statement-breakpoint
-- Links each new record to the last one. The head row's lock orders concurrent writers (also across hub
-- processes): the chain follows commit order.
CREATE FUNCTION audit_chain_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT last_hash INTO NEW.prev_hash FROM audit_chain_head WHERE id FOR UPDATE;
  NEW.hash := audit_hash(NEW);
  UPDATE audit_chain_head SET last_seq = NEW.seq, last_hash = NEW.hash WHERE id;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain_insert();
--> statement-breakpoint
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
-- Retention: only records older than the legal floor (6 months, Cybersecurity Law art. 21) may go, and the
-- chain's anchor moves to the newest one removed, so the first record left still verifies.
CREATE FUNCTION audit_retention_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.at >= now() - interval '6 months' THEN
    RAISE EXCEPTION 'audit record % is younger than 6 months: it must be kept', OLD.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE audit_chain_head SET anchor_seq = OLD.seq, anchor_hash = OLD.hash
    WHERE id AND (anchor_seq IS NULL OR anchor_seq < OLD.seq);
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_retention BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_retention_delete();
--> statement-breakpoint
-- Nobody but the table's owner may change the chain's ends.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_chain_head FROM PUBLIC;
