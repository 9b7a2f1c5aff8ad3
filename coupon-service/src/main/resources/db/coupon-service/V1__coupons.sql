-- coupon-service: coupon definitions, redemptions and the semantic lock for cancelled orders.

CREATE TABLE coupons (
    code                 VARCHAR(64)              PRIMARY KEY,
    discount_cents       BIGINT                   NOT NULL CHECK (discount_cents >= 0),
    currency             VARCHAR(3)               NOT NULL,
    total_uses           INTEGER                  CHECK (total_uses IS NULL OR total_uses >= 0), -- NULL = unlimited
    remaining            INTEGER                  CHECK (remaining IS NULL OR remaining >= 0),   -- NULL = unlimited
    valid_until          TIMESTAMP WITH TIME ZONE,                                                -- NULL = no end
    -- The definition last written to coupons.catalog (see CouponCatalog.fingerprint); NULL = never.
    -- Start-up publishes every coupon whose current definition differs, so a changed coupon is
    -- republished without anyone having to remember to reset a flag.
    published_definition VARCHAR(400),
    CONSTRAINT coupons_remaining_within_total CHECK (remaining IS NULL OR total_uses IS NULL OR remaining <= total_uses)
);

-- One row per order that asked for a coupon and got it. The guarded decrement of coupons.remaining
-- is what prevents oversell; the primary key makes a second redemption for one order impossible.
CREATE TABLE redemptions (
    order_id       VARCHAR(100)             PRIMARY KEY,
    code           VARCHAR(64)              NOT NULL REFERENCES coupons (code),
    customer_id    VARCHAR(200)             NOT NULL,
    discount_cents BIGINT                   NOT NULL,
    status         VARCHAR(16)              NOT NULL CHECK (status IN ('REDEEMED', 'RELEASED')),
    redeemed_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    released_at    TIMESTAMP WITH TIME ZONE
);
CREATE INDEX redemptions_code ON redemptions (code);

-- A coupon is used at most once per customer among active (REDEEMED) redemptions: a row here while
-- the redemption is active, deleted when it is released. (A partial unique index on redemptions
-- WHERE status = 'REDEEMED' would express the same rule.)
CREATE TABLE active_coupon_uses (
    code        VARCHAR(64)  NOT NULL,
    customer_id VARCHAR(200) NOT NULL,
    order_id    VARCHAR(100) NOT NULL UNIQUE REFERENCES redemptions (order_id),
    PRIMARY KEY (code, customer_id)
);

-- Semantic lock: an order the saga cancelled (ReleaseCoupon seen). A PaymentCompleted that arrives
-- later for it is refused, so a coupon can never stay used by a cancelled order.
CREATE TABLE cancelled_orders (
    order_id VARCHAR(100)             PRIMARY KEY,
    at       TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One row per order coupon-service has seen, locked (SELECT ... FOR UPDATE) by every transaction that
-- handles an event of the order. PaymentCompleted and ReleaseCoupon of one order arrive on different
-- topics and may be handled by different instances at the same moment: without this lock each could
-- miss the other's uncommitted row and a cancelled order could keep its coupon.
CREATE TABLE order_locks (
    order_id VARCHAR(100) PRIMARY KEY
);

-- The demo coupons. ON CONFLICT DO NOTHING: never overwrite a coupon an operator already defined.
INSERT INTO coupons (code, discount_cents, currency, total_uses, remaining, valid_until)
VALUES ('WELCOME10', 1000, 'USD', NULL, NULL, NULL)
ON CONFLICT DO NOTHING;
INSERT INTO coupons (code, discount_cents, currency, total_uses, remaining, valid_until)
VALUES ('FLASH100', 500, 'USD', 100, 100, NULL)
ON CONFLICT DO NOTHING;
