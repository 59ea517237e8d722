#!/usr/bin/env bash
# The local stack, made of real parts: Apache Kafka (KRaft, single node) and Apicurio Registry
# (Confluent-compatible API), both from Maven Central jars, listening on 127.0.0.1 only.
#
#   scripts/stack.sh up      fetch jars once (Maven cache), start what is not running, wait until ready,
#                            create the source and dead-letter topics; safe to run twice
#   scripts/stack.sh down    stop everything this script started; leaves no process behind
#   scripts/stack.sh status  what is running
#   scripts/stack.sh env     print the settings that point the service at this stack
#
# Everything (jars, data, logs, pids) lives under $STACK_DIR (default .stack/, git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
KAFKA_VERSION="4.1.1"
APICURIO_VERSION="3.3.3"
KAFKA_PORT="${STACK_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${STACK_KAFKA_CONTROLLER_PORT:-9093}"
# A second listener that requires SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), for the broker-security tests.
KAFKA_SASL_PORT="${STACK_KAFKA_SASL_PORT:-9094}"
SASL_TEST_USER="zd-test"
SASL_TEST_PASSWORD="zd-test-secret"
# TLS listeners, for the broker-security tests: TLS only, mutual TLS (a client certificate required), and
# SASL over TLS. Their CA, keystores and PEM files are made with the JDK's keytool.
KAFKA_SSL_PORT="${STACK_KAFKA_SSL_PORT:-9095}"
KAFKA_MTLS_PORT="${STACK_KAFKA_MTLS_PORT:-9096}"
KAFKA_SASL_SSL_PORT="${STACK_KAFKA_SASL_SSL_PORT:-9097}"
TLS_PASSWORD="zd-stack-tls"
REGISTRY_PORT="${STACK_REGISTRY_PORT:-8081}"
# The most commit metadata the broker keeps per partition (Kafka's default 4096 when unset): the fault
# suite starts its private broker with a tiny one, to have the service's commit metadata refused.
OFFSET_METADATA_MAX_BYTES="${STACK_KAFKA_OFFSET_METADATA_MAX_BYTES:-}"
# group.initial.rebalance.delay.ms: 0 for the tests (a lone member starts at once); Kafka's default is
# 3000, which lets members that start together join one generation (the bench's scale-out sets it).
INITIAL_REBALANCE_DELAY_MS="${STACK_KAFKA_INITIAL_REBALANCE_DELAY_MS:-0}"
# STACK_JVM_FAST_START=1 (the tests' stacks): both JVMs compile with C1 only. A broker start on a busy
# 2-core machine took 23-29 s with the default tiered JIT and 14 s with C1 alone, and the fault suite
# restarts its broker about six times; the benchmark's stack keeps the default (throughput, not start-up).
JVM_START_OPTS=()
if [[ "${STACK_JVM_FAST_START:-}" == 1 ]]; then JVM_START_OPTS=(-XX:TieredStopAtLevel=1); fi
# Jars are shared by every stack instance (a second instance, e.g. for fault tests, sets STACK_DIR and ports).
STACK_LIB_DIR="${STACK_LIB_DIR:-$ROOT/.stack/lib}"
# So is the TLS material (it names 127.0.0.1 and localhost, not ports): keytool is ~13 JVM starts, most
# of a minute on a busy 2-core machine, paid once per checkout rather than once per stack.
TLS_DIR="$STACK_LIB_DIR/tls"
KAFKA_LIB="$STACK_LIB_DIR/kafka-$KAFKA_VERSION"
APICURIO_DIR="$STACK_LIB_DIR/apicurio-$APICURIO_VERSION"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"
export SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7}"
export KAFKA_TOPIC="${KAFKA_TOPIC:-segment-events}"
export KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-6}"

log() { echo "[stack] $*" >&2; }
die() { echo "[stack] ERROR: $*" >&2; exit 1; }

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() {
  if [[ -f "$KAFKA_LIB/.complete" && -f "$APICURIO_DIR/.complete" ]]; then return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka and Apicurio jars"
  command -v java >/dev/null || die "Java 17+ is needed to run Kafka and Apicurio"
  log "fetching Kafka $KAFKA_VERSION and Apicurio Registry $APICURIO_VERSION from Maven Central (cached in ~/.m2)"
  rm -rf "$KAFKA_LIB" "$APICURIO_DIR"
  mvn -q -B -f "$ROOT/scripts/stack/pom.xml" package \
    -Dkafka.version="$KAFKA_VERSION" -Dapicurio.version="$APICURIO_VERSION" -Dstack.dir="$(dirname "$STACK_LIB_DIR")" \
    >"$STACK_DIR/maven.log" 2>&1 || { tail -50 "$STACK_DIR/maven.log" >&2; die "Maven fetch failed (see $STACK_DIR/maven.log)"; }
  [[ -f "$APICURIO_DIR/quarkus-run.jar" ]] || die "Apicurio tar.gz did not unpack to $APICURIO_DIR"
  touch "$KAFKA_LIB/.complete" "$APICURIO_DIR/.complete"
}

