/** The VMware {@code .vmx} codec: a lossless parser and writer with typed accessors and guest-spec conversion. */
package io.lifeboat.agent.vmx;
