/**
 * The health check of vfleet's images: a container with no shell and no curl asks an application's
 * actuator whether it is healthy with {@link io.vfleet.healthcheck.HealthCheck}, which the base image holds.
 */
package io.vfleet.healthcheck;
