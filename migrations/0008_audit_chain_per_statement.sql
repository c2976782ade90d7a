-- The audit chain, linked per statement instead of per row (replaces audit_chain_insert of 0006).
--
-- 0006 locked, read and rewrote the chain's head row for every record: a batch of n records wrote n
-- versions of that row, each later record walking past the earlier ones, and the head's lock was taken
-- only after the record had drawn its sequence number, so two writers (two hub processes) could commit
-- records in an order other than their numbers. Now a statement that inserts records locks the head once,
-- before any record is numbered, each record takes the previous one's hash from a transaction-local
-- setting, and the head is rewritten once, after the last. Records already written keep their hashes:
-- the canonical content is unchanged, now computed by audit_digest from the values.

CREATE FUNCTION audit_digest(seq bigint, at timestamptz, event text, principal text, key_id uuid, request_id text,
  operation_name text, document_hash text, outcome text, detail jsonb, prev_hash text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(seq, (extract(epoch FROM at) * 1000000)::bigint, event, principal,
    key_id, request_id, operation_name, document_hash, outcome, detail, prev_hash)::text, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_hash(r audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT audit_digest(r.seq, r.at, r.event, r.principal, r.key_id, r.request_id, r.operation_name, r.document_hash,
    r.outcome, r.detail, r.prev_hash)
$$;
--> statement-breakpoint
DROP FUNCTION audit_canonical(audit_log);
--> statement-breakpoint
DROP TRIGGER audit_log_chain ON audit_log;
--> statement-breakpoint
DROP FUNCTION audit_chain_insert();
--> statement-breakpoint
-- Before a statement's first record is numbered: the head's lock orders writers (also across processes)
-- until commit, so the chain follows the sequence numbers and the commit order.
CREATE FUNCTION audit_chain_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('jingtu.audit_chain_hash', last_hash, true) FROM audit_chain_head WHERE id FOR UPDATE;
  PERFORM set_config('jingtu.audit_chain_seq', '', true);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit_chain_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.prev_hash := current_setting('jingtu.audit_chain_hash');
  NEW.hash := audit_digest(NEW.seq, NEW.at, NEW.event, NEW.principal, NEW.key_id, NEW.request_id, NEW.operation_name,
    NEW.document_hash, NEW.outcome, NEW.detail, NEW.prev_hash);
  PERFORM set_config('jingtu.audit_chain_hash', NEW.hash, true), set_config('jingtu.audit_chain_seq', NEW.seq::text, true);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit_chain_advance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('jingtu.audit_chain_seq') <> '' THEN
    UPDATE audit_chain_head SET last_seq = current_setting('jingtu.audit_chain_seq')::bigint,
      last_hash = current_setting('jingtu.audit_chain_hash') WHERE id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain_lock BEFORE INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_lock();
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain_link();
--> statement-breakpoint
CREATE TRIGGER audit_log_chain_advance AFTER INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_advance();
