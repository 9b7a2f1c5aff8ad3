package io.orderflow.platform.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Puts every RocksDB state store of the process under ONE memory budget. Left alone, Kafka Streams gives
 * each store instance (one per store per task: the saga has three stores on six partitions) its own
 * 50 MB block cache and up to three 16 MB memtables, all outside the heap: about 100 MB per store
 * instance, 1.7 GB for the saga in the worst case, which a container limited to 1 GB (compose) cannot
 * hold. Here all of them share one LRU block cache of {@value #MEMORY_BYTES_CONFIG} bytes, and the
 * memtables are charged to that same cache (a {@link WriteBufferManager}), so block cache, index and
 * filter blocks and memtables together stay within the budget.
 *
 * <p>Set with {@code rocksdb.config.setter} ({@link StreamsApp#defaults} does); the budget comes from the
 * Streams config key {@value #MEMORY_BYTES_CONFIG} (default {@link #DEFAULT_MEMORY_BYTES}). The cache and the
 * manager are shared by every store of the JVM and are never closed: stores come and go with rebalances.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

    /** Streams config key: bytes for all RocksDB stores of this JVM together (block cache + memtables). */
    public static final String MEMORY_BYTES_CONFIG = "orderflow.rocksdb.memory.bytes";
    public static final long DEFAULT_MEMORY_BYTES = 64L * 1024 * 1024;
    /** Share of the budget the memtables may take; the rest caches blocks. */
    private static final double MEMTABLE_SHARE = 0.5;
    /** Share kept for index and filter blocks (high priority, so data blocks do not push them out). */
    private static final double INDEX_FILTER_SHARE = 0.1;

    private static Shared shared;

    /** The cache and memtable manager every store of this JVM uses, created on first use with its budget. */
    static synchronized Shared shared(long memoryBytes) {
        if (shared == null) {
            Cache cache = new LRUCache(memoryBytes, -1, false, INDEX_FILTER_SHARE);
            shared = new Shared(memoryBytes, cache, new WriteBufferManager((long) (memoryBytes * MEMTABLE_SHARE), cache));
        }
        return shared;
    }

    /** Bytes the stores of this JVM hold in the shared budget now (blocks and memtables); 0 before any store opened. */
    public static synchronized long usedBytes() {
        return shared == null ? 0 : shared.cache().getUsage();
    }

    /** The budget every store of this JVM shares; 0 before any store opened. */
    public static synchronized long budgetBytes() {
        return shared == null ? 0 : shared.memoryBytes();
    }

    record Shared(long memoryBytes, Cache cache, WriteBufferManager writeBuffers) {
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Shared budget = shared(memoryBytes(configs));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(budget.cache());
        // Index and filter blocks live in the budget too, not beside it, and are not evicted before data blocks.
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(budget.writeBuffers());
        // Memtables small enough that many store instances fit in the budget's memtable share.
        options.setWriteBufferSize(Math.min(options.writeBufferSize(), budget.memoryBytes() / 16));
        options.setMaxWriteBufferNumber(2);
    }

    @Override
    public void close(String storeName, Options options) {
        // Nothing of this store's own: the cache and the manager are shared and outlive it.
    }

    static long memoryBytes(Map<String, Object> configs) {
        Object value = configs.get(MEMORY_BYTES_CONFIG);
        if (value == null) {
            return DEFAULT_MEMORY_BYTES;
        }
        long bytes = value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
        if (bytes < 8L * 1024 * 1024) {
            throw new IllegalArgumentException(MEMORY_BYTES_CONFIG + " must be at least 8 MB, was " + bytes);
        }
        return bytes;
    }
}
