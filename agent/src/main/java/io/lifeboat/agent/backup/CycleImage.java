package io.lifeboat.agent.backup;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageInfo;
import io.lifeboat.storage.ImageRange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/** A frozen base opened for one cycle: counts the bytes read, stops reading once the cycle is cancelled. */
final class CycleImage implements DiskImage {

    private final DiskImage delegate;
    private final Path path;
    private final CycleState state;

    CycleImage(DiskImage delegate, Path path, CycleState state) {
        this.delegate = delegate;
        this.path = path;
        this.state = state;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public ImageInfo info() {
        return delegate.info();
    }

    @Override
    public long capacity() {
        return delegate.capacity();
    }

    @Override
    public int grainSize() {
        return delegate.grainSize();
    }

    @Override
    public List<ImageRange> map() throws IOException {
        state.checkNotCancelled();
        List<ImageRange> map = delegate.map();
        state.planned(path, map.stream().filter(r -> r.data() && !r.zero()).mapToLong(ImageRange::length).sum());
        return map;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        state.checkNotCancelled();
        int n = dst.remaining();
        try {
            delegate.read(offset, dst);
        } catch (IOException | RuntimeException e) {
            state.readFailed(e);
            throw e;
        }
        state.read(n);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
