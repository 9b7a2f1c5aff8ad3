-- Outbox rows the relay gave up on after a bounded number of attempts: a payload that does not decode, a
-- schema the registry refuses, a record the broker refuses. The row itself stays in outbox; this marks it,
-- and the relay holds back the later rows of the same topic and key, so one order's events never overtake
-- each other. Rows of other keys keep flowing. Broker or registry outages never park anything.
--
-- An operator fixes the cause, then either publishes the row and those held behind it, in order:
--     DELETE FROM outbox_parked WHERE outbox_id = <id>;
-- or drops it for good (its mark goes with it), which releases the rows held behind it:
--     DELETE FROM outbox WHERE id = <id>;
CREATE TABLE outbox_parked (
    outbox_id  BIGINT PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    topic      VARCHAR(200)             NOT NULL,
    record_key VARCHAR(200)             NOT NULL,
    attempts   INT                      NOT NULL,
    reason     VARCHAR(2000)            NOT NULL,
    parked_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX outbox_parked_by_key ON outbox_parked (topic, record_key);
