# A private nginx (Debian nginx) on 127.0.0.1, sourced by worker/run.sh.
#   nginx_start DIR   writes DIR/nginx.conf, starts nginx, sets NGX_PORT, NGX_PID
#   nginx_stop        stops it by pid (its workers exit with the master)
#   nginx_count DIR URI STATUS [SINCE_MSEC]: requests in the access log
# Endpoints:
#   /ok       200 with a small JSON body (an API's success)
#   /limited  the same behind limit_req 50 r/s, burst 10: 429 + Retry-After: 1
#   /flaky    10 % 500 and 5 % 503 (split_clients on the request id), else 200
#   /slow     limit_req 100 r/s, burst 5000, delayed not rejected: holds
#             requests open so a client can have 1,000 in flight
#   /queue    the same with a zone of its own (crash cost: no backlog left
#             from the /slow run, whose cut requests still hold their slots)
NGX_RATE=${NGX_RATE:-50}
NGX_BURST=${NGX_BURST:-10}

nginx_start() {
	NGX_DIR=$1
	mkdir -p "$NGX_DIR/tmp" "$NGX_DIR/www"
	# limit_req acts in the preaccess phase, after rewrite: an endpoint that
	# must be limited serves a file (content phase), not a `return`.
	printf '%s' '{"choices":[{"message":{"content":"ok"}}],"usage":{"total_tokens":3}}' >"$NGX_DIR/www/ok.json"
	for _try in 1 2 3 4 5 6 7 8 9 10; do
		NGX_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000 ))
		ss -Hltn "sport = :$NGX_PORT" | grep -q . || break
	done
	# As root, keep the workers root too: they must read files in a 0700 temp dir.
	_user=; [ "$(id -u)" = 0 ] && _user="user root;"
	cat >"$NGX_DIR/nginx.conf" <<CONF
$_user
worker_processes 1;
daemon off;
pid $NGX_DIR/nginx.pid;
error_log $NGX_DIR/error.log warn;
events { worker_connections 8192; }
http {
	log_format apijson escape=json '{"msec":\$msec,"uri":"\$request_uri","status":\$status}';
	access_log $NGX_DIR/access.log apijson buffer=256k flush=1s;
	client_body_temp_path $NGX_DIR/tmp/body;
	proxy_temp_path $NGX_DIR/tmp/proxy;
	fastcgi_temp_path $NGX_DIR/tmp/fastcgi;
	uwsgi_temp_path $NGX_DIR/tmp/uwsgi;
	scgi_temp_path $NGX_DIR/tmp/scgi;
	keepalive_requests 1000000;
	limit_req_zone \$server_name zone=api:1m rate=${NGX_RATE}r/s;
	limit_req_zone \$server_name zone=slow:1m rate=100r/s;
	limit_req_zone \$server_name zone=queue:1m rate=100r/s;
	map \$status \$retry_after { 429 1; default ""; }
	split_clients "\${request_id}" \$fault { 10% 500; 5% 503; * ok; }
	server {
		listen 127.0.0.1:$NGX_PORT;
		server_name bench;
		default_type application/json;
		root $NGX_DIR/www;
		add_header Retry-After \$retry_after always;
		location = /ok {
			return 200 '{"choices":[{"message":{"content":"ok"}}],"usage":{"total_tokens":3}}';
		}
		location = /limited {
			limit_req zone=api burst=$NGX_BURST nodelay;
			limit_req_status 429;
			try_files /ok.json =404;
		}
		location = /flaky {
			if (\$fault = 500) { return 500 '{"error":"internal"}'; }
			if (\$fault = 503) { return 503 '{"error":"unavailable"}'; }
			return 200 '{"choices":[{"message":{"content":"ok"}}],"usage":{"total_tokens":3}}';
		}
		location = /slow {
			limit_req zone=slow burst=5000;
			try_files /ok.json =404;
		}
		location = /queue {
			limit_req zone=queue burst=5000;
			try_files /ok.json =404;
		}
	}
}
CONF
	nginx -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" -e "$NGX_DIR/error.log" </dev/null >/dev/null 2>&1 &
	NGX_PID=$!
	poll_until 5000 curl -fs -o /dev/null "http://127.0.0.1:$NGX_PORT/ok"
}
nginx_stop() {
	[ -n "${NGX_PID:-}" ] || return 0
	# QUIT: graceful, flushes the access log buffer; then by pid if needed.
	kill -QUIT "$NGX_PID" 2>/dev/null
	poll_until 5000 sh -c "! kill -0 $NGX_PID 2>/dev/null" || kill_pids "$NGX_PID" $(descendants "$NGX_PID")
	wait "$NGX_PID" 2>/dev/null
	NGX_PID=
}
# Flush the access log now (USR1 reopens logs, which flushes the buffer).
nginx_flush() { kill -USR1 "$NGX_PID" 2>/dev/null; sleep 0.3; }
