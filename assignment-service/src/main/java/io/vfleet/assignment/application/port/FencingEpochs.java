package io.vfleet.assignment.application.port;

/**
 * A counter per node that only grows, shared by every replica through the store: each agent call
 * carries a fresh value, so an agent refuses the call of a replica that decided earlier than the
 * last one it heard from.
 */
public interface FencingEpochs {

    long next(String node);
}
