#!/bin/sh
# Runs one local PostgreSQL server for the AppHost's process mode: "$@" is the server's command line.
# The orchestrator stops a process with SIGTERM, which PostgreSQL takes as a "smart" shutdown that
# waits for every client to leave; the services' pooled connections never leave. So a TERM (or INT)
# becomes a fast shutdown (SIGINT), and this script exits only once the server has, so a restart
# never finds the previous postmaster still holding the data directory. The server logs to stderr;
# the orchestrator would show every line of it as an error, so it goes to stdout.
"$@" 2>&1 &
server=$!
trap 'kill -INT "$server" 2>/dev/null' TERM INT
status=0
while kill -0 "$server" 2>/dev/null; do
  wait "$server"
  status=$?
done
exit "$status"