# A CA, a broker certificate for 127.0.0.1/localhost signed by it (PKCS12 keystore + CA truststore for
# the broker), a client certificate signed by it (for mutual TLS), and a second, unrelated CA (what a
# client with the wrong CA trusts). Node needs PEM: keytool exports certificates as PEM itself; only the
# private keys go through openssl (keytool cannot write a private key out). Made once per checkout.
tls_material() {
  [[ -f "$TLS_DIR/.complete" ]] && return
  command -v keytool >/dev/null || die "keytool (from a JDK) is needed to make the TLS listeners' certificates"
  command -v openssl >/dev/null || die "openssl is needed to export the test private keys as PEM"
  log "making a CA and TLS keystores with keytool under $TLS_DIR"
  rm -rf "$TLS_DIR"; mkdir -p "$TLS_DIR"
  # keytool's JVM does little work: the quickest-starting settings make each call a little cheaper.
  local kt=(keytool -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-Xshare:auto -noprompt -storepass "$TLS_PASSWORD" -keypass "$TLS_PASSWORD" -storetype PKCS12)
  (
    cd "$TLS_DIR"
    for ca in ca other-ca; do
      "${kt[@]}" -genkeypair -alias "$ca" -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=zendesk-destination test $ca" \
        -ext bc:c -keystore "$ca.p12"
      "${kt[@]}" -exportcert -rfc -alias "$ca" -keystore "$ca.p12" -file "$ca.pem"
    done
    # name: alias and file stem; ext: the certificate's extensions (the broker's names, or client use).
    sign() {
      local name="$1" dn="$2"; shift 2
      "${kt[@]}" -genkeypair -alias "$name" -keyalg RSA -keysize 2048 -validity 3650 -dname "$dn" -keystore "$name.p12"
      "${kt[@]}" -certreq -alias "$name" -keystore "$name.p12" -file "$name.csr"
      "${kt[@]}" -gencert -alias ca -keystore ca.p12 -infile "$name.csr" -outfile "$name.pem" -rfc -validity 3650 "$@"
      "${kt[@]}" -importcert -alias ca -keystore "$name.p12" -file ca.pem
      "${kt[@]}" -importcert -alias "$name" -keystore "$name.p12" -file "$name.pem"
      openssl pkcs12 -in "$name.p12" -nocerts -nodes -passin "pass:$TLS_PASSWORD" 2>/dev/null \
        | openssl pkey -out "$name.key"
    }
    sign broker "CN=localhost" -ext "SAN=IP:127.0.0.1,DNS:localhost" -ext "EKU=serverAuth,clientAuth"
    sign client "CN=zd-client" -ext "EKU=clientAuth"
    "${kt[@]}" -importcert -alias ca -keystore truststore.p12 -file ca.pem
  ) >"$STACK_DIR/tls.log" 2>&1 || { tail -20 "$STACK_DIR/tls.log" >&2; rm -rf "$TLS_DIR"; die "making the TLS material failed (see $STACK_DIR/tls.log)"; }
  touch "$TLS_DIR/.complete"
}

kafka_up() {
  local dir="$STACK_DIR/kafka" pidf="$STACK_DIR/kafka.pid"
  if pid_alive "$pidf"; then log "kafka already running (pid $(cat "$pidf"))"; return; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by a process this script did not start"
  mkdir -p "$dir/config" "$dir/data"
  tls_material
  cat >"$dir/config/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,MTLS://127.0.0.1:$KAFKA_MTLS_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,MTLS://127.0.0.1:$KAFKA_MTLS_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_TEST_USER="$SASL_TEST_PASSWORD";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_TEST_USER="$SASL_TEST_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=$TLS_PASSWORD
ssl.key.password=$TLS_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$TLS_DIR/truststore.p12
ssl.truststore.password=$TLS_PASSWORD
listener.name.mtls.ssl.client.auth=required
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=$INITIAL_REBALANCE_DELAY_MS
auto.create.topics.enable=false
log.retention.hours=168
PROPS
  [[ -z "$OFFSET_METADATA_MAX_BYTES" ]] || echo "offset.metadata.max.bytes=$OFFSET_METADATA_MAX_BYTES" >>"$dir/config/server.properties"
  cat >"$dir/config/log4j2.properties" <<'L4J'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
L4J
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    log "formatting Kafka storage"
    java -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format -t "$(java -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
      -c "$dir/config/server.properties" \
      --add-scram "SCRAM-SHA-256=[name=$SASL_TEST_USER,password=$SASL_TEST_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=$SASL_TEST_USER,password=$SASL_TEST_PASSWORD]" >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; die "kafka storage format failed"; }
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  exec_kafka() { exec nohup java "$@"; }
  (exec_kafka -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 ${JVM_START_OPTS[@]+"${JVM_START_OPTS[@]}"} \
    -Dkafka.logs.dir="$dir" -Dlog4j2.configurationFile="$dir/config/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/config/server.properties" >"$dir/stdout.log" 2>&1) &
  echo $! >"$pidf"
}

