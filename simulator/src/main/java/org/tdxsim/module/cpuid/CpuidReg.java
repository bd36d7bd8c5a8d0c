package org.tdxsim.module.cpuid;

/** The four CPUID output registers, in the order the module stores them (EAX, EBX, ECX, EDX). */
public enum CpuidReg {
    EAX, EBX, ECX, EDX;

    /** Lower-case name as used in the JSON data files ({@code "eax"} ...). */
    public String jsonKey() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
