# syntax=docker/dockerfile:1
#
# One image for all four OrderFlow services: the same fat jar as the embedded quickstart
# (launcher/target/orderflow.jar). docker-compose.yml runs it four times:
#   docker run orderflow:local service order-service      # one service, configured by env vars
#   docker run -p 8080:8080 orderflow:local                # no command: the all-in-one embedded stack
#
# Needs BuildKit (the default builder of Docker Engine 23+ and Docker Desktop) for the cache mounts.

# ---- build: Maven, with the local repository in a BuildKit cache that survives rebuilds ---------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src

# POMs first: this layer (dependency download) is rebuilt only when a POM changes.
# A new module must be added here too (ComposeFileTest checks the list against the root pom).
COPY pom.xml ./
COPY schemas/pom.xml schemas/
COPY devstack/pom.xml devstack/
COPY platform/pom.xml platform/
COPY order-service/pom.xml order-service/
COPY coupon-service/pom.xml coupon-service/
COPY points-service/pom.xml points-service/
COPY notification-service/pom.xml notification-service/
COPY launcher/pom.xml launcher/
# Our own modules are built below, not downloaded: exclude them from the offline resolution.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -ntp org.apache.maven.plugins:maven-dependency-plugin:3.8.1:go-offline -DexcludeGroupIds=io.orderflow

COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -ntp -DskipTests package \
    && cp launcher/target/orderflow.jar /orderflow.jar

# ---- runtime: a JRE and the jar, as a non-root user ---------------------------------------------
FROM eclipse-temurin:17-jre

# uid 10001: Ubuntu-based images already have uid 1000 (ubuntu).
RUN groupadd --system --gid 10001 orderflow \
    && useradd --system --uid 10001 --gid orderflow --home-dir /app --no-create-home \
               --shell /usr/sbin/nologin orderflow \
    && mkdir -p /app/data \
    && chown orderflow:orderflow /app/data

WORKDIR /app
COPY --from=build /orderflow.jar /app/orderflow.jar

# DATA_DIR holds local state (Kafka Streams' RocksDB; the all-in-one's PostgreSQL and Kafka data):
# mount a volume at /app/data to keep it. Heap: a share of the container's memory limit;
# override JAVA_TOOL_OPTIONS per container (compose does for order-service).
# HTTP_HOST: the services bind 127.0.0.1 by default (safe on a laptop); inside a container that
# would make them unreachable through a published port, and the container's network is the boundary.
ENV DATA_DIR=/app/data \
    HTTP_HOST=0.0.0.0 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"

USER orderflow
# order-service, coupon-service, points-service, notification-service (HTTP_PORT defaults).
EXPOSE 8080 8091 8092 8093

# curl is part of eclipse-temurin's Ubuntu images: compose's healthchecks use it on /health/ready.
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/orderflow.jar"]
