package io.lifeboat.coordinator.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Where the voters run, by physical box, and whether losing any one box would take a majority away from the others;
 * when it would, automatic failover must not be armed.
 */
public final class VoterPlacement {

    private final Map<String, String> boxByVoter;

    /** Creates the placement from voter id to the id of the box it runs on. */
    public VoterPlacement(Map<String, String> boxByVoter) {
        this.boxByVoter = new TreeMap<>(Objects.requireNonNull(boxByVoter, "boxByVoter"));
    }

    /** Number of votes that form a majority of {@code voters}. */
    public static int majority(int voters) {
        return voters / 2 + 1;
    }

    /** The voters, sorted. */
    public List<String> voters() {
        return List.copyOf(boxByVoter.keySet());
    }

    /**
     * Returns empty when every single box can be lost and the voters left still form a majority; otherwise why
     * automatic failover is not armed, naming the box and the voters on it.
     */
    public java.util.Optional<String> whyNotArmed() {
        int total = boxByVoter.size();
        int needed = majority(total);
        if (total < 3) {
            return java.util.Optional.of("only " + total + " voter(s) " + voters() + ": losing any one box leaves no "
                    + "majority; run the coordinator on a third box outside the hosts it protects");
        }
        Map<String, List<String>> votersByBox = new TreeMap<>();
        boxByVoter.forEach((voter, box) -> votersByBox.computeIfAbsent(box, b -> new ArrayList<>()).add(voter));
        for (Map.Entry<String, List<String>> box : votersByBox.entrySet()) {
            int left = total - box.getValue().size();
            if (left < needed) {
                return java.util.Optional.of("box " + box.getKey() + " runs voters " + box.getValue() + ": losing it "
                        + "leaves " + left + " of " + total + " voters, below the majority of " + needed
                        + "; move the coordinator to a box outside the hosts it protects");
            }
        }
        return java.util.Optional.empty();
    }
}
