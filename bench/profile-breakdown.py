#!/usr/bin/env python3
"""Where the worker's time (or allocation) goes, from a collapsed async-profiler profile written
by the e2e harness with -Dbench.e2e.profile=cpu|alloc (bench/target/bench-data/profiles/*.collapsed).

  bench/profile-breakdown.py cpu   FILE RECORDS   # us of worker CPU per record, by part (1 ms per sample)
  bench/profile-breakdown.py alloc FILE RECORDS   # bytes allocated per record, by part and by site

Each stack goes to the first bucket (in the order below) of which every '&&'-separated pattern
matches some frame; the buckets are the parts named in issue 18 (docs/benchmarks.md)."""
import re, sys

BUCKETS = [
 ("JIT compiler threads", r"CompileBroker::"),
 ("GC (collector threads)", r"^(G1|GC|WorkerThread::run|ConcurrentGCThread|GangWorker|VM_G1|VMThread::|G1ConcurrentRefine|G1ServiceThread|ConcurrentMark|ParallelTask)"),
 ("commit: force/fdatasync", r"force0|fdatasync|FileChannelImpl\.force|FileDispatcherImpl\.force"),
 ("engine: CRC", r"CRC32C|crc32c|CRC32\.|updateBytes"),
 ("engine: ShardFormat encode", r"engine/format/|ShardFormat"),
 ("engine: index", r"engine/index/"),
 ("engine: write() into the page cache (kernel copy)", r"FileDispatcherImpl\.write|ksys_write|vfs_write|generic_perform_write"),
 ("engine: NaN/infinity and id validation", r"Database\.validate"),
 ("engine: other (apply, locks, catalog, shard)", r"io/jadevectordb/engine/"),
 ("converter (VectorMutationAvroConverter/Reader/MetadataTranscoder)", r"connect/avro/"),
 ("RecordMapper", r"RecordMapper"),
 ("PartitionBuffers", r"PartitionBuffers"),
 ("sink task: other (VectorSinkTask, ApplyPipeline, commit)", r"io/jadevectordb/connect/"),
 ("Connect: consumer, socket read (kernel)", r"KafkaConsumer&&_\[k\]$"),
 ("Connect: consumer poll/fetch/deserialize", r"KafkaConsumer|consumer/internals|clients/NetworkClient|common/network|common/record"),
 ("Connect: WorkerSinkTask other (convert, SinkRecord, put)", r"connect/runtime/WorkerSinkTask|connect/runtime/WorkerTask"),
 ("harness JMX/RMI polling, REST", r"sun/rmi|javax/management|com/sun/jmx|eclipse/jetty|jdk/internal/net/http"),
]
COMPILED = [(name, [re.compile(q) for q in pat.split("&&")]) for name, pat in BUCKETS]


def stacks(path):
    for line in open(path):
        line = line.strip()
        if line:
            stack, n = line.rsplit(" ", 1)
            yield stack.split(";"), int(n)


def bucket(frames):
    for name, pats in COMPILED:
        if all(any(p.search(f) for f in frames) for p in pats):
            return name
    return "other"


def by_bucket(path, records, unit, label):
    tot, total = {}, 0
    for fs, n in stacks(path):
        total += n
        b = bucket(fs)
        tot[b] = tot.get(b, 0) + n
    for b, n in sorted(tot.items(), key=lambda x: -x[1]):
        print(f"{n * unit / records:10.2f} {label} {100 * n / total:5.1f} %  {b}")
    print(f"{total * unit / records:10.2f} {label} 100.0 %  TOTAL")


def by_site(path, records):
    sites, total = {}, 0
    for fs, n in stacks(path):
        total += n
        # the innermost frame of ours, Kafka's or Apicurio's above the allocated type (the leaf)
        site = next((f for f in reversed(fs[:-1]) if re.match(r"(io/jadevectordb|org/apache/kafka|io/apicurio)", f)),
                    fs[-2] if len(fs) > 1 else "?")
        k = site + "  ->  " + fs[-1]
        sites[k] = sites.get(k, 0) + n
    print(f"allocation sites ({total / records:,.0f} bytes/record in all):")
    for k, n in sorted(sites.items(), key=lambda x: -x[1])[:20]:
        print(f"{n / records:10,.0f} B/rec {100 * n / total:5.1f} %  {k}")


if __name__ == "__main__":
    mode, path, records = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "cpu":
        by_bucket(path, records, 1000.0, "us/rec")  # interval=1ms: one sample is 1,000 us of CPU
    elif mode == "alloc":
        by_bucket(path, records, 1.0, "B/rec ")
        by_site(path, records)
    else:
        sys.exit("usage: profile-breakdown.py cpu|alloc FILE RECORDS")