# Apicurio 3.x is compiled for Java 21; Kafka runs on the default Java 17. Use REGISTRY_JAVA if set,
# else the newest JDK >= 21 under /usr/lib/jvm (this machine kind ships Temurin 25 there).
registry_java() {
  if [[ -n "${REGISTRY_JAVA:-}" ]]; then echo "$REGISTRY_JAVA"; return; fi
  local j v
  for j in $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -V -r) "$(command -v java)"; do
    v="$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')"
    if [[ -n "$v" && "${v%%.*}" -ge 21 ]]; then echo "$j"; return; fi
  done
  die "Apicurio Registry $APICURIO_VERSION needs Java 21 or newer: install one (e.g. a Temurin JDK) or set REGISTRY_JAVA"
}

registry_up() {
  local dir="$STACK_DIR/registry" pidf="$STACK_DIR/registry.pid" java_bin
  java_bin="$(registry_java)"
  if pid_alive "$pidf"; then log "registry already running (pid $(cat "$pidf"))"; return; fi
  port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by a process this script did not start"
  mkdir -p "$dir"
  log "starting Apicurio Registry $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT (Confluent API at /apis/ccompat/v7)"
  # Schemas are stored in a Kafka topic (kafkasql), so they survive a registry restart: records refer to
  # them by id. Its management interface (health; :9000 on all interfaces by default) moves to loopback.
  # exec: the recorded pid is the JVM itself, so `down` stops the registry and not just a wrapper shell.
  (cd "$dir" && exec nohup "$java_bin" -Xms128m -Xmx512m ${JVM_START_OPTS[@]+"${JVM_START_OPTS[@]}"} \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$((REGISTRY_PORT + 1000))" \
    -Dapicurio.storage.kind=kafkasql -Dapicurio.kafkasql.bootstrap.servers="127.0.0.1:$KAFKA_PORT" \
    -Dapicurio.kafkasql.topic="_apicurio-registry-${REGISTRY_PORT}" \
    -Dquarkus.log.level=WARN -Dquarkus.log.category.\"io.apicurio\".level=INFO \
    -jar "$APICURIO_DIR/quarkus-run.jar" >"$dir/stdout.log" 2>&1) &
  echo $! >"$pidf"
}

wait_ready() {
  local deadline=$((SECONDS + ${STACK_TIMEOUT_SECONDS:-300})) what="$1"
  log "waiting until ready: $what"
  until READY_WHAT="$what" node "$ROOT/scripts/stack/ready.mjs" 2>"$STACK_DIR/ready.err"; do
    [[ "$what" == registry ]] || pid_alive "$STACK_DIR/kafka.pid" || { tail -30 "$STACK_DIR/kafka/stdout.log" "$STACK_DIR/kafka/server.log" 2>/dev/null >&2; die "kafka exited"; }
    [[ "$what" == kafka ]] || pid_alive "$STACK_DIR/registry.pid" || { tail -30 "$STACK_DIR/registry/stdout.log" >&2; die "registry exited"; }
    ((SECONDS < deadline)) || { cat "$STACK_DIR/ready.err" >&2; die "stack not ready after ${STACK_TIMEOUT_SECONDS:-300}s"; }
    sleep 1
  done
}

stop_one() {
  local name="$1" pidf="$STACK_DIR/$1.pid"
  if pid_alive "$pidf"; then
    local pid; pid="$(cat "$pidf")"
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in 30s: killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidf"
}

what="${2:-all}"
case "${1:-}" in
  up)
    mkdir -p "$STACK_DIR"
    fetch
    [[ "$what" == registry ]] || kafka_up
    [[ "$what" == kafka ]] || registry_up
    wait_ready "$what"
    [[ "$what" != all ]] || node "$ROOT/scripts/stack/topics.mjs"
    log "ready: KAFKA_BROKERS=$KAFKA_BROKERS SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL"
    ;;
  down)
    [[ "$what" == kafka ]] || stop_one registry
    [[ "$what" == registry ]] || stop_one kafka
    ;;
  status)
    for n in kafka registry; do
      if pid_alive "$STACK_DIR/$n.pid"; then echo "$n: running (pid $(cat "$STACK_DIR/$n.pid"))"; else echo "$n: stopped"; fi
    done
    ;;
  env)
    echo "export KAFKA_BROKERS=$KAFKA_BROKERS"
    echo "export SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL"
    echo "export STACK_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT STACK_SASL_USER=$SASL_TEST_USER STACK_SASL_PASSWORD=$SASL_TEST_PASSWORD"
    echo "export STACK_SSL_BROKERS=127.0.0.1:$KAFKA_SSL_PORT STACK_MTLS_BROKERS=127.0.0.1:$KAFKA_MTLS_PORT STACK_SASL_SSL_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT STACK_TLS_DIR=$TLS_DIR"
    ;;
  fetch) mkdir -p "$STACK_DIR"; fetch ;;
  *) echo "usage: $0 up|down [kafka|registry|all] | status | env | fetch" >&2; exit 2 ;;
esac
