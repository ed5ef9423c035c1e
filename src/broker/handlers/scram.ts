// DescribeUserScramCredentials (key 50) v0 and AlterUserScramCredentials (key 51) v0: SCRAM
// credentials kept in the security metadata log (storage/meta/security-store.ts), as Kafka's
// ScramControlManager checks them:
// - mechanism 1 is SCRAM-SHA-256, 2 SCRAM-SHA-512; another is UNSUPPORTED_SASL_MECHANISM;
// - an empty user name is UNACCEPTABLE_CREDENTIAL;
// - iterations below 4096 or above 16384 are UNACCEPTABLE_CREDENTIAL;
// - one user altered twice for the same mechanism in a request is DUPLICATE_RESOURCE for
//   that user; deleting a credential that does not exist is RESOURCE_NOT_FOUND;
// - describing a user without credentials is RESOURCE_NOT_FOUND, a user asked twice
//   DUPLICATE_RESOURCE; a null user list describes every user.
// The salted password sent by the client is turned into StoredKey and ServerKey at once and
// never stored. With an authorizer, altering needs ALTER on the cluster and describing
// DESCRIBE on it (CLUSTER_AUTHORIZATION_FAILED for every user otherwise), as in Kafka.

import { API, ErrorCode } from '../../protocol/index.ts';
import { ACL_OPERATION, authorized, CLUSTER_NAME, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { SECURITY } from '../auth/security.ts';
import { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS, scramKeys, scramMechanismByType } from '../auth/scram.ts';
import type { Component, ComponentKey } from '../component.ts';
import { defineHandler } from '../dispatch.ts';

export const describeUserScramCredentialsHandler = defineHandler(API.DescribeUserScramCredentials, {
  handle(request, ctx) {
    const store = ctx.broker.component(SECURITY).store;
    const response = API.DescribeUserScramCredentials.createResponse();
    if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      response.errorMessage = 'Cluster authorization failed.';
      return response;
    }
    const all = store.scramCredentials();
    const users = request.users === null ? [...new Set(all.map((c) => c.user))].sort() : request.users.map((u) => u.name);
    const counts = new Map<string, number>();
    for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
    const seen = new Set<string>();
    response.results = [];
    for (const user of users) {
      if (seen.has(user)) continue;
      seen.add(user);
      const credentialInfos = all.filter((c) => c.user === user).map((c) => ({ mechanism: SCRAM_MECHANISMS[c.mechanism as keyof typeof SCRAM_MECHANISMS].type, iterations: c.iterations }));
      const result = { user, errorCode: 0, errorMessage: null as string | null, credentialInfos };
      if (counts.get(user)! > 1) {
        result.errorCode = ErrorCode.DUPLICATE_RESOURCE;
        result.errorMessage = 'Cannot describe SCRAM credentials for the same user twice in a single request';
        result.credentialInfos = [];
      } else if (credentialInfos.length === 0) {
        result.errorCode = ErrorCode.RESOURCE_NOT_FOUND;
        result.errorMessage = `Attempt to describe a user credential that does not exist: ${user}`;
      }
      response.results.push(result);
    }
    return response;
  },
});

export const alterUserScramCredentialsHandler = defineHandler(API.AlterUserScramCredentials, {
  handle(request, ctx) {
    const store = ctx.broker.component(SECURITY).store;
    const response = API.AlterUserScramCredentials.createResponse();
    const errors = new Map<string, { errorCode: number; errorMessage: string }>();
    const order: string[] = [];
    const fail = (user: string, errorCode: number, errorMessage: string) => {
      if (!errors.has(user)) errors.set(user, { errorCode, errorMessage });
    };
    if (!authorized(ctx, ACL_OPERATION.ALTER, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME)) {
      const users = [...new Set([...request.deletions, ...request.upsertions].map((x) => x.name))];
      response.results = users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' }));
      return response;
    }
    const touched = new Map<string, number>();
    for (const x of [...request.deletions, ...request.upsertions]) {
      if (!order.includes(x.name)) order.push(x.name);
      const key = `${x.name}\0${x.mechanism}`;
      touched.set(key, (touched.get(key) ?? 0) + 1);
    }
    const check = (x: { name: string; mechanism: number }) => {
      if (x.name === '') return fail(x.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'), undefined;
      const mechanism = scramMechanismByType(x.mechanism);
      if (!mechanism) return fail(x.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'), undefined;
      if (touched.get(`${x.name}\0${x.mechanism}`)! > 1) return fail(x.name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'), undefined;
      return mechanism;
    };
    for (const d of request.deletions) {
      const mechanism = check(d);
      if (mechanism && !store.scramCredential(d.name, mechanism)) fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
    }
    for (const u of request.upsertions) {
      const mechanism = check(u);
      if (!mechanism) continue;
      if (u.iterations < SCRAM_MIN_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations: minimum is ${SCRAM_MIN_ITERATIONS}`);
      else if (u.iterations > SCRAM_MAX_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations: maximum is ${SCRAM_MAX_ITERATIONS}`);
      else if (u.salt.length === 0 || u.saltedPassword.length !== SCRAM_MECHANISMS[mechanism].size) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Invalid salt or salted password');
    }
    // A user's changes apply only if none of them failed, as Kafka validates per user.
    for (const d of request.deletions) {
      if (!errors.has(d.name)) store.removeScramCredential(d.name, scramMechanismByType(d.mechanism)!);
    }
    for (const u of request.upsertions) {
      if (errors.has(u.name)) continue;
      const mechanism = scramMechanismByType(u.mechanism)!;
      store.putScramCredential({ user: u.name, mechanism, salt: Buffer.from(u.salt), iterations: u.iterations, ...scramKeys(mechanism, u.saltedPassword) });
    }
    response.results = order.map((user) => ({ user, errorCode: errors.get(user)?.errorCode ?? 0, errorMessage: errors.get(user)?.errorMessage ?? null }));
    return response;
  },
});

export const SECURITY_HANDLERS = [describeUserScramCredentialsHandler, alterUserScramCredentialsHandler];
export const SECURITY_STARTUP: readonly ComponentKey<Component>[] = [SECURITY];
