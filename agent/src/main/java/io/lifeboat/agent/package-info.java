/** The agent's API: what runs on (or proxies) one hypervisor host; drivers live in {@code hypervisor}, the backup cycle in {@code backup}. */
package io.lifeboat.agent;
