package org.tdxsim.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A test double of {@link KvmBackend}: plain native user memory, and ioctls answered by a script
 * that sees the argument bytes. Records every call so tests can assert what the client sent.
 */
final class ScriptedBackend implements KvmBackend, KvmExplainer {

    interface Script {
        long answer(int fd, long request, long arg);
    }

    record Call(int fd, long request, long arg) {}

    final List<Call> calls = new ArrayList<>();
    final List<Integer> closed = new ArrayList<>();
    Script script = (fd, req, arg) -> 0;
    Optional<String> explanation = Optional.empty();
    int nextFd = 3;

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public int open(String path) {
        return path.equals("/dev/kvm") ? nextFd++ : -2;
    }

    @Override
    public int close(int fd) {
        closed.add(fd);
        return 0;
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        calls.add(new Call(fd, request, arg));
        return script.answer(fd, request, arg);
    }

    @Override
    public UserMemory memory() {
        return Arena::ofConfined;
    }

    @Override
    public void close() {}

    @Override
    public Optional<String> lastExplanation(int fd) {
        return explanation;
    }

    @Override
    public Optional<String> statusName(long status) {
        return Optional.of(String.format("STATUS_%X", status));
    }

    /** The user memory at {@code address}, {@code size} bytes (the script runs while the arena is live). */
    static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }
}
