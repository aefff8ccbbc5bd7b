/* Command dispatch (command.c): one CLI request to the apps it acts on. */
#ifndef PSUP_COMMAND_H
#define PSUP_COMMAND_H

#include <stdint.h>

#include "control.h"
#include "proto.h"

struct dapp;

void command_dispatch(struct dclient *c, struct proto_req *req);
/* `psup kill`: every keeper told to quit, then what is left of the apps
 * killed and the daemon exits; c (NULL: nobody) gets the answer. */
void command_kill(struct daemon *d, struct dclient *c);

#endif
