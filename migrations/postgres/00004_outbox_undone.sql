-- Claiming a message walks the outbox in id order for the first heads of their queues
-- (ORDER BY id LIMIT n). The only index in id order was the primary key, so each claim
-- stepped over every message already delivered before reaching the first one still to
-- go: as a busy outbox grew, a claim grew with it (85 ms per claim with 30,000 messages
-- delivered and 20,000 pending, against 0.5 ms with this index), and delivery fell
-- behind the incidents that queued the messages. This index holds only the messages
-- not yet done, in id order, so a claim reads from the first of them.

-- +goose Up
CREATE INDEX outbox_undone ON outbox (id) WHERE done_at IS NULL;

-- +goose Down
DROP INDEX outbox_undone;
