#!/usr/bin/env bash
# The local stack: DynamoDB Local, a single-node Kafka (KRaft), moto server and a second, secured
# Kafka node (kafka-secure: SASL_SSL with SCRAM users and an mTLS listener, certificates from a
# self-signed CA made here) as plain processes on 127.0.0.1, owned through PID files under
# $STACK_DIR. See docs/local-stack.md.
#
#   stack.sh start            start what is not running (reuse what is), write $STACK_DIR/env
#   stack.sh stop [svc...]    stop exactly the PIDs in the PID files (all services when none named)
#   stack.sh status           one line per service
#   stack.sh env              print $STACK_DIR/env
#   stack.sh kafka-node-config DIR
#                             for a test that runs a broker of its own from the same jars: write
#                             DIR/log4j2.xml and print the properties every single-node broker here
#                             shares (data under DIR/data); the caller adds listeners and node id
#
# Stdout contract (tools/test.sh parses it): `start` prints exactly one line per service,
# "started <svc>" or "reused <svc>"; every other message goes to stderr.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
stack_dir="${STACK_DIR:-$repo/.stack}"
mkdir -p "$stack_dir"
stack_dir="$(cd "$stack_dir" && pwd)"
dynamodb_port="${STACK_DYNAMODB_PORT:-18000}"
kafka_port="${STACK_KAFKA_PORT:-19092}"
kafka_controller_port="${STACK_KAFKA_CONTROLLER_PORT:-19093}"
moto_port="${STACK_MOTO_PORT:-15000}"
kafka_secure_port="${STACK_KAFKA_SECURE_PORT:-19094}"
kafka_secure_controller_port="${STACK_KAFKA_SECURE_CONTROLLER_PORT:-19095}"
kafka_mtls_port="${STACK_KAFKA_MTLS_PORT:-19096}"
# Test-only credentials of the secured broker (exported in $STACK_DIR/env for the tests).
scram_user="dispatcher-it"
scram_password="stack-scram-password-7c1e"
client_key_password="stack-client-key-password-93af"
jars="$repo/.cache/jars"
python="$repo/.venv/bin/python"
all_services=(dynamodb kafka moto kafka-secure)

note() { echo "stack: $*" >&2; }

port_of() {
  case "$1" in
    dynamodb) echo "$dynamodb_port" ;;
    kafka) echo "$kafka_port" ;;
    moto) echo "$moto_port" ;;
    kafka-secure) echo "$kafka_secure_port" ;;
  esac
}

pid_file() { echo "$stack_dir/$1/pid"; }

log_file() {
  case "$1" in
    kafka | kafka-secure) echo "$stack_dir/$1/server.log" ;;
    *) echo "$stack_dir/$1/$1.log" ;;
  esac
}

# Every service is started with STACK_SERVICE=<stack dir>:<svc> in its environment; a PID counts as
# ours only while its environment still says so, which guards against a recycled PID.
marker() { echo "STACK_SERVICE=$stack_dir:$1"; }

is_ours() {
  local pid="$1" service="$2"
  [ -r "/proc/$pid/environ" ] || return 1
  { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF "$(marker "$service")"
}

running_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && is_ours "$pid" "$1" && echo "$pid"
}

is_healthy() {
  local port
  port="$(port_of "$1")"
  case "$1" in
    dynamodb)
      # Any SigV4-shaped Authorization header is accepted by DynamoDB Local.
      [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X POST "http://127.0.0.1:$port/" \
        -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
        -H 'Content-Type: application/x-amz-json-1.0' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' \
        -d '{}')" = 200 ]
      ;;
    kafka) timeout 5 kcat -L -b "127.0.0.1:$port" -m 2 >/dev/null 2>&1 ;;
    kafka-secure)
      # Both secured listeners must answer: SCRAM over TLS and mTLS. SCRAM through the venv's
      # confluent-kafka (its own current librdkafka): Debian's kcat links librdkafka 2.0.2, whose
      # SCRAM proof Kafka 4.x brokers reject.
      local tls="$stack_dir/kafka-secure/tls"
      timeout 10 "$python" -c 'import sys
