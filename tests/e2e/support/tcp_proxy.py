"""A TCP proxy on a loopback port in front of one upstream, with the faults a broker shows:

- ``forward``: relays bytes both ways, like the network between a client and a healthy broker;
- ``refuse``: the port is closed (connects are refused) and every open connection is closed,
  like a broker that is down;
- ``hang``: connections are accepted (and open ones kept) but not a byte is forwarded either way,
  like a broker that stopped answering. Leaving ``hang`` closes the connections it held, so a
  client never reads half of a conversation afterwards.

Bounded: at most ``max_connections`` open at a time (more wait in the kernel's backlog, which to a
client also looks like a hang), each with two relay threads. ``stop()`` closes everything and
joins every thread. Standard library only; it binds 127.0.0.1 and nothing else.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

MODES = ("forward", "refuse", "hang")
_CHUNK = 65536


@dataclass
class ProxyStats:
    accepted: dict[str, int]  # connections accepted per mode they were accepted in
    forwarded_bytes: int  # relayed to either side
    dropped_bytes: int  # read while hanging and thrown away


class _Connection:
    """One accepted client and, when forwarding, its upstream socket."""

    def __init__(self, client: socket.socket, upstream: socket.socket | None):
        self.client = client
        self.upstream = upstream
        self.threads: list[threading.Thread] = []
        self.closed = False

    def close(self) -> None:
        self.closed = True
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class TcpProxy:
    def __init__(self, upstream: tuple[str, int], port: int = 0, max_connections: int = 64,
                 name: str = "proxy"):
        self.upstream = upstream
        self.name = name
        self._max_connections = max_connections
        self._lock = threading.Condition()
        self._mode = "forward"
        self._connections: list[_Connection] = []
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._stopped = False
        self._accepted = {mode: 0 for mode in MODES}
        self._forwarded = 0
        self._dropped = 0
        self.port = port
        self._open_listener()  # binds now, so `port` is known before anything starts

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(dict(self._accepted), self._forwarded, self._dropped)

    def reset_stats(self) -> None:
        with self._lock:
            self._accepted = {mode: 0 for mode in MODES}
            self._forwarded = self._dropped = 0

    def start(self) -> "TcpProxy":
        self._start_acceptor()
        return self

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; one of {MODES}")
        with self._lock:
            if self._stopped:
                raise RuntimeError(f"{self.name} is stopped")
            previous, self._mode = self._mode, mode
            if previous == mode:
                return
            # Every open connection belongs to the previous mode's world: a refused or recovered
            # broker does not continue a conversation, and a hung one freezes those it has.
            if mode != "hang":
                to_close, self._connections = self._connections, []
            else:
                to_close = []
            self._lock.notify_all()
        for connection in to_close:
            connection.close()
        if mode == "refuse":
            self._close_listener()
        elif previous == "refuse":
            self._open_listener()
            self._start_acceptor()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            connections, self._connections = self._connections, []
            self._lock.notify_all()
        self._close_listener()
        for connection in connections:
            connection.close()
        threads = [thread for connection in connections for thread in connection.threads]
        for thread in threads:
            thread.join(5)
        if self._acceptor is not None:
            self._acceptor.join(5)

    def __enter__(self) -> "TcpProxy":
        return self.start()

    def __exit__(self, *_):
        self.stop()

    # ------------------------------------------------------------------------------ internals
    def _open_listener(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            self._lock.notify_all()  # an acceptor waiting at the connection limit
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the acceptor blocked in accept()
            except OSError:
                pass
            listener.close()
        acceptor = self._acceptor
        if acceptor is not None and acceptor is not threading.current_thread():
            acceptor.join(5)

    def _start_acceptor(self) -> None:
        with self._lock:
            listener = self._listener
        if listener is None:
            return
        self._acceptor = threading.Thread(target=self._accept_loop, args=(listener,),
                                          name=f"{self.name}-accept", daemon=True)
        self._acceptor.start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                # At the limit, stop accepting: the kernel's backlog holds further connects.
                self._lock.wait_for(lambda: self._stopped or self._listener is not listener or
                                    len(self._connections) < self._max_connections)
                if self._stopped or self._listener is not listener:
                    return
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self._admit(client)

    def _admit(self, client: socket.socket) -> None:
        with self._lock:
            mode = self._mode
        upstream = None
        if mode == "forward":
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()  # the upstream itself is down: the client sees a closed socket
                return
        connection = _Connection(client, upstream)
        with self._lock:
            if self._stopped or self._mode != mode or mode == "refuse":
                stale = True
            else:
                stale = False
                self._accepted[mode] += 1
                self._connections.append(connection)
        if stale:
            connection.close()
            return
        if upstream is None:
            # Hanging: read and drop what the client sends, so its close is noticed; answer
            # nothing.
            connection.threads.append(self._thread(connection, client, None))
        else:
            connection.threads.append(self._thread(connection, client, upstream))
            connection.threads.append(self._thread(connection, upstream, client))

    def _thread(self, connection: _Connection, source: socket.socket,
                target: socket.socket | None) -> threading.Thread:
        thread = threading.Thread(target=self._relay, args=(connection, source, target),
                                  name=f"{self.name}-relay", daemon=True)
        thread.start()
        return thread

    def _relay(self, connection: _Connection, source: socket.socket,
               target: socket.socket | None) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    break
                with self._lock:
                    hanging = self._mode == "hang" or target is None
                    if hanging:
                        self._dropped += len(data)
                if hanging:
                    continue  # a hung broker neither reads requests nor sends answers
                target.sendall(data)
                with self._lock:
                    self._forwarded += len(data)
        except OSError:
            pass
        finally:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._lock.notify_all()
            if not connection.closed:
                connection.close()
