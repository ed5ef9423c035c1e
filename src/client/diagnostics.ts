// node:diagnostics_channel events, for tracing and metrics without a logger dependency
// (as @platformatic/kafka's diagnostic.ts does). Subscribing is free when nobody listens:
// publishers check `hasSubscribers` first.
//
//   runnel:client:connect     { host, port, nodeId }                     a connection is ready
//   runnel:client:disconnect  { host, port, nodeId, error? }             a connection closed
//   runnel:client:request     { host, port, apiKey, apiName, apiVersion, correlationId, body }
//   runnel:client:response    { ...request, durationMs, error? }
//   runnel:client:metadata    { brokers, topics }                        metadata refreshed
//   runnel:client:retry       { operation, attempt, delayMs, error }

import diagnostics from 'node:diagnostics_channel';

export const channels = {
  connect: diagnostics.channel('runnel:client:connect'),
  disconnect: diagnostics.channel('runnel:client:disconnect'),
  request: diagnostics.channel('runnel:client:request'),
  response: diagnostics.channel('runnel:client:response'),
  metadata: diagnostics.channel('runnel:client:metadata'),
  retry: diagnostics.channel('runnel:client:retry'),
} as const;

export function publish(channel: diagnostics.Channel, message: () => object): void {
  if (channel.hasSubscribers) channel.publish(message());
}
