// What storage needs from a logger. The broker's Logger (src/logger.ts) fits this shape;
// storage does not import it, to keep its dependencies pointing down.

export interface StorageLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Default: warnings go to process warnings, info is dropped. */
export const defaultStorageLogger: StorageLogger = {
  info() {},
  warn(message) {
    process.emitWarning(message, { code: 'RUNNEL_STORAGE' });
  },
};
