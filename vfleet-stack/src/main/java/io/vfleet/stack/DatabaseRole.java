package io.vfleet.stack;

/** A PostgreSQL login role and its password; the password never appears in {@link #toString()}. */
public record DatabaseRole(String user, String password) {

    @Override
    public String toString() {
        return "DatabaseRole[" + user + ", password hidden]";
    }
}
