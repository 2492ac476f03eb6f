#!/bin/sh
# Claude Code's headersHelper for the qms MCP servers (installed as /usr/local/bin/qms-mcp-headers;
# registered by the entrypoint as `qms-mcp-headers /etc/qms/mcp-servers.tsv`). Claude Code runs it
# when it connects and names the server in $CLAUDE_CODE_MCP_SERVER_NAME; it prints
# {"Authorization":"Bearer …"} from qms's 0600 servers file (name<TAB>url<TAB>auth lines). The
# token is read from that file here, so it is never in any process's arguments or environment.
set -eu
file="${1:-${QMS_MCP_SERVERS_FILE:-/etc/qms/mcp-servers.tsv}}"
name="${CLAUDE_CODE_MCP_SERVER_NAME:-}"
if [ -z "$name" ]; then
  echo "qms-mcp-headers: CLAUDE_CODE_MCP_SERVER_NAME is not set (Claude Code sets it when it runs a headersHelper)" >&2
  exit 2
fi
exec awk -F '\t' -v name="$name" '
  $1 == name {
    found = 1
    # qms writes tokens as hex; anything JSON would need escaped is refused, not mangled.
    if ($3 ~ /["\\[:cntrl:]]/) { print "qms-mcp-headers: the header of " name " has characters it cannot pass on" > "/dev/stderr"; bad = 1; exit 1 }
    if ($3 == "") print "{}"; else printf "{\"Authorization\":\"%s\"}\n", $3
    exit
  }
  END { if (bad) exit 1; if (!found) { print "qms-mcp-headers: no MCP server " name " in " FILENAME > "/dev/stderr"; exit 1 } }
' "$file"
