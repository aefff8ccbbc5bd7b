/* libFuzzer target for the CLI <-> daemon protocol: the input is a byte
 * stream from a client; it is framed into capped lines and each line decoded,
 * then a reply is encoded, as the daemon does. Build with `make fuzz`. */
#include "linefr.h"
#include "proto.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linefr f;
	/* a small cap reaches the overflow path with small inputs */
	linefr_init(&f, size > 0 && (data[0] & 1) ? 64 : PROTO_LINE_MAX);
	/* feed in uneven pieces, as reads would */
	size_t off = 0, step = 1;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		linefr_feed(&f, data + off, n);
		off += n;
		step = step * 3 + 1;
		const char *line;
		size_t len;
		int r;
		while ((r = linefr_next(&f, &line, &len)) == LINEFR_LINE) {
			struct proto_req req;
			char *err = NULL;
			size_t rl;
			char *reply;
			if (proto_decode(line, len, &req, &err) == PROTO_OK) {
				cJSON *o = proto_reply_ok();
				cJSON_AddStringToObject(o, "cmd", proto_cmd_name(req.cmd));
				if (req.target)
					cJSON_AddStringToObject(o, "target", req.target);
				reply = proto_encode(o, &rl);
				cJSON_Delete(o);
				proto_req_free(&req);
			} else {
				reply = proto_encode_error(err, &rl);
			}
			free(reply);
			free(err);
		}
		if (r == LINEFR_LONG)
			break;
	}
	linefr_free(&f);
	return 0;
}
