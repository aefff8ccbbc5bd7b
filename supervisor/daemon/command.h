/* Command dispatch (command.c): one CLI request to the apps it acts on. */
#ifndef PSUP_COMMAND_H
#define PSUP_COMMAND_H

#include <stdint.h>

#include "control.h"
#include "proto.h"

struct dapp;

void command_dispatch(struct dclient *c, struct proto_req *req);

#endif
