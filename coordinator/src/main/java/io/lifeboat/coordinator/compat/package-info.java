/** The compatibility engine: whether a guest can run on a target host as is, after conversion, or not at all. */
package io.lifeboat.coordinator.compat;
