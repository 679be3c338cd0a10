"""Start a worker through the forkserver without re-running the parent's `__main__`.

multiprocessing's spawn and forkserver start methods make each child import the parent's main
script again (so functions defined there can be unpickled). In the web server that "main" is
whichever page script Streamlit happens to be running at that instant: Streamlit swaps
`sys.modules["__main__"]` for the page's module while it runs. A worker would then execute a
page (st.* calls, even starting jobs) before its own job. Job functions are always importable
by module name, so this Popen leaves the main module out of the preparation data; the rest of
the start is the standard library's forkserver start, unchanged.
"""

from __future__ import annotations

import io
import os
from multiprocessing import forkserver, popen_forkserver, process, reduction, spawn, util
from multiprocessing.context import set_spawning_popen
from typing import Any

MAIN_KEYS = ("init_main_from_path", "init_main_from_name")


class WorkerPopen(popen_forkserver.Popen):
    """popen_forkserver.Popen whose child does not import the parent's `__main__`."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        for key in MAIN_KEYS:
            prep_data.pop(key, None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        # as in the standard library: the child watches this duplicate to see its parent die
        parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class WorkerProcess(process.BaseProcess):
    """A forkserver Process started with `WorkerPopen`."""

    _start_method = "forkserver"

    @staticmethod
    def _Popen(process_obj: Any) -> WorkerPopen:
        return WorkerPopen(process_obj)
