// Process start-up settings that must be in place before any shared library initializes (see CandorStartup.c).
#ifndef CANDOR_STARTUP_H
#define CANDOR_STARTUP_H

/// Referenced from Swift so the linker keeps this object (and its .preinit_array entry) in the executable.
int candor_startup_linked(void);

#endif
