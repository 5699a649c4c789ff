package io.lifeboat.coordinator.sim;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

import io.lifeboat.protocol.v1.Envelope;

/** An in-memory network with seeded loss, duplication, reordering (random delays) and partitions. */
final class SimNetwork {

    private static final long MS = 1_000_000L;

    private final SimScheduler scheduler;
    private final Random random;
    private final double loss;
    private final double duplication;
    private final long maxDelayNanos;
    private final Map<String, Consumer<Envelope>> endpoints = new HashMap<>();
    private final Set<String> cutLinks = new HashSet<>();
    private final Set<String> down = new HashSet<>();

    SimNetwork(SimScheduler scheduler, Random random, double loss, double duplication, long maxDelayNanos) {
        this.scheduler = scheduler;
        this.random = random;
        this.loss = loss;
        this.duplication = duplication;
        this.maxDelayNanos = maxDelayNanos;
    }

    void attach(String node, Consumer<Envelope> receiver) {
        endpoints.put(node, receiver);
    }

    /** A node whose process is down receives nothing (messages to it are lost). */
    void setDown(String node, boolean isDown) {
        if (isDown) {
            down.add(node);
        } else {
            down.remove(node);
        }
    }

    private static String link(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    void cut(String a, String b) {
        cutLinks.add(link(a, b));
    }

    void heal(String a, String b) {
        cutLinks.remove(link(a, b));
    }

    boolean linkUp(String a, String b) {
        return !cutLinks.contains(link(a, b));
    }

    void send(String from, String to, Envelope envelope) {
        if (random.nextDouble() >= loss) {
            deliverLater(from, to, envelope, 1 + (long) (random.nextDouble() * maxDelayNanos));
        }
        // A duplicate (a retransmission) travels independently of the original, which may have been lost.
        if (random.nextDouble() < duplication && random.nextDouble() >= loss) {
            // Duplicates may arrive much later than the original: old epochs meet new ones.
            deliverLater(from, to, envelope, 1 + (long) (random.nextDouble() * 2000 * MS));
        }
    }

    private void deliverLater(String from, String to, Envelope envelope, long delayNanos) {
        scheduler.schedule(delayNanos, () -> {
            if (linkUp(from, to) && !down.contains(to) && endpoints.containsKey(to)) {
                endpoints.get(to).accept(envelope);
            }
        });
    }
}
