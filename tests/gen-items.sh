#!/bin/sh
# Writes N job items as JSON lines, deterministic for given arguments:
#	{"id":"item-000001","n":1,"text":"..."}
# The texts vary on purpose (quotes, backslashes, unicode up to 4-byte
# characters, newlines and tabs, template-looking and JSON-looking text, long
# lines) so every test also exercises JSON-safe templating end to end.
#
# usage: gen-items.sh N [OUTPUT|-] [FIRST]
#	N       how many items
#	OUTPUT  file to write (default or "-": stdout); written whole, then renamed
#	FIRST   number of the first item (default 1), for a second, newer file
set -eu

usage() { echo "usage: gen-items.sh N [OUTPUT|-] [FIRST]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 3 ]; then usage; fi
n=$1
out=${2:--}
first=${3:-1}
case $n in *[!0-9]*|'') usage ;; esac
case $first in *[!0-9]*|'') usage ;; esac

gen() {
	LC_ALL=C awk -v n="$n" -v first="$first" '
	BEGIN {
		w[0] = "alpha"; w[1] = "bravo"; w[2] = "charlie"; w[3] = "delta"
		w[4] = "echo"; w[5] = "foxtrot"; w[6] = "golf"; w[7] = "hotel"
		for (i = first; i < first + n; i++) {
			k = i % 8
			if (k == 0)      t = sprintf("Item %d: the quick brown fox jumps over the lazy dog", i)
			else if (k == 1) t = sprintf("He said \\\"hello\\\" to item %d, then \\\"bye\\\"", i)
			else if (k == 2) t = sprintf("Grüße, 世界 — naïve café ✓ 🚀 #%d", i)
			else if (k == 3) t = sprintf("line one of %d\\nline two\\ttabbed\\r\\nline three", i)
			else if (k == 4) t = sprintf("path C:\\\\temp\\\\%d and a / slash and \\\\n literal", i)
			else if (k == 5) {
				t = sprintf("long %d:", i)
				for (j = 0; j < 20 + i % 40; j++) t = t " " w[(i + j) % 8]
			}
			else if (k == 6) t = sprintf("{{item.text}} ${HOME} %%s %%n $(id) `id` #%d", i)
			else             t = sprintf("{\\\"nested\\\": [1, 2, {\\\"k\\\": null}]} <b>&amp;</b> %d", i)
			printf "{\"id\":\"item-%06d\",\"n\":%d,\"text\":\"%s\"}\n", i, i, t
		}
	}'
}

if [ "$out" = - ]; then
	gen
else
	gen >"$out.tmp.$$"
	mv "$out.tmp.$$" "$out"
fi
