// Shared state of the subcommands: the exit status the one that ran chose.
#include "app/commands.h"

namespace danemail::app {

int& exit_status() {
    static int status = 0;
    return status;
}

}  // namespace danemail::app
