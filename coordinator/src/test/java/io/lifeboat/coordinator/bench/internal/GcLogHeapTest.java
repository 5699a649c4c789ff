package io.lifeboat.coordinator.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GcLogHeapTest {

    @Test
    void peakBeforeAndMaxAfterOverEveryCollection() {
        String log = """
                [0.011s] Using G1
                [12.503s] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 1540M->155M(2048M) 35.123ms
                [14.002s] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 700M->160M(2048M) 20.1ms
                [14.100s] GC(2) Concurrent Mark Cycle
                [14.300s] GC(2) Pause Remark 170M->168M(2048M) 2.0ms
                [20.000s] GC(3) Pause Full (System.gc()) 512K->300K(8M) 1.0ms
                """;
        GcLogHeap heap = new GcLogHeap().read(log);
        assertThat(heap.collections()).isEqualTo(4);
        assertThat(heap.peakBeforeBytes()).isEqualTo(1540L << 20);
        assertThat(heap.maxAfterBytes()).isEqualTo(168L << 20);
    }

    @Test
    void noCollectionNoFigures() {
        GcLogHeap heap = new GcLogHeap().read("[0.011s] Using G1\n");
        assertThat(heap.collections()).isZero();
        assertThat(heap.peakBeforeBytes()).isZero();
    }
}
