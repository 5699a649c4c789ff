package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.ImageRange;

import java.util.ArrayList;
import java.util.List;

/** Turns a detailed map into the grain-aligned {@link ImageRange} list of the {@code DiskImage} contract. */
final class ImageMaps {

    private ImageMaps() {
    }

    /**
     * Rounds every range that holds non-zero data outward to {@code grain} (clipped to {@code capacity}), keeps the
     * flags of the rest, and merges adjacent ranges with equal flags.
     */
    static List<ImageRange> roundToGrains(List<VmdkMapEntry> detailed, int grain, long capacity) {
        List<long[]> dataRanges = new ArrayList<>();
        for (VmdkMapEntry e : detailed) {
            if (e.data() && !e.zero()) {
                long s = e.start() / grain * grain;
                long t = Math.min(capacity, (e.end() + grain - 1) / grain * grain);
                if (!dataRanges.isEmpty() && dataRanges.get(dataRanges.size() - 1)[1] >= s) {
                    long[] last = dataRanges.get(dataRanges.size() - 1);
                    last[1] = Math.max(last[1], t);
                } else {
                    dataRanges.add(new long[] {s, t});
                }
            }
        }
        List<ImageRange> out = new ArrayList<>();
        int d = 0;
        for (VmdkMapEntry e : detailed) {
            long pos = e.start();
            long end = e.end();
            while (pos < end) {
                while (d < dataRanges.size() && dataRanges.get(d)[1] <= pos) {
                    d++;
                }
                if (d < dataRanges.size() && dataRanges.get(d)[0] <= pos) {
                    long t = Math.min(end, dataRanges.get(d)[1]);
                    add(out, pos, t, true, false);
                    pos = t;
                } else {
                    long t = d < dataRanges.size() ? Math.min(end, dataRanges.get(d)[0]) : end;
                    add(out, pos, t, e.data(), e.zero());
                    pos = t;
                }
            }
        }
        return out;
    }

    private static void add(List<ImageRange> out, long start, long end, boolean data, boolean zero) {
        if (end <= start) {
            return;
        }
        if (!out.isEmpty()) {
            ImageRange last = out.get(out.size() - 1);
            if (last.data() == data && last.zero() == zero && last.end() == start) {
                out.set(out.size() - 1, new ImageRange(last.start(), end - last.start(), data, zero));
                return;
            }
        }
        out.add(new ImageRange(start, end - start, data, zero));
    }
}
