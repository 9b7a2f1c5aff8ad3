-- One PostgreSQL server, one database per service, each owned by its own login role:
-- a service can neither read nor change another service's tables (database per service).
-- Runs once, from /docker-entrypoint-initdb.d, when the postgres-data volume is empty;
-- `docker compose down -v` resets it. Each service creates its tables itself (Flyway migrations).
-- Local development passwords: the same values are in docker-compose.yml (DB_USER / DB_PASSWORD).

CREATE ROLE orders LOGIN PASSWORD 'orders';
CREATE DATABASE orders OWNER orders;

CREATE ROLE coupons LOGIN PASSWORD 'coupons';
CREATE DATABASE coupons OWNER coupons;

CREATE ROLE points LOGIN PASSWORD 'points';
CREATE DATABASE points OWNER points;

CREATE ROLE notifications LOGIN PASSWORD 'notifications';
CREATE DATABASE notifications OWNER notifications;

-- Nobody else may connect to a service's database (PUBLIC has CONNECT by default).
REVOKE CONNECT ON DATABASE orders FROM PUBLIC;
REVOKE CONNECT ON DATABASE coupons FROM PUBLIC;
REVOKE CONNECT ON DATABASE points FROM PUBLIC;
REVOKE CONNECT ON DATABASE notifications FROM PUBLIC;