from confluent_kafka.admin import AdminClient
bootstrap, user, password, ca = sys.argv[1:]
AdminClient({"bootstrap.servers": bootstrap, "security.protocol": "SASL_SSL",
             "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": user,
             "sasl.password": password, "ssl.ca.location": ca}).list_topics(timeout=5)' \
        "127.0.0.1:$port" "$scram_user" "$scram_password" "$tls/ca.pem" >/dev/null 2>&1 &&
        timeout 5 kcat -L -b "127.0.0.1:$kafka_mtls_port" -m 2 -X security.protocol=ssl \
          -X ssl.ca.location="$tls/ca.pem" -X ssl.certificate.location="$tls/client.pem" \
          -X ssl.key.location="$tls/client.key" -X ssl.key.password="$client_key_password" \
          >/dev/null 2>&1
      ;;
    moto)
      [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
        "http://127.0.0.1:$port/moto-api/")" = 200 ]
      ;;
  esac
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

health_timeout() { case "$1" in kafka | kafka-secure) echo 60 ;; *) echo 30 ;; esac; }

# Starts "$@" in its own session with the service marker, stdin/stdout/stderr detached (so a caller
# reading our stdout through a pipe is not held open), and records its PID. The subshell execs
# setsid, which execs the command without forking, so $! is the service's own PID.
launch() {
  local service="$1" output="$2"
  shift 2
  (
    export STACK_SERVICE="$stack_dir:$service"
    exec setsid "$@" </dev/null >"$output" 2>&1 9>&-
  ) &
  local pid=$!
  echo "$pid" >"$(pid_file "$service")"
  # Until the subshell has exec'd, /proc/PID/environ lacks the marker; wait so that every later
  # check (health wait, stop on failure) recognises the process.
  for _ in $(seq 1 100); do
    if is_ours "$pid" "$service" || [ ! -d "/proc/$pid" ]; then break; fi
    sleep 0.05
  done
}

write_kafka_config() {
  local dir="$stack_dir/kafka"
  cat >"$dir/server.properties" <<EOF
# Written by tools/stack/stack.sh on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$kafka_controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$kafka_controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
  single_node_broker_properties "$dir" >>"$dir/server.properties"
  write_log4j_config "$dir"
}

# What both local brokers share: one node, data under <dir>/data, replication 1, topics created on
# first use.
single_node_broker_properties() {
  local dir="$1"
  cat <<EOF
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
EOF
}

# The broker's log4j2 configuration: INFO to <dir>/server.log.
write_log4j_config() {
  local dir="$1"
  cat >"$dir/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by tools/stack/stack.sh on every start. -->
<Configuration status="WARN">
  <Appenders>
    <File name="server" fileName="$dir/server.log">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
  </Loggers>
</Configuration>
EOF
}

