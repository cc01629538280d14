// Ctrl-C and SIGTERM ask the run to stop at the next frame boundary, so outputs in progress are
// abandoned cleanly (temporaries removed) instead of the process dying mid-write.
#pragma once

namespace nightstack {

void install_interrupt_handlers();
bool interrupt_requested();
// Throws InterruptedError when a stop was asked for.
void throw_if_interrupted();

}  // namespace nightstack
