// The public API of the runnel package.
export { startBroker, Broker, BrokerConfig, type BrokerOptions, type RunningBroker, OAuthBearerValidationError, type OAuthBearerToken, type OAuthBearerValidationContext, type OAuthBearerValidator } from './broker/index.ts';
export { createLogger, type Logger, type LogLevel } from './logger.ts';
export { RunnelError, ProtocolError, CorruptLogError, DataDirLockedError, ConfigError, StorageError, ERROR_CODES } from './errors.ts';
export * from './client/index.ts';