# A self-signed CA, a broker certificate for 127.0.0.1/localhost, a client certificate (key
# encrypted with $client_key_password) and a second CA that signed nothing here (for "untrusted
# certificate" tests). Made once; kept while the files exist.
make_tls_material() {
  local tls="$stack_dir/kafka-secure/tls"
  [ -f "$tls/.complete" ] && return 0
  rm -rf "$tls"
  mkdir -p "$tls"
  if ! (
    set -e
    cd "$tls"
    ca_extensions=(-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign")
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
      -subj "/CN=dispatcher stack CA" "${ca_extensions[@]}"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout untrusted-ca.key -out untrusted-ca.pem \
      -days 3650 -subj "/CN=dispatcher stack untrusted CA" "${ca_extensions[@]}"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' >broker.ext
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=127.0.0.1"
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile broker.ext -out broker.pem
    # Kafka's PEM key store: an unencrypted PKCS#8 key followed by the certificate chain.
    { openssl pkcs8 -topk8 -nocrypt -in broker.key; cat broker.pem ca.pem; } >broker-keystore.pem
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -keyout client.key -passout "pass:$client_key_password" \
      -out client.csr -subj "/CN=dispatcher-client"
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out client.pem
    rm -f ./*.csr ./*.ext
  ) >"$stack_dir/kafka-secure/tls.log" 2>&1; then
    note "TLS material generation failed:"
    tail -n 20 "$stack_dir/kafka-secure/tls.log" >&2
    return 1
  fi
  touch "$tls/.complete"
}

# The secured broker: SASL_SSL (SCRAM-SHA-512 and -256) and an SSL listener that requires a client
# certificate (MTLS), which also carries the broker's own traffic.
write_kafka_secure_config() {
  local dir="$stack_dir/kafka-secure" tls="$stack_dir/kafka-secure/tls"
  cat >"$dir/server.properties" <<EOF
# Written by tools/stack/stack.sh on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$kafka_secure_controller_port
listeners=SASL_SSL://127.0.0.1:$kafka_secure_port,MTLS://127.0.0.1:$kafka_mtls_port,CONTROLLER://127.0.0.1:$kafka_secure_controller_port
advertised.listeners=SASL_SSL://127.0.0.1:$kafka_secure_port,MTLS://127.0.0.1:$kafka_mtls_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=MTLS
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.mtls.ssl.client.auth=required
ssl.keystore.type=PEM
ssl.keystore.location=$tls/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
EOF
  single_node_broker_properties "$dir" >>"$dir/server.properties"
  write_log4j_config "$dir"
}

# A Kafka Uuid: 16 random bytes in unpadded URL-safe base64. One that starts with '-' is drawn
# again, as Kafka's own Uuid.randomUuid does: StorageTool's parser takes `-t -…` for an option
# and refuses the format (1 start in 64 failed so).
new_kafka_cluster_id() {
  local id=-
  while [[ "$id" == -* ]]; do
    id="$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  printf '%s' "$id"
}

start_service() {
  local service="$1" dir="$stack_dir/$1"
  mkdir -p "$dir"
  case "$service" in
    dynamodb)
      [ -f "$jars/dynamodb-local/.stamp" ] || { note "DynamoDB Local jars missing: run tools/deps/install.sh"; return 1; }
      # -sharedDb: one database whatever access key and region a client signs with.
      launch dynamodb "$(log_file dynamodb)" \
        java -Xms64m -Xmx512m -XX:+ExitOnOutOfMemoryError \
        -Djava.library.path="$jars/dynamodb-local" -Dsqlite4java.library.path="$jars/dynamodb-local" \
        -cp "$jars/dynamodb-local/*" software.amazon.dynamodb.services.local.main.ServerRunner \
        -inMemory -sharedDb -disableTelemetry -port "$dynamodb_port"
      ;;
    kafka)
      [ -f "$jars/kafka/.stamp" ] || { note "Kafka jars missing: run tools/deps/install.sh"; return 1; }
      write_kafka_config
      local java_options=(-Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$dir/log4j2.xml" -cp "$jars/kafka/*")
      if [ ! -f "$dir/data/meta.properties" ]; then
        local cluster_id
        cluster_id="$(new_kafka_cluster_id)"
        if ! java "${java_options[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
          -c "$dir/server.properties" >"$dir/format.log" 2>&1; then
          note "kafka storage format failed:"
          tail -n 40 "$dir/format.log" >&2
          return 1
        fi
      fi
      launch kafka "$dir/stdout.log" java "${java_options[@]}" kafka.Kafka "$dir/server.properties"
      ;;
    kafka-secure)
      # The same Kafka 4.x as the kafka service: the product's librdkafka (>= 2.6.1, built by
      # tools/deps/build-librdkafka.sh) logs in with SCRAM to 4.x brokers.
      [ -f "$jars/kafka/.stamp" ] || { note "Kafka jars missing: run tools/deps/install.sh"; return 1; }
      make_tls_material || return 1
      write_kafka_secure_config
      local java_options=(-Xms64m -Xmx256m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$dir/log4j2.xml" -cp "$jars/kafka/*")
      if [ ! -f "$dir/data/meta.properties" ]; then
        local cluster_id
        cluster_id="$(new_kafka_cluster_id)"
        # The SCRAM users are created with Kafka's own tooling as the storage is formatted.
        if ! java "${java_options[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
          -c "$dir/server.properties" \
          --add-scram "SCRAM-SHA-512=[name=$scram_user,password=$scram_password]" \
          --add-scram "SCRAM-SHA-256=[name=$scram_user,password=$scram_password]" \
          >"$dir/format.log" 2>&1; then
          note "kafka-secure storage format failed:"
          tail -n 40 "$dir/format.log" >&2
          return 1
        fi
      fi
      launch kafka-secure "$dir/stdout.log" java "${java_options[@]}" kafka.Kafka "$dir/server.properties"
      ;;
    moto)
      [ -x "$repo/.venv/bin/moto_server" ] || { note "moto_server missing: run tools/deps/install.sh"; return 1; }
      launch moto "$(log_file moto)" "$repo/.venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port"
      ;;
  esac
}

# Sends SIGTERM to our PID, waits up to 30 s, then SIGKILL; removes the PID file either way.
stop_service() {
  local service="$1" pid file
  file="$(pid_file "$service")"
  if pid="$(running_pid "$service")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      is_ours "$pid" "$service" || break
      sleep 0.1
    done
    if is_ours "$pid" "$service"; then
      note "$service (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        is_ours "$pid" "$service" || break
        sleep 0.1
      done
    fi
    rm -f "$file"
    echo "stopped $service"
  else
    rm -f "$file"
    note "$service was not running"
  fi
}

write_env() {
  local rie="$repo/.cache/bin/aws-lambda-rie"
  # The emulator is not a service: each test starts its own from this path. Without it every test
  # that runs the bootstrap as Lambda does fails, so say so now, loudly.
  [ -x "$rie" ] || note "WARNING: no Lambda Runtime Interface Emulator at $rie (STACK_RIE): run tools/deps/install.sh; the emulator tests will fail until then"
  cat >"$stack_dir/env.new" <<EOF
export STACK_DYNAMODB_ENDPOINT=http://127.0.0.1:$dynamodb_port
export STACK_KAFKA_BOOTSTRAP=127.0.0.1:$kafka_port
export STACK_MOTO_ENDPOINT=http://127.0.0.1:$moto_port
export STACK_PYTHON=$python
export STACK_RIE=$rie
export STACK_DIR=$stack_dir
export STACK_KAFKA_SECURE_BOOTSTRAP=127.0.0.1:$kafka_secure_port
export STACK_KAFKA_MTLS_BOOTSTRAP=127.0.0.1:$kafka_mtls_port
export STACK_KAFKA_CA=$stack_dir/kafka-secure/tls/ca.pem
export STACK_KAFKA_UNTRUSTED_CA=$stack_dir/kafka-secure/tls/untrusted-ca.pem
export STACK_KAFKA_CLIENT_CERT=$stack_dir/kafka-secure/tls/client.pem
export STACK_KAFKA_CLIENT_KEY=$stack_dir/kafka-secure/tls/client.key
export STACK_KAFKA_CLIENT_KEY_PASSWORD=$client_key_password
export STACK_KAFKA_SCRAM_USER=$scram_user
export STACK_KAFKA_SCRAM_PASSWORD=$scram_password
EOF
  mv "$stack_dir/env.new" "$stack_dir/env"
}

command_start() {
  local service started=() pending=() report=() pid
  for service in "${all_services[@]}"; do
    if pid="$(running_pid "$service")" && is_healthy "$service"; then
      report+=("reused $service")
      continue
    fi
    if pid="$(running_pid "$service")"; then
      # Ours but not answering: wait for it like a fresh start rather than starting a second one.
      note "$service (pid $pid) is running but not answering yet; waiting for it"
      pending+=("$service")
      report+=("reused $service")
      continue
    fi
    rm -f "$(pid_file "$service")"
    if port_taken "$(port_of "$service")"; then
      # Another checkout's stack (or a CI clone beside the shared stack) may already serve this
      # port. If it answers as this service, use it; this call did not start it, so nobody here
      # will stop it.
      if is_healthy "$service"; then
        note "port $(port_of "$service") already serves $service from outside $stack_dir; using it (never stopped from here)"
        report+=("reused $service")
        continue
      fi
      note "port $(port_of "$service") for $service is taken by a process this stack does not own"
      fail_start "${started[@]}"
    fi
    if ! start_service "$service"; then
      fail_start "${started[@]}"
    fi
    started+=("$service")
    pending+=("$service")
    report+=("started $service")
  done
  wait_healthy "${pending[@]}" || fail_start "${started[@]}"
  write_env
  printf '%s\n' "${report[@]}"
}

# Polls every pending service until it answers; on a timeout or an exit shows that service's log.
wait_healthy() {
  local service deadline now remaining=("$@") next start_time
  start_time="$(date +%s)"
  while [ "${#remaining[@]}" -gt 0 ]; do
    next=()
    now="$(date +%s)"
    for service in "${remaining[@]}"; do
      if is_healthy "$service"; then
        note "$service answers on port $(port_of "$service") after $((now - start_time)) s"
        continue
      fi
      deadline=$((start_time + $(health_timeout "$service")))
      if ! running_pid "$service" >/dev/null || [ "$now" -ge "$deadline" ]; then
        note "$service did not become healthy (timeout $(health_timeout "$service") s or exited); last log lines:"
        tail -n 40 "$(log_file "$service")" >&2 2>/dev/null || true
        case "$service" in kafka | kafka-secure) tail -n 40 "$stack_dir/$service/stdout.log" >&2 2>/dev/null || true ;; esac
        return 1
      fi
      next+=("$service")
    done
    remaining=("${next[@]+"${next[@]}"}")
    [ "${#remaining[@]}" -eq 0 ] || sleep 0.25
  done
}

fail_start() {
  local service
  for service in "$@"; do
    stop_service "$service" >/dev/null
  done
  exit 1
}

command_stop() {
  local service
  [ "$#" -gt 0 ] || set -- "${all_services[@]}"
  for service in "$@"; do
    case " ${all_services[*]} " in
      *" $service "*) stop_service "$service" ;;
      *) note "unknown service: $service"; exit 2 ;;
    esac
  done
}

command_status() {
  local service pid
  for service in "${all_services[@]}"; do
    if pid="$(running_pid "$service")"; then
      echo "$service running pid $pid port $(port_of "$service")"
    elif port_taken "$(port_of "$service")" && is_healthy "$service"; then
      echo "$service external port $(port_of "$service")"
    else
      echo "$service stopped"
    fi
  done
}

command_kafka_node_config() {
  [ "$#" -eq 1 ] && [ -d "$1" ] || { note "usage: $0 kafka-node-config DIR (an existing directory)"; exit 2; }
  local dir
  dir="$(cd "$1" && pwd)"
  write_log4j_config "$dir"
  single_node_broker_properties "$dir"
}

command_env() {
  [ -f "$stack_dir/env" ] || { note "no $stack_dir/env: run tools/stack/stack.sh start"; exit 1; }
  cat "$stack_dir/env"
}

# One start or stop at a time per stack directory: concurrent callers would otherwise each start a
# broker. status and env only read.
case "${1:-}" in
  start | stop)
    exec 9>"$stack_dir/lock"
    flock 9
    ;;
esac
case "${1:-}" in
  start) command_start ;;
  stop) shift; command_stop "$@" ;;
  status) command_status ;;
  env) command_env ;;
  kafka-node-config) shift; command_kafka_node_config "$@" ;;
  *) echo "usage: $0 {start|stop [dynamodb|kafka|moto|kafka-secure ...]|status|env|kafka-node-config DIR}" >&2; exit 2 ;;
esac
