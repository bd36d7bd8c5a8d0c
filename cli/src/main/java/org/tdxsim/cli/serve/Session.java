package org.tdxsim.cli.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The named objects of one {@code serve} session (module instances, simulated kernels, VM and vCPU
 * fds). Clients name them ({@code "handle":"td1"}) or get a generated name ({@code "module-1"}).
 * Bounded, so a client loop cannot exhaust the server.
 */
final class Session implements AutoCloseable {

    /** Most live handles per session. */
    static final int MAX_HANDLES = 1024;

    /** Most live module instances / simulated kernels per session (each holds a whole simulated host). */
    static final int MAX_HOSTS = 32;

    private final Map<String, Object> handles = new LinkedHashMap<>();
    private final Map<String, Integer> counters = new LinkedHashMap<>();
    private final Map<String, String> kindOf = new LinkedHashMap<>();

    /** Stores {@code value} under {@code requested} (if given) or a fresh {@code kind-N} name. */
    String put(String kind, java.util.Optional<String> requested, Object value) {
        if (handles.size() >= MAX_HANDLES) {
            throw new ProtocolError(ProtocolError.Code.limit, "at most " + MAX_HANDLES + " handles per session; close some");
        }
        if ((kind.equals("module") || kind.equals("kvm"))
                && handles.keySet().stream().filter(k -> kindOf.getOrDefault(k, "").equals(kind)).count() >= MAX_HOSTS) {
            throw new ProtocolError(ProtocolError.Code.limit, "at most " + MAX_HOSTS + " " + kind + " handles per session; close some");
        }
        String name;
        if (requested.isPresent()) {
            name = requested.get();
            if (name.isEmpty() || name.length() > 64 || !name.matches("[A-Za-z0-9_.:-]+")) {
                throw new ProtocolError(ProtocolError.Code.bad_field,
                        "handle: '" + abbreviate(name) + "' must be 1-64 characters of [A-Za-z0-9_.:-]");
            }
            if (handles.containsKey(name)) {
                throw new ProtocolError(ProtocolError.Code.bad_handle, "handle: '" + name + "' is already in use");
            }
        } else {
            do {
                int n = counters.merge(kind, 1, Integer::sum);
                name = kind + "-" + n;
            } while (handles.containsKey(name));
        }
        handles.put(name, value);
        kindOf.put(name, kind);
        return name;
    }

    /** The object named {@code name}, which must be a {@code type} (described as {@code what} in errors). */
    <T> T get(String name, Class<T> type, String what) {
        Object v = handles.get(name);
        if (v == null) {
            throw new ProtocolError(ProtocolError.Code.bad_handle, "no handle '" + abbreviate(name) + "' in this session");
        }
        if (!type.isInstance(v)) {
            throw new ProtocolError(ProtocolError.Code.bad_handle, "handle '" + name + "' is not " + what);
        }
        return type.cast(v);
    }

    /** Forgets {@code name}; closes it if it holds resources. */
    void remove(String name) {
        Object v = handles.remove(name);
        kindOf.remove(name);
        if (v == null) {
            throw new ProtocolError(ProtocolError.Code.bad_handle, "no handle '" + abbreviate(name) + "' in this session");
        }
        closeQuietly(v);
    }

    int size() {
        return handles.size();
    }

    @Override
    public void close() {
        // Close in reverse creation order: vCPUs before VMs before kernels.
        var names = new java.util.ArrayList<>(handles.keySet());
        java.util.Collections.reverse(names);
        for (String n : names) {
            closeQuietly(handles.remove(n));
        }
    }

    private static void closeQuietly(Object v) {
        if (v instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the session is ending; nothing useful to report to a client that has gone
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 61) + "..." : s;
    }
}
