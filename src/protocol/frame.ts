// Frames and headers: the int32 size prefix, the request and response headers, and which header
// version goes with which API version (../shared/kafka-protocol/README.md, "Headers" and
// "ApiVersions handshake"). Sans-I/O: a frame here is one request or response without its size
// prefix, as the connection cuts it from the stream; encoders return chunks for writev.

import { ProtocolError } from '../errors.ts';
import { API_BY_KEY } from './generated/apis.ts';
import { decodeRequestHeader as decodeRequestHeaderData, encodeRequestHeader as encodeRequestHeaderData } from './generated/request-header.ts';
import { decodeResponseHeader as decodeResponseHeaderData, encodeResponseHeader as encodeResponseHeaderData } from './generated/response-header.ts';
import { Reader } from './primitives/reader.ts';
import type { UnknownTaggedField } from './primitives/tagged.ts';
import { Writer } from './primitives/writer.ts';

export const API_KEY_API_VERSIONS = 18;

/** The first flexible ApiVersions version: from here on the request header is v2 (KIP-511). */
const API_VERSIONS_FIRST_FLEXIBLE = 3;

export interface DecodedRequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** The client id; null when the client sent null (Kafka's broker then uses ""). */
  clientId: string | null;
  /** 1 or 2. */
  headerVersion: number;
  /** Where the request body starts in the frame. */
  bodyOffset: number;
  /**
   * True when the API key is not one this codec serves on broker listeners. The header was read
   * as v1 (api key, version, correlation id, client id) and bodyOffset is only a guess; the broker
   * should close the connection.
   */
  unknownApiKey: boolean;
  /** Tagged fields of a v2 header, if any (Kafka defines none for requests). */
  taggedFields?: UnknownTaggedField[];
}

/** The request header version for an API key and version (1, or 2 when the version is flexible). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  // ApiVersions requests at any version >= 3 are flexible, even versions newer than ours, so that
  // the broker can read the header of a request it will answer with UNSUPPORTED_VERSION.
  if (apiKey === API_KEY_API_VERSIONS) return apiVersion >= API_VERSIONS_FIRST_FLEXIBLE ? 2 : 1;
  const api = API_BY_KEY[apiKey];
  return api === undefined ? 1 : api.requestHeaderVersion(apiVersion);
}

/**
 * The response header version for an API key and version (0, or 1 when flexible). ApiVersions
 * responses always use v0, so that a client can read one whatever version it asked for.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === API_KEY_API_VERSIONS) return 0;
  const api = API_BY_KEY[apiKey];
  return api === undefined ? 0 : api.responseHeaderVersion(apiVersion);
}

/**
 * Reads the header of a request frame (the bytes after the size prefix). Reads api key and
 * version first, then the header of the version they call for. Throws ProtocolError when the
 * frame is too short or malformed.
 */
export function decodeRequestHeader(frame: Buffer): DecodedRequestHeader {
  if (frame.length < 8) throw new ProtocolError(`request frame of ${frame.length} bytes is shorter than a header`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  if (API_BY_KEY[apiKey] === undefined) return unknownApiHeader(frame, apiKey, apiVersion);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const r = new Reader(frame);
  const h = decodeRequestHeaderData(r, headerVersion);
  const decoded: DecodedRequestHeader = {
    apiKey,
    apiVersion,
    correlationId: h.correlationId,
    clientId: h.clientId,
    headerVersion,
    bodyOffset: r.offset,
    unknownApiKey: false,
  };
  if (h._unknownTaggedFields !== undefined) decoded.taggedFields = h._unknownTaggedFields;
  return decoded;
}

/** The header of a request for an API we do not serve: read as v1, as far as the bytes allow. */
function unknownApiHeader(frame: Buffer, apiKey: number, apiVersion: number): DecodedRequestHeader {
  const correlationId = frame.readInt32BE(4);
  const r = new Reader(frame, 8);
  let clientId: string | null = null;
  try {
    clientId = r.nullableString();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    r.offset = 8; // header v0 (no client id), or junk: the connection closes anyway
  }
  return { apiKey, apiVersion, correlationId, clientId, headerVersion: 1, bodyOffset: r.offset, unknownApiKey: true };
}

/**
 * Encodes a response as chunks for writev: the int32 size, the response header of the version
 * the API calls for, then the body written by `encodeBody`. Large byte strings the body writes
 * (records) stay separate chunks, by reference.
 */
export function encodeResponseFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  encodeBody: (w: Writer) => void,
): Buffer[] {
  const w = new Writer();
  w.int32(0); // the size, patched below
  encodeResponseHeaderData(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  encodeBody(w);
  return withSize(w);
}

/** Encodes a request as chunks for writev: the int32 size, the request header, then the body. */
export function encodeRequestFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  encodeBody: (w: Writer) => void,
): Buffer[] {
  const w = new Writer();
  w.int32(0); // the size, patched below
  encodeRequestHeaderData(w, requestHeaderVersion(apiKey, apiVersion), {
    requestApiKey: apiKey,
    requestApiVersion: apiVersion,
    correlationId,
    clientId,
  });
  encodeBody(w);
  return withSize(w);
}

function withSize(w: Writer): Buffer[] {
  const chunks = w.toChunks();
  // The size was the first thing written, into the writer's scratch buffer, so the first chunk
  // starts with it (chunks are views of that buffer).
  chunks[0]!.writeInt32BE(w.length - 4, 0);
  return chunks;
}

/** The correlation id of a response frame, to find the request it answers. */
export function peekCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new ProtocolError(`response frame of ${frame.length} bytes is shorter than a header`);
  return frame.readInt32BE(0);
}

export interface DecodedResponseHeader {
  correlationId: number;
  /** 0 or 1. */
  headerVersion: number;
  /** Where the response body starts in the frame. */
  bodyOffset: number;
  taggedFields?: UnknownTaggedField[];
}

/**
 * Reads the header of a response frame (the bytes after the size prefix) to a request of the
 * given API key and version. Throws ProtocolError when the frame is malformed.
 */
export function decodeResponseHeader(frame: Buffer, apiKey: number, apiVersion: number): DecodedResponseHeader {
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  const r = new Reader(frame);
  const h = decodeResponseHeaderData(r, headerVersion);
  const decoded: DecodedResponseHeader = { correlationId: h.correlationId, headerVersion, bodyOffset: r.offset };
  if (h._unknownTaggedFields !== undefined) decoded.taggedFields = h._unknownTaggedFields;
  return decoded;
}
