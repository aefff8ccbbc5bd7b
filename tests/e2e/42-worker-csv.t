#!/bin/sh
# Items from a spreadsheet: a CSV as Excel or Google Sheets saves it (a byte
# order mark, CRLF, quoted fields holding commas, quotes and line breaks)
# loads as one item per row, each the object of its columns; the job's
# prompt takes {{item.COLUMN}} inside its text, and the API gets each value
# byte for byte (the test API answers "echo: " and the message). A TSV the
# same. A row that is not UTF-8 fails the load, naming its line and
# column. Export gives the rows back as CSV with their own columns and the
# results beside them, as Python's csv module (an RFC 4180 reader of its
# own) reads them; --no-formulas keeps a spreadsheet from running a cell.
# A cell holding a number goes to the API as a number through
# {{item.F | number}} (the test API refuses a string max_tokens with
# OpenAI's 400), and a cell that holds none fails its item unsent.
. "${PSUP_SRC:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
require_bin psup-worker psup-testapi
require_cmd curl jq python3
plan 17

worker_setup 0
cat >job.yaml <<EOF
request:
  url: $TESTAPI_URL/v1/chat/completions
  body: '{"model": "m", "messages": [{"role": "user", "content": "Research {{item.company}}"}]}'
  timeout: 5s
response:
  extract: /choices/0/message/content
limits:
  concurrency: 2
lease: 30s
EOF
job_retry 2 10ms 50ms >>job.yaml
printf '\357\273\277id,name,company\r\n1,Ada Lovelace,"Analytical Engines, Ltd."\r\n2,"Grace ""Amazing"" Hopper","Navy\r\nResearch"\r\n3,C\303\251,\303\234n\303\257code\r\n' >accounts.csv
out=$(psup-worker init --job job.db --input accounts.csv 2>&1); rc=$?
is "$rc" 0 "init of a spreadsheet's CSV" || diag "$out"
like "$out" "loaded 3 new items from accounts.csv" "three rows, three items"
run_workers job.db job.yaml 60 w1
is "$WAIT_CODES" 0 "the worker does them all"
psup-worker export --job job.db --with-item >out.jsonl
is "$(jq -r 'select(.id == "1") | .result' out.jsonl)" "echo: Research Analytical Engines, Ltd." \
	"\"Research {{item.company}}\": the quoted field, comma and all, inside the prompt"
is "$(jq -c 'select(.id == "2") | [.result, .item.name]' out.jsonl)" \
	'["echo: Research Navy\r\nResearch","Grace \"Amazing\" Hopper"]' "a line break and doubled quotes, as written"
is "$(jq -r 'select(.id == "3") | .result' out.jsonl)" "$(printf 'echo: Research \303\234n\303\257code')" "UTF-8 as it is"

out=$(psup-worker export --job job.db --with-item --output results.csv 2>&1); rc=$?
is "$rc: $out" "0: wrote 3 results to results.csv" "export --with-item --output results.csv"
is "$(head -n 1 results.csv)" "$(printf 'id,name,company,status,result,error,attempts,http_status,latency_ms,endpoint,tokens,cost\r')" \
	"the spreadsheet's columns, then the results'"
is "$(python3 -c 'import csv, json
rows = list(csv.DictReader(open("results.csv", newline="", encoding="utf-8")))
print(json.dumps([[r["id"], r["name"], r["company"], r["status"], r["result"]] for r in rows]))')" \
	'[["1", "Ada Lovelace", "Analytical Engines, Ltd.", "ok", "echo: Research Analytical Engines, Ltd."], ["2", "Grace \"Amazing\" Hopper", "Navy\r\nResearch", "ok", "echo: Research Navy\r\nResearch"], ["3", "C\u00e9", "\u00dcn\u00efcode", "ok", "echo: Research \u00dcn\u00efcode"]]' \
	"Python's csv reads every row back: quotes, commas, line breaks, UTF-8"

# a cell a spreadsheet would run as a formula, with --no-formulas
printf 'id,company\n1,=1+1\n2,-5\n3,@x\n' >formula.csv
psup-worker init --job formula.db --input formula.csv >/dev/null 2>&1
run_workers formula.db job.yaml 60 w2
out=$(psup-worker export --job formula.db --with-item --no-formulas --output formula-out.csv 2>&1)
is "$?: $(python3 -c 'import csv, json
rows = list(csv.DictReader(open("formula-out.csv", newline="", encoding="utf-8")))
print(json.dumps([r["company"] for r in rows]))')" "0: [\"'=1+1\", \"-5\", \"'@x\"]" \
	"--no-formulas: a ' before a formula, a negative number as it is" || diag "$out"
out=$(psup-worker export --job formula.db --no-formulas 2>&1)
is "$?: $out" "2: psup-worker: export: --no-formulas goes with --format csv or tsv (JSON lines are no spreadsheet)" \
	"and only for a CSV or TSV"

printf 'id\tcompany\n9\tTabs, Inc.\n' >more.tsv
out=$(psup-worker init --job tsv.db --input more.tsv 2>&1); rc=$?
is "$rc.$(psup-worker status --job tsv.db --json | jq .total)" "0.1" "a TSV loads the same" || diag "$out"

printf 'id,company\n1,ok\n2,caf\351\n' >latin1.csv
out=$(psup-worker init --job bad.db --input latin1.csv 2>&1); rc=$?
is "$rc: $out" "2: psup-worker: init: latin1.csv:3: column 2 (company): not valid UTF-8 (save the file as UTF-8)" \
	"a Latin-1 row fails the load, naming line and column"

# numbers in cells: every cell loads as a string, and the API refuses
# "max_tokens": "300" (OpenAI's 400); {{item.budget | number}} sends 300,
# and a cell that holds no number fails its item, named, with no request
printf 'id,word,budget\n1,alpha,300\n2,beta, 50 \n3,gamma,"1,000"\n' >budget.csv
psup-worker init --job budget.db --input budget.csv >/dev/null 2>&1 || bail_out "init budget.csv failed"
cat >budget.yaml <<EOF
request:
  url: $TESTAPI_URL/v1/chat/completions
  body:
    model: m
    max_tokens: "{{item.budget | number}}"
    messages:
      - role: user
        content: "Define {{item.word}}"
  timeout: 5s
response:
  extract: /choices/0/message/content
limits:
  concurrency: 2
EOF
job_retry 2 10ms 50ms >>budget.yaml
r0=$(testapi_stats .requests)
run_workers budget.db budget.yaml 60 w3
is "$WAIT_CODES" 0 "| number: the worker exits 0"
is "$(psup-worker export --job budget.db | jq -c '[.id, .status, .result // .error]' | sort | tr '\n' ' ')" \
	'["1","ok","echo: Define alpha"] ["2","ok","echo: Define beta"] ["3","failed","body template: {{item.budget | number}}: \"1,000\" is not a number"] ' \
	"cells 300 and ' 50 ' sent as numbers; \"1,000\" fails its item, saying why"
is "$(( $(testapi_stats .requests) - r0 ))" 2 "two requests: none for the cell that holds no number"
sed 's/ | number//' budget.yaml >nofilter.yaml
psup-worker init --job nofilter.db --input budget.csv >/dev/null 2>&1 || bail_out "init nofilter failed"
run_workers nofilter.db nofilter.yaml 60 w4
like "$(psup-worker export --job nofilter.db | jq -r 'select(.id == "1") | .error')" \
	"HTTP 400: .*Invalid type for 'max_tokens': expected an integer, but got a string instead" \
	"without the filter the cell goes as a string, and the API refuses it"
