DROP INDEX "alert_rule_state";--> statement-breakpoint
CREATE INDEX "alert_rule_state" ON "alert" USING btree ("rule","state");--> statement-breakpoint
-- Every evaluation writes a new version of each alert it finds (last_seen_at): with half of each page free,
-- that version fits beside the old one (a HOT update, no index entries), and the one before is pruned in place.
-- Pages written before this keep their fill until they are rewritten.
ALTER TABLE "alert" SET (fillfactor = 50);
