-- notification-service: a notification is sent after the consumer's transaction committed, by a
-- dispatcher, not inside it. The consumer writes the row PENDING; the dispatcher claims a few rows
-- (claimed_by + a lease in next_attempt_at, so two instances never send one row at the same time),
-- sends each outside any transaction and marks it SENT. A failed send is retried later (attempts,
-- last_error, next_attempt_at). Rows written before this migration were sent inline: SENT.

ALTER TABLE notifications ADD COLUMN status VARCHAR(16) DEFAULT 'SENT' NOT NULL;
ALTER TABLE notifications ADD CONSTRAINT notifications_status CHECK (status IN ('PENDING', 'SENT'));
ALTER TABLE notifications ADD COLUMN sent_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE notifications ADD COLUMN attempts INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE notifications ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE notifications ADD COLUMN claimed_by VARCHAR(64);
ALTER TABLE notifications ADD COLUMN last_error VARCHAR(1000);
UPDATE notifications SET sent_at = created_at WHERE status = 'SENT';
CREATE INDEX notifications_pending ON notifications (status, id);
