package org.tdxsim.cli.serve;

/** Registers the protocol's domain operations (SEAMCALL level, KVM level, explain/check). */
final class Ops {
    private Ops() {}

    static void registerAll(OracleServer server, Session session) {
    }
}
