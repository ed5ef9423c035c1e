// DescribeLogDirs (key 35) v0-5 and AlterReplicaLogDirs (key 34) v0-2, for the broker's one
// log directory.
//
// DescribeLogDirs lists the log dir with each partition's size in bytes (all segments),
// offset lag 0 (no future replicas) and, from v4, the file system's total and usable bytes
// (-1 for the in-memory store). Topics null means all; named topics or partitions that do
// not exist are left out, as Kafka does.
// AlterReplicaLogDirs: moving to the dir a partition is already in succeeds and changes
// nothing; any other path is LOG_DIR_NOT_FOUND; an unknown partition is
// REPLICA_NOT_AVAILABLE. Omitted: several log dirs, and so real moves between them.
// ACLs (issue 6), as KafkaApis: DescribeLogDirs needs DESCRIBE on the cluster (else no results
// and CLUSTER_AUTHORIZATION_FAILED at the top, v3+); AlterReplicaLogDirs ALTER on the cluster
// (else CLUSTER_AUTHORIZATION_FAILED for every partition).

import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { clusterAuthorized } from '../auth/access.ts';
import { ACL_OPERATION } from '../auth/authorizer.ts';

type DescribeResult = ReturnType<typeof API.DescribeLogDirs.createResponse>['results'][number];

function diskSpace(dir: string): { totalBytes: bigint; usableBytes: bigint } {
  try {
    const s = statfsSync(dir, { bigint: true });
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1n, usableBytes: -1n };
  }
}

export const describeLogDirsHandler = defineHandler(API.DescribeLogDirs, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.DescribeLogDirs.createResponse();
    if (!clusterAuthorized(ctx, ACL_OPERATION.DESCRIBE)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return response;
    }
    const wanted = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const topics: DescribeResult['topics'] = [];
    for (const topic of broker.logs.topics()) {
      const parts = wanted === null ? undefined : wanted.get(topic.name);
      if (wanted !== null && parts === undefined) continue;
      const partitions = [];
      for (let p = 0; p < topic.partitions; p++) {
        if (parts && !parts.has(p)) continue;
        const log = broker.logs.partition(topic.name, p);
        if (log) partitions.push({ partitionIndex: p, partitionSize: BigInt(log.size), offsetLag: 0n, isFutureKey: false });
      }
      if (partitions.length > 0) topics.push({ name: topic.name, partitions });
    }
    response.results = [{ errorCode: 0, logDir: broker.logs.dataDir, topics, ...diskSpace(broker.logs.dataDir), isCordoned: false }];
    return response;
  },
});

export const alterReplicaLogDirsHandler = defineHandler(API.AlterReplicaLogDirs, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.AlterReplicaLogDirs.createResponse();
    const ours = broker.logs.dataDir;
    const allowed = clusterAuthorized(ctx, ACL_OPERATION.ALTER);
    for (const dir of request.dirs) {
      const same = resolve(dir.path) === ours || dir.path === ours;
      for (const t of dir.topics) {
        response.results.push({
          topicName: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p,
            errorCode: !allowed ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : !broker.logs.partition(t.name, p) ? ErrorCode.REPLICA_NOT_AVAILABLE : same ? 0 : ErrorCode.LOG_DIR_NOT_FOUND,
          })),
        });
      }
    }
    return response;
  },
});
