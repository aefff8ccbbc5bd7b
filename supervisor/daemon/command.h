/* Command dispatch (command.c): one CLI request to the apps it acts on. */
#ifndef PSUP_COMMAND_H
#define PSUP_COMMAND_H

#include <stdint.h>

#include "control.h"
#include "proto.h"

struct dapp;

void command_dispatch(struct dclient *c, struct proto_req *req);
/* Starts an app: launches its keeper, or tells it to start. Returns the
 * request seq to wait for (0 when none). */
uint64_t cmd_start_app(struct dapp *a);

#endif
